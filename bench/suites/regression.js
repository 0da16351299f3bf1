// Regression suite: the training step of exercise 5's forecaster, SequenceRegressor(LSTM) with a
// linear head of O outputs on the last step and a mean-squared-error loss, on univariate windows
// (B, T, 1): R1 the forecast command's model on a 256-window batch, R2 a wider and longer one.
// Against TensorFlow.js doing the same model (tf.layers.lstm -> dense, tf.losses.meanSquaredError,
// the same clipping and SGD); see lib/regression-workloads.js.

import { peakCase } from '../lib/peak.js';
import {
  checkRegressionLosses,
  REGRESSION_SHAPES,
  regressionTrainingFlops,
  regressionWorkload,
  tfRegressionWorkload,
} from '../lib/regression-workloads.js';
import { packageRunners, tfjsRunners } from '../lib/runners.js';
import { speedupOverTfjsWasm } from '../lib/targets.js';

export const name = 'regression';
export const title =
  'Regression training steps: SequenceRegressor(LSTM) on (B, T, 1) windows, O outputs, MSE, SGD + clipping (windows/s)';
export const usesTfjs = true;

/** TensorFlow.js always runs, also under --quick. */
const TFJS_CAP = { quick: Infinity, full: Infinity };
const JS_CAP = { quick: 5_000, full: 30_000 };
/** The first wasm step also grows the heap (seconds on a busy machine): --quick still measures R2. */
const WASM_CAP = { quick: 10_000, full: 30_000 };

export function caseName(shape) {
  return `${shape} LSTM regression step`;
}

/** @param {import('../lib/types.js').SuiteContext} ctx */
export function cases(ctx) {
  /** @type {import('../lib/types.js').Case[]} */
  const list = [peakCase(ctx)];
  for (const shape of Object.keys(REGRESSION_SHAPES)) {
    const dims = REGRESSION_SHAPES[shape];
    list.push({
      name: caseName(shape),
      group: `${shape} (B=${dims.B}, T=${dims.T}, H=${dims.H}, O=${dims.O})`,
      unit: 'windows/s',
      work: dims.B,
      flops: regressionTrainingFlops(dims),
      rateGroup: 'lstm regression training',
      runners: {
        ...packageRunners(
          ctx,
          async (backend, label) => {
            const w = regressionWorkload(ctx.lib, backend, dims);
            return {
              run: w.trainingStep,
              warmUp: label === 'js' ? w.smallTrainingStep : undefined,
              check: () => checkRegressionLosses(w.losses),
            };
          },
          { maxCallMs: { js: JS_CAP, 'wasm-simd': WASM_CAP, 'wasm-relaxed': WASM_CAP } },
        ),
        ...tfjsRunners(
          ctx,
          (tf) => {
            const w = tfRegressionWorkload(tf, dims);
            return {
              run: w.trainingStep,
              warmUp: w.smallTrainingStep,
              check: () => checkRegressionLosses(w.losses),
              dispose: w.dispose,
            };
          },
          { maxCallMs: TFJS_CAP },
        ),
      },
    });
  }
  return list;
}

/** The speed-up over tfjs-wasm asked of the language-model steps, reported here too. */
const SPEEDUP_OVER_TFJS_WASM = 15;

/** @param {import('../lib/types.js').ResultLookup} lookup */
export function targets(lookup) {
  return speedupOverTfjsWasm(
    lookup,
    SPEEDUP_OVER_TFJS_WASM,
    Object.keys(REGRESSION_SHAPES).map((shape) => ({ name: shape, caseName: caseName(shape) })),
  );
}

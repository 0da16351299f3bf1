// Layers suite: the fused recurrent layers alone (LSTM, GRU, RNN from src/layers) on dense
// inputs x (T, B, I = 28), forward (no gradient recorded) and forward+backward (loss
// sum(out * R) for a fixed random R; weight gradients, no input gradient), at the shapes of
// C1 (B = 1024, T = 32, H = 32) and C2 (B = 64, T = 64, H = 256). Against TensorFlow.js's
// tf.layers.lstm / gru / simpleRNN with returnSequences on the same shapes (batch-first there),
// with tf.variableGrads for the backward pass.

import { peakCase } from '../lib/peak.js';
import { packageRunners, tfjsRunners } from '../lib/runners.js';
import { tfLayerWorkload } from '../lib/tfjs-models.js';
import { CELL_TITLES, checkHidden, layerWorkload, NOMINAL_FLOPS, SHAPES } from '../lib/workloads.js';

export const name = 'layers';
export const title =
  'Fused layers: forward and forward+backward on dense inputs, I = 28 (tok/s = B x T rows per second)';
export const usesTfjs = true;

const PASSES = {
  forward: { title: 'forward', flops: NOMINAL_FLOPS.layerForward },
  'forward+backward': { title: 'fwd+bwd', flops: NOMINAL_FLOPS.layerForwardBackward },
};

/** @param {import('../lib/types.js').SuiteContext} ctx */
export function cases(ctx) {
  /** @type {import('../lib/types.js').Case[]} */
  const list = [peakCase(ctx)];
  for (const shape of ['C1', 'C2']) {
    const dims = SHAPES[shape];
    for (const cell of ['lstm', 'gru', 'rnn']) {
      for (const [pass, { title: passTitle, flops }] of Object.entries(PASSES)) {
        const backward = pass !== 'forward';
        list.push({
          name: `${shape} ${CELL_TITLES[cell]} ${passTitle}`,
          group: `${shape} (B=${dims.B}, T=${dims.T}, H=${dims.H}) ${CELL_TITLES[cell]}`,
          unit: 'tok/s',
          work: dims.B * dims.T,
          flops: flops(cell, dims),
          // Time per flop predicts across cells well enough to skip calls far over a cap.
          rateGroup: `layer ${pass}`,
          runners: {
            ...packageRunners(
              ctx,
              async (backend) => {
                const w = await layerWorkload(ctx.lib, backend, cell, dims);
                return {
                  run: backward ? w.forwardBackward : w.forward,
                  check: () =>
                    checkHidden(w.sampleOutput()) ??
                    (backward && !(w.gradientNorm() > 0) ? 'zero gradient' : undefined),
                  dispose: w.dispose,
                };
              },
              { only: ctx.quick ? ['wasm-simd', 'wasm-relaxed'] : undefined },
            ),
            ...tfjsRunners(
              ctx,
              (tf) => {
                const w = tfLayerWorkload(tf, cell, dims);
                return {
                  run: backward ? w.forwardBackward : w.forward,
                  warmUp: backward ? w.smallForwardBackward : w.smallForward,
                  check: () => checkHidden(w.sampleOutput()),
                  dispose: w.dispose,
                };
              },
              { only: ctx.quick ? ['tfjs-wasm'] : undefined, maxCallMs: { quick: 2_500 } },
            ),
          },
        });
      }
    }
  }
  return list;
}

export function summary(rows, ctx) {
  return ctx.quick
    ? '--quick: js and tfjs-cpu are not run in this suite (seconds per call on these shapes); the full bench runs them.'
    : '';
}

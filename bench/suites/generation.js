// Generation suite (C3): B = 1, H = 256, V = 28. Greedy generation of 200 tokens with
// RNNLM(LSTM).predict (the fused layer's stepper: the prefix a token per call, then the greedy
// tokens in a few fused decoding calls, Kernels.decodeGreedy, each running the cell step, the
// output layer and the argmax of many tokens), and one forward pass of the language model over a 1000-token
// sequence. TensorFlow.js: a stateful copy of the same model stepped with model.predict per
// token (argMax read back to choose the next), and model.apply on the 1000-step one-hot input.

import { packageRunners, tfjsRunners } from '../lib/runners.js';
import { ms, targetLine, threadSpeedupLine } from '../lib/targets.js';
import { tfGenerationWorkload, tfLanguageModelWorkload } from '../lib/tfjs-models.js';
import { benchVocab, checkLosses, languageModelWorkload, NOMINAL_FLOPS, VOCAB } from '../lib/workloads.js';

export const name = 'generation';
export const title = 'Generation and long sequences (C3): RNNLM(LSTM), B = 1, H = 256, V = 28';
export const usesTfjs = true;

const H = 256;
const GENERATED = 200;
const LONG_SEQUENCE = 1000;

/** TensorFlow.js takes a second or two per call here: run it under --quick too. */
const TFJS_CAP = { quick: 5_000 };

export const GENERATE_CASE = `C3 predict ${GENERATED} tokens`;
export const FORWARD_CASE = `C3 LM forward ${LONG_SEQUENCE} steps`;

/** @param {import('../lib/types.js').SuiteContext} ctx */
export function cases(ctx) {
  const vocab = benchVocab();
  const perToken = NOMINAL_FLOPS.lmForward('lstm', { B: 1, T: 1, H });
  return [
    {
      name: GENERATE_CASE,
      group: 'generation',
      unit: 'tok/s',
      work: GENERATED,
      flops: GENERATED * perToken,
      note: 'greedy, fused decoding (cell, output layer, argmax per token in one call)',
      runners: {
        ...packageRunners(ctx, async (backend) => {
          const w = await languageModelWorkload(ctx.lib, backend, 'lstm', { B: 1, T: 1, H });
          let text = '';
          return {
            run: () => {
              text = w.model.predict('t', GENERATED, vocab);
            },
            check: () =>
              [...text].length === GENERATED + 1 && [...text].every((c) => vocab.idxToToken.includes(c))
                ? undefined
                : `predict returned ${[...text].length} characters, expected ${GENERATED + 1}`,
          };
        }),
        ...tfjsRunners(
          ctx,
          (tf) => {
            const w = tfGenerationWorkload(tf, 'lstm', H);
            return {
              run: () => w.generate(GENERATED),
              warmUp: () => w.generate(8),
              check: () => {
                const ids = w.lastIds();
                return ids.length === GENERATED + 1 && ids.every((id) => id >= 0 && id < VOCAB)
                  ? undefined
                  : `generated ${ids.length} ids, expected ${GENERATED + 1}`;
              },
              dispose: w.dispose,
            };
          },
          { maxCallMs: TFJS_CAP },
        ),
      },
    },
    {
      name: FORWARD_CASE,
      group: 'long sequence',
      unit: 'tok/s',
      work: LONG_SEQUENCE,
      flops: NOMINAL_FLOPS.lmForward('lstm', { B: 1, T: LONG_SEQUENCE, H }),
      note: 'logits of one 1000-token sequence, no gradient',
      runners: {
        ...packageRunners(ctx, async (backend) => {
          const w = await languageModelWorkload(ctx.lib, backend, 'lstm', { B: 1, T: LONG_SEQUENCE, H });
          return { run: w.forward, check: () => checkLosses([w.evaluate()]) };
        }),
        ...tfjsRunners(
          ctx,
          (tf) => {
            const w = tfLanguageModelWorkload(tf, 'lstm', { B: 1, T: LONG_SEQUENCE, H });
            return { run: w.forward, dispose: w.dispose };
          },
          { maxCallMs: TFJS_CAP },
        ),
      },
    },
  ];
}

const TOKENS_PER_SECOND = 40_000;
const FORWARD_MS = 16;
/** Two threads against one, same build (issue 14): generation, and the 1000-step forward. */
const GENERATION_SPEEDUP = 1.4;
const FORWARD_SPEEDUP = 1.6;
const TWO_THREADS = ['wasm-simd-t2', 'wasm-relaxed-t2'];

/** @param {import('../lib/types.js').ResultLookup} lookup */
export function targets(lookup) {
  const lines = [];
  for (const label of ['wasm-simd', 'wasm-relaxed']) {
    const rate = lookup.rate(GENERATE_CASE, label);
    lines.push(
      targetLine(`C3 generation, ${label} >= ${TOKENS_PER_SECOND / 1000}k tok/s`, label, [
        {
          name: '',
          outcome:
            rate === undefined
              ? undefined
              : { ok: rate >= TOKENS_PER_SECOND, text: `${(rate / 1000).toFixed(1)}k tok/s` },
        },
      ]),
    );
  }
  for (const label of ['wasm-simd', 'wasm-relaxed']) {
    const t = lookup.medianMs(FORWARD_CASE, label);
    lines.push(
      targetLine(`1000-step forward, ${label} <= ${FORWARD_MS} ms`, label, [
        { name: '', outcome: t === undefined ? undefined : { ok: t <= FORWARD_MS, text: ms(t) } },
      ]),
    );
  }
  for (const label of TWO_THREADS) {
    lines.push(threadSpeedupLine(lookup, label, [['', GENERATE_CASE]], GENERATION_SPEEDUP, 'C3 generation'));
  }
  for (const label of TWO_THREADS) {
    lines.push(threadSpeedupLine(lookup, label, [['', FORWARD_CASE]], FORWARD_SPEEDUP, '1000-step forward'));
  }
  return lines;
}

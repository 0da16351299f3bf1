// RNNLM (the concise language model) with the fused layers: token ids straight
// into the first layer equal the one-hot path (logits and every gradient within
// 1e-6), d2l's dense head layout and init, step-by-step predict/sample equal to
// re-running d2l's loop, flat memory while generating, and training with the
// unchanged Trainer.

import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/index.js';
import { LSTM } from '../../src/layers/lstm.js';
import { GRU } from '../../src/layers/gru.js';
import type { CellKind } from '../../src/layers/cell-kernels.js';
import { RNNLM } from '../../src/models/rnnlm.js';
import type { TokenBatch } from '../../src/data/time-machine.js';
import { RNNLMScratch, type TokenVocabulary } from '../../src/models/rnnlm-scratch.js';
import { endStep } from '../../src/tensor/tensor.js';
import { Trainer } from '../../src/train/trainer.js';
import { kernelVariants, randomIds } from '../support/backends.js';
import { maxDiff } from '../support/compare.js';
import { makeLayer } from './support.js';

// d2l's character vocabulary, with '#' standing in for '<unk>' so that every token is one character.
const ALPHABET = [' ', '#', ...'abcdefghijklmnopqrstuvwxyz'];
const vocab: TokenVocabulary = {
  length: ALPHABET.length,
  idxToToken: ALPHABET,
  indexOf: (token) => {
    const i = ALPHABET.indexOf(token);
    return i < 0 ? 1 : i;
  },
};
const V = ALPHABET.length;

/** d2l's RNNLMScratch.predict loop (one-hot input, rnn.forward per token with the state carried). */
function rerunPredict(model: RNNLM, prefix: string, numPreds: number): string {
  const generate = (
    RNNLMScratch.prototype as unknown as {
      generate(this: RNNLM, p: string, n: number, v: TokenVocabulary, c: (l: Float64Array) => number): string;
    }
  ).generate;
  const argmax = (l: Float64Array) => l.indexOf(Math.max(...l));
  return generate.call(model, prefix, numPreds, vocab, argmax);
}

describe.each(kernelVariants())('$variant: RNNLM with fused layers', ({ create }) => {
  const cells: CellKind[] = ['lstm', 'gru', 'rnn'];

  it.each(cells)("%s: token ids give the one-hot path's logits and gradients (within 1e-6)", async (cell) => {
    const backend = await create();
    const B = 3;
    const T = 5;
    const rnn = makeLayer(cell, { numInputs: V, numHiddens: 6, numLayers: 2, bidirectional: true, seed: 1, backend });
    const model = new RNNLM(rnn, { vocabSize: V, lr: 1, seed: 2 });
    const X = randomIds(3, B * T, V);
    const Y = randomIds(4, B * T, V);
    const run = (path: 'ids' | 'onehot') => {
      model.zeroGrad();
      const [logits] =
        path === 'ids' ? model.forward(X, B, T) : [model.outputLayer(rnn.forward(model.oneHot(X, B, T))[0])];
      const values = logits.toArray();
      model.loss(logits, Y).backward();
      const grads = new Map([...model.parameters()].map(([name, p]) => [name, p.gradToArray()!]));
      endStep(backend);
      return { values, grads };
    };
    const dense = run('onehot');
    const sparse = run('ids');
    expect(sparse.values.length).toBe(T * B * V);
    expect(maxDiff(sparse.values, dense.values)).toBeLessThanOrEqual(1e-6);
    for (const [name, g] of dense.grads) expect(maxDiff(sparse.grads.get(name)!, g), name).toBeLessThanOrEqual(1e-6);
  });

  it.each(cells)("%s: predict steps on a persistent state and equals d2l's loop; memory stays flat", async (cell) => {
    const backend = await create();
    const rnn = makeLayer(cell, { numInputs: V, numHiddens: 16, numLayers: 2, seed: 5, backend });
    const model = new RNNLM(rnn, { vocabSize: V, seed: 6 });
    // Larger output weights than the init, so that the argmax is decisive.
    model.linear.weight.assign(model.linear.weight.toArray().map((v) => v * 8));
    const got = model.predict('it has', 20, vocab);
    expect(got).toHaveLength(26);
    expect(got.startsWith('it has')).toBe(true);
    expect(got).toBe(rerunPredict(model, 'it has', 20));
    endStep(backend);
    const heap = backend.heap.usedBytes;
    const scratch = backend.scratch.usedElements;
    model.predict('time traveller', 200, vocab);
    model.sample('the', 100, vocab, { seed: 1 });
    expect(backend.heap.usedBytes).toBe(heap);
    expect(backend.scratch.usedElements).toBe(scratch);
  });

  it('sample is seeded, and a tiny temperature gives predict', async () => {
    const backend = await create();
    const model = new RNNLM(new GRU({ numInputs: V, numHiddens: 12, seed: 7, backend }), { vocabSize: V, seed: 8 });
    model.linear.weight.assign(model.linear.weight.toArray().map((v) => v * 8));
    const a = model.sample('the ', 30, vocab, { seed: 3 });
    expect(model.sample('the ', 30, vocab, { seed: 3 })).toBe(a);
    expect(model.sample('the ', 30, vocab, { seed: 4 })).not.toBe(a);
    expect(model.sample('the ', 30, vocab, { seed: 3, temperature: 1e-6 })).toBe(model.predict('the ', 30, vocab));
  });
});

describe('RNNLM head and training', async () => {
  const backend = await createBackend('js');

  it("has d2l's dense output layer: linear.weight (V, W), linear.bias (V), U(-1/sqrt(W), 1/sqrt(W))", () => {
    const rnn = new LSTM({ numInputs: V, numHiddens: 32, bidirectional: true, seed: 1, backend });
    const model = new RNNLM(rnn, { vocabSize: V, lr: 4, seed: 2 });
    const params = model.parameters();
    expect(params.get('linear.weight')!.shape).toEqual([V, 64]);
    expect(params.get('linear.bias')!.shape).toEqual([V]);
    expect(params.has('rnn.weight_ih_l0_reverse')).toBe(true);
    const bound = 1 / Math.sqrt(64);
    for (const name of ['linear.weight', 'linear.bias']) {
      const values = [...params.get(name)!.toArray()];
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.5 * bound);
    }
    // d2l's LSTM chapter: 4 * 32 * (28 + 32) + 2 * 4 * 32 = 7,936 in the layer, 28 * 33 = 924 in the head.
    const uni = new RNNLM(new LSTM({ numInputs: V, numHiddens: 32, seed: 1, backend }), { vocabSize: V, seed: 2 });
    expect(uni.numParameters()).toBe(7936 + 924);
  });

  it('trains with the unchanged Trainer (loss falls on a repetitive text), and with RNNLMScratch too', () => {
    const text = 'the time machine the time traveller the time machine '.repeat(8);
    const ids = [...text].map((c) => vocab.indexOf(c));
    const B = 8;
    const T = 10;
    const batches: TokenBatch[] = [];
    for (let start = 0; start + B * (T + 1) < ids.length; start += 37) {
      const X = new Int32Array(B * T);
      const Y = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          X[b * T + t] = ids[(start + b * 13 + t) % ids.length];
          Y[b * T + t] = ids[(start + b * 13 + t + 1) % ids.length];
        }
      }
      batches.push({ X, Y, batchSize: B, numSteps: T });
    }
    const data = {
      trainBatches: () => batches,
      valBatches: () => batches.slice(0, 2),
      numTrainBatches: batches.length,
      numValBatches: 2,
    };
    for (const model of [
      new RNNLM(new LSTM({ numInputs: V, numHiddens: 32, seed: 3, backend }), { vocabSize: V, lr: 4, seed: 4 }),
      new RNNLMScratch(new GRU({ numInputs: V, numHiddens: 32, seed: 3, backend }), { vocabSize: V, lr: 4, seed: 4 }),
    ]) {
      const history = new Trainer({ maxEpochs: 15, gradientClipVal: 1, progress: false }).fit(model, data);
      const first = history.epochs[0].trainPerplexity;
      const last = history.epochs[history.epochs.length - 1].trainPerplexity;
      expect(first).toBeGreaterThan(8);
      expect(last).toBeLessThan(first / 2);
    }
  });
});

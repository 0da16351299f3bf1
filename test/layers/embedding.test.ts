// Embedding (PyTorch's nn.Embedding) and the concise RNNLM that takes it: the parameter's name,
// shape and N(0, 1) init; the lookup in any layout; clear errors; the weight gradient against
// central finite differences (float64 js), alone and through the language model with either input
// projection of a fused first layer, or a scratch cell; both projections agreeing on every
// backend; generation through the embedding equal to d2l's loop, in flat memory.

import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/index.js';
import { chooseProjection } from '../../src/layers/recurrent-layer.js';
import type { CellKind } from '../../src/layers/cell-kernels.js';
import { Embedding, type EmbeddingProjection } from '../../src/layers/embedding.js';
import { LSTM } from '../../src/layers/lstm.js';
import { LSTMScratch } from '../../src/models/lstm-scratch.js';
import { RNNLM } from '../../src/models/rnnlm.js';
import { RNNLMScratch, type TokenVocabulary } from '../../src/models/rnnlm-scratch.js';
import { createLanguageModel } from '../../src/models/zoo.js';
import { endStep } from '../../src/tensor/tensor.js';
import { float64Reference, kernelVariants, randomIds } from '../support/backends.js';
import { maxAbs, maxDiff } from '../support/compare.js';
import { checkGradients, project } from '../support/gradcheck.js';
import { makeLayer } from './support.js';

describe('Embedding', async () => {
  const backend = await createBackend('js');

  it("has PyTorch's parameter: weight (numEmbeddings, embeddingDim) from N(0, 1), seeded", () => {
    const embedding = new Embedding(500, 64, { seed: 3, backend });
    expect([...embedding.parameters().keys()]).toEqual(['weight']);
    expect(embedding.weight.shape).toEqual([500, 64]);
    const values = embedding.weight.toArray();
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    // 32,000 draws: the standard error of the mean is 0.0056, of the standard deviation 0.004.
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.02);
    expect(new Embedding(500, 64, { seed: 3, backend }).weight.toArray()).toEqual(values);
    expect(new Embedding(500, 64, { seed: 4, backend }).weight.toArray()).not.toEqual(values);
  });

  it('looks up rows in the layout given, and transposes (B, T) ids to time-major on request', () => {
    const embedding = new Embedding(5, 3, { seed: 1, backend });
    const weight = embedding.weight.toArray();
    const row = (id: number) => [...weight.subarray(id * 3, id * 3 + 3)];
    const ids = [4, 0, 2, 2, 1, 4]; // (B, T) = (2, 3)
    const out = embedding.forward(ids, [2, 3]);
    expect(out.shape).toEqual([2, 3, 3]);
    expect([...out.toArray()]).toEqual(ids.flatMap(row));
    expect(embedding.forward([3]).shape).toEqual([1, 3]);
    const timeMajor = embedding.forwardTimeMajor(ids, 2, 3);
    expect(timeMajor.shape).toEqual([3, 2, 3]);
    expect([...timeMajor.toArray()]).toEqual([4, 2, 0, 1, 2, 4].flatMap(row));
    endStep(backend);
  });

  it('names the argument in its errors', () => {
    expect(() => new Embedding(0, 3, { backend })).toThrow(/numEmbeddings must be a positive integer, got 0/);
    expect(() => new Embedding(4, 2.5, { backend })).toThrow(/embeddingDim must be a positive integer, got 2.5/);
    const embedding = new Embedding(4, 2, { seed: 1, backend });
    expect(() => embedding.forward([0, 4])).toThrow(/Embedding: token id 4 at index 1 is outside \[0, 4\)/);
    expect(() => embedding.forward([1.5])).toThrow(/token id 1.5/);
    expect(() => embedding.forward([0, 1, 2], [2, 2])).toThrow(/shape \[2,2\] holds 4 ids, got 3/);
    expect(() => embedding.forwardTimeMajor([0, -1], 1, 2)).toThrow(/Embedding: token id -1 at \(0, 1\)/);
    endStep(backend);
  });

  it('chooses the table when the vocabulary has fewer rows than the batch has tokens', () => {
    expect(chooseProjection('auto', 5000, 64 * 32)).toBe('gather');
    expect(chooseProjection('auto', 5000, 1024 * 32)).toBe('table');
    expect(chooseProjection('table', 5000, 1)).toBe('table');
    expect(chooseProjection('gather', 28, 32768)).toBe('gather');
  });
});

describe('Embedding and RNNLM: gradients against finite differences (float64 js)', async () => {
  const backend = await float64Reference();
  const V = 7;
  const D = 3;
  const B = 2;
  const T = 3;
  const X = [0, 5, 5, 2, 0, 6]; // (B, T), repeated ids
  const Y = [5, 5, 2, 0, 6, 1];

  it('Embedding alone: the weight gradient adds the rows of repeated ids', () => {
    const embedding = new Embedding(V, D, { seed: 2, backend });
    checkGradients(backend, [embedding.weight], () => project(backend, embedding.forward(X, [B, T]), 9));
  });

  const combos: [CellKind, EmbeddingProjection][] = [];
  for (const cell of ['lstm', 'gru', 'rnn'] as CellKind[])
    for (const p of ['table', 'gather'] as const) combos.push([cell, p]);

  it.each(combos)('RNNLM(%s, 2 layers, bidirectional) through the embedding, projection %s', (cell, projection) => {
    const rnn = makeLayer(cell, { numInputs: D, numHiddens: 2, numLayers: 2, bidirectional: true, seed: 3, backend });
    const model = new RNNLM(rnn, { vocabSize: V, embeddingDim: D, seed: 4 });
    model.embedding!.projection = projection;
    checkGradients(backend, [...model.parameters().values()], () => model.loss(model.forward(X, B, T)[0], Y));
  });

  it('RNNLM around a scratch cell takes the embedding too (embedded inputs instead of one-hot)', () => {
    const model = new RNNLM(new LSTMScratch(D, 2, 0.5, { seed: 5, backend }), {
      vocabSize: V,
      embeddingDim: D,
      seed: 6,
    });
    expect(model.parameters().get('rnn.W_xi')!.shape).toEqual([D, 2]);
    checkGradients(backend, [...model.parameters().values()], () => model.loss(model.forward(X, B, T)[0], Y));
  });
});

// d2l's character vocabulary, with '#' standing in for '<unk>' so that every token is one character.
const ALPHABET = [' ', '#', ...'abcdefghijklmnopqrstuvwxyz'];
const vocab: TokenVocabulary = {
  length: ALPHABET.length,
  idxToToken: ALPHABET,
  indexOf: (token) => Math.max(ALPHABET.indexOf(token), 1),
};

describe.each(kernelVariants())('$variant: RNNLM with an embedding', ({ create }) => {
  it.each(['lstm', 'gru', 'rnn'] as CellKind[])(
    '%s: the table and the gathered projections agree (logits within 2e-6, gradients 2e-5)',
    async (cell) => {
      const backend = await create();
      const V = 300;
      const D = 24;
      const B = 5;
      const T = 7;
      const rnn = makeLayer(cell, {
        numInputs: D,
        numHiddens: 33,
        numLayers: 2,
        bidirectional: true,
        seed: 1,
        backend,
      });
      const model = new RNNLM(rnn, { vocabSize: V, embeddingDim: D, seed: 2 });
      const X = randomIds(3, B * T, V);
      const Y = randomIds(4, B * T, V);
      const run = (projection: EmbeddingProjection) => {
        model.embedding!.projection = projection;
        model.zeroGrad();
        const [logits] = model.forward(X, B, T);
        const values = logits.toArray();
        model.loss(logits, Y).backward();
        const grads = new Map([...model.parameters()].map(([name, p]) => [name, p.gradToArray()!]));
        endStep(backend);
        return { values, grads };
      };
      const table = run('table');
      const gather = run('gather');
      expect(maxDiff(table.values, gather.values)).toBeLessThanOrEqual(2e-6);
      for (const [name, g] of gather.grads) {
        const scale = Math.max(1, maxAbs(g));
        expect(maxDiff(table.grads.get(name)!, g) / scale, name).toBeLessThanOrEqual(2e-5);
      }
    },
  );

  it("predict through the embedding equals d2l's loop, and memory stays flat", async () => {
    const backend = await create();
    const V = vocab.length;
    const model = new RNNLM(new LSTM({ numInputs: 16, numHiddens: 24, numLayers: 2, seed: 5, backend }), {
      vocabSize: V,
      embeddingDim: 16,
      seed: 6,
    });
    model.linear.weight.assign(model.linear.weight.toArray().map((v) => v * 8));
    const got = model.predict('it has', 20, vocab);
    expect(got).toHaveLength(26);
    // d2l's loop: RNNLMScratch's generate, which feeds rnn.forward(embed(token)) with the state carried.
    const argmax = (l: Float64Array) => l.indexOf(Math.max(...l));
    const generate = (
      RNNLMScratch.prototype as unknown as {
        generate(this: RNNLM, p: string, n: number, v: TokenVocabulary, c: (l: Float64Array) => number): string;
      }
    ).generate;
    expect(got).toBe(generate.call(model, 'it has', 20, vocab, argmax));
    endStep(backend);
    const heap = backend.heap.usedBytes;
    const scratch = backend.scratch.usedElements;
    model.predict('time traveller', 100, vocab);
    model.sample('the', 50, vocab, { seed: 1 });
    expect(backend.heap.usedBytes).toBe(heap);
    expect(backend.scratch.usedElements).toBe(scratch);
  });
});

describe('RNNLM with an embedding: construction', async () => {
  const backend = await createBackend('js');

  it("names its parameters as PyTorch's nn.Embedding + nn.LSTM + nn.Linear model", () => {
    const model = new RNNLM(new LSTM({ numInputs: 16, numHiddens: 8, seed: 1, backend }), {
      vocabSize: 50,
      embeddingDim: 16,
      seed: 2,
    });
    const shapes = Object.fromEntries([...model.parameters()].map(([name, p]) => [name, p.shape]));
    expect(shapes).toEqual({
      'embedding.weight': [50, 16],
      'rnn.weight_ih_l0': [32, 16],
      'rnn.weight_hh_l0': [32, 8],
      'rnn.bias_ih_l0': [32],
      'rnn.bias_hh_l0': [32],
      'linear.weight': [50, 8],
      'linear.bias': [50],
    });
    // The embedding draws from a stream of its own: the output layer is the one without it.
    const plain = new RNNLM(new LSTM({ numInputs: 50, numHiddens: 8, seed: 1, backend }), { vocabSize: 50, seed: 2 });
    expect(model.linear.weight.toArray()).toEqual(plain.linear.weight.toArray());
  });

  it('refuses a recurrent network whose inputs are not the embedding width', () => {
    const rnn = new LSTM({ numInputs: 12, numHiddens: 8, seed: 1, backend });
    expect(() => new RNNLM(rnn, { vocabSize: 50, embeddingDim: 16 })).toThrow(
      /RNNLM: the recurrent network takes 12 inputs but embeddingDim is 16/,
    );
  });

  it('createLanguageModel builds it from a spec with embeddingDim (concise models only)', () => {
    const model = createLanguageModel(
      { kind: 'gru', vocabSize: 40, numHiddens: 8, embeddingDim: 6, lr: 1, seed: 3 },
      backend,
    );
    expect(model.parameters().get('embedding.weight')!.shape).toEqual([40, 6]);
    expect(model.parameters().get('rnn.weight_ih_l0')!.shape).toEqual([24, 6]);
    expect(() =>
      createLanguageModel(
        { kind: 'lstm-scratch', vocabSize: 40, numHiddens: 8, embeddingDim: 6, lr: 1, seed: 3 },
        backend,
      ),
    ).toThrow(/embeddingDim need a concise model/);
    expect(() =>
      createLanguageModel({ kind: 'lstm', vocabSize: 40, numHiddens: 8, embeddingDim: 0, lr: 1, seed: 3 }, backend),
    ).toThrow(/embeddingDim must be a positive integer, got 0/);
  });
});

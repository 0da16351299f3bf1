// The d2l scratch cells: parameters, gradients against finite differences
// (float64), wasm against js, state handling, and memory use over many steps.
import { describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src/index.js';
import type { CellKind } from '../../src/layers/cell-kernels.js';
import { GRUScratch } from '../../src/models/gru-scratch.js';
import { LSTMScratch } from '../../src/models/lstm-scratch.js';
import type { Recurrent } from '../../src/nn/recurrent.js';
import { RNNLMScratch } from '../../src/models/rnnlm-scratch.js';
import { RNNScratch } from '../../src/models/rnn-scratch.js';
import { noGrad } from '../../src/tensor/tape.js';
import { endStep, type Tensor } from '../../src/tensor/tensor.js';
import { float64Reference, randomIds } from '../support/backends.js';
import { checkGradients } from '../support/gradcheck.js';

function makeCell(name: CellKind, V: number, H: number, backend: Backend, seed = 7, sigma = 0.01): Recurrent {
  const options = { seed, backend };
  if (name === 'lstm') return new LSTMScratch(V, H, sigma, options);
  if (name === 'gru') return new GRUScratch(V, H, sigma, options);
  return new RNNScratch(V, H, sigma, options);
}

describe('LSTMScratch parameters', async () => {
  const backend = await createBackend('js');
  it('has the book gates, shapes and count (8,732 with V = 28, h = 32)', () => {
    const lstm = new LSTMScratch(28, 32, 0.01, { seed: 1, backend });
    const model = new RNNLMScratch(lstm, { vocabSize: 28, lr: 4, seed: 2 });
    const names = [...model.parameters().keys()];
    expect(names).toEqual([
      'W_hq',
      'b_q',
      ...['i', 'f', 'o', 'c'].flatMap((g) => [`rnn.W_x${g}`, `rnn.W_h${g}`, `rnn.b_${g}`]),
    ]);
    expect(lstm.numParameters()).toBe(7808);
    expect(model.numParameters()).toBe(8732);
    expect(lstm.W_xi.shape).toEqual([28, 32]);
    expect(lstm.W_hc.shape).toEqual([32, 32]);
    const w = lstm.W_xf.toArray();
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.009);
    expect(std).toBeLessThan(0.011);
    expect(lstm.b_o.toArray().every((v) => v === 0)).toBe(true);
  });

  it('is reproducible from its seed', () => {
    const a = new LSTMScratch(5, 4, 0.01, { seed: 9, backend }).W_hf.toArray();
    const b = new LSTMScratch(5, 4, 0.01, { seed: 9, backend }).W_hf.toArray();
    const c = new LSTMScratch(5, 4, 0.01, { seed: 10, backend }).W_hf.toArray();
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('rejects bad sizes and states', () => {
    expect(() => new LSTMScratch(0, 4, 0.01, { backend })).toThrow(/numInputs must be a positive integer/);
    const lstm = new LSTMScratch(3, 4, 0.01, { seed: 1, backend });
    const model = new RNNLMScratch(lstm, { vocabSize: 3, seed: 1 });
    expect(() => model.forward([0, 1, 2], 1, 2)).toThrow(/expected 1 x 2 = 2 token ids/);
    const [, [H]] = lstm.forward(model.oneHot([0, 1], 1, 2));
    expect(() => lstm.forward(model.oneHot([0, 1, 2, 0], 2, 2), [H, H] as Tensor[])).toThrow(/state must be \(2, 4\)/);
    endStep(backend);
  });
});

describe.each(['lstm', 'gru', 'rnn'] as const)('%s scratch + output layer + loss', (cellName) => {
  it('gradients match central finite differences in float64', async () => {
    const backend = await float64Reference();
    const V = 5;
    const cell = makeCell(cellName, V, 3, backend, 3, 0.5); // sigma 0.5: gates far from linear
    const model = new RNNLMScratch(cell, { vocabSize: V, seed: 4 });
    const X = randomIds(5, 2 * 3, V);
    const Y = randomIds(6, 2 * 3, V);
    const params = [...model.parameters().values()];
    const worst = checkGradients(
      backend,
      params,
      () => {
        const [logits] = model.forward(X, 2, 3);
        return model.loss(logits, Y);
      },
      { eps: 1e-6, tolerance: 1e-6 },
    );
    expect(worst).toBeLessThan(1e-6);
    endStep(backend);
  });

  it('wasm and js agree on loss and every gradient (float32, 1e-5 relative to the largest)', async () => {
    const results: Float64Array[][] = [];
    for (const backend of [await createBackend('js'), await createBackend('wasm', { build: 'simd' })]) {
      const model = new RNNLMScratch(makeCell(cellName, 28, 16, backend, 11, 0.3), { vocabSize: 28, seed: 12 });
      const X = randomIds(13, 8 * 10, 28);
      const Y = randomIds(14, 8 * 10, 28);
      const [logits] = model.forward(X, 8, 10);
      const loss = model.loss(logits, Y);
      loss.backward();
      results.push([Float64Array.of(loss.item()), ...[...model.parameters().values()].map((p) => p.gradToArray()!)]);
      endStep(backend);
    }
    const [js, wasm] = results;
    js.forEach((reference, k) => {
      const scale = Math.max(...reference.map(Math.abs), 1e-12);
      const worst = Math.max(...reference.map((v, i) => Math.abs(v - wasm[k][i])));
      expect(worst / scale, `tensor ${k}`).toBeLessThan(1e-5);
    });
  });
});

describe('state handling (the d2l bug that discarded a given state)', async () => {
  const backend = await createBackend('js');
  const V = 6;
  const model = new RNNLMScratch(new LSTMScratch(V, 8, 0.8, { seed: 21, backend }), { vocabSize: V, seed: 22 });
  const vocab = { length: V, idxToToken: ['a', 'b', 'c', 'd', 'e', 'f'], indexOf: (t: string) => 'abcdef'.indexOf(t) };

  /** Logits after feeding `text` one character at a time, threading the state as predict does. */
  function logitsAfter(rnn: Recurrent, text: string): Float64Array {
    return noGrad(() => {
      let state;
      let logits: Float64Array = new Float64Array();
      for (const ch of text) {
        const [outputs, next] = rnn.forward(model.oneHot([vocab.indexOf(ch)], 1, 1), state);
        state = next;
        logits = model.outputLayer(outputs).toArray();
      }
      return logits;
    });
  }

  it('a given state is honoured: the same last character after different prefixes gives different logits', () => {
    const a = logitsAfter(model.rnn, 'abcd');
    const b = logitsAfter(model.rnn, 'fedd');
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeGreaterThan(1e-3);
    endStep(backend);
  });

  it('the check above fails for a cell that drops its state, as d2l alpha did', () => {
    const forgetful = {
      forward: (inputs: Tensor) => model.rnn.forward(inputs), // state argument ignored
    } as unknown as Recurrent;
    const a = logitsAfter(forgetful, 'abcd');
    const b = logitsAfter(forgetful, 'fedd');
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBe(0);
    endStep(backend);
  });

  it('predict warms up on the prefix: outputs depend on more than the last prefix character', () => {
    const first = model.predict('abcd', 10, vocab);
    const second = model.predict('fedd', 10, vocab);
    expect(first.startsWith('abcd')).toBe(true);
    expect(first).toHaveLength(14);
    // Greedy continuations from the two warmed-up states must match the argmax of logitsAfter.
    const argmax = (v: Float64Array) => v.indexOf(Math.max(...v));
    expect(first[4]).toBe(vocab.idxToToken[argmax(logitsAfter(model.rnn, 'abcd'))]);
    expect(second[4]).toBe(vocab.idxToToken[argmax(logitsAfter(model.rnn, 'fedd'))]);
    endStep(backend);
  });

  it('sample is reproducible from its seed and rejects a bad temperature', () => {
    const a = model.sample('ab', 30, vocab, { seed: 5, temperature: 1 });
    expect(model.sample('ab', 30, vocab, { seed: 5, temperature: 1 })).toBe(a);
    expect(a).toHaveLength(32);
    expect(() => model.sample('ab', 3, vocab, { temperature: 0 })).toThrow(/temperature must be positive/);
    endStep(backend);
  });
});

describe('memory over many training steps', () => {
  it('the heap stops growing after the first steps (temporaries live in the reset scratch arena)', async () => {
    const backend = await createBackend('wasm', { build: 'simd' });
    const model = new RNNLMScratch(new LSTMScratch(28, 32, 0.01, { seed: 1, backend }), {
      vocabSize: 28,
      lr: 1,
      seed: 2,
    });
    const optimizer = model.configureOptimizers();
    const X = randomIds(3, 64 * 16, 28);
    const Y = randomIds(4, 64 * 16, 28);
    const sizes: number[] = [];
    for (let step = 0; step < 40; step++) {
      const loss = model.trainingStep({ X, Y, batchSize: 64, numSteps: 16 });
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      endStep(backend);
      sizes.push(backend.heap.sizeBytes + backend.heap.usedBytes);
    }
    expect(sizes[39]).toBe(sizes[2]);
  });
});

describe('scratch cell options for the vanishing-gradient lab', async () => {
  const backend = await float64Reference();
  const V = 5;
  const X = randomIds(31, 2 * 4, V);
  const Y = randomIds(32, 2 * 4, V);

  it.each([
    [
      'LSTMScratch without the output tanh (H = O * C)',
      () => new LSTMScratch(V, 3, 0.5, { seed: 3, backend, outputTanh: false }),
    ],
    [
      'GRUScratch with the reset after the product (PyTorch)',
      () => new GRUScratch(V, 3, 0.5, { seed: 3, backend, resetAfter: true }),
    ],
  ])('%s: gradients match finite differences', (_name, makeCellUnderTest) => {
    const cell = makeCellUnderTest();
    if (cell instanceof GRUScratch) cell.b_hn!.assign([0.3, -0.2, 0.5]); // a non-zero b_hn must be differentiated too
    const model = new RNNLMScratch(cell, { vocabSize: V, seed: 4 });
    const worst = checkGradients(backend, [...model.parameters().values()], () => {
      const [logits] = model.forward(X, 2, 4);
      return model.loss(logits, Y);
    });
    expect(worst).toBeLessThan(1e-6);
    endStep(backend);
  });

  it('onStep hands over every step its named activations, in order; H = O * C without the output tanh', () => {
    const lstm = new LSTMScratch(V, 3, 0.5, { seed: 5, backend, outputTanh: false });
    const model = new RNNLMScratch(lstm, { vocabSize: V, seed: 6 });
    const seen: number[] = [];
    noGrad(() =>
      lstm.forward(model.oneHot(X, 2, 4), undefined, {
        onStep: (t, a) => {
          seen.push(t);
          expect(Object.keys(a).sort()).toEqual(['C', 'CTilde', 'F', 'H', 'I', 'O']);
          const [o, c, h] = [a.O.toArray(), a.C.toArray(), a.H.toArray()];
          h.forEach((v, i) => expect(v).toBeCloseTo(o[i] * c[i], 14));
        },
      }),
    );
    expect(seen).toEqual([0, 1, 2, 3]);
    const gru = new GRUScratch(V, 3, 0.5, { seed: 5, backend });
    const names: string[][] = [];
    noGrad(() => gru.forward(model.oneHot(X, 2, 4), undefined, { onStep: (_t, a) => names.push(Object.keys(a)) }));
    expect(names).toHaveLength(4);
    expect(names[0].sort()).toEqual(['H', 'HTilde', 'R', 'Z']);
    endStep(backend);
  });

  it("resetAfter changes the book's GRU: the two differ for the same weights", () => {
    const book = new GRUScratch(V, 3, 0.5, { seed: 7, backend });
    const pytorch = new GRUScratch(V, 3, 0.5, { seed: 7, backend, resetAfter: true });
    expect([...pytorch.parameters().keys()]).toEqual([...book.parameters().keys(), 'b_hn']);
    const inputs = new RNNLMScratch(book, { vocabSize: V, seed: 1 }).oneHot(X, 2, 4);
    const [, a] = noGrad(() => book.forward(inputs));
    const [, b] = noGrad(() => pytorch.forward(inputs));
    expect(Math.max(...a.toArray().map((v, i) => Math.abs(v - b.toArray()[i])))).toBeGreaterThan(1e-3);
    endStep(backend);
  });
});

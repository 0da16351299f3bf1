// The fused layers' PyTorch semantics: parameter names, shapes and init,
// state handling, batch-first layout, dropout between layers, errors, and
// step-by-step generation against the full-sequence forward.

import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/index.js';
import { GRU } from '../../src/layers/gru.js';
import { LSTM } from '../../src/layers/lstm.js';
import type { CellKind } from '../../src/layers/cell-kernels.js';
import { RNN } from '../../src/layers/rnn.js';
import { mul, oneHot, reshape, sum } from '../../src/tensor/ops.js';
import { noGrad } from '../../src/tensor/tape.js';
import { endStep, fromArray, zeros, type Tensor } from '../../src/tensor/tensor.js';
import { kernelVariants, randomIds } from '../support/backends.js';
import { maxDiff } from '../support/compare.js';
import { leaf, project } from '../support/gradcheck.js';
import { makeLayer } from './support.js';

describe('parameters (PyTorch names, layout and init)', async () => {
  const backend = await createBackend('js');

  it('registers weight_ih/hh and bias_ih/hh per layer and direction, in PyTorch order and shapes', () => {
    const lstm = new LSTM({ numInputs: 7, numHiddens: 5, numLayers: 2, bidirectional: true, seed: 1, backend });
    const expected: [string, number[]][] = [];
    for (const l of [0, 1]) {
      for (const suffix of ['', '_reverse']) {
        const inputs = l === 0 ? 7 : 10;
        expected.push(
          [`weight_ih_l${l}${suffix}`, [20, inputs]],
          [`weight_hh_l${l}${suffix}`, [20, 5]],
          [`bias_ih_l${l}${suffix}`, [20]],
          [`bias_hh_l${l}${suffix}`, [20]],
        );
      }
    }
    expect([...lstm.parameters()].map(([name, p]) => [name, [...p.shape]])).toEqual(expected);
    expect(lstm.numHiddens).toBe(10);
    expect(lstm.hiddenSize).toBe(5);
    const gru = new GRU({ numInputs: 3, numHiddens: 4, seed: 1, backend });
    expect(gru.parameters().get('weight_ih_l0')!.shape).toEqual([12, 3]);
    expect(gru.parameters().get('weight_hh_l0')!.shape).toEqual([12, 4]);
    const rnn = new RNN({ numInputs: 3, numHiddens: 4, seed: 1, backend });
    expect(rnn.parameters().get('bias_hh_l0')!.shape).toEqual([4]);
    expect(rnn.numParameters()).toBe(4 * 3 + 4 * 4 + 4 + 4);
  });

  it('initialises every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), reproducibly per seed', () => {
    const H = 16;
    const a = new GRU({ numInputs: 9, numHiddens: H, numLayers: 2, seed: 42, backend });
    const b = new GRU({ numInputs: 9, numHiddens: H, numLayers: 2, seed: 42, backend });
    const c = new GRU({ numInputs: 9, numHiddens: H, numLayers: 2, seed: 43, backend });
    const bound = 1 / Math.sqrt(H);
    const all = (m: GRU) => [...m.parameters().values()].flatMap((p) => [...p.toArray()]);
    const values = all(a);
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...values)).toBeGreaterThan(0.9 * bound);
    expect(Math.min(...values)).toBeLessThan(-0.9 * bound);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.1 * bound);
    expect(all(b)).toEqual(values);
    expect(all(c)).not.toEqual(values);
  });

  it('rejects bad options, inputs and states with clear errors', () => {
    expect(() => new LSTM({ numInputs: 0, numHiddens: 3, backend })).toThrow(/numInputs/);
    expect(() => new LSTM({ numInputs: 2, numHiddens: 3, dropout: 1, backend })).toThrow(/dropout/);
    const lstm = new LSTM({ numInputs: 2, numHiddens: 3, numLayers: 2, seed: 1, backend });
    expect(() => lstm.forward(zeros([4, 2, 5], backend))).toThrow(/\(T, B, 2\)/);
    const h = zeros([2, 2, 3], backend);
    expect(() => lstm.forward(zeros([4, 2, 2], backend), h)).toThrow(/\[h0, c0\]/);
    expect(() => lstm.forward(zeros([4, 2, 2], backend), [h, zeros([1, 2, 3], backend)])).toThrow(/\(2, 2, 3\)/);
    expect(() => lstm.forwardTokens([0, 1, 2], 1, 3)).toThrow(/outside \[0, 2\)/);
    endStep(backend);
  });
});

describe.each(kernelVariants())('$variant: state, layout and dropout', ({ create }) => {
  const cells: CellKind[] = ['lstm', 'gru', 'rnn'];

  it.each(cells)('%s: the final state is the last output of each direction; no state means zeros', async (cell) => {
    const backend = await create();
    const T = 5;
    const B = 3;
    const H = 6;
    const layer = makeLayer(cell, { numInputs: 4, numHiddens: H, numLayers: 2, bidirectional: true, seed: 2, backend });
    const x = leaf(backend, [T, B, 4], 3);
    const [outputs, state] = noGrad(() => layer.forward(x));
    const hN = (Array.isArray(state) ? state[0] : state) as Tensor;
    expect(hN.shape).toEqual([4, B, H]);
    const out = outputs.toArray();
    const h = hN.toArray();
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        // top layer: forward direction ends at t = T-1, reverse at t = 0
        expect(h[(2 * B + b) * H + j]).toBe(out[((T - 1) * B + b) * 2 * H + j]);
        expect(h[(3 * B + b) * H + j]).toBe(out[(0 * B + b) * 2 * H + H + j]);
      }
    }
    const zeroState = zeros([4, B, H], backend);
    const [withZeros] = noGrad(() => layer.forward(x, cell === 'lstm' ? [zeroState, zeroState] : zeroState));
    expect(maxDiff(withZeros.toArray(), out)).toBe(0);
    endStep(backend);
  });

  it.each(cells)('%s: batchFirst is the time-major layer on transposed inputs, gradients included', async (cell) => {
    const backend = await create();
    const T = 4;
    const B = 3;
    const timeMajor = makeLayer(cell, { numInputs: 2, numHiddens: 5, bidirectional: true, seed: 9, backend });
    const batchFirst = makeLayer(cell, {
      numInputs: 2,
      numHiddens: 5,
      bidirectional: true,
      batchFirst: true,
      seed: 9,
      backend,
    });
    const xT = leaf(backend, [T, B, 2], 4);
    const values = xT.toArray();
    const xB = leaf(backend, [B, T, 2], 4);
    const swapped = new Float64Array(values.length);
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++)
        for (let i = 0; i < 2; i++) swapped[(b * T + t) * 2 + i] = values[(t * B + b) * 2 + i];
    xB.assign(swapped);
    const [outT] = timeMajor.forward(xT);
    const [outB] = batchFirst.forward(xB);
    expect(outB.shape).toEqual([B, T, 10]);
    const a = outT.toArray();
    const bValues = outB.toArray();
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < 10; j++) expect(bValues[(b * T + t) * 10 + j]).toBeCloseTo(a[(t * B + b) * 10 + j], 6);
      }
    }
    // The same loss through both layouts gives the same weight gradients.
    const weights = new Float64Array(a.length).map((_, i) => Math.sin(i));
    const weightsB = new Float64Array(a.length);
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++)
        for (let j = 0; j < 10; j++) weightsB[(b * T + t) * 10 + j] = weights[(t * B + b) * 10 + j];
    endStep(backend);
    for (const [layer, x, w] of [
      [timeMajor, xT, weights],
      [batchFirst, xB, weightsB],
    ] as const) {
      layer.zeroGrad();
      const [out] = layer.forward(x);
      sum(mul(out, fromArray(w, out.shape, backend))).backward();
      endStep(backend);
    }
    const gT = [...timeMajor.parameters().values()].map((p) => p.gradToArray()!);
    const gB = [...batchFirst.parameters().values()].map((p) => p.gradToArray()!);
    gT.forEach((g, k) => expect(maxDiff(g, gB[k])).toBeLessThanOrEqual(1e-5));
  });

  it('dropout acts between layers in training mode only, seeded', async () => {
    const backend = await create();
    const options = { numInputs: 3, numHiddens: 8, numLayers: 3, dropout: 0.5, seed: 5, backend };
    const x = leaf(backend, [6, 2, 3], 7);
    const run = (layer: LSTM) => noGrad(() => layer.forward(x)[0].toArray());
    const a = new LSTM(options);
    const b = new LSTM(options);
    const plain = new LSTM({ ...options, dropout: 0 });
    const trainA = run(a);
    expect(run(b)).toEqual(trainA); // same seed, same masks
    expect(maxDiff(run(a), trainA)).toBeGreaterThan(1e-3); // a new mask per forward
    expect(maxDiff(trainA, run(plain))).toBeGreaterThan(1e-3);
    a.eval();
    plain.eval();
    expect(run(a)).toEqual(run(plain));
    // One layer: nothing lies between layers, so dropout changes nothing (as in PyTorch).
    const single = new LSTM({ ...options, numLayers: 1 });
    const singlePlain = new LSTM({ ...options, numLayers: 1, dropout: 0 });
    expect(run(single)).toEqual(run(singlePlain));
    endStep(backend);
  });

  it.each(cells)('%s: the stepper reproduces forward step by step, with flat memory', async (cell) => {
    const backend = await create();
    const V = 6;
    const ids = [1, 4, 0, 5, 5, 2, 3];
    // Unidirectional: the stepper's outputs are the full sequence's outputs.
    const uni = makeLayer(cell, { numInputs: V, numHiddens: 7, numLayers: 2, seed: 8, backend });
    const full = noGrad(() => uni.forwardTokens(ids, 1, ids.length)[0].toArray());
    const stepper = uni.stepper(1);
    const heapBefore = backend.heap.usedBytes;
    const scratchBefore = backend.scratch.usedElements;
    ids.forEach((id, t) => {
      const out = stepper.stepTokens([id]);
      const got = backend.heap.floats.subarray(out, out + 7);
      expect(maxDiff(got, full.subarray(t * 7, (t + 1) * 7))).toBeLessThanOrEqual(1e-6);
    });
    expect(backend.heap.usedBytes).toBe(heapBefore);
    expect(backend.scratch.usedElements).toBe(scratchBefore);
    stepper.dispose();
    // Bidirectional: each step is a one-step sequence from the carried state (d2l's predict).
    const bi = makeLayer(cell, { numInputs: V, numHiddens: 3, bidirectional: true, seed: 8, backend });
    const biStepper = bi.stepper(1);
    let state: Tensor | readonly Tensor[] | undefined;
    for (const id of ids) {
      const [out, next] = noGrad(() => bi.forward(reshape(oneHot([id], V, backend), [1, 1, V]), state));
      state = next;
      const ptr = biStepper.stepTokens([id]);
      expect(maxDiff(backend.heap.floats.subarray(ptr, ptr + 6), out.toArray())).toBeLessThanOrEqual(1e-6);
    }
    biStepper.dispose();
    endStep(backend);
  });

  it('token ids equal one-hot inputs for the layer alone (values and gradients)', async () => {
    const backend = await create();
    const V = 9;
    const B = 3;
    const T = 4;
    const ids = randomIds(12, B * T, V);
    const layer = new GRU({ numInputs: V, numHiddens: 5, numLayers: 2, bidirectional: true, seed: 3, backend });
    const runWith = (useIds: boolean) => {
      layer.zeroGrad();
      const timeMajor = Array.from({ length: T * B }, (_, k) => ids[(k % B) * T + Math.floor(k / B)]);
      const [out] = useIds
        ? layer.forwardTokens(ids, B, T)
        : layer.forward(reshape(oneHot(timeMajor, V, backend), [T, B, V]));
      const values = out.toArray();
      project(backend, out, 2).backward();
      const grads = [...layer.parameters().values()].map((p) => p.gradToArray()!);
      endStep(backend);
      return { values, grads };
    };
    const dense = runWith(false);
    const sparse = runWith(true);
    expect(maxDiff(sparse.values, dense.values)).toBeLessThanOrEqual(1e-6);
    sparse.grads.forEach((g, k) => expect(maxDiff(g, dense.grads[k])).toBeLessThanOrEqual(1e-6));
  });
});

// The fused layers against references built from small ops, in float64 on the
// js backend: LSTM and RNN against d2l's scratch cells (weights copied across,
// gate order mapped, the scratch bias in bias_ih and bias_hh zero), the GRU
// against GRUScratch with resetAfter (PyTorch's formulation). Stacks and the
// reverse direction are assembled from the cells the way d2l's
// StackedRNNScratch and BiRNNScratch do.
//
// Every cell x direction x depth (1, 2, 3) with every combination of
// B in {1, 3}, T in {1, 7}, H in {5, 33} (plus B = 1, T = 33, where the layer
// packs W_hh for the one-row product), with random initial states, on every
// backend variant. Tolerances: outputs and final states within 1e-5 absolute;
// gradients (every parameter, the inputs, the initial states) within 1e-4 of
// the largest reference gradient of that tensor.

import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/index.js';
import type { CellKind } from '../../src/layers/cell-kernels.js';
import { endStep, type Tensor } from '../../src/tensor/tensor.js';
import { float64Reference, kernelVariants } from '../support/backends.js';
import { maxAbs, maxDiff } from '../support/compare.js';
import { leaf } from '../support/gradcheck.js';
import { lossTerms, makeLayer, ReferenceStack } from './support.js';

interface Case {
  cell: CellKind;
  layers: number;
  bidirectional: boolean;
  B: number;
  T: number;
  H: number;
}

const cases: Case[] = [];
for (const cell of ['lstm', 'gru', 'rnn'] as CellKind[]) {
  for (const layers of [1, 2, 3]) {
    for (const bidirectional of [false, true]) {
      for (const B of [1, 3])
        for (const T of [1, 7]) for (const H of [5, 33]) cases.push({ cell, layers, bidirectional, B, T, H });
    }
  }
  // One row over 32+ steps: the layer runs on a packed copy of W_hh.
  cases.push({ cell, layers: 2, bidirectional: true, B: 1, T: 33, H: 33 });
}

const I = 4;

interface Run {
  outputs: Float64Array;
  hN: Float64Array;
  cN: Float64Array | null;
  grads: Map<string, Float64Array>;
}

/** Seed of the loss's weights (lossTerms), the same for the reference and the fused run. */
const LOSS_SEED = 91;

function runReference(c: Case, seed: number, reference: Backend, stack: ReferenceStack): Run {
  const D = c.bidirectional ? 2 : 1;
  const x = leaf(reference, [c.T, c.B, I], seed + 1);
  const h0 = leaf(reference, [c.layers * D, c.B, c.H], seed + 2);
  const c0 = leaf(reference, [c.layers * D, c.B, c.H], seed + 3);
  stack.zeroGrad();
  const { outputs, hN, cN } = stack.forward(x, h0, c.cell === 'lstm' ? c0 : undefined);
  const result = { outputs: outputs.toArray(), hN: hN.toArray(), cN: cN?.toArray() ?? null };
  lossTerms(reference, outputs, hN, cN, LOSS_SEED).backward();
  const grads = stack.gradientsByName();
  grads.set('x', x.gradToArray()!);
  grads.set('h0', h0.gradToArray()!);
  if (c.cell === 'lstm') grads.set('c0', c0.gradToArray()!);
  endStep(reference);
  return { ...result, grads };
}

function runFused(c: Case, seed: number, backend: Backend, stack: ReferenceStack): Run {
  const D = c.bidirectional ? 2 : 1;
  const layer = makeLayer(c.cell, {
    numInputs: I,
    numHiddens: c.H,
    numLayers: c.layers,
    bidirectional: c.bidirectional,
    seed: 5,
    backend,
  });
  stack.copyInto(layer);
  const x = leaf(backend, [c.T, c.B, I], seed + 1);
  const h0 = leaf(backend, [c.layers * D, c.B, c.H], seed + 2);
  const c0 = leaf(backend, [c.layers * D, c.B, c.H], seed + 3);
  const [outputs, state] = layer.forward(x, c.cell === 'lstm' ? [h0, c0] : h0);
  const [hN, cN] = Array.isArray(state) ? state : [state as Tensor, null];
  const result = { outputs: outputs.toArray(), hN: hN.toArray(), cN: cN?.toArray() ?? null };
  lossTerms(backend, outputs, hN, cN, LOSS_SEED).backward();
  const grads = new Map<string, Float64Array>();
  for (const [name, p] of layer.parameters()) grads.set(name, p.gradToArray()!);
  grads.set('x', x.gradToArray()!);
  grads.set('h0', h0.gradToArray()!);
  if (c.cell === 'lstm') grads.set('c0', c0.gradToArray()!);
  endStep(backend);
  return { ...result, grads };
}

describe.each(kernelVariants())('$variant: fused layers equal the reference cells', ({ create }) => {
  it.each(cases)('$cell layers=$layers bidirectional=$bidirectional B=$B T=$T H=$H', async (c) => {
    const backend = await create();
    const reference = await float64Reference();
    const seed = 1000 * c.layers + 100 * c.B + 10 * c.T + c.H + (c.bidirectional ? 7 : 0);
    // Weights U(-0.5, 0.5) make every gate work hard over a few steps; over 33 steps a tanh RNN with
    // them amplifies float32 rounding past 1e-5 (about 1e-5 on wasm either way), so the long cases
    // use PyTorch's own init scale 1/sqrt(H).
    const scale = c.T > 8 ? 1 / Math.sqrt(c.H) : 0.5;
    const stack = new ReferenceStack(c.cell, I, c.H, c.layers, c.bidirectional ? 2 : 1, reference, seed, scale);
    const want = runReference(c, seed, reference, stack);
    const got = runFused(c, seed, backend, stack);
    expect(got.outputs.length).toBe(c.T * c.B * (c.bidirectional ? 2 : 1) * c.H);
    expect(maxDiff(got.outputs, want.outputs), 'outputs').toBeLessThanOrEqual(1e-5);
    expect(maxDiff(got.hN, want.hN), 'final h').toBeLessThanOrEqual(1e-5);
    if (c.cell === 'lstm') expect(maxDiff(got.cN!, want.cN!), 'final c').toBeLessThanOrEqual(1e-5);
    expect([...got.grads.keys()].sort()).toEqual([...want.grads.keys()].sort());
    for (const [name, g] of want.grads) {
      const scale = Math.max(maxAbs(g), 1e-3);
      expect(maxDiff(got.grads.get(name)!, g) / scale, `gradient of ${name}`).toBeLessThanOrEqual(1e-4);
    }
  });
});

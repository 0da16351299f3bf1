// The concise RNNLM with an embedding against real PyTorch: the model a PyTorch user writes
// (nn.Embedding + nn.LSTM/GRU/RNN + nn.Linear, attributes embedding, rnn, linear) with its
// state_dict loaded by name, on every backend, through both input projections of the first layer
// (the (V, G H) table E W_ih^T read by id, and the gathered rows times W_ih^T). Goldens from
// scripts/torch-golden/embedding-lm.py (test/fixtures/torch/embedding-lm.json).
//
// Tolerances: float32 backends within 2e-6 of torch's float32 logits and loss (values of order 1,
// summed in another order: a few ulp) and within 2e-5 of max(1, |largest gradient|) for every
// gradient; the float64 js backend within 1e-12 of torch's float64 (the same algebra).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/internal.js';
import type { CellKind } from '../../src/layers/cell-kernels.js';
import type { EmbeddingProjection } from '../../src/layers/embedding.js';
import { RNNLM } from '../../src/models/rnnlm.js';
import { endStep } from '../../src/tensor/tensor.js';
import { float64Reference, kernelVariants } from '../support/backends.js';
import { maxAbs, maxDiff } from '../support/compare.js';
import { makeLayer } from './support.js';

interface TorchRun {
  logits: number[];
  loss: number;
  gradients: Record<string, number[]>;
}

interface TorchCase {
  cell: CellKind;
  vocabSize: number;
  embeddingDim: number;
  numHiddens: number;
  numLayers: number;
  bidirectional: boolean;
  batchSize: number;
  numSteps: number;
  X: number[];
  Y: number[];
  parameters: Record<string, { shape: number[]; data: number[] }>;
  float32: TorchRun;
  float64: TorchRun;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/embedding-lm.json', import.meta.url), 'utf8')) as {
  cases: TorchCase[];
};

function label(c: TorchCase): string {
  return `${c.cell} V=${c.vocabSize} D=${c.embeddingDim} H=${c.numHiddens} L=${c.numLayers} bi=${c.bidirectional}`;
}

/** The torch model rebuilt with its state_dict; the parameter names must be exactly torch's. */
function build(backend: Backend, c: TorchCase): RNNLM {
  const rnn = makeLayer(c.cell, {
    numInputs: c.embeddingDim,
    numHiddens: c.numHiddens,
    numLayers: c.numLayers,
    bidirectional: c.bidirectional,
    seed: 1,
    backend,
  });
  const model = new RNNLM(rnn, { vocabSize: c.vocabSize, embeddingDim: c.embeddingDim, seed: 2 });
  const params = model.parameters();
  expect([...params.keys()].sort()).toEqual(Object.keys(c.parameters).sort());
  for (const [name, { shape, data }] of Object.entries(c.parameters)) {
    expect(params.get(name)!.shape, name).toEqual(shape);
    params.get(name)!.assign(data);
  }
  return model;
}

function run(model: RNNLM, c: TorchCase, projection: EmbeddingProjection): TorchRun {
  model.embedding!.projection = projection;
  model.zeroGrad();
  const [logits] = model.forward(c.X, c.batchSize, c.numSteps);
  const loss = model.loss(logits, c.Y);
  const result: TorchRun = { logits: [...logits.toArray()], loss: loss.item(), gradients: {} };
  loss.backward();
  for (const [name, p] of model.parameters()) result.gradients[name] = [...p.gradToArray()!];
  endStep(model.backend);
  return result;
}

function compare(got: TorchRun, want: TorchRun, valueTolerance: number, gradientTolerance: number): void {
  expect(maxDiff(got.logits, want.logits), 'logits').toBeLessThanOrEqual(valueTolerance);
  expect(Math.abs(got.loss - want.loss), 'loss').toBeLessThanOrEqual(valueTolerance);
  for (const [name, g] of Object.entries(want.gradients)) {
    const scale = Math.max(1, maxAbs(g));
    expect(maxDiff(got.gradients[name], g) / scale, `gradient of ${name}`).toBeLessThanOrEqual(gradientTolerance);
  }
}

const projections: EmbeddingProjection[] = ['table', 'gather'];

describe.each(kernelVariants())("$variant: RNNLM with an embedding equals PyTorch's", ({ create }) => {
  it.each(fixture.cases.map((c) => [label(c), c] as const))('%s', async (_, c) => {
    const backend = await create();
    const model = build(backend, c);
    for (const projection of projections) compare(run(model, c, projection), c.float32, 2e-6, 2e-5);
  });
});

describe('float64 js: RNNLM with an embedding equals PyTorch in float64', () => {
  it.each(fixture.cases.map((c) => [label(c), c] as const))('%s', async (_, c) => {
    const backend = await float64Reference();
    const model = build(backend, c);
    for (const projection of projections) compare(run(model, c, projection), c.float64, 1e-12, 1e-12);
  });
});

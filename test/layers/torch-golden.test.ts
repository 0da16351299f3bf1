// The fused layers against real PyTorch: goldens written by scripts/torch-golden/layers.py (torch's own
// seeded initialisation, float32) for LSTM, GRU and RNN, one layer, two stacked layers, and two
// bidirectional layers, with and without an initial state. Each file's parameters are loaded with
// loadStateDict by their PyTorch names, and the outputs, final states and the gradients of
// L = sum(out * R) + sum(hN * S) [+ sum(cN * Q)] with respect to every parameter, the input and the
// initial state are compared on every backend: forward within 1e-5, gradients within 1e-4 (absolute,
// for values of order 1: float32 sums in another order differ by a few ulp).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/internal.js';
import { decodeSafetensors, type NamedTensor } from '../../src/io/safetensors.js';
import type { CellKind } from '../../src/layers/cell-kernels.js';
import { add, mul, sum } from '../../src/tensor/ops.js';
import { endStep, fromArray, type Tensor } from '../../src/tensor/tensor.js';
import { kernelVariants } from '../support/backends.js';
import { maxDiff } from '../support/compare.js';
import { makeLayer } from './support.js';

const dir = join(__dirname, '../fixtures/torch/layers');
const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors'));

interface Case {
  cell: CellKind;
  numInputs: number;
  numHiddens: number;
  numLayers: number;
  bidirectional: boolean;
}

describe.each(kernelVariants())('PyTorch goldens on $variant', ({ create }) => {
  it.each(files)('%s', async (file) => {
    const backend: Backend = await create();
    const { tensors, metadata } = decodeSafetensors(readFileSync(join(dir, file)));
    const golden = (name: string): NamedTensor => tensors.get(name)!;
    const spec = JSON.parse(metadata.case) as Case;
    const layer = makeLayer(spec.cell, { ...spec, backend, seed: 1 });
    layer.loadStateDict(tensors, { prefix: 'param.' }); // strict: every PyTorch name, nothing else under param.
    const input = (name: string): Tensor | undefined => {
      const t = tensors.get(name);
      if (!t) return undefined;
      const tensor = fromArray(t.data, t.shape, backend);
      tensor.requiresGrad = true;
      return tensor;
    };
    const x = input('x')!;
    const h0 = input('h0');
    const c0 = input('c0');
    const state = h0 === undefined ? undefined : c0 ? [h0, c0] : h0;
    const [out, final] = layer.forward(x, state);
    const [hN, cN] = Array.isArray(final) ? final : [final as Tensor, undefined];
    const close = (actual: ArrayLike<number>, name: string, tolerance: number) =>
      expect(maxDiff(actual, golden(name).data), name).toBeLessThan(tolerance);
    close(out.toArray(), 'out', 1e-5);
    close(hN.toArray(), 'hN', 1e-5);
    if (cN) close(cN.toArray(), 'cN', 1e-5);

    const weighted = (t: Tensor, name: string) => sum(mul(t, fromArray(golden(name).data, t.shape, backend)));
    let loss = add(weighted(out, 'R'), weighted(hN, 'S'));
    if (cN) loss = add(loss, weighted(cN, 'Q'));
    loss.backward();
    for (const [name, p] of layer.parameters()) close(p.gradToArray()!, `grad.${name}`, 1e-4);
    close(x.gradToArray()!, 'grad.x', 1e-4);
    if (h0) close(h0.gradToArray()!, 'grad.h0', 1e-4);
    if (c0) close(c0.gradToArray()!, 'grad.c0', 1e-4);
    endStep(backend);
    layer.dispose();
  });
});

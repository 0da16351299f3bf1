// Central finite differences in float64 against autograd gradients, and the
// random leaves and scalar projections the gradient tests are built from.
import { expect } from 'vitest';
import type { Backend } from '../../src/internal.js';
import { ParameterStore } from '../../src/nn/parameter-store.js';
import { mul, sum } from '../../src/tensor/ops.js';
import { noGrad } from '../../src/tensor/tape.js';
import { endStep, fromArray, type Tensor } from '../../src/tensor/tensor.js';
import { randomFill } from './backends.js';

/**
 * A long-lived tensor that keeps its gradient (a leaf), with values U(lo, hi) rounded to float32,
 * so that a float32 backend and a float64 reference start from exactly the same inputs.
 */
export function leaf(backend: Backend, shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const rand = randomFill(seed);
  const t = ParameterStore.of(backend).create(shape);
  t.assign(Array.from({ length: t.size }, () => Math.fround(rand(lo, hi))));
  return t;
}

/** sum(y * w) with fixed random w: a scalar in which every element of y matters. */
export function project(backend: Backend, y: Tensor, seed: number): Tensor {
  const rand = randomFill(seed);
  return sum(
    mul(
      y,
      fromArray(
        Array.from({ length: y.size }, () => rand()),
        y.shape,
        backend,
      ),
    ),
  );
}

/**
 * `lossOf()` builds the graph from `inputs` and returns a scalar tensor.
 * Checks d loss / d input for every element of every input (use small sizes).
 */
export function checkGradients(
  backend: Backend,
  inputs: Tensor[],
  lossOf: () => Tensor,
  { eps = 1e-6, tolerance = 1e-6 }: { eps?: number; tolerance?: number } = {},
): number {
  for (const x of inputs) if (x.hasGrad) backend.fill(x.gradPtr, 0, x.size);
  const loss = lossOf();
  loss.backward();
  const analytic = inputs.map((x) => x.gradToArray() ?? new Float64Array(x.size));
  let worst = 0;
  inputs.forEach((x, k) => {
    for (let i = 0; i < x.size; i++) {
      const floats = backend.heap.floats;
      const saved = floats[x.ptr + i];
      backend.heap.floats[x.ptr + i] = saved + eps;
      const up = noGrad(() => lossOf().item());
      backend.heap.floats[x.ptr + i] = saved - eps;
      const down = noGrad(() => lossOf().item());
      backend.heap.floats[x.ptr + i] = saved;
      const numeric = (up - down) / (2 * eps);
      const error = Math.abs(numeric - analytic[k][i]) / Math.max(1, Math.abs(numeric));
      worst = Math.max(worst, error);
      if (error > tolerance) {
        expect.fail(`input ${k} element ${i}: autograd ${analytic[k][i]} vs finite difference ${numeric}`);
      }
    }
  });
  return worst;
}

export function cleanup(backend: Backend): void {
  endStep(backend);
}

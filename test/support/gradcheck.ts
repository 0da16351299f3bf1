// Central finite differences in float64 against autograd gradients.
import { expect } from 'vitest';
import type { Backend } from '../../src/index.js';
import { noGrad } from '../../src/tensor/tape.js';
import { endStep, type Tensor } from '../../src/tensor/tensor.js';

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

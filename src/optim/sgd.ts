// Plain SGD, as d2l configures it (no momentum, no weight decay): p -= lr * grad,
// one kernel call per contiguous run of parameters.

import { contiguousRuns, runPointers, type ParameterRun } from '../nn/parameter-store.js';
import type { Tensor } from '../tensor/tensor.js';

export class SGD {
  private readonly runs: ParameterRun[];

  constructor(
    parameters: Iterable<Tensor> | Map<string, Tensor>,
    public lr: number,
  ) {
    if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`SGD: lr must be a positive number, got ${lr}`);
    this.runs = contiguousRuns(parameters instanceof Map ? parameters.values() : parameters);
  }

  step(): void {
    for (const run of this.runs) {
      const { values, grads } = runPointers(run);
      run.backend.sgdStep(values, grads, run.length, this.lr);
    }
  }

  zeroGrad(): void {
    for (const run of this.runs) run.backend.fill(runPointers(run).grads, 0, run.length);
  }
}

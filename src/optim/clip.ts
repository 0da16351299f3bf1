// d2l's clip_gradients: one global L2 norm over all parameters' gradients;
// if it exceeds theta every gradient is scaled by theta / norm.

import { clipByGlobalNorm } from '../backend/clip.js';
import { contiguousRuns, runPointers } from '../nn/parameter-store.js';
import type { Tensor } from '../tensor/tensor.js';

/** Clips in place; returns the norm before clipping. */
export function clipGradients(parameters: Iterable<Tensor>, theta: number): number {
  const runs = contiguousRuns(parameters);
  if (runs.length === 0) return 0;
  const backend = runs[0].backend;
  if (runs.some((r) => r.backend !== backend)) throw new Error('clipGradients: parameters on several backends');
  return clipByGlobalNorm(
    backend,
    runs.map((run) => ({ ptr: runPointers(run).grads, length: run.length })),
    theta,
  );
}

// Helpers every differentiable op shares (tensor/ops.ts, layers/*-op.ts). Kept
// out of ops.ts, whose exports are the public `ops` namespace.

import { isRecording, record, tapeGeneration } from './tape.js';
import type { Tensor } from './tensor.js';

/** Records `backward` for `output` when any input needs gradients. */
export function track(output: Tensor, inputs: Tensor[], backward: () => void): Tensor {
  if (isRecording() && inputs.some((t) => t.requiresGrad)) {
    output.requiresGrad = true;
    output.storage.recordedIn = tapeGeneration();
    record({ backward, hasGradient: () => output.hasGrad });
  }
  return output;
}

/** Allocates the gradients of the tensors that need them, before any pointer is read. */
export function gradsOf(...tensors: Tensor[]): void {
  for (const t of tensors) if (t.requiresGrad) t.storage.grad();
}

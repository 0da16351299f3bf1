// The logits (T, B, V) of a language model for token ids (B, T), in eval mode and without recording:
// what the file and import tests compare between a model and its copy or its PyTorch original.

import type { RNNLMScratch } from '../../src/internal.js';
import { noGrad } from '../../src/tensor/tape.js';
import { endStep } from '../../src/tensor/tensor.js';

export function evalLogits(model: RNNLMScratch, ids: ArrayLike<number>, batch: number, steps: number): Float64Array {
  model.eval();
  const out = noGrad(() => model.forward(Array.from(ids), batch, steps)[0].toArray());
  endStep(model.backend);
  return out;
}

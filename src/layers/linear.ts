// A dense layer with PyTorch's layout and default initialisation (nn.Linear):
// y = x W^T + b, W: (out, in), b: (out), both from U(-1/sqrt(in), 1/sqrt(in)).

import type { Backend, Ptr } from '../backend/backend.js';
import { freshSeed, uniform } from '../nn/init.js';
import { Module } from '../nn/module.js';
import { checkTensorArgument, type Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { linear, linearInto } from './sequence-ops.js';

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;

  constructor(
    readonly numInputs: number,
    readonly numOutputs: number,
    options: { seed?: number; backend?: Backend } = {},
  ) {
    super(options.backend);
    for (const [key, value] of [
      ['numInputs', numInputs],
      ['numOutputs', numOutputs],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`Linear: ${key} must be a positive integer, got ${value}`);
    }
    const init = uniform(new Random(options.seed ?? freshSeed()), 1 / Math.sqrt(numInputs));
    this.weight = this.parameter('weight', [numOutputs, numInputs], init);
    this.bias = this.parameter('bias', [numOutputs], init);
  }

  /** x: (n, numInputs) -> (n, numOutputs). */
  forward(x: Tensor): Tensor {
    checkTensorArgument('Linear: x', x, this.backend);
    return linear(x, this.weight, this.bias);
  }

  /** Inference on heap buffers, nothing recorded: out (rows, numOutputs) = x (rows, numInputs) W^T + b. */
  forwardInto(x: Ptr, rows: number, out: Ptr): void {
    linearInto(this.backend, x, rows, this.numInputs, this.weight.ptr, this.bias.ptr, this.numOutputs, out);
  }
}

// RNNScratch (d2l 9.5): H = tanh(X W_xh + H W_hh + b_h).

import { add, at, matmul, tanh } from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkInputs, type Recurrent, type RecurrentState } from '../nn/recurrent.js';
import { ScratchCell, type ScratchForwardOptions, type ScratchOptions } from './scratch-cell.js';

/** d2l's plain RNN cell as autograd ops: H = tanh(X W_xh + H W_hh + b_h). */
export class RNNScratch extends ScratchCell implements Recurrent {
  /** Hidden state: input weights (numInputs, numHiddens). */
  readonly W_xh: Tensor;
  /** Hidden state: recurrent weights (numHiddens, numHiddens). */
  readonly W_hh: Tensor;
  /** Hidden state: bias (numHiddens), zeros initially. */
  readonly b_h: Tensor;

  /**
   * Weights drawn from N(0, sigma^2) (d2l's default sigma 0.01), biases zero. Throws a RangeError unless the
   * sizes are positive integers and sigma >= 0.
   */
  constructor(numInputs: number, numHiddens: number, sigma = 0.01, options: ScratchOptions = {}) {
    super(numInputs, numHiddens, sigma, options);
    [this.W_xh, this.W_hh, this.b_h] = this.triple('h');
  }

  /** inputs: (T, B, numInputs); state: H (B, numHiddens), zeros when omitted. */
  forward(inputs: Tensor, state?: RecurrentState, options: ScratchForwardOptions = {}): [Tensor[], Tensor] {
    const [numSteps, batch] = checkInputs(this, inputs);
    if (Array.isArray(state)) throw new TypeError('RNNScratch: state must be one tensor H');
    let H = this.initialState(state as Tensor | undefined, batch);
    const outputs: Tensor[] = [];
    for (let t = 0; t < numSteps; t++) {
      H = tanh(add(add(matmul(at(inputs, t), this.W_xh), matmul(H, this.W_hh)), this.b_h));
      outputs.push(H);
      options.onStep?.(t, { H });
    }
    return [outputs, H];
  }
}

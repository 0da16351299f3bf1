// RNNScratch (d2l 9.5): H = tanh(X W_xh + H W_hh + b_h).

import { add, at, matmul, tanh } from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkInputs, type Recurrent, type RecurrentState } from '../nn/recurrent.js';
import { ScratchCell, type ScratchForwardOptions, type ScratchOptions } from './scratch-cell.js';

/** d2l's plain RNN cell as autograd ops: H = tanh(X W_xh + H W_hh + b_h). */
export class RNNScratch extends ScratchCell implements Recurrent {
  readonly W_xh: Tensor;
  readonly W_hh: Tensor;
  readonly b_h: Tensor;

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

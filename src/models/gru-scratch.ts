// GRUScratch (d2l 10.2):
//   R = sigma(X W_xr + H W_hr + b_r)   Z = sigma(X W_xz + H W_hz + b_z)
//   H~ = tanh(X W_xh + (R * H) W_hh + b_h)
//   H = Z * H + (1 - Z) * H~, computed as H~ + Z * (H - H~)
//
// With `resetAfter` the reset gate applies after the recurrent product, as in PyTorch's (and
// cuDNN's) GRU and so in the fused GRU layer: H~ = tanh(X W_xh + b_h + R * (H W_hh + b_hn)).

import { add, at, matmul, mul, sigmoid, sub, tanh } from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkInputs, type Recurrent, type RecurrentState } from '../nn/recurrent.js';
import { ScratchCell, type ScratchForwardOptions, type ScratchOptions } from './scratch-cell.js';

/** GRUScratch's options. */
export interface GRUScratchOptions extends ScratchOptions {
  /**
   * Reset after the recurrent product, H~ = tanh(X W_xh + b_h + R * (H W_hh + b_hn)), with one more bias
   * b_hn (zeros): PyTorch's GRU, the function of the fused GRU layer. Default false: the book's cell.
   */
  resetAfter?: boolean;
}

/** d2l's GRU cell as autograd ops (see the file header for the equations). */
export class GRUScratch extends ScratchCell implements Recurrent {
  readonly W_xz: Tensor;
  readonly W_hz: Tensor;
  readonly b_z: Tensor;
  readonly W_xr: Tensor;
  readonly W_hr: Tensor;
  readonly b_r: Tensor;
  readonly W_xh: Tensor;
  readonly W_hh: Tensor;
  readonly b_h: Tensor;
  /** The recurrent bias inside the reset product (resetAfter only), PyTorch's b_hn. */
  readonly b_hn: Tensor | null;

  constructor(numInputs: number, numHiddens: number, sigma = 0.01, options: GRUScratchOptions = {}) {
    super(numInputs, numHiddens, sigma, options);
    [this.W_xz, this.W_hz, this.b_z] = this.triple('z'); // update gate
    [this.W_xr, this.W_hr, this.b_r] = this.triple('r'); // reset gate
    [this.W_xh, this.W_hh, this.b_h] = this.triple('h'); // candidate hidden state
    this.b_hn = options.resetAfter ? this.parameter('b_hn', [numHiddens]) : null;
  }

  /** inputs: (T, B, numInputs); state: H (B, numHiddens), zeros when omitted. */
  forward(inputs: Tensor, state?: RecurrentState, options: ScratchForwardOptions = {}): [Tensor[], Tensor] {
    const [numSteps, batch] = checkInputs(this, inputs);
    if (Array.isArray(state)) throw new TypeError('GRUScratch: state must be one tensor H');
    let H = this.initialState(state as Tensor | undefined, batch);
    const outputs: Tensor[] = [];
    for (let t = 0; t < numSteps; t++) {
      const X = at(inputs, t);
      const Z = sigmoid(add(add(matmul(X, this.W_xz), matmul(H, this.W_hz)), this.b_z));
      const R = sigmoid(add(add(matmul(X, this.W_xr), matmul(H, this.W_hr)), this.b_r));
      const recurrent = this.b_hn
        ? mul(R, add(matmul(H, this.W_hh), this.b_hn)) // reset after the product (PyTorch)
        : matmul(mul(R, H), this.W_hh); // the book
      const HTilde = tanh(add(add(matmul(X, this.W_xh), recurrent), this.b_h));
      H = add(HTilde, mul(Z, sub(H, HTilde)));
      outputs.push(H);
      options.onStep?.(t, { R, Z, HTilde, H });
    }
    return [outputs, H];
  }
}

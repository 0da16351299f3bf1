// LSTMScratch (d2l 10.1): separate parameters per gate in the book's order
// i, f, o, c, N(0, sigma^2) weights and zero biases.
//
//   I = sigma(X W_xi + H W_hi + b_i)   F = sigma(X W_xf + H W_hf + b_f)
//   O = sigma(X W_xo + H W_ho + b_o)   C~ = tanh(X W_xc + H W_hc + b_c)
//   C = F * C + I * C~                 H = O * tanh(C)
//
// Two options serve the vanishing-gradient lab: `outputTanh: false` gives H = O * C (the chapter's
// exercise 4), and the forward option `cellPathOnly` stops gradients from the gates into H, which
// leaves the cell path as the only way back in time: dC_T / dC_t = F_T * ... * F_{t+1}.

import { add, at, detach, matmul, mul, sigmoid, tanh } from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkInputs, type Recurrent, type RecurrentState } from '../nn/recurrent.js';
import { ScratchCell, type ScratchForwardOptions, type ScratchOptions } from './scratch-cell.js';

export type { ScratchForwardOptions, ScratchOptions, StepActivations } from './scratch-cell.js';

/** LSTMScratch's options. */
export interface LSTMScratchOptions extends ScratchOptions {
  /** H = O * tanh(C) as in the book (default true); false gives H = O * C (the chapter's exercise 4). */
  outputTanh?: boolean;
}

/** LSTMScratch.forward's options. */
export interface LSTMForwardOptions extends ScratchForwardOptions {
  /**
   * Stop gradients from the gates and the input node into H_{t-1} (default false): C_{t-1} then reaches
   * C_t only through F_t * C_{t-1}, so autograd's dC_T / dC_t is the product of the forget gates between.
   */
  cellPathOnly?: boolean;
}

/** d2l's LSTM cell as autograd ops, one tensor per gate and step (see the file header for the equations). */
export class LSTMScratch extends ScratchCell implements Recurrent {
  readonly W_xi: Tensor;
  readonly W_hi: Tensor;
  readonly b_i: Tensor;
  readonly W_xf: Tensor;
  readonly W_hf: Tensor;
  readonly b_f: Tensor;
  readonly W_xo: Tensor;
  readonly W_ho: Tensor;
  readonly b_o: Tensor;
  readonly W_xc: Tensor;
  readonly W_hc: Tensor;
  readonly b_c: Tensor;
  /** Whether H = O * tanh(C) (the book) or H = O * C. */
  readonly outputTanh: boolean;

  constructor(numInputs: number, numHiddens: number, sigma = 0.01, options: LSTMScratchOptions = {}) {
    super(numInputs, numHiddens, sigma, options);
    this.outputTanh = options.outputTanh ?? true;
    [this.W_xi, this.W_hi, this.b_i] = this.triple('i'); // input gate
    [this.W_xf, this.W_hf, this.b_f] = this.triple('f'); // forget gate
    [this.W_xo, this.W_ho, this.b_o] = this.triple('o'); // output gate
    [this.W_xc, this.W_hc, this.b_c] = this.triple('c'); // input node
  }

  /** inputs: (T, B, numInputs); state: [H, C], each (B, numHiddens), zeros when omitted. */
  forward(inputs: Tensor, state?: RecurrentState, options: LSTMForwardOptions = {}): [Tensor[], [Tensor, Tensor]] {
    const [numSteps, batch] = checkInputs(this, inputs);
    if (state !== undefined && (!Array.isArray(state) || state.length !== 2)) {
      throw new TypeError('LSTMScratch: state must be [H, C]');
    }
    const given = state as readonly Tensor[] | undefined;
    let H = this.initialState(given?.[0], batch);
    let C = this.initialState(given?.[1], batch);
    const outputs: Tensor[] = [];
    for (let t = 0; t < numSteps; t++) {
      const X = at(inputs, t);
      const HGates = options.cellPathOnly ? detach(H) : H;
      const gate = (Wx: Tensor, Wh: Tensor, b: Tensor) => add(add(matmul(X, Wx), matmul(HGates, Wh)), b);
      const I = sigmoid(gate(this.W_xi, this.W_hi, this.b_i));
      const F = sigmoid(gate(this.W_xf, this.W_hf, this.b_f));
      const O = sigmoid(gate(this.W_xo, this.W_ho, this.b_o));
      const CTilde = tanh(gate(this.W_xc, this.W_hc, this.b_c));
      C = add(mul(F, C), mul(I, CTilde));
      H = mul(O, this.outputTanh ? tanh(C) : C);
      outputs.push(H);
      options.onStep?.(t, { I, F, O, CTilde, C, H });
    }
    return [outputs, [H, C]];
  }
}

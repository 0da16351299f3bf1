// LSTMScratch (d2l 10.1): separate parameters per gate in the book's order
// i, f, o, c, N(0, sigma^2) weights and zero biases.
//
//   I = sigma(X W_xi + H W_hi + b_i)   F = sigma(X W_xf + H W_hf + b_f)
//   O = sigma(X W_xo + H W_ho + b_o)   C~ = tanh(X W_xc + H W_hc + b_c)
//   C = F * C + I * C~                 H = O * tanh(C)

import type { Backend } from '../backend/backend.js';
import { Module } from '../nn/module.js';
import { add, at, matmul, mul, sigmoid, tanh } from '../tensor/ops.js';
import { zeros, type Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { freshSeed, normal } from './init.js';
import { checkInputs, checkState, type Recurrent, type RecurrentState } from './recurrent.js';

export interface ScratchOptions {
  /** Seed of the weights' random generator (default: a fresh random seed). */
  seed?: number;
  backend?: Backend;
}

export class LSTMScratch extends Module implements Recurrent {
  readonly W_xi: Tensor; readonly W_hi: Tensor; readonly b_i: Tensor;
  readonly W_xf: Tensor; readonly W_hf: Tensor; readonly b_f: Tensor;
  readonly W_xo: Tensor; readonly W_ho: Tensor; readonly b_o: Tensor;
  readonly W_xc: Tensor; readonly W_hc: Tensor; readonly b_c: Tensor;

  constructor(
    readonly numInputs: number,
    readonly numHiddens: number,
    readonly sigma = 0.01,
    options: ScratchOptions = {},
  ) {
    super(options.backend);
    checkSizes('LSTMScratch', numInputs, numHiddens, sigma);
    const init = normal(new Random(options.seed ?? freshSeed()), sigma);
    const triple = (gate: string): [Tensor, Tensor, Tensor] => [
      this.parameter(`W_x${gate}`, [numInputs, numHiddens], init),
      this.parameter(`W_h${gate}`, [numHiddens, numHiddens], init),
      this.parameter(`b_${gate}`, [numHiddens]),
    ];
    [this.W_xi, this.W_hi, this.b_i] = triple('i'); // input gate
    [this.W_xf, this.W_hf, this.b_f] = triple('f'); // forget gate
    [this.W_xo, this.W_ho, this.b_o] = triple('o'); // output gate
    [this.W_xc, this.W_hc, this.b_c] = triple('c'); // input node
  }

  /** inputs: (T, B, numInputs); state: [H, C], each (B, numHiddens), zeros when omitted. */
  forward(inputs: Tensor, state?: RecurrentState): [Tensor[], [Tensor, Tensor]] {
    const [numSteps, batch] = checkInputs('LSTMScratch', inputs, this.numInputs);
    let H: Tensor;
    let C: Tensor;
    if (state === undefined) {
      H = zeros([batch, this.numHiddens], this.backend);
      C = zeros([batch, this.numHiddens], this.backend);
    } else {
      if (!Array.isArray(state) || state.length !== 2) throw new TypeError('LSTMScratch: state must be [H, C]');
      H = checkState('LSTMScratch', state[0], batch, this.numHiddens);
      C = checkState('LSTMScratch', state[1], batch, this.numHiddens);
    }
    const outputs: Tensor[] = [];
    for (let t = 0; t < numSteps; t++) {
      const X = at(inputs, t);
      const gate = (Wx: Tensor, Wh: Tensor, b: Tensor) => add(add(matmul(X, Wx), matmul(H, Wh)), b);
      const I = sigmoid(gate(this.W_xi, this.W_hi, this.b_i));
      const F = sigmoid(gate(this.W_xf, this.W_hf, this.b_f));
      const O = sigmoid(gate(this.W_xo, this.W_ho, this.b_o));
      const CTilde = tanh(gate(this.W_xc, this.W_hc, this.b_c));
      C = add(mul(F, C), mul(I, CTilde));
      H = mul(O, tanh(C));
      outputs.push(H);
    }
    return [outputs, [H, C]];
  }
}

export function checkSizes(name: string, numInputs: number, numHiddens: number, sigma: number): void {
  if (!Number.isInteger(numInputs) || numInputs < 1) {
    throw new RangeError(`${name}: numInputs must be a positive integer, got ${numInputs}`);
  }
  if (!Number.isInteger(numHiddens) || numHiddens < 1) {
    throw new RangeError(`${name}: numHiddens must be a positive integer, got ${numHiddens}`);
  }
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`${name}: sigma must be >= 0, got ${sigma}`);
}

// RNNScratch (d2l 9.5): H = tanh(X W_xh + H W_hh + b_h).

import { Module } from '../nn/module.js';
import { add, at, matmul, tanh } from '../tensor/ops.js';
import { zeros, type Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { freshSeed, normal } from './init.js';
import { checkSizes, type ScratchOptions } from './lstm-scratch.js';
import { checkInputs, checkState, type Recurrent, type RecurrentState } from './recurrent.js';

export class RNNScratch extends Module implements Recurrent {
  readonly W_xh: Tensor;
  readonly W_hh: Tensor;
  readonly b_h: Tensor;

  constructor(
    readonly numInputs: number,
    readonly numHiddens: number,
    readonly sigma = 0.01,
    options: ScratchOptions = {},
  ) {
    super(options.backend);
    checkSizes('RNNScratch', numInputs, numHiddens, sigma);
    const init = normal(new Random(options.seed ?? freshSeed()), sigma);
    this.W_xh = this.parameter('W_xh', [numInputs, numHiddens], init);
    this.W_hh = this.parameter('W_hh', [numHiddens, numHiddens], init);
    this.b_h = this.parameter('b_h', [numHiddens]);
  }

  /** inputs: (T, B, numInputs); state: H (B, numHiddens), zeros when omitted. */
  forward(inputs: Tensor, state?: RecurrentState): [Tensor[], Tensor] {
    const [numSteps, batch] = checkInputs('RNNScratch', inputs, this.numInputs);
    if (Array.isArray(state)) throw new TypeError('RNNScratch: state must be one tensor H');
    let H = state
      ? checkState('RNNScratch', state as Tensor, batch, this.numHiddens)
      : zeros([batch, this.numHiddens], this.backend);
    const outputs: Tensor[] = [];
    for (let t = 0; t < numSteps; t++) {
      H = tanh(add(add(matmul(at(inputs, t), this.W_xh), matmul(H, this.W_hh)), this.b_h));
      outputs.push(H);
    }
    return [outputs, H];
  }
}

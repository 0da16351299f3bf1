// What a language-model head needs from a recurrent network: the scratch cells (models/) and the fused
// layers (layers/) both implement it, so it lives below both.

import type { Module } from './module.js';
import { checkTensorArgument, type Tensor } from '../tensor/tensor.js';

/** H for RNN and GRU, [H, C] for LSTM; fused multi-layer layers use (layers, B, H) tensors. */
export type RecurrentState = Tensor | readonly Tensor[];

export interface Recurrent extends Module {
  readonly numInputs: number;
  /** Width of each output row (2 H for a bidirectional layer). */
  readonly numHiddens: number;
  /** Standard deviation the output layer of RNNLMScratch draws its weights with (d2l reads rnn.sigma). */
  readonly sigma?: number;
  /**
   * inputs: time-major (T, B, numInputs). Returns the outputs, either a list of T tensors (B, numHiddens)
   * as d2l's scratch cells do or one (T, B, numHiddens) tensor, and the final state.
   */
  forward(inputs: Tensor, state?: RecurrentState): [Tensor[] | Tensor, RecurrentState];
}

/** Throws unless `inputs` is a (T, B, numInputs) tensor on the module's backend. */
export function checkInputs(module: Recurrent, inputs: Tensor): [number, number] {
  const name = module.constructor.name;
  const numInputs = module.numInputs;
  checkTensorArgument(`${name}: inputs`, inputs, module.backend);
  if (inputs.rank !== 3 || inputs.shape[2] !== numInputs) {
    throw new RangeError(`${name}: inputs must be time-major (T, B, ${numInputs}), got [${inputs.shape}]`);
  }
  return [inputs.shape[0], inputs.shape[1]];
}

/** Throws unless `state` is (B, H). */
export function checkState(name: string, state: Tensor, batch: number, hiddens: number): Tensor {
  if (state.rank !== 2 || state.shape[0] !== batch || state.shape[1] !== hiddens) {
    throw new RangeError(`${name}: state must be (${batch}, ${hiddens}), got [${state.shape}]`);
  }
  return state;
}

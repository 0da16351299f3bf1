// What d2l's scratch cells share: sizes, N(0, sigma^2) weights from a seeded
// generator, zero biases, the `triple` of parameters per gate, and a zero
// initial state when none is given.

import type { Backend } from '../backend/backend.js';
import { Module, type Initializer } from '../nn/module.js';
import { zeros, type Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { freshSeed, normal } from '../nn/init.js';
import { checkState } from '../nn/recurrent.js';

/** One time step's activations of a scratch cell, each (B, numHiddens), by their names in the book. */
export type StepActivations = Readonly<Record<string, Tensor>>;

/** What a scratch cell's forward takes besides its inputs and state. */
export interface ScratchForwardOptions {
  /**
   * Called after each time step with that step's activations (LSTM: I, F, O, CTilde, C, H; GRU: R, Z, HTilde,
   * H; RNN: H). They are the graph's own tensors: read them (toArray) or, after backward, their gradients
   * (gradToArray: dL/dH_t, dL/dC_t), before endStep.
   */
  onStep?: (step: number, activations: StepActivations) => void;
}

export interface ScratchOptions {
  /** Seed of the weights' random generator (default: a fresh random seed). */
  seed?: number;
  backend?: Backend;
}

export abstract class ScratchCell extends Module {
  private readonly init: Initializer;

  constructor(
    readonly numInputs: number,
    readonly numHiddens: number,
    readonly sigma: number,
    options: ScratchOptions,
  ) {
    super(options.backend);
    const name = this.constructor.name;
    if (!Number.isInteger(numInputs) || numInputs < 1) {
      throw new RangeError(`${name}: numInputs must be a positive integer, got ${numInputs}`);
    }
    if (!Number.isInteger(numHiddens) || numHiddens < 1) {
      throw new RangeError(`${name}: numHiddens must be a positive integer, got ${numHiddens}`);
    }
    if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`${name}: sigma must be >= 0, got ${sigma}`);
    this.init = normal(new Random(options.seed ?? freshSeed()), sigma);
  }

  /** d2l's triple(): W_x<gate> (numInputs, numHiddens), W_h<gate> (numHiddens, numHiddens), b_<gate> zeros. */
  protected triple(gate: string): [Tensor, Tensor, Tensor] {
    return [
      this.parameter(`W_x${gate}`, [this.numInputs, this.numHiddens], this.init),
      this.parameter(`W_h${gate}`, [this.numHiddens, this.numHiddens], this.init),
      this.parameter(`b_${gate}`, [this.numHiddens]),
    ];
  }

  /** The given state tensor (checked to be (batch, numHiddens)), or zeros. */
  protected initialState(given: Tensor | undefined, batch: number): Tensor {
    return given
      ? checkState(this.constructor.name, given, batch, this.numHiddens)
      : zeros([batch, this.numHiddens], this.backend);
  }
}

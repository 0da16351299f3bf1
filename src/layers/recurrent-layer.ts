// The fused recurrent layers with PyTorch's semantics (nn.LSTM, nn.GRU, nn.RNN):
// stacked layers, optional bidirectionality, dropout between layers, time-major
// or batch-first inputs, and the parameters stored fused per layer and direction
// under PyTorch's names, so that weights can be exchanged with PyTorch:
//
//   weight_ih_l{k}[_reverse]: (G H, I) for k = 0, (G H, D H) above
//   weight_hh_l{k}[_reverse]: (G H, H)
//   bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse]: (G H)
//
// with the gates stacked in PyTorch's order (LSTM i, f, g, o; GRU r, z, n), all
// initialised from U(-1/sqrt(H), 1/sqrt(H)) in registration order.

import type { Backend } from '../backend/backend.js';
import { freshSeed, uniform } from '../nn/init.js';
import type { Recurrent, RecurrentState } from '../nn/recurrent.js';
import { Module } from '../nn/module.js';
import { isRecording } from '../tensor/tape.js';
import { checkTensorArgument, empty, type Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { GATE_COUNT, type CellKind } from './cell-kernels.js';
import { Embedding, embeddingLookup, type EmbeddingProjection } from './embedding.js';
import {
  EmbeddedTokens,
  leadingSlice,
  recurrentLayer,
  TokenIds,
  type DirectionWeights,
  type LayerInput,
} from './recurrent-op.js';
import { dropout, swapLeadingAxes } from './sequence-ops.js';
import { RecurrentStepper } from './stepper.js';

export interface RecurrentLayerOptions {
  numInputs: number;
  /** Hidden units per direction (H); outputs are numDirections * H wide. */
  numHiddens: number;
  numLayers?: number;
  bidirectional?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode. */
  dropout?: number;
  /** Inputs and outputs (B, T, ...) instead of (T, B, ...); states stay (layers * directions, B, H). */
  batchFirst?: boolean;
  /** Seed of the initial weights and of the dropout masks (default: a fresh random seed). */
  seed?: number;
  backend?: Backend;
}

export abstract class RecurrentLayer extends Module implements Recurrent {
  readonly numInputs: number;
  /** Width of each output row: numDirections * hiddenSize (what a language-model head sees). */
  readonly numHiddens: number;
  /** Hidden units per direction (PyTorch's hidden_size). */
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly numDirections: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  /** weights[layer][direction] */
  readonly weights: readonly (readonly DirectionWeights[])[];
  private readonly dropoutRandom: Random;

  protected constructor(
    readonly cell: CellKind,
    options: RecurrentLayerOptions,
  ) {
    super(options.backend);
    const name = this.constructor.name;
    const { numInputs, numHiddens, numLayers = 1, bidirectional = false, dropout = 0, batchFirst = false } = options;
    for (const [key, value] of [
      ['numInputs', numInputs],
      ['numHiddens', numHiddens],
      ['numLayers', numLayers],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`${name}: ${key} must be a positive integer, got ${value}`);
    }
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`${name}: dropout must be in [0, 1), got ${dropout}`);
    this.numInputs = numInputs;
    this.hiddenSize = numHiddens;
    this.numLayers = numLayers;
    this.bidirectional = bidirectional;
    this.numDirections = bidirectional ? 2 : 1;
    this.numHiddens = this.numDirections * numHiddens;
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    const seed = options.seed ?? freshSeed();
    this.dropoutRandom = this.randomGenerator('dropout', new Random(Random.deriveSeed(seed, 1)));
    const init = uniform(new Random(seed), 1 / Math.sqrt(numHiddens));
    const G = GATE_COUNT[cell] * numHiddens;
    const weights: DirectionWeights[][] = [];
    for (let layer = 0; layer < numLayers; layer++) {
      const inputs = layer === 0 ? numInputs : this.numHiddens;
      const directions: DirectionWeights[] = [];
      for (let d = 0; d < this.numDirections; d++) {
        const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        directions.push({
          weightIh: this.parameter(`weight_ih${suffix}`, [G, inputs], init),
          weightHh: this.parameter(`weight_hh${suffix}`, [G, numHiddens], init),
          biasIh: this.parameter(`bias_ih${suffix}`, [G], init),
          biasHh: this.parameter(`bias_hh${suffix}`, [G], init),
        });
      }
      weights.push(directions);
    }
    this.weights = weights;
  }

  /** Whether the state is a pair [h, c] (LSTM) or one tensor h. */
  get hasCellState(): boolean {
    return this.cell === 'lstm';
  }

  /**
   * inputs: (T, B, numInputs), or (B, T, numInputs) with batchFirst. state: h0 (GRU, RNN) or [h0, c0]
   * (LSTM), each (numLayers * numDirections, B, H); zeros when omitted. Returns the outputs
   * (T, B, numDirections * H) (batch-first if so configured) and the final state shaped like the initial one.
   */
  forward(inputs: Tensor, state?: RecurrentState): [Tensor, RecurrentState] {
    const name = this.constructor.name;
    checkTensorArgument(`${name}: inputs`, inputs, this.backend);
    if (inputs.rank !== 3 || inputs.shape[2] !== this.numInputs) {
      const layout = this.batchFirst ? '(B, T' : '(T, B';
      throw new RangeError(`${name}: inputs must be ${layout}, ${this.numInputs}), got [${inputs.shape}]`);
    }
    const timeMajor = this.batchFirst ? swapLeadingAxes(inputs) : inputs;
    const [steps, batch] = timeMajor.shape;
    return this.run(timeMajor, steps, batch, state);
  }

  /**
   * The same as forward on one-hot inputs (numInputs = vocabulary size), from token ids (B, T)
   * row-major: the first layer's input projection becomes a gather of W_ih's columns.
   *
   * With an `embedding` (embeddingDim = numInputs), the same as forward on `embedding`'s vectors of
   * the ids (each in [0, numEmbeddings)), with gradients for the embedding's weight too; how the
   * first input projection is computed follows `embedding.projection`.
   */
  forwardTokens(
    ids: ArrayLike<number>,
    batchSize: number,
    numSteps: number,
    state?: RecurrentState,
    embedding?: Embedding,
  ): [Tensor, RecurrentState] {
    const name = this.constructor.name;
    if (!Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(numSteps) || numSteps < 1) {
      throw new RangeError(
        `${name}: batchSize and numSteps must be positive integers, got ${batchSize} and ${numSteps}`,
      );
    }
    if (!embedding) {
      const tokens = TokenIds.fromBatch(this.backend, ids, batchSize, numSteps, this.numInputs);
      return this.run(tokens, numSteps, batchSize, state);
    }
    if (!(embedding instanceof Embedding) || embedding.embeddingDim !== this.numInputs) {
      throw new RangeError(`${name}: the embedding must be an Embedding of dimension numInputs = ${this.numInputs}`);
    }
    if (embedding.backend !== this.backend) throw new Error(`${name}: the embedding lives on another backend`);
    const V = embedding.numEmbeddings;
    const tokens = TokenIds.fromBatch(this.backend, ids, batchSize, numSteps, V);
    const projection = chooseProjection(embedding.projection, V, numSteps * batchSize);
    const input =
      projection === 'table'
        ? new EmbeddedTokens(tokens, embedding.weight)
        : embeddingLookup(embedding.weight, tokens, [numSteps, batchSize]);
    return this.run(input, numSteps, batchSize, state);
  }

  /** A step-by-step runner with its own memory, for generation (batch rows of one token each per step). */
  stepper(batch = 1): RecurrentStepper {
    return new RecurrentStepper(this, batch);
  }

  private run(input: LayerInput, steps: number, batch: number, state?: RecurrentState): [Tensor, RecurrentState] {
    if (steps < 1 || batch < 1) {
      throw new RangeError(
        `${this.constructor.name}: needs at least one step and one batch row, got T = ${steps}, B = ${batch}`,
      );
    }
    const [h0, c0] = this.checkState(state, batch);
    const D = this.numDirections;
    const H = this.hiddenSize;
    const hN = empty([this.numLayers * D, batch, H], this.backend);
    const cN = this.hasCellState ? empty([this.numLayers * D, batch, H], this.backend) : null;
    const applyDropout = this.dropout > 0 && this.training && this.numLayers > 1;
    let layerInput: LayerInput = input;
    let out!: Tensor;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const first = layer * D;
      out = recurrentLayer(this.cell, steps, batch, H, layerInput, this.weights[layer], {
        h0: h0 ? leadingSlice(h0, first, D) : null,
        c0: c0 ? leadingSlice(c0, first, D) : null,
        hN: leadingSlice(hN, first, D),
        cN: cN ? leadingSlice(cN, first, D) : null,
      });
      if (applyDropout && layer < this.numLayers - 1) out = dropout(out, this.dropout, this.dropoutRandom);
      layerInput = out;
    }
    // The views were marked by the layers that recorded; the tensors handed out must say so too.
    if (isRecording() && out.requiresGrad) {
      hN.requiresGrad = true;
      if (cN) cN.requiresGrad = true;
    }
    const outputs = this.batchFirst ? swapLeadingAxes(out) : out;
    return [outputs, cN ? [hN, cN] : hN];
  }

  private checkState(state: RecurrentState | undefined, batch: number): [Tensor | null, Tensor | null] {
    if (state === undefined) return [null, null];
    const name = this.constructor.name;
    const parts: readonly Tensor[] = Array.isArray(state) ? state : [state as Tensor];
    if (parts.length !== (this.hasCellState ? 2 : 1)) {
      throw new TypeError(`${name}: the state must be ${this.hasCellState ? '[h0, c0]' : 'one tensor h0'}`);
    }
    const want = [this.numLayers * this.numDirections, batch, this.hiddenSize];
    for (const part of parts) {
      checkTensorArgument(`${name}: the state`, part, this.backend);
      if (part.rank !== 3 || part.shape.some((d, i) => d !== want[i])) {
        throw new RangeError(`${name}: each state tensor must be (${want.join(', ')}), got [${part.shape}]`);
      }
    }
    return [parts[0], parts[1] ?? null];
  }
}

/**
 * The input projection a fused layer computes after an embedding of V rows for n = T B tokens (see
 * EmbeddingProjection): the table costs ~3 V D G H multiply-adds and the gather ~3 n D G H, so the
 * table pays when V < n. Measured (embedding + LSTM layer, forward and backward, wasm-relaxed, n =
 * 2048): table / gather time 1.55 at V = 5000 (D = 128, H = 256), 0.96 at V = 2048, 0.83 at V = 1000;
 * at D = H = 64: 1.92, 1.04, 0.80; V = 28 at n = 32768: 0.64. The baseline build breaks even at V = n too.
 */
export function chooseProjection(
  projection: EmbeddingProjection,
  vocabSize: number,
  tokens: number,
): 'table' | 'gather' {
  if (projection !== 'auto') return projection;
  return vocabSize < tokens ? 'table' : 'gather';
}

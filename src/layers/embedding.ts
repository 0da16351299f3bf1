// Embedding (PyTorch's nn.Embedding): token ids -> rows of a learned table.
// The parameter `weight` is (numEmbeddings, embeddingDim), initialised from
// N(0, 1) as PyTorch does, so that `embedding.weight` moves between the two
// unchanged. The forward gathers rows, the backward adds each output row's
// gradient into its token's row (tokens that repeat add up); a 5,000-word
// vocabulary costs V x D numbers, not a (T B, V) one-hot matrix.
//
// Before a fused recurrent layer, `RecurrentLayer.forwardTokens(..., { embedding })`
// may skip the gather altogether: see `projection`.

import type { Backend } from '../backend/backend.js';
import { freshSeed, normal } from '../nn/init.js';
import { Module } from '../nn/module.js';
import { empty, type Shape, type Tensor } from '../tensor/tensor.js';
import { gradsOf, track } from '../tensor/track.js';
import { Random } from '../util/random.js';
import { TokenIds } from './recurrent-op.js';

/**
 * How a fused recurrent layer right after an embedding computes its first input projection
 * x W_ih^T (see Embedding.projection).
 * - 'table': E W_ih^T, a (V, G H) table, with one gemm; the layer reads row id of it per token
 *   (the one-hot path), and its gradient takes two gemms. Costs ~3 V D G H multiply-adds.
 * - 'gather': the T B embedded rows, then x W_ih^T as for any dense input. Costs ~3 T B D G H.
 * - 'auto': whichever the shape favours (measured; see chooseProjection in recurrent-layer.ts).
 */
export type EmbeddingProjection = 'auto' | 'table' | 'gather';

/** Options of an Embedding. */
export interface EmbeddingOptions {
  /** Seed of the initial weights (default: a fresh random seed). */
  seed?: number;
  /**
   * Share this (numEmbeddings, embeddingDim) parameter as the weight instead of drawing one (weight
   * tying: RNNLM's tieWeights passes its output layer's weight).
   */
  weight?: Tensor;
  /** The backend of the parameter (default: the shared weight's, else the current one). */
  backend?: Backend;
}

/**
 * A lookup table of numEmbeddings vectors of embeddingDim values (PyTorch's nn.Embedding): token ids
 * in, their rows of `weight` out; the backward adds each row's gradient into its token's row.
 *
 * @example
 * ```ts
 * const embedding = new Embedding(5000, 128, { seed: 1 });                       // weight (5000, 128)
 * const vectors = embedding.forward(batch.X, [batch.batchSize, batch.numSteps]);  // (B, T, 128)
 * // in a language model: new RNNLM(lstm, { vocabSize: 5000, embeddingDim: 128 }) builds model.embedding
 * ```
 */
export class Embedding extends Module {
  /** (numEmbeddings, embeddingDim): row v is token v's vector. */
  readonly weight: Tensor;
  /**
   * How a fused recurrent layer fed through this embedding computes its input projection (see
   * EmbeddingProjection). The choice changes speed, not results (within float32 rounding).
   */
  projection: EmbeddingProjection = 'auto';

  /**
   * Draws the weight from N(0, 1) (or shares options.weight); throws a RangeError unless both sizes
   * are positive integers and a shared weight is (numEmbeddings, embeddingDim).
   */
  constructor(
    /** Rows of the table: the vocabulary size V (ids must lie in [0, V)). */
    readonly numEmbeddings: number,
    /** Width of each row, E. */
    readonly embeddingDim: number,
    options: EmbeddingOptions = {},
  ) {
    super(options.backend ?? options.weight?.backend);
    for (const [key, value] of [
      ['numEmbeddings', numEmbeddings],
      ['embeddingDim', embeddingDim],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`Embedding: ${key} must be a positive integer, got ${value}`);
    }
    const { weight } = options;
    if (weight) {
      if (weight.rank !== 2 || weight.shape[0] !== numEmbeddings || weight.shape[1] !== embeddingDim) {
        throw new RangeError(
          `Embedding: the shared weight must be (${numEmbeddings}, ${embeddingDim}), got [${weight.shape}]`,
        );
      }
      this.weight = this.sharedParameter('weight', weight);
    } else {
      const init = normal(new Random(options.seed ?? freshSeed()), 1);
      this.weight = this.parameter('weight', [numEmbeddings, embeddingDim], init);
    }
  }

  /**
   * ids in any layout, e.g. (B, T) or (T, B) row-major, each an integer in [0, numEmbeddings) ->
   * their vectors, shape [...shape, embeddingDim] in the same layout. shape defaults to [ids.length].
   */
  forward(ids: ArrayLike<number>, shape: Shape = [ids.length]): Tensor {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== ids.length) {
      throw new RangeError(`Embedding: shape [${shape}] holds ${count} ids, got ${ids.length}`);
    }
    return embeddingLookup(
      this.weight,
      this.tokens(() => TokenIds.fromArray(this.backend, ids, this.numEmbeddings)),
      shape,
    );
  }

  /** ids (B, T) row-major -> (T, B, embeddingDim): the time-major input a recurrent network takes. */
  forwardTimeMajor(ids: ArrayLike<number>, batchSize: number, numSteps: number): Tensor {
    const tokens = this.tokens(() => TokenIds.fromBatch(this.backend, ids, batchSize, numSteps, this.numEmbeddings));
    return embeddingLookup(this.weight, tokens, [numSteps, batchSize]);
  }

  /** Builds the ids in the heap, naming this layer in a range error. */
  private tokens(build: () => TokenIds): TokenIds {
    try {
      return build();
    } catch (error) {
      if (error instanceof RangeError) throw new RangeError(`Embedding: ${error.message}`, { cause: error });
      throw error;
    }
  }
}

/**
 * weight (V, D) rows by the ids in the heap -> (...shape, D), with the gradient scatter-added into
 * weight's rows. The differentiable op behind Embedding; the ids must have prod(shape) entries.
 */
export function embeddingLookup(weight: Tensor, tokens: TokenIds, shape: Shape): Tensor {
  const backend = weight.backend;
  const D = weight.shape[1];
  const n = tokens.slice.length;
  const out = empty([...shape, D], backend);
  backend.gatherRows(weight.ptr, D, tokens.ptr, n, out.ptr, D);
  return track(out, [weight], () => {
    gradsOf(weight);
    backend.scatterAddRows(out.gradPtr, D, tokens.ptr, n, D, weight.gradPtr);
  });
}

// RNNLM (d2l 9.6, the concise language model): RNNLMScratch with PyTorch's
// dense output layer (d2l's nn.LazyLinear: weight (V, W) and bias (V), both
// U(-1/sqrt(W), 1/sqrt(W)) with W the recurrent output width). With a fused
// layer (LSTM, GRU, RNN from src/layers) token ids go straight in: the first
// layer's one-hot input projection is a gather of W_ih's columns, and its
// gradient a scatter-add into them. predict and sample run step by step on a
// persistent state instead of re-running the prefix.
//
// With `embeddingDim`, ids pass through an Embedding first (a PyTorch model
// nn.Embedding + nn.LSTM + nn.Linear: parameters `embedding.weight`, `rnn.*`,
// `linear.*`), so a large vocabulary needs no one-hot inputs at all. With
// `dropout`, as PyTorch's word_language_model example: in training mode the
// embedded inputs and the recurrent outputs are dropped out.

import { Embedding } from '../layers/embedding.js';
import { Linear } from '../layers/linear.js';
import { RecurrentLayer } from '../layers/recurrent-layer.js';
import type { RecurrentStepper } from '../layers/stepper.js';
import { dropout, swapLeadingAxes } from '../layers/sequence-ops.js';
import { reshape, stack } from '../tensor/ops.js';
import { isRecording } from '../tensor/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Recurrent, RecurrentState } from '../nn/recurrent.js';
import { freshSeed } from '../nn/init.js';
import { Random } from '../util/random.js';
import { RNNLMScratch, type RNNLMOptions } from './rnnlm-scratch.js';
import { isGreedyChooser } from './sampling.js';

/**
 * Fused decoding runs in calls of FIRST_DECODE_CALL tokens, then each call at most twice the last
 * and about DECODE_CALL_MS long by the last call's pace: the first tokens of a stream come soon and
 * no call blocks a page for long, whatever the model's size.
 */
const FIRST_DECODE_CALL = 16;
const DECODE_CALL_MS = 4;

/** Options of the concise RNNLM: those of RNNLMScratch, and an optional embedding of the tokens. */
export interface ConciseRNNLMOptions extends RNNLMOptions {
  /**
   * Width of the token embedding (`embedding.weight` (vocabSize, embeddingDim), N(0, 1) as
   * PyTorch's nn.Embedding); the recurrent network's numInputs must equal it. Without it the
   * network takes one-hot tokens (numInputs = vocabSize), as in d2l.
   */
  embeddingDim?: number;
  /**
   * Dropout probability on the embedded inputs (with embeddingDim) and on the recurrent network's
   * outputs before the output layer, in training mode while gradients are recorded (default 0; never
   * under noGrad, so never while generating). Dropout between stacked layers is the recurrent layer's
   * own option.
   */
  dropout?: number;
  /**
   * Weight tying (Press & Wolf 2017; PyTorch's word_language_model --tied): the embedding shares the
   * output layer's weight (vocabSize, W), registered under both names, `embedding.weight` and
   * `linear.weight`, as a tied PyTorch model's state_dict lists it. Needs embeddingDim = W, the
   * recurrent output width. The shared weight starts as the output layer's, U(-1/sqrt(W), 1/sqrt(W)).
   */
  tieWeights?: boolean;
}

/**
 * d2l's concise language model: any recurrent network, an optional embedding, a dense output layer
 * (PyTorch's names: `embedding.weight`, `rnn.*`, `linear.*`). A fused layer (LSTM, GRU, RNN) takes
 * token ids directly, and predict, sample and stream step it on a persistent state.
 *
 * @example
 * ```ts
 * const lstm = new LSTM({ numInputs: data.vocab.length, numHiddens: 32 });
 * const model = new RNNLM(lstm, { vocabSize: data.vocab.length, lr: 4 });   // takes token ids directly
 * trainer.fit(model, data);
 * model.sample('it has', 200, data.vocab, { temperature: 0.8, seed: 1 });
 * ```
 */
export class RNNLM extends RNNLMScratch {
  // `declare`: set by initParams during the base constructor, so no field initialiser may reset it.
  /** The output layer, PyTorch's nn.Linear: weight (V, W), bias (V), W the recurrent output width. */
  declare linear: Linear;
  /** The token embedding, or null when the network takes one-hot tokens. */
  readonly embedding: Embedding | null;
  /** Dropout on the embedded inputs and the recurrent outputs in training mode (see ConciseRNNLMOptions). */
  readonly dropout: number;
  private readonly dropoutRandom: Random;

  /**
   * Throws a RangeError as RNNLMScratch's does, and when dropout is outside [0, 1), the network's
   * numInputs differs from embeddingDim, or tieWeights lacks an embedding as wide as the recurrent outputs.
   */
  constructor(rnn: Recurrent, options: ConciseRNNLMOptions) {
    super(rnn, options);
    const { embeddingDim, dropout = 0 } = options;
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`RNNLM: dropout must be in [0, 1), got ${dropout}`);
    this.dropout = dropout;
    const seed = options.seed ?? freshSeed();
    // Registered when it draws (so that models without dropout list the generators they always did):
    // a checkpoint saves its state and a resumed run draws the same masks.
    const dropoutRandom = new Random(Random.deriveSeed(seed, 3));
    this.dropoutRandom = dropout > 0 ? this.randomGenerator('dropout', dropoutRandom) : dropoutRandom;
    if (embeddingDim === undefined) {
      if (options.tieWeights) throw new RangeError('RNNLM: tieWeights needs an embedding (embeddingDim)');
      this.embedding = null;
      return;
    }
    if (rnn.numInputs !== embeddingDim) {
      throw new RangeError(
        `RNNLM: the recurrent network takes ${rnn.numInputs} inputs but embeddingDim is ${embeddingDim}`,
      );
    }
    if (options.tieWeights && embeddingDim !== this.linear.numInputs) {
      throw new RangeError(
        `RNNLM: tieWeights needs embeddingDim (${embeddingDim}) = the recurrent output width (${this.linear.numInputs})`,
      );
    }
    // A stream of its own, so that adding an embedding does not change the output layer's weights.
    const weight = options.tieWeights ? this.linear.weight : undefined;
    this.embedding = this.module(
      'embedding',
      new Embedding(this.vocabSize, embeddingDim, { seed: Random.deriveSeed(seed, 2), weight, backend: this.backend }),
    );
  }

  protected override initParams(seed: number): void {
    this.linear = this.module(
      'linear',
      new Linear(this.rnn.numHiddens, this.vocabSize, { seed, backend: this.backend }),
    );
  }

  /** Recurrent outputs (T x (B, W) or (T, B, W)) -> logits (T, B, V); dropped out first in training mode. */
  override outputLayer(rnnOutputs: Tensor[] | Tensor): Tensor {
    const H = this.dropped(Array.isArray(rnnOutputs) ? stack(rnnOutputs) : rnnOutputs);
    const [T, B, width] = H.shape;
    return reshape(this.linear.forward(reshape(H, [T * B, width])), [T, B, this.vocabSize]);
  }

  /** The inputs a (non-fused) recurrent network sees for ids X (B, T): embedded or one-hot, (T, B, ...). */
  override embed(X: ArrayLike<number>, batchSize: number, numSteps: number): Tensor {
    if (!this.embedding) return super.embed(X, batchSize, numSteps);
    return this.dropped(this.embedding.forwardTimeMajor(X, batchSize, numSteps));
  }

  /** Logits (T, B, V) for token ids X (B, T) row-major, and the final state. */
  override forward(
    X: ArrayLike<number>,
    batchSize: number,
    numSteps: number,
    state?: RecurrentState,
  ): [Tensor, RecurrentState] {
    const rnn = this.fusedLayer();
    if (!rnn) return super.forward(X, batchSize, numSteps, state);
    let result: [Tensor, RecurrentState];
    if (this.embedding && this.dropping) {
      // Dropout on the embedded inputs needs them gathered: the layer takes them as dense inputs.
      const x = this.embed(X, batchSize, numSteps);
      result = rnn.forward(rnn.batchFirst ? swapLeadingAxes(x) : x, state);
    } else {
      result = rnn.forwardTokens(X, batchSize, numSteps, state, this.embedding ?? undefined);
    }
    const [outputs, newState] = result;
    return [this.outputLayer(rnn.batchFirst ? swapLeadingAxes(outputs) : outputs), newState];
  }

  /**
   * The fused layer's generation: one RecurrentStepper step per token on a state of its own (no
   * scratch memory, nothing recorded), the output layer applied only where a token is chosen.
   * Other recurrent networks take d2l's loop.
   */
  protected override *generateIds(
    prefixIds: readonly number[],
    numPreds: number,
    choose: (logits: Float64Array) => number,
  ): Generator<number, void, undefined> {
    const rnn = this.fusedLayer();
    if (!rnn) {
      yield* super.generateIds(prefixIds, numPreds, choose);
      return;
    }
    const backend = this.backend;
    const V = this.vocabSize;
    const embedding = this.embedding;
    const stepper = rnn.stepper(1);
    if (isGreedyChooser(choose) && !embedding && stepper.canDecodeGreedy) {
      yield* this.decodeGreedy(stepper, prefixIds, numPreds, choose.greedyExclude);
      return;
    }
    const logitsArena = backend.createArena('generation-logits', V);
    try {
      const logits = logitsArena.allocate(V);
      const values = new Float64Array(V);
      const id = [prefixIds[0]];
      for (let i = 0; i < prefixIds.length + numPreds - 1; i++) {
        // Through an embedding, the step's input is the token's row of its weight, read in place.
        const h = embedding
          ? stepper.stepInputs(embedding.weight.ptr + id[0] * embedding.embeddingDim)
          : stepper.stepTokens(id);
        if (i < prefixIds.length - 1) {
          id[0] = prefixIds[i + 1]; // warm-up on the prefix: no logits needed
          continue;
        }
        this.linear.forwardInto(h, 1, logits.ptr);
        values.set(backend.heap.floats.subarray(logits.ptr, logits.ptr + V));
        id[0] = choose(values);
        yield id[0];
      }
    } finally {
      stepper.dispose();
      logitsArena.dispose();
    }
  }

  /**
   * predict's tokens in fused kernel calls (Kernels.decodeGreedy: on a threads backend, one team call
   * for many tokens instead of one per token): the prefix through the stepper, then the tokens in
   * calls of growing length (FIRST_DECODE_CALL, DECODE_CALL_MS). Disposes the stepper.
   */
  private *decodeGreedy(
    stepper: RecurrentStepper,
    prefixIds: readonly number[],
    numPreds: number,
    exclude: number,
  ): Generator<number, void, undefined> {
    try {
      for (let i = 0; i < prefixIds.length - 1; i++) stepper.stepTokens([prefixIds[i]]);
      let id = prefixIds[prefixIds.length - 1];
      let tokens = FIRST_DECODE_CALL;
      for (let done = 0; done < numPreds;) {
        const count = Math.min(tokens, numPreds - done);
        const start = performance.now();
        const ids = stepper.decodeGreedy(id, count, this.linear.weight.ptr, this.linear.bias.ptr, exclude);
        const msPerToken = (performance.now() - start) / count;
        tokens = Math.max(1, Math.min(2 * count, Math.floor(DECODE_CALL_MS / Math.max(msPerToken, 1e-6))));
        done += count;
        for (const next of ids) yield next;
        id = ids[count - 1];
      }
    } finally {
      stepper.dispose();
    }
  }

  /** Whether dropout applies now: p > 0, training mode, and gradients recorded (not under noGrad: generation). */
  private get dropping(): boolean {
    return this.training && this.dropout > 0 && isRecording();
  }

  private dropped(x: Tensor): Tensor {
    return this.dropping ? dropout(x, this.dropout, this.dropoutRandom) : x;
  }

  /** The recurrent network when it is a fused layer whose inputs are the vocabulary or the embedding (token ids fit). */
  private fusedLayer(): RecurrentLayer | null {
    const inputs = this.embedding ? this.embedding.embeddingDim : this.vocabSize;
    return this.rnn instanceof RecurrentLayer && this.rnn.numInputs === inputs ? this.rnn : null;
  }
}

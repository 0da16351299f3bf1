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
// `linear.*`), so a large vocabulary needs no one-hot inputs at all.

import { Embedding } from '../layers/embedding.js';
import { Linear } from '../layers/linear.js';
import { RecurrentLayer } from '../layers/recurrent-layer.js';
import { swapLeadingAxes } from '../layers/sequence-ops.js';
import { reshape, stack } from '../tensor/ops.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Recurrent, RecurrentState } from '../nn/recurrent.js';
import { freshSeed } from '../nn/init.js';
import { Random } from '../util/random.js';
import { RNNLMScratch, type RNNLMOptions, type TokenVocabulary } from './rnnlm-scratch.js';

/** Options of the concise RNNLM: those of RNNLMScratch, and an optional embedding of the tokens. */
export interface ConciseRNNLMOptions extends RNNLMOptions {
  /**
   * Width of the token embedding (`embedding.weight` (vocabSize, embeddingDim), N(0, 1) as
   * PyTorch's nn.Embedding); the recurrent network's numInputs must equal it. Without it the
   * network takes one-hot tokens (numInputs = vocabSize), as in d2l.
   */
  embeddingDim?: number;
}

/** d2l's concise language model: any recurrent network, an optional embedding, a dense output layer. */
export class RNNLM extends RNNLMScratch {
  // `declare`: set by initParams during the base constructor, so no field initialiser may reset it.
  declare linear: Linear;
  /** The token embedding, or null when the network takes one-hot tokens. */
  readonly embedding: Embedding | null;

  constructor(rnn: Recurrent, options: ConciseRNNLMOptions) {
    super(rnn, options);
    const { embeddingDim } = options;
    if (embeddingDim === undefined) {
      this.embedding = null;
      return;
    }
    if (rnn.numInputs !== embeddingDim) {
      throw new RangeError(
        `RNNLM: the recurrent network takes ${rnn.numInputs} inputs but embeddingDim is ${embeddingDim}`,
      );
    }
    // A stream of its own, so that adding an embedding does not change the output layer's weights.
    const seed = Random.deriveSeed(options.seed ?? freshSeed(), 2);
    this.embedding = this.module(
      'embedding',
      new Embedding(this.vocabSize, embeddingDim, { seed, backend: this.backend }),
    );
  }

  protected override initParams(seed: number): void {
    this.linear = this.module(
      'linear',
      new Linear(this.rnn.numHiddens, this.vocabSize, { seed, backend: this.backend }),
    );
  }

  /** Recurrent outputs (T x (B, W) or (T, B, W)) -> logits (T, B, V). */
  override outputLayer(rnnOutputs: Tensor[] | Tensor): Tensor {
    const H = Array.isArray(rnnOutputs) ? stack(rnnOutputs) : rnnOutputs;
    const [T, B, width] = H.shape;
    return reshape(this.linear.forward(reshape(H, [T * B, width])), [T, B, this.vocabSize]);
  }

  /** The inputs a (non-fused) recurrent network sees for ids X (B, T): embedded or one-hot, (T, B, ...). */
  override embed(X: ArrayLike<number>, batchSize: number, numSteps: number): Tensor {
    if (!this.embedding) return super.embed(X, batchSize, numSteps);
    return this.embedding.forwardTimeMajor(X, batchSize, numSteps);
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
    const [outputs, newState] = rnn.forwardTokens(X, batchSize, numSteps, state, this.embedding ?? undefined);
    return [this.outputLayer(rnn.batchFirst ? swapLeadingAxes(outputs) : outputs), newState];
  }

  protected override generate(
    prefix: string,
    numPreds: number,
    vocab: TokenVocabulary,
    choose: (logits: Float64Array) => number,
  ): string {
    const rnn = this.fusedLayer();
    if (!rnn) return super.generate(prefix, numPreds, vocab, choose);
    const chars = this.checkGeneration(prefix, numPreds, vocab);
    const backend = this.backend;
    const V = this.vocabSize;
    const embedding = this.embedding;
    const stepper = rnn.stepper(1);
    const logitsArena = backend.createArena('generation-logits', V);
    const logits = logitsArena.allocate(V);
    const values = new Float64Array(V);
    const id = [0];
    try {
      const outputs = [vocab.indexOf(chars[0])];
      for (let i = 0; i < chars.length + numPreds - 1; i++) {
        id[0] = outputs[outputs.length - 1];
        // Through an embedding, the step's input is the token's row of its weight, read in place.
        const h = embedding
          ? stepper.stepInputs(embedding.weight.ptr + id[0] * embedding.embeddingDim)
          : stepper.stepTokens(id);
        if (i < chars.length - 1) {
          outputs.push(vocab.indexOf(chars[i + 1])); // warm-up on the prefix: no logits needed
          continue;
        }
        this.linear.forwardInto(h, 1, logits.ptr);
        values.set(backend.heap.floats.subarray(logits.ptr, logits.ptr + V));
        outputs.push(choose(values));
      }
      return outputs.map((i) => vocab.idxToToken[i]).join('');
    } finally {
      stepper.dispose();
      logitsArena.dispose();
    }
  }

  /** The recurrent network when it is a fused layer whose inputs are the vocabulary or the embedding (token ids fit). */
  private fusedLayer(): RecurrentLayer | null {
    const inputs = this.embedding ? this.embedding.embeddingDim : this.vocabSize;
    return this.rnn instanceof RecurrentLayer && this.rnn.numInputs === inputs ? this.rnn : null;
  }
}

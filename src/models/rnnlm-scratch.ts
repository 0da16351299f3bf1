// RNNLMScratch (d2l 9.5): a character language model around any recurrent
// network: one-hot inputs, a dense output layer, mean cross-entropy, and
// perplexity exp(loss). Logits are kept time-major, (T, B, V), because the
// recurrent outputs are; targets (B, T) are transposed to match, which gives
// the same mean loss as d2l's (B, T, V) layout.

import type { TokenBatch } from '../data/time-machine.js';
import { Module } from '../nn/module.js';
import { SGD } from '../optim/sgd.js';
import { checkIds, oneHotTimeMajor } from '../layers/sequence-ops.js';
import { add, crossEntropy, matmul, reshape, stack } from '../tensor/ops.js';
import { noGrad } from '../tensor/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { freshSeed, normal } from '../nn/init.js';
import type { Recurrent, RecurrentState } from '../nn/recurrent.js';

/** What predict needs from a vocabulary (data/vocab.ts's Vocab fits). */
export interface TokenVocabulary {
  readonly length: number;
  readonly idxToToken: readonly string[];
  indexOf(token: string): number;
}

export interface RNNLMOptions {
  vocabSize: number;
  lr?: number;
  /** Seed of the output layer's initial weights. */
  seed?: number;
}

export class RNNLMScratch extends Module {
  readonly vocabSize: number;
  readonly lr: number;
  W_hq!: Tensor;
  b_q!: Tensor;

  constructor(
    readonly rnn: Recurrent,
    options: RNNLMOptions,
  ) {
    super(rnn.backend);
    const { vocabSize, lr = 0.01 } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < 1) {
      throw new RangeError(`RNNLM: vocabSize must be a positive integer, got ${vocabSize}`);
    }
    if (!(lr > 0)) throw new RangeError(`RNNLM: lr must be positive, got ${lr}`);
    this.vocabSize = vocabSize;
    this.lr = lr;
    this.module('rnn', rnn);
    this.initParams(options.seed ?? freshSeed());
  }

  /** d2l: W_hq ~ N(0, rnn.sigma^2), b_q = 0. */
  protected initParams(seed: number): void {
    const init = normal(new Random(seed), this.rnn.sigma ?? 0.01);
    this.W_hq = this.parameter('W_hq', [this.rnn.numHiddens, this.vocabSize], init);
    this.b_q = this.parameter('b_q', [this.vocabSize]);
  }

  /** Token ids (B, T) row-major -> one-hot, time-major (T, B, V). */
  oneHot(X: ArrayLike<number>, batchSize: number, numSteps: number): Tensor {
    return oneHotTimeMajor(this.backend, X, batchSize, numSteps, this.vocabSize);
  }

  /** The inputs the recurrent network sees for token ids X (B, T): (T, B, V) one-hot. */
  embed(X: ArrayLike<number>, batchSize: number, numSteps: number): Tensor {
    return this.oneHot(X, batchSize, numSteps);
  }

  /** Recurrent outputs (T x (B, H) or (T, B, H)) -> logits (T, B, V). */
  outputLayer(rnnOutputs: Tensor[] | Tensor): Tensor {
    const H = Array.isArray(rnnOutputs) ? stack(rnnOutputs) : rnnOutputs;
    const [T, B, width] = H.shape;
    const logits = add(matmul(reshape(H, [T * B, width]), this.W_hq), this.b_q);
    return reshape(logits, [T, B, this.vocabSize]);
  }

  /** Logits (T, B, V) for token ids X (B, T); the final state is returned too (d2l drops it). */
  forward(X: ArrayLike<number>, batchSize: number, numSteps: number, state?: RecurrentState): [Tensor, RecurrentState] {
    const [outputs, newState] = this.rnn.forward(this.embed(X, batchSize, numSteps), state);
    return [this.outputLayer(outputs), newState];
  }

  /** Mean cross-entropy of logits (T, B, V) against targets Y (B, T) row-major. */
  loss(logits: Tensor, Y: ArrayLike<number>): Tensor {
    const [T, B, V] = logits.shape;
    checkIds(Y, B, T, V, 'target');
    const timeMajor = new Int32Array(T * B);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) timeMajor[t * B + b] = Y[b * T + t]; // sequential writes
    return crossEntropy(reshape(logits, [T * B, V]), timeMajor);
  }

  trainingStep(batch: TokenBatch): Tensor {
    const [logits] = this.forward(batch.X, batch.batchSize, batch.numSteps);
    return this.loss(logits, batch.Y);
  }

  /** Mean loss on a batch, without recording gradients. */
  validationStep(batch: TokenBatch): number {
    return noGrad(() => this.trainingStep(batch).item());
  }

  configureOptimizers(): SGD {
    return new SGD(this.parameters(), this.lr);
  }

  /**
   * d2l's predict: warm up on the prefix (feeding each true character with the
   * state carried along), then append the argmax character numPreds times.
   * Returns the prefix followed by numPreds characters.
   */
  predict(prefix: string, numPreds: number, vocab: TokenVocabulary): string {
    return this.generate(prefix, numPreds, vocab, (logits) => argmax(logits));
  }

  /**
   * Like predict, but each new character is drawn from softmax(logits / temperature)
   * with a seeded generator, so the text does not loop. temperature -> 0 approaches predict.
   */
  sample(
    prefix: string,
    numPreds: number,
    vocab: TokenVocabulary,
    options: { temperature?: number; seed?: number } = {},
  ): string {
    const temperature = options.temperature ?? 1;
    if (!(temperature > 0)) throw new RangeError(`sample: temperature must be positive, got ${temperature}`);
    const random = new Random(options.seed ?? freshSeed());
    return this.generate(prefix, numPreds, vocab, (logits) => sampleFrom(logits, temperature, random));
  }

  protected generate(
    prefix: string,
    numPreds: number,
    vocab: TokenVocabulary,
    choose: (logits: Float64Array) => number,
  ): string {
    const chars = this.checkGeneration(prefix, numPreds, vocab);
    return noGrad(() => {
      let state: RecurrentState | undefined;
      const outputs = [vocab.indexOf(chars[0])];
      for (let i = 0; i < chars.length + numPreds - 1; i++) {
        const [rnnOutputs, newState] = this.rnn.forward(this.embed([outputs[outputs.length - 1]], 1, 1), state);
        state = newState;
        if (i < chars.length - 1)
          outputs.push(vocab.indexOf(chars[i + 1])); // warm-up
        else outputs.push(choose(this.outputLayer(rnnOutputs).toArray()));
      }
      return outputs.map((i) => vocab.idxToToken[i]).join('');
    });
  }

  /** Validates predict/sample arguments; returns the prefix as characters (code points). */
  protected checkGeneration(prefix: string, numPreds: number, vocab: TokenVocabulary): string[] {
    const chars = [...prefix];
    if (chars.length === 0) throw new RangeError('predict: the prefix must contain at least one character');
    if (!Number.isInteger(numPreds) || numPreds < 0) {
      throw new RangeError(`predict: numPreds must be a non-negative integer, got ${numPreds}`);
    }
    if (vocab.length !== this.vocabSize) {
      throw new RangeError(`predict: the vocabulary has ${vocab.length} tokens but the model ${this.vocabSize}`);
    }
    return chars;
  }
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function sampleFrom(logits: ArrayLike<number>, temperature: number, random: Random): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const weights = Array.from(logits, (l) => Math.exp((l - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let u = random.uniform() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}

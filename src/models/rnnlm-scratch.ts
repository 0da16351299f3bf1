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
import { greedyChooser, sampleToken, tokenFilter, type SamplingOptions } from './sampling.js';

/**
 * What generation needs from a vocabulary (data/vocab.ts's Vocab fits). Without `tokenize` a prefix
 * is read character by character, without `join` tokens are concatenated; without `unk` every token
 * of a prefix is taken as known.
 */
export interface TokenVocabulary {
  /** Number of tokens: must equal the model's vocabSize. */
  readonly length: number;
  /** The tokens in index order. */
  readonly idxToToken: readonly string[];
  /** A token's index (for an unknown token: `unk`, if the vocabulary has it). */
  indexOf(token: string): number;
  /** The index unknown tokens map to: a prefix must not contain unknown tokens, and generation never picks it. */
  readonly unk?: number;
  /** Text -> tokens, as the training text was read (Vocab: by its textFormat). */
  tokenize?(text: string): string[];
  /** Tokens -> text (Vocab: words joined by spaces, characters concatenated). */
  join?(tokens: readonly string[]): string;
}

/** Options of predict. */
export interface PredictOptions {
  /** Called with each new token as it is chosen: the text it adds (see stream) and its index. */
  onToken?: (piece: string, id: number) => void;
}

/** Options of sample: how tokens are drawn, and a callback per token. */
export interface SampleOptions extends SamplingOptions, PredictOptions {}

/** Options of stream: greedy decoding (as predict) or drawing (as sample, the default). */
export interface StreamOptions extends SamplingOptions {
  /** Take the most likely token each step, as predict does (sampling options are then an error). */
  greedy?: boolean;
}

/** Picks the next token's index from the logits (V) of the last step (a subclass's generateIds calls it). */
export type TokenChooser = (logits: Float64Array) => number;

/** How often (ms of work) stream hands the event loop a turn, so that a page stays responsive. */
const STREAM_YIELD_MS = 10;

/** Options of RNNLMScratch (and, through ConciseRNNLMOptions, of RNNLM). */
export interface RNNLMOptions {
  /** Tokens in the vocabulary, V: the width of the one-hot inputs and of the logits. */
  vocabSize: number;
  /** Learning rate of the SGD configureOptimizers returns (default 0.01; d2l's chapter trains at 4). */
  lr?: number;
  /** Seed of the output layer's initial weights. */
  seed?: number;
}

/**
 * d2l's `RNNLMScratch`: a character language model around any recurrent network (scratch cell or
 * fused layer): one-hot inputs, a dense output layer W_hq, b_q, mean cross-entropy; predict, sample
 * and stream generate text. A TrainableModel of TokenBatch for Trainer.fit.
 *
 * @example
 * ```ts
 * const lstm = new LSTMScratch(data.vocab.length, 32);        // numInputs, numHiddens, sigma = 0.01
 * const model = new RNNLMScratch(lstm, { vocabSize: data.vocab.length, lr: 4 });
 * new Trainer({ maxEpochs: 50, gradientClipVal: 1 }).fit(model, data);
 * model.predict('it has', 20, data.vocab);                   // 'it has a the time travelly' in the book
 * ```
 */
export class RNNLMScratch extends Module {
  /** Tokens in the vocabulary, V. */
  readonly vocabSize: number;
  /** Learning rate of the SGD configureOptimizers returns. */
  readonly lr: number;
  /** Output weight (numHiddens, V), N(0, rnn.sigma^2); unset in RNNLM, whose output layer is `linear`. */
  W_hq!: Tensor;
  /** Output bias (V), zeros; unset in RNNLM. */
  b_q!: Tensor;

  /**
   * Registers `rnn` as the submodule `rnn` and draws W_hq from `options.seed`; throws a RangeError
   * unless vocabSize is a positive integer and lr > 0.
   */
  constructor(
    /** The recurrent network: takes (T, B, vocabSize) one-hot inputs (RNNLM: or token ids, or embeddings). */
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

  /** Mean cross-entropy of a batch, recorded for backward (a one-element tensor). */
  trainingStep(batch: TokenBatch): Tensor {
    const [logits] = this.forward(batch.X, batch.batchSize, batch.numSteps);
    return this.loss(logits, batch.Y);
  }

  /** Mean loss on a batch, without recording gradients. */
  validationStep(batch: TokenBatch): number {
    return noGrad(() => this.trainingStep(batch).item());
  }

  /** d2l's plain SGD over all parameters at `lr`: Trainer's optimiser unless it is given another. */
  configureOptimizers(): SGD {
    return new SGD(this.parameters(), this.lr);
  }

  /**
   * d2l's predict: warm up on the prefix (feeding each true token with the state carried along),
   * then append the argmax token numPreds times. Returns the prefix followed by numPreds tokens,
   * as text: the prefix as the vocabulary reads it (a d2l vocabulary lowercases it and turns
   * punctuation into spaces; a word vocabulary splits it into words), the tokens joined as the
   * vocabulary joins them (words with spaces). A prefix token the vocabulary lacks is an error
   * naming it; `<unk>` is never chosen.
   */
  predict(prefix: string, numPreds: number, vocab: TokenVocabulary, options: PredictOptions = {}): string {
    const unk = vocab.unk ?? -1;
    return this.decode('predict', prefix, numPreds, vocab, greedyChooser(unk), options.onToken);
  }

  /**
   * Like predict, but each new token is drawn from softmax(logits / temperature), restricted to
   * the topK most likely tokens and to the most likely ones whose probability reaches topP
   * (SamplingOptions), with a seeded generator, so the text does not loop. A temperature near 0
   * approaches predict.
   */
  sample(prefix: string, numPreds: number, vocab: TokenVocabulary, options: SampleOptions = {}): string {
    return this.decode('sample', prefix, numPreds, vocab, samplingChooser('sample', vocab, options), options.onToken);
  }

  /**
   * The tokens of sample (or of predict, with `greedy`) one at a time, as they are chosen:
   * `for await (const piece of model.stream(prefix, 100, vocab)) write(piece)`. Each piece is the
   * text the token adds (a word with its leading space; the prefix is not repeated), so the pieces
   * concatenated are the returned text of sample or predict after its prefix. The state persists
   * from token to token; breaking out of the loop stops generation and frees its memory. Every
   * 10 ms of work the stream waits for a macrotask, so that a page stays responsive. The weights
   * are read when the stream starts: do not train the model while a stream is open.
   */
  async *stream(
    prefix: string,
    numPreds: number,
    vocab: TokenVocabulary,
    options: StreamOptions = {},
  ): AsyncGenerator<string, void, undefined> {
    const { greedy = false, ...sampling } = options;
    if (greedy && Object.values(sampling).some((v) => v !== undefined)) {
      throw new RangeError('stream: greedy decoding takes no sampling options (temperature, topK, topP, seed)');
    }
    const unk = vocab.unk ?? -1;
    const choose: TokenChooser = greedy ? greedyChooser(unk) : samplingChooser('stream', vocab, sampling);
    const prefixIds = this.prefixIds('stream', prefix, numPreds, vocab);
    let previous = vocab.idxToToken[prefixIds[prefixIds.length - 1]];
    let lastYield = performance.now();
    for (const id of this.generateIds(prefixIds, numPreds, choose)) {
      const token = vocab.idxToToken[id];
      yield piece(vocab, previous, token);
      previous = token;
      if (performance.now() - lastYield >= STREAM_YIELD_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
  }

  /**
   * d2l's predict loop with a choice function: every token through rnn.forward with the state
   * carried (any Recurrent supports it). Returns the prefix and numPreds tokens as text.
   */
  protected generate(
    prefix: string,
    numPreds: number,
    vocab: TokenVocabulary,
    choose: (logits: Float64Array) => number,
  ): string {
    const prefixIds = this.prefixIds('predict', prefix, numPreds, vocab);
    return joinIds(vocab, [...prefixIds, ...recurrentLoop(this, prefixIds, numPreds, choose)]);
  }

  /**
   * The numPreds token indices after the prefix (given as indices), chosen one at a time from the
   * logits, the state carried from token to token. Here d2l's loop (see generate); RNNLM steps its
   * fused layer instead. The generator holds its memory until it finishes or is returned.
   */
  protected generateIds(prefixIds: readonly number[], numPreds: number, choose: TokenChooser): Iterable<number> {
    return recurrentLoop(this, prefixIds, numPreds, choose);
  }

  /** The prefix as token indices: read as the vocabulary reads text, each token known (or an error). */
  protected prefixIds(who: string, prefix: string, numPreds: number, vocab: TokenVocabulary): number[] {
    if (typeof prefix !== 'string') throw new TypeError(`${who}: the prefix must be a string`);
    if (!Number.isInteger(numPreds) || numPreds < 0) {
      throw new RangeError(`${who}: numPreds must be a non-negative integer, got ${numPreds}`);
    }
    if (vocab.length !== this.vocabSize) {
      throw new RangeError(`${who}: the vocabulary has ${vocab.length} tokens but the model ${this.vocabSize}`);
    }
    const tokens = vocab.tokenize ? vocab.tokenize(prefix) : [...prefix];
    if (tokens.length === 0) {
      throw new RangeError(`${who}: the prefix ${JSON.stringify(prefix)} has no token the vocabulary reads`);
    }
    const ids = tokens.map((t) => vocab.indexOf(t));
    const unknown = tokens.filter((t, i) => ids[i] === vocab.unk && t !== vocab.idxToToken[vocab.unk]);
    if (unknown.length > 0) {
      const list = [...new Set(unknown)].map((t) => JSON.stringify(t)).join(', ');
      throw new RangeError(`${who}: the vocabulary has no ${list} (from the prefix ${JSON.stringify(prefix)})`);
    }
    return ids;
  }

  /** The text of prefix + generated tokens, each new token also handed to onToken. */
  private decode(
    who: string,
    prefix: string,
    numPreds: number,
    vocab: TokenVocabulary,
    choose: TokenChooser,
    onToken: PredictOptions['onToken'],
  ): string {
    const ids = this.prefixIds(who, prefix, numPreds, vocab);
    let previous = vocab.idxToToken[ids[ids.length - 1]];
    for (const id of this.generateIds([...ids], numPreds, choose)) {
      ids.push(id);
      if (onToken) {
        const token = vocab.idxToToken[id];
        onToken(piece(vocab, previous, token), id);
        previous = token;
      }
    }
    return joinIds(vocab, ids);
  }
}

/**
 * d2l's loop: feed prefix[0], then each next prefix token (warm-up, no logits), then the chosen
 * tokens; yields the numPreds chosen indices. Each step runs under noGrad on its own (a generator
 * cannot hold noGrad across its yields).
 */
function* recurrentLoop(
  model: RNNLMScratch,
  prefixIds: readonly number[],
  numPreds: number,
  choose: TokenChooser,
): Generator<number, void, undefined> {
  let state: RecurrentState | undefined;
  let last = prefixIds[0];
  for (let i = 0; i < prefixIds.length + numPreds - 1; i++) {
    const [rnnOutputs, newState] = noGrad(() => model.rnn.forward(model.embed([last], 1, 1), state));
    state = newState;
    if (i < prefixIds.length - 1) {
      last = prefixIds[i + 1]; // warm-up
      continue;
    }
    last = choose(noGrad(() => model.outputLayer(rnnOutputs).toArray()));
    yield last;
  }
}

/** A chooser that draws tokens by `options` (validated now), never the vocabulary's unk. */
function samplingChooser(who: string, vocab: TokenVocabulary, options: SamplingOptions): TokenChooser {
  const filter = tokenFilter(options, who);
  const random = new Random(options.seed ?? freshSeed());
  const unk = vocab.unk ?? -1;
  return (logits) => sampleToken(logits, filter, random, unk);
}

function joinIds(vocab: TokenVocabulary, ids: readonly number[]): string {
  const tokens = ids.map((i) => vocab.idxToToken[i]);
  return vocab.join ? vocab.join(tokens) : tokens.join('');
}

/** The text `token` adds after `previous` when the vocabulary joins them. */
function piece(vocab: TokenVocabulary, previous: string, token: string): string {
  if (!vocab.join) return token;
  return vocab.join([previous, token]).slice(vocab.join([previous]).length);
}

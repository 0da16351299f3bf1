// TimeMachine (d2l 9.2-9.3): the corpus as token ids, every stride-1 window of
// numSteps + 1 tokens split into X (the first numSteps) and Y (the last
// numSteps), train = windows [0, numTrain), val = [numTrain, numTrain + numVal).
// Training batches are reshuffled every epoch, validation batches come in
// order, and the last partial batch is kept (DataLoader's drop_last=False).
// Takes the raw text, does no I/O: it runs in browsers as is.
//
// Beyond the book, for any text: the text format (words, case, punctuation;
// see text-format.ts), windows `stride` tokens apart (numSteps: each token is
// predicted once per epoch, instead of numSteps times), and a split by
// fraction (valFraction) instead of d2l's fixed 10,000 + 5,000 windows.

import { Random } from '../util/random.js';
import { D2L_TEXT_FORMAT, textFormat, tokenizeText, type TextFormat } from './text-format.js';
import type { Tokenizer } from './tokenize.js';
import { Vocab } from './vocab.js';

/** A minibatch of token ids, row-major (batchSize, numSteps); Y is X shifted by one token. */
export interface TokenBatch {
  /** Input token ids, (batchSize, numSteps) row-major. */
  X: Int32Array;
  /** Target token ids, (batchSize, numSteps) row-major: each row of X one token later. */
  Y: Int32Array;
  /** Rows in this batch: smaller than the configured batchSize for the last one. */
  batchSize: number;
  /** Tokens per row (time steps T). */
  numSteps: number;
}

/** Options of buildCorpus: a text format (unset fields take d2l's), or a vocabulary to reuse. */
export interface CorpusOptions extends Partial<TextFormat> {
  /**
   * Reuse a vocabulary (e.g. a checkpoint's) instead of building one; unknown tokens map to `<unk>`.
   * The text is then read with the vocabulary's textFormat, if it has one.
   */
  vocab?: Vocab;
  /** When building the vocabulary: tokens seen fewer times map to `<unk>`. */
  minFreq?: number;
}

/** What buildCorpus returns: d2l's `corpus, vocab`, and the tokens they index. */
export interface BuiltCorpus {
  /** The text's tokens, in order. */
  tokens: string[];
  /** The tokens' ids in `vocab` (unknown ones: `<unk>`'s). */
  corpus: Int32Array;
  /** The vocabulary built from the tokens, or the one given in the options. */
  vocab: Vocab;
}

/**
 * d2l's `TimeMachine.build(raw_text, vocab=None)`: preprocess, tokenize, index. The text format
 * (tokenizer, lowercase, charset) defaults to d2l's: letters only, lowercased, characters.
 */
export function buildCorpus(rawText: string, options: CorpusOptions = {}): BuiltCorpus {
  if (typeof rawText !== 'string') throw new TypeError('buildCorpus: the text must be a string');
  const format = corpusFormat(options);
  const tokens = tokenizeText(rawText, format);
  const vocab = options.vocab ?? new Vocab(tokens, { minFreq: options.minFreq ?? 0, ...format });
  return { tokens, corpus: vocab.encode(tokens), vocab };
}

/** The format buildCorpus reads with: the options', over a reused vocabulary's, over d2l's. */
function corpusFormat(options: CorpusOptions): TextFormat {
  const given = { tokenizer: options.tokenizer, lowercase: options.lowercase, charset: options.charset };
  const vocabFormat = options.vocab?.textFormat;
  if (vocabFormat) {
    for (const [key, value] of Object.entries(given) as [keyof TextFormat, unknown][]) {
      if (value !== undefined && value !== vocabFormat[key]) {
        throw new RangeError(
          `buildCorpus: ${key} ${String(value)} differs from the vocabulary's (${String(vocabFormat[key])})`,
        );
      }
    }
  }
  try {
    return textFormat(given, vocabFormat ?? D2L_TEXT_FORMAT);
  } catch (error) {
    throw new RangeError(`buildCorpus: ${(error as Error).message}`, { cause: error });
  }
}

/** Options of TimeMachine: the text, the batch shape, the split, and the text format (see CorpusOptions). */
export interface TimeMachineOptions extends CorpusOptions {
  /** The raw text of the book (see loadTimeMachineText / resolveTimeMachineText). */
  text: string;
  /** Windows per batch (an integer >= 1; d2l's chapter uses 1024). */
  batchSize: number;
  /** Tokens per window, the time steps T of a batch (an integer >= 1; d2l's chapter uses 32). */
  numSteps: number;
  /** Training windows (default 10 000, as d2l; with valFraction, all windows before the validation ones). */
  numTrain?: number;
  /** Validation windows after them (default 5 000). */
  numVal?: number;
  /**
   * Instead of numTrain and numVal: the last fraction of the windows (rounded, at least one) validates,
   * all the others train. For texts of any size.
   */
  valFraction?: number;
  /** Tokens between the starts of consecutive windows (default 1, as d2l; numSteps: windows do not overlap). */
  stride?: number;
  /** Seed of the per-epoch shuffles (default: a fresh random seed; read it back from `seed`). */
  seed?: number;
}

/**
 * d2l's `TimeMachine(batch_size, num_steps)` data module over a text given as a string (no I/O, so it
 * runs in browsers; Node's loadTimeMachine finds the book itself): (batchSize, numSteps) windows of
 * token ids, shuffled per epoch for training, in order for validation. What Trainer.fit reads.
 * Throws a RangeError naming any option out of range, or when the windows do not fit the corpus.
 *
 * @example
 * ```ts
 * const data = new TimeMachine({
 *   text,                                         // any string
 *   batchSize: 32, numSteps: 32,
 *   tokenizer: 'word', lowercase: false, charset: 'all',
 *   stride: 32,                                   // windows 32 tokens apart (d2l: 1, every window)
 *   valFraction: 0.1,                             // the last 10% of the windows validate (d2l: 10,000 + 5,000)
 * });
 * data.vocab.tokenize('The Time, Traveller');     // ['The', 'Time', ',', 'Traveller']
 * ```
 */
export class TimeMachine {
  /** Windows per batch (the last batch may have fewer). */
  readonly batchSize: number;
  /** Tokens per window (time steps T). */
  readonly numSteps: number;
  /** Training windows: indices [0, numTrain). */
  readonly numTrain: number;
  /** Validation windows: indices [numTrain, numTrain + numVal). */
  readonly numVal: number;
  /** Tokens between the starts of consecutive windows (1: d2l's, every window). */
  readonly stride: number;
  /** Seed of the per-epoch shuffles (the given one, or the fresh one drawn). */
  readonly seed: number;
  /** How the text was cut into tokens: 'char' or 'word'. */
  readonly tokenizer: Tokenizer;
  /** The vocabulary of the corpus (built from it, or the one given). */
  readonly vocab: Vocab;
  /** Token ids of the whole preprocessed book. */
  readonly corpus: Int32Array;
  private nextEpoch = 0;

  /** Tokenizes and indexes the text; throws a RangeError naming any option out of range. */
  constructor(options: TimeMachineOptions) {
    const { batchSize, numSteps, stride = 1, valFraction } = options;
    requireInteger('batchSize', batchSize, 1);
    requireInteger('numSteps', numSteps, 1);
    requireInteger('stride', stride, 1);
    if (valFraction !== undefined) {
      if (!(valFraction > 0 && valFraction < 1)) {
        throw new RangeError(`TimeMachine: valFraction must be in (0, 1), got ${String(valFraction)}`);
      }
      if (options.numTrain !== undefined || options.numVal !== undefined) {
        throw new RangeError('TimeMachine: give either valFraction or numTrain and numVal, not both');
      }
    }
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
      throw new RangeError(`TimeMachine: seed must be a safe integer, got ${options.seed}`);
    }
    if (typeof options.text !== 'string') {
      throw new TypeError('TimeMachine: text must be the raw text of the book (a string)');
    }
    const { corpus, vocab } = buildCorpus(options.text, options);
    const windows = windowCount(corpus.length, numSteps, stride);
    let { numTrain = 10_000, numVal = 5_000 } = options;
    if (valFraction !== undefined) {
      numVal = Math.max(1, Math.round(windows * valFraction));
      numTrain = windows - numVal;
      if (numTrain < 1) {
        throw new RangeError(
          `TimeMachine: a corpus of ${corpus.length} tokens has ${windows} window(s) of numSteps + 1 = ` +
            `${numSteps + 1} tokens, too few to split into training and validation`,
        );
      }
    }
    requireInteger('numTrain', numTrain, 1);
    requireInteger('numVal', numVal, 0);
    if (numTrain + numVal > windows) {
      throw new RangeError(
        `TimeMachine: numTrain + numVal = ${numTrain + numVal} windows do not fit: a corpus of ${corpus.length} ` +
          `tokens has ${windows} windows of numSteps + 1 = ${numSteps + 1} tokens` +
          (stride === 1 ? ' (numTrain + numVal + numSteps must be <= the corpus length)' : `, ${stride} apart`),
      );
    }
    this.batchSize = batchSize;
    this.numSteps = numSteps;
    this.numTrain = numTrain;
    this.numVal = numVal;
    this.stride = stride;
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    this.tokenizer = vocab.textFormat?.tokenizer ?? options.tokenizer ?? 'char';
    this.vocab = vocab;
    this.corpus = corpus;
  }

  /** Windows in the whole corpus, `stride` tokens apart (d2l: stride 1, and X and Y are built from all of them). */
  get numWindows(): number {
    return windowCount(this.corpus.length, this.numSteps, this.stride);
  }

  /** Batches per training epoch: ceil(numTrain / batchSize). */
  get numTrainBatches(): number {
    return Math.ceil(this.numTrain / this.batchSize);
  }

  /** Validation batches: ceil(numVal / batchSize). */
  get numValBatches(): number {
    return Math.ceil(this.numVal / this.batchSize);
  }

  /** The epoch the next `trainBatches()` call serves (0-based); set it to resume a run. */
  get epoch(): number {
    return this.nextEpoch;
  }

  /** Throws a RangeError unless `value` is an integer >= 0. */
  set epoch(value: number) {
    requireInteger('epoch', value, 0);
    this.nextEpoch = value;
  }

  /** Window i, starting at token s = i stride: X = corpus[s : s + numSteps], Y = corpus[s + 1 : s + 1 + numSteps] (views, do not write). */
  window(i: number): {
    /** The window's inputs, numSteps token ids. */
    X: Int32Array;
    /** Its targets, the same tokens one later. */
    Y: Int32Array;
  } {
    if (!Number.isInteger(i) || i < 0 || i >= this.numWindows) {
      throw new RangeError(`TimeMachine.window: index ${i} is outside [0, ${this.numWindows})`);
    }
    const s = i * this.stride;
    return {
      X: this.corpus.subarray(s, s + this.numSteps),
      Y: this.corpus.subarray(s + 1, s + 1 + this.numSteps),
    };
  }

  /** The order of the training windows in `epoch`: a function of (seed, epoch) only. */
  trainOrder(epoch: number): Int32Array {
    requireInteger('epoch', epoch, 0);
    const order = new Int32Array(this.numTrain);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return new Random(Random.deriveSeed(this.seed, epoch)).shuffle(order);
  }

  /** One epoch of shuffled training batches; each call is the next epoch. */
  trainBatches(): IterableIterator<TokenBatch> {
    const order = this.trainOrder(this.nextEpoch++);
    return this.batches(order);
  }

  /** The validation batches, in order. */
  valBatches(): IterableIterator<TokenBatch> {
    const order = new Int32Array(this.numVal);
    for (let i = 0; i < order.length; i++) order[i] = this.numTrain + i;
    return this.batches(order);
  }

  /** d2l's `get_dataloader(train)`. */
  getDataloader(train: boolean): IterableIterator<TokenBatch> {
    return train ? this.trainBatches() : this.valBatches();
  }

  /** Fresh arrays per batch, so a caller may keep a batch while drawing the next. */
  private *batches(windowIndices: Int32Array): IterableIterator<TokenBatch> {
    const T = this.numSteps;
    for (let start = 0; start < windowIndices.length; start += this.batchSize) {
      const rows = Math.min(this.batchSize, windowIndices.length - start);
      const X = new Int32Array(rows * T);
      const Y = new Int32Array(rows * T);
      for (let r = 0; r < rows; r++) {
        const i = windowIndices[start + r] * this.stride;
        X.set(this.corpus.subarray(i, i + T), r * T);
        Y.set(this.corpus.subarray(i + 1, i + 1 + T), r * T);
      }
      yield { X, Y, batchSize: rows, numSteps: T };
    }
  }
}

/** Windows of numSteps + 1 tokens that start `stride` apart in a corpus of `length` tokens. */
function windowCount(length: number, numSteps: number, stride: number): number {
  return length > numSteps ? Math.floor((length - numSteps - 1) / stride) + 1 : 0;
}

function requireInteger(name: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`TimeMachine: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}

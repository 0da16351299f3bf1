// The chapter's exercise 2 on the real corpus: a word-level language model (an Embedding tied to
// the output layer, an LSTM, dropout: WORD_LEVEL_DEFAULTS) must beat a unigram and a bigram model
// estimated in this test on the same training words and scored on the same validation targets.
//
// Data: the Time Machine in d2l's format (lowercase letters), cut into words: 32,775 tokens, 4,580
// types; windows of 32 + 1 words, 32 apart; the last 10% of the windows validate, the model trains
// on the rest. Every validation target y_t is predicted from its window only (x_1 .. x_t); the
// baselines see x_t, the word before it, which is as much as a bigram can use.
//
// The baselines, chosen to be hard to beat:
// - unigram: add-one (Laplace) counts over the vocabulary;
// - bigram: interpolated Kneser-Ney (Chen & Goodman 1998, absolute discount d, continuation counts
//   for the lower order, which is interpolated with the uniform distribution, so that words unseen
//   in training keep a probability), with d tuned on the validation targets themselves (0.05 ..
//   0.95): an optimistic baseline.
// Perplexity is exp of the mean negative log-likelihood over all validation targets, for the model
// as for the baselines (not d2l's mean of per-batch perplexities).

import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/index.js';
import { TimeMachine } from '../../src/data/time-machine.js';
import { createLanguageModel, WORD_LEVEL_DEFAULTS, wordLevelSpec } from '../../src/models/zoo.js';
import { endStep } from '../../src/tensor/tensor.js';
import { Trainer } from '../../src/train/trainer.js';
import { readCorpusText } from '../support/corpus.js';

/** Counts of the training tokens, for the baselines. */
class NGramCounts {
  readonly unigrams: Float64Array;
  readonly bigrams = new Map<number, number>(); // v * V + w -> count
  readonly contextCounts: Float64Array; // c(v .)
  readonly followerTypes: Float64Array; // N1+(v .)
  readonly precederTypes: Float64Array; // N1+(. w)
  readonly total: number;

  constructor(
    tokens: Int32Array,
    readonly V: number,
  ) {
    this.unigrams = new Float64Array(V);
    this.contextCounts = new Float64Array(V);
    this.followerTypes = new Float64Array(V);
    this.precederTypes = new Float64Array(V);
    this.total = tokens.length;
    for (const w of tokens) this.unigrams[w]++;
    for (let i = 0; i + 1 < tokens.length; i++) {
      const key = tokens[i] * V + tokens[i + 1];
      this.bigrams.set(key, (this.bigrams.get(key) ?? 0) + 1);
      this.contextCounts[tokens[i]]++;
    }
    for (const key of this.bigrams.keys()) {
      this.followerTypes[Math.floor(key / V)]++;
      this.precederTypes[key % V]++;
    }
  }

  /** Add-one unigram probability. */
  unigram(w: number): number {
    return (this.unigrams[w] + 1) / (this.total + this.V);
  }

  /** Interpolated Kneser-Ney P(w | v) with discount d. */
  kneserNey(v: number, w: number, d: number): number {
    const bigramTypes = this.bigrams.size;
    const continuationTypes = this.precederTypes.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
    const lower = (Math.max(this.precederTypes[w] - d, 0) + (d * continuationTypes) / this.V) / bigramTypes;
    const c = this.contextCounts[v];
    if (c === 0) return lower;
    const count = this.bigrams.get(v * this.V + w) ?? 0;
    return Math.max(count - d, 0) / c + ((d * this.followerTypes[v]) / c) * lower;
  }
}

/** exp(mean -log p(y | x)) over (x, y) pairs. */
function perplexity(pairs: [number, number][], p: (x: number, y: number) => number): number {
  let nll = 0;
  for (const [x, y] of pairs) nll -= Math.log(p(x, y));
  return Math.exp(nll / pairs.length);
}

describe("word-level language model on the Time Machine (the chapter's exercise 2)", () => {
  it('beats a unigram and a Kneser-Ney bigram tuned on the validation set', async () => {
    const w = WORD_LEVEL_DEFAULTS;
    const seed = 1;
    const data = new TimeMachine({
      text: readCorpusText(),
      tokenizer: 'word',
      batchSize: w.batchSize,
      numSteps: w.numSteps,
      stride: w.numSteps,
      valFraction: 0.1,
      seed,
    });
    const V = data.vocab.length;
    expect(data.corpus.length).toBe(32_775);
    expect(V).toBe(4580);

    // The training words: every token of a training window; the validation pairs: (x_t, y_t) of every validation window.
    const trainEnd = (data.numTrain - 1) * data.stride + data.numSteps + 1;
    const counts = new NGramCounts(data.corpus.subarray(0, trainEnd), V);
    const pairs: [number, number][] = [];
    for (const batch of data.valBatches()) batch.X.forEach((x, i) => pairs.push([x, batch.Y[i]]));
    expect(pairs.length).toBe(data.numVal * data.numSteps);
    const unigram = perplexity(pairs, (_, y) => counts.unigram(y));
    const discounts = Array.from({ length: 19 }, (_, i) => 0.05 + i * 0.05);
    const bigrams = discounts.map((d) => perplexity(pairs, (x, y) => counts.kneserNey(x, y, d)));
    const bigram = Math.min(...bigrams);
    const bestDiscount = discounts[bigrams.indexOf(bigram)];
    // A baseline's probabilities must sum to one (or it could be beaten by cheating).
    let sum = 0;
    for (let y = 0; y < V; y++) sum += counts.kneserNey(data.vocab.indexOf('the'), y, bestDiscount);
    expect(sum).toBeCloseTo(1, 9);

    const backend = await createBackend('wasm');
    const model = createLanguageModel(
      { kind: w.kind, vocabSize: V, numHiddens: w.numHiddens, lr: w.lr, seed, ...wordLevelSpec(w.kind, w.numHiddens) },
      backend,
    );
    const history = new Trainer({ maxEpochs: w.maxEpochs, gradientClipVal: w.gradientClipVal, progress: false }).fit(
      model,
      data,
    );
    model.eval();
    let nll = 0;
    let tokens = 0;
    for (const batch of data.valBatches()) {
      nll += model.validationStep(batch) * batch.X.length;
      tokens += batch.X.length;
      endStep(backend);
    }
    const lstm = Math.exp(nll / tokens);
    const text = model.predict('the time traveller', 12, data.vocab);
    console.log(
      `word level (V = ${V}, ${pairs.length} validation targets): unigram (add-one) ${unigram.toFixed(1)}, ` +
        `bigram (interpolated Kneser-Ney, d = ${bestDiscount.toFixed(2)}) ${bigram.toFixed(1)}, ` +
        `LSTM ${lstm.toFixed(1)} after ${history.epochs.length} epochs (${history.seconds.toFixed(0)} s); ${JSON.stringify(text)}`,
    );
    expect(bigram).toBeLessThan(unigram);
    expect(lstm).toBeLessThan(bigram);
    expect(text.split(' ')).toHaveLength(15);
  }, 900_000);
});

// The chapter's results on the real corpus, with the book's settings (see
// MODEL_DEFAULTS): the final validation perplexity must be close to the curves
// d2l shows (scratch: LSTM 7.41, GRU 6.74, RNN 7.24 after 100 epochs; concise:
// LSTM 6.69, GRU 6.55), and greedy prediction must produce words.
//
// The book shows one unseeded run. One run of the concise models varies by
// about +-0.2 between seeds (LSTM, seeds 1, 2, 3, 4, 42: 6.78, 6.72, 6.74,
// 6.89, 7.08), so those are judged by the median of three seeds. About a
// minute per scratch model and half a minute per concise run on wasm.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/index.js';
import { TimeMachine } from '../../src/data/time-machine.js';
import { createLanguageModel, MODEL_DEFAULTS, type ModelKind } from '../../src/models/zoo.js';
import { Trainer } from '../../src/train/trainer.js';
import { corpusPath } from '../support/corpus.js';

const COMMON_WORDS = ['the', 'and', 'of', 'a', 'to', 'in', 'was', 'it', 'time', 'traveller', 'i', 'that', 'he'];

const cases: [ModelKind, number, number[]][] = [
  ['lstm-scratch', 7.6, [42]],
  ['gru-scratch', 7.2, [42]],
  ['rnn-scratch', 7.5, [42]],
  ['lstm', 6.9, [1, 2, 3]],
  ['gru', 6.9, [1, 2, 3]],
];

async function trainChapter(kind: ModelKind, seed: number, text: string) {
  const backend = await createBackend('wasm');
  const d = MODEL_DEFAULTS[kind];
  const data = new TimeMachine({ batchSize: d.batchSize, numSteps: d.numSteps, text, seed });
  const model = createLanguageModel(
    { kind, vocabSize: data.vocab.length, numHiddens: d.numHiddens, lr: d.lr, seed },
    backend,
  );
  const history = new Trainer({ maxEpochs: d.maxEpochs, gradientClipVal: d.gradientClipVal, progress: false }).fit(
    model,
    data,
  );
  return { history, prediction: model.predict('it has', 20, data.vocab) };
}

describe.each(cases)('%s with the chapter settings on the real corpus', (kind, maxValPerplexity, seeds) => {
  it(`ends with validation perplexity <= ${maxValPerplexity} (median of ${seeds.length} seed(s)) and predicts words`, async () => {
    const text = readFileSync(corpusPath(), 'utf8');
    const finals: number[] = [];
    for (const seed of seeds) {
      const { history, prediction } = await trainChapter(kind, seed, text);
      const first = history.epochs[0];
      const last = history.epochs[history.epochs.length - 1];
      expect(first.valPerplexity).toBeGreaterThan(15); // the book's curves start near 17-21
      expect(last.trainPerplexity).toBeLessThan(8);
      finals.push(last.valPerplexity);
      expect(prediction).toHaveLength(26);
      expect(prediction.startsWith('it has')).toBe(true);
      const words = prediction.slice(6).trim().split(/\s+/);
      expect(
        words.some((w) => COMMON_WORDS.includes(w)),
        prediction,
      ).toBe(true);
    }
    const median = [...finals].sort((a, b) => a - b)[Math.floor(finals.length / 2)];
    expect(median, `final validation perplexities ${finals.map((v) => v.toFixed(3)).join(', ')}`).toBeLessThanOrEqual(
      maxValPerplexity,
    );
  }, 900_000);
});

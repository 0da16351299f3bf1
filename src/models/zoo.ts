// Language models by name, with the chapter's hyperparameters as defaults:
// what the command line and checkpoints use to rebuild a model.

import type { Backend } from '../backend/backend.js';
import { GRU } from '../layers/gru.js';
import { LSTM } from '../layers/lstm.js';
import { RNN } from '../layers/rnn.js';
import { GRUScratch } from './gru-scratch.js';
import { LSTMScratch } from './lstm-scratch.js';
import { RNNLMScratch } from './rnnlm-scratch.js';
import { RNNScratch } from './rnn-scratch.js';
import { RNNLM } from './rnnlm.js';

export interface LanguageModelSpec {
  kind: ModelKind;
  vocabSize: number;
  numHiddens: number;
  lr: number;
  seed: number;
}

export interface ChapterDefaults {
  numHiddens: number;
  lr: number;
  maxEpochs: number;
  batchSize: number;
  numSteps: number;
  gradientClipVal: number;
  /** Where the settings come from in d2l. */
  chapter: string;
}

const SCRATCH = {
  'lstm-scratch': {
    numHiddens: 32,
    lr: 4,
    maxEpochs: 50,
    batchSize: 1024,
    numSteps: 32,
    gradientClipVal: 1,
    chapter: '10.1 LSTM',
  },
  'gru-scratch': {
    numHiddens: 32,
    lr: 4,
    maxEpochs: 50,
    batchSize: 1024,
    numSteps: 32,
    gradientClipVal: 1,
    chapter: '10.2 GRU',
  },
  'rnn-scratch': {
    numHiddens: 32,
    lr: 1,
    maxEpochs: 100,
    batchSize: 1024,
    numSteps: 32,
    gradientClipVal: 1,
    chapter: '9.5 RNN from scratch',
  },
} satisfies Record<string, ChapterDefaults>;

// The concise models: the fused layers under d2l's RNNLM, same data and trainer settings.
const CONCISE = {
  lstm: { ...SCRATCH['lstm-scratch'], chapter: '10.1 LSTM (concise)' },
  gru: { ...SCRATCH['gru-scratch'], chapter: '10.2 GRU (concise)' },
  rnn: { ...SCRATCH['rnn-scratch'], chapter: '9.6 RNN (concise)' },
} satisfies Record<string, ChapterDefaults>;

export type ModelKind = keyof typeof SCRATCH | keyof typeof CONCISE;

export const MODEL_DEFAULTS: Record<ModelKind, ChapterDefaults> = { ...SCRATCH, ...CONCISE };

export function isModelKind(name: string): name is ModelKind {
  return Object.hasOwn(MODEL_DEFAULTS, name);
}

export function createLanguageModel(spec: LanguageModelSpec, backend?: Backend): RNNLMScratch {
  const { kind, vocabSize, numHiddens, lr, seed } = spec;
  // The cell and the output layer draw from separate streams of the same seed.
  const options = { seed, backend };
  switch (kind) {
    case 'lstm-scratch':
      return new RNNLMScratch(new LSTMScratch(vocabSize, numHiddens, 0.01, options), { vocabSize, lr, seed: seed + 1 });
    case 'gru-scratch':
      return new RNNLMScratch(new GRUScratch(vocabSize, numHiddens, 0.01, options), { vocabSize, lr, seed: seed + 1 });
    case 'rnn-scratch':
      return new RNNLMScratch(new RNNScratch(vocabSize, numHiddens, 0.01, options), { vocabSize, lr, seed: seed + 1 });
    case 'lstm':
      return new RNNLM(new LSTM({ numInputs: vocabSize, numHiddens, ...options }), { vocabSize, lr, seed: seed + 1 });
    case 'gru':
      return new RNNLM(new GRU({ numInputs: vocabSize, numHiddens, ...options }), { vocabSize, lr, seed: seed + 1 });
    case 'rnn':
      return new RNNLM(new RNN({ numInputs: vocabSize, numHiddens, ...options }), { vocabSize, lr, seed: seed + 1 });
    default:
      throw new RangeError(
        `unknown model '${String(kind)}' (expected one of ${Object.keys(MODEL_DEFAULTS).join(', ')})`,
      );
  }
}

// Language models by name, with the chapter's hyperparameters as defaults: what the command line and
// checkpoints use to rebuild a model. A spec describes the whole architecture, so that a model built
// from it has exactly the parameters (names and shapes) of the model it was written from.

import type { Backend } from '../backend/backend.js';
import { GRU } from '../layers/gru.js';
import { LSTM } from '../layers/lstm.js';
import type { RecurrentLayerOptions } from '../layers/recurrent-layer.js';
import { RNN } from '../layers/rnn.js';
import { GRUScratch } from './gru-scratch.js';
import { LSTMScratch } from './lstm-scratch.js';
import { RNNLMScratch } from './rnnlm-scratch.js';
import { RNNScratch } from './rnn-scratch.js';
import { RNNLM } from './rnnlm.js';

/** Everything needed to rebuild a language model the package builds (see createLanguageModel). */
export interface LanguageModelSpec {
  kind: ModelKind;
  vocabSize: number;
  /** Hidden units (per direction for a bidirectional concise model). */
  numHiddens: number;
  /** Stacked recurrent layers; concise models only (default 1). */
  numLayers?: number;
  /** Concise models only (default false). */
  bidirectional?: boolean;
  /** Dropout between stacked layers in training mode; concise models only (default 0). */
  dropout?: number;
  /** Width of a token embedding before the recurrent layers (`embedding.weight`); concise models only (default: none, one-hot inputs). */
  embeddingDim?: number;
  /** RNNLM's dropout on the embedded inputs and the recurrent outputs; concise models only (default 0). */
  lmDropout?: number;
  /** RNNLM's tieWeights: the embedding shares the output layer's weight (needs embeddingDim = numHiddens x directions). */
  tieWeights?: boolean;
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

/** A word-level language model's settings (`lstm-simd train --level word`): see WORD_LEVEL_DEFAULTS. */
export interface WordLevelDefaults extends ChapterDefaults {
  kind: ModelKind;
  /** RNNLM's dropout on the embedded inputs and the recurrent outputs. */
  lmDropout: number;
  /** Tie the embedding to the output layer; its width is then the recurrent output width. */
  tieWeights: boolean;
}

/**
 * The word-level model of the chapter's exercise 2, with settings that beat a Kneser-Ney bigram on
 * the Time Machine (test/models/word-level.test.ts; README "Word level"): an embedding tied to the
 * output layer before a concise LSTM, dropout on its inputs and outputs, SGD with clipping, windows
 * that do not overlap.
 */
export const WORD_LEVEL_DEFAULTS: Readonly<WordLevelDefaults> = Object.freeze({
  kind: 'lstm',
  numHiddens: 128,
  lmDropout: 0.5,
  tieWeights: true,
  lr: 4,
  maxEpochs: 30,
  batchSize: 16,
  numSteps: 32,
  gradientClipVal: 1,
  chapter: '10.1 LSTM, exercise 2 (words)',
});

/**
 * What a concise word-level model adds to its spec by default: WORD_LEVEL_DEFAULTS' dropout and
 * tying, with an embedding as wide as the recurrent outputs. Nothing for d2l's scratch cells.
 */
export function wordLevelSpec(
  kind: ModelKind,
  numHiddens: number,
  bidirectional = false,
): Pick<LanguageModelSpec, 'embeddingDim' | 'lmDropout' | 'tieWeights'> {
  if (isScratchKind(kind)) return {};
  const { lmDropout, tieWeights } = WORD_LEVEL_DEFAULTS;
  return { embeddingDim: numHiddens * (bidirectional ? 2 : 1), lmDropout, tieWeights };
}

export const MODEL_DEFAULTS: Record<ModelKind, ChapterDefaults> = { ...SCRATCH, ...CONCISE };

export function isModelKind(name: string): name is ModelKind {
  return Object.hasOwn(MODEL_DEFAULTS, name);
}

/** Whether `kind` is one of d2l's scratch cells (one layer, one direction, no dropout). */
export function isScratchKind(kind: ModelKind): kind is keyof typeof SCRATCH {
  return Object.hasOwn(SCRATCH, kind);
}

/** Throws a RangeError naming the field unless `spec` describes a model createLanguageModel can build. */
export function checkLanguageModelSpec(spec: LanguageModelSpec): void {
  const { kind, numLayers = 1, bidirectional = false, dropout = 0, embeddingDim, lmDropout = 0, tieWeights } = spec;
  if (!isModelKind(kind)) {
    throw new RangeError(`unknown model '${String(kind)}' (expected one of ${Object.keys(MODEL_DEFAULTS).join(', ')})`);
  }
  if (!Number.isInteger(numLayers) || numLayers < 1) {
    throw new RangeError(`numLayers must be a positive integer, got ${numLayers}`);
  }
  if (typeof bidirectional !== 'boolean') throw new RangeError(`bidirectional must be a boolean, got ${bidirectional}`);
  if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${dropout}`);
  if (!(lmDropout >= 0 && lmDropout < 1)) throw new RangeError(`lmDropout must be in [0, 1), got ${lmDropout}`);
  if (embeddingDim !== undefined && (!Number.isInteger(embeddingDim) || embeddingDim < 1)) {
    throw new RangeError(`embeddingDim must be a positive integer, got ${embeddingDim}`);
  }
  if (tieWeights !== undefined && typeof tieWeights !== 'boolean') {
    throw new RangeError(`tieWeights must be a boolean, got ${String(tieWeights)}`);
  }
  const concise =
    numLayers !== 1 || bidirectional || dropout !== 0 || embeddingDim !== undefined || lmDropout !== 0 || tieWeights;
  if (isScratchKind(kind) && concise) {
    throw new RangeError(
      `${kind} is one of d2l's single-layer scratch cells: numLayers, bidirectional, dropout, embeddingDim, ` +
        `lmDropout and tieWeights need a concise model (${kind.replace('-scratch', '')})`,
    );
  }
  const width = spec.numHiddens * (bidirectional ? 2 : 1);
  if (tieWeights && embeddingDim !== width) {
    throw new RangeError(`tieWeights needs embeddingDim = the recurrent output width ${width}, got ${embeddingDim}`);
  }
}

export function createLanguageModel(spec: LanguageModelSpec, backend?: Backend): RNNLMScratch {
  checkLanguageModelSpec(spec);
  const { kind, vocabSize, numHiddens, lr, seed, embeddingDim, lmDropout, tieWeights } = spec;
  // The cell and the output layer draw from separate streams of the same seed.
  const options = { seed, backend };
  const head = { vocabSize, lr, seed: seed + 1 };
  const concise = { ...head, embeddingDim, dropout: lmDropout, tieWeights };
  const layer: RecurrentLayerOptions = {
    numInputs: embeddingDim ?? vocabSize,
    numHiddens,
    numLayers: spec.numLayers ?? 1,
    bidirectional: spec.bidirectional ?? false,
    dropout: spec.dropout ?? 0,
    ...options,
  };
  switch (kind) {
    case 'lstm-scratch':
      return new RNNLMScratch(new LSTMScratch(vocabSize, numHiddens, 0.01, options), head);
    case 'gru-scratch':
      return new RNNLMScratch(new GRUScratch(vocabSize, numHiddens, 0.01, options), head);
    case 'rnn-scratch':
      return new RNNLMScratch(new RNNScratch(vocabSize, numHiddens, 0.01, options), head);
    case 'lstm':
      return new RNNLM(new LSTM(layer), concise);
    case 'gru':
      return new RNNLM(new GRU(layer), concise);
    case 'rnn':
      return new RNNLM(new RNN(layer), concise);
  }
}

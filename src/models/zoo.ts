// Language models by name, with the chapter's hyperparameters as defaults: what the command line and
// checkpoints use to rebuild a model. A spec describes the whole architecture, so that a model built
// from it has exactly the parameters (names and shapes) of the model it was written from.

import type { Backend } from '../backend/backend.js';
import { GATE_COUNT, type CellKind } from '../layers/cell-kernels.js';
import { GRU } from '../layers/gru.js';
import { LSTM } from '../layers/lstm.js';
import { RecurrentLayer, type RecurrentLayerOptions } from '../layers/recurrent-layer.js';
import { RNN } from '../layers/rnn.js';
import { freshSeed } from '../nn/init.js';
import { GRUScratch } from './gru-scratch.js';
import { LSTMScratch } from './lstm-scratch.js';
import { RNNLMScratch } from './rnnlm-scratch.js';
import { RNNScratch } from './rnn-scratch.js';
import { RNNLM } from './rnnlm.js';

/** Everything needed to rebuild a language model the package builds (see createLanguageModel). */
export interface LanguageModelSpec {
  /** The cell, and scratch (RNNLMScratch over d2l's cell) or concise (RNNLM over a fused layer). */
  kind: ModelKind;
  /** Tokens in the vocabulary, V. */
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
  /** Learning rate of the model's SGD (configureOptimizers). */
  lr: number;
  /** Seed of the initial weights and the dropout masks (default: a fresh random seed). */
  seed?: number;
}

/** d2l's hyperparameters for one model kind (MODEL_DEFAULTS): what `lstm-simd train` uses unless told otherwise. */
export interface ChapterDefaults {
  /** Hidden units H. */
  numHiddens: number;
  /** SGD learning rate. */
  lr: number;
  /** Training epochs. */
  maxEpochs: number;
  /** Windows per batch B. */
  batchSize: number;
  /** Tokens per window T. */
  numSteps: number;
  /** Global-norm clipping threshold. */
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
} satisfies Record<Extract<ModelKind, `${string}-scratch`>, ChapterDefaults>;

// The concise models: the fused layers under d2l's RNNLM, same data and trainer settings.
const CONCISE = {
  lstm: { ...SCRATCH['lstm-scratch'], chapter: '10.1 LSTM (concise)' },
  gru: { ...SCRATCH['gru-scratch'], chapter: '10.2 GRU (concise)' },
  rnn: { ...SCRATCH['rnn-scratch'], chapter: '9.6 RNN (concise)' },
} satisfies Record<Exclude<ModelKind, `${string}-scratch`>, ChapterDefaults>;

/**
 * A language model by name: '*-scratch', d2l's from-scratch cell under RNNLMScratch; 'lstm', 'gru',
 * 'rnn', the fused layer under RNNLM. SCRATCH and CONCISE above have exactly these keys.
 */
export type ModelKind = 'lstm-scratch' | 'gru-scratch' | 'rnn-scratch' | 'lstm' | 'gru' | 'rnn';

/** A word-level language model's settings (`lstm-simd train --level word`): see WORD_LEVEL_DEFAULTS. */
export interface WordLevelDefaults extends ChapterDefaults {
  /** The model (a concise one: scratch cells take no embedding). */
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

/** d2l's hyperparameters for each model kind (chapters 9.5, 9.6, 10.1, 10.2): H 32, batch 1024 x 32, clipping 1. */
export const MODEL_DEFAULTS: Record<ModelKind, ChapterDefaults> = { ...SCRATCH, ...CONCISE };

export function isModelKind(name: string): name is ModelKind {
  return Object.hasOwn(MODEL_DEFAULTS, name);
}

/** Whether `kind` is one of d2l's scratch cells (one layer, one direction, no dropout). */
export function isScratchKind(kind: ModelKind): kind is keyof typeof SCRATCH {
  return Object.hasOwn(SCRATCH, kind);
}

/** The spec fields; anything else in a spec is refused (a file written by a newer version, or damage). */
const SPEC_FIELDS = new Set([
  'kind',
  'vocabSize',
  'numHiddens',
  'numLayers',
  'bidirectional',
  'dropout',
  'embeddingDim',
  'lmDropout',
  'tieWeights',
  'lr',
  'seed',
]);

/**
 * Throws a RangeError naming the field unless `spec` describes a model createLanguageModel can build.
 * Checks every field's type too, so that a spec read from a file can be trusted after it.
 */
export function checkLanguageModelSpec(spec: LanguageModelSpec): void {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new TypeError(`a model spec must be an object, got ${JSON.stringify(spec)}`);
  }
  const { kind, numLayers = 1, bidirectional = false, dropout = 0, embeddingDim, lmDropout = 0, tieWeights } = spec;
  if (!isModelKind(kind)) {
    throw new RangeError(`unknown model '${String(kind)}' (expected one of ${Object.keys(MODEL_DEFAULTS).join(', ')})`);
  }
  for (const key of Object.keys(spec)) {
    if (!SPEC_FIELDS.has(key)) throw new RangeError(`unknown model spec field '${key}'`);
  }
  for (const key of ['vocabSize', 'numHiddens'] as const) {
    const value = spec[key];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${key} must be a positive integer, got ${JSON.stringify(value)}`);
    }
  }
  if (typeof spec.lr !== 'number' || !(spec.lr > 0) || !Number.isFinite(spec.lr)) {
    throw new RangeError(`lr must be a positive number, got ${JSON.stringify(spec.lr)}`);
  }
  if (spec.seed !== undefined && !Number.isSafeInteger(spec.seed)) {
    throw new RangeError(`seed must be a safe integer, got ${JSON.stringify(spec.seed)}`);
  }
  if (!Number.isInteger(numLayers) || numLayers < 1) {
    throw new RangeError(`numLayers must be a positive integer, got ${numLayers}`);
  }
  if (typeof bidirectional !== 'boolean') throw new RangeError(`bidirectional must be a boolean, got ${bidirectional}`);
  for (const [name, value] of [
    ['dropout', dropout],
    ['lmDropout', lmDropout],
  ] as const) {
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
      throw new RangeError(`${name} must be in [0, 1), got ${JSON.stringify(value)}`);
    }
  }
  if (embeddingDim !== undefined && (!Number.isSafeInteger(embeddingDim) || embeddingDim < 1)) {
    throw new RangeError(`embeddingDim must be a positive integer, got ${JSON.stringify(embeddingDim)}`);
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

/**
 * Builds the model a spec describes: RNNLMScratch over LSTMScratch/GRUScratch/RNNScratch for the
 * '*-scratch' kinds, RNNLM over LSTM/GRU/RNN otherwise, on `backend` (default: the current one). The
 * cell and the output layer draw from separate streams of `spec.seed`. Throws a RangeError (a
 * TypeError for a spec that is not an object) naming the field of a spec it cannot build.
 */
export function createLanguageModel(spec: LanguageModelSpec, backend?: Backend): RNNLMScratch {
  checkLanguageModelSpec(spec);
  const { kind, vocabSize, numHiddens, lr, seed = freshSeed(), embeddingDim, lmDropout, tieWeights } = spec;
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

/** The scratch cells' gates, in the order their constructors register them (see triple()). */
const SCRATCH_GATES: Record<keyof typeof SCRATCH, string[]> = {
  'lstm-scratch': ['i', 'f', 'o', 'c'],
  'gru-scratch': ['z', 'r', 'h'],
  'rnn-scratch': ['h'],
};

/** The cell of a concise model kind. */
function conciseCell(kind: keyof typeof CONCISE): CellKind {
  return kind;
}

/**
 * The parameters (name -> shape, in registration order) that createLanguageModel(spec) makes, computed
 * without allocating anything: what a loader checks a file's header against before building the model.
 */
export function languageModelShapes(spec: LanguageModelSpec): Map<string, number[]> {
  checkLanguageModelSpec(spec);
  const { kind, vocabSize: V, numHiddens: H } = spec;
  const shapes = new Map<string, number[]>();
  if (isScratchKind(kind)) {
    // A module lists its own parameters before its submodules': the head's W_hq and b_q come first.
    shapes.set('W_hq', [H, V]);
    shapes.set('b_q', [V]);
    for (const gate of SCRATCH_GATES[kind]) {
      shapes.set(`rnn.W_x${gate}`, [V, H]);
      shapes.set(`rnn.W_h${gate}`, [H, H]);
      shapes.set(`rnn.b_${gate}`, [H]);
    }
    return shapes;
  }
  const D = spec.bidirectional ? 2 : 1;
  const G = GATE_COUNT[conciseCell(kind)] * H;
  const E = spec.embeddingDim;
  for (let layer = 0; layer < (spec.numLayers ?? 1); layer++) {
    for (let d = 0; d < D; d++) {
      const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
      shapes.set(`rnn.weight_ih${suffix}`, [G, layer === 0 ? (E ?? V) : D * H]);
      shapes.set(`rnn.weight_hh${suffix}`, [G, H]);
      shapes.set(`rnn.bias_ih${suffix}`, [G]);
      shapes.set(`rnn.bias_hh${suffix}`, [G]);
    }
  }
  shapes.set('linear.weight', [V, D * H]);
  shapes.set('linear.bias', [V]);
  if (E !== undefined) shapes.set('embedding.weight', [V, E]);
  return shapes;
}

/**
 * The spec of a model the zoo builds, read from the model itself (so saveModel needs none from the
 * caller): RNNLMScratch over a scratch cell, or RNNLM over a fused layer fed token ids. The seed is
 * not part of a built model and is left out. Throws for other combinations.
 */
export function describeLanguageModel(model: RNNLMScratch): LanguageModelSpec {
  const { rnn, vocabSize, lr } = model;
  const concise = model instanceof RNNLM;
  if (!concise && rnn instanceof LSTMScratch) return scratchSpec('lstm-scratch', model);
  if (!concise && rnn instanceof GRUScratch) return scratchSpec('gru-scratch', model);
  if (!concise && rnn instanceof RNNScratch) return scratchSpec('rnn-scratch', model);
  const embeddingDim = concise ? model.embedding?.embeddingDim : undefined;
  if (concise && rnn instanceof RecurrentLayer && rnn.numInputs === (embeddingDim ?? vocabSize)) {
    return {
      kind: rnn.cell,
      vocabSize,
      numHiddens: rnn.hiddenSize,
      numLayers: rnn.numLayers,
      bidirectional: rnn.bidirectional,
      dropout: rnn.dropout,
      ...(embeddingDim === undefined ? {} : { embeddingDim }),
      ...(model.dropout === 0 ? {} : { lmDropout: model.dropout }),
      ...(model.embedding?.weight === model.linear.weight ? { tieWeights: true } : {}),
      lr,
    };
  }
  throw new TypeError(
    `cannot describe ${model.constructor.name} over ${rnn.constructor.name} with ${rnn.numInputs} inputs as a zoo ` +
      'model (RNNLMScratch over LSTMScratch/GRUScratch/RNNScratch, or RNNLM over LSTM/GRU/RNN fed token ids ' +
      'or an embedding); ' +
      'save its stateDict() instead',
  );
}

function scratchSpec(kind: keyof typeof SCRATCH, model: RNNLMScratch): LanguageModelSpec {
  const { rnn, vocabSize, lr } = model;
  // The initialisation scale (sigma) is not part of the spec: loading overwrites every weight.
  if (rnn.numInputs !== vocabSize) {
    throw new TypeError(
      `cannot describe this ${kind} model: the zoo's takes one-hot tokens (numInputs = vocabSize), ` +
        `got ${rnn.numInputs} inputs for ${vocabSize} tokens; save its stateDict() instead`,
    );
  }
  return { kind, vocabSize, numHiddens: rnn.numHiddens, lr };
}

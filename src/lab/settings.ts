// Every setting of a lab run, in one object that the report prints: the quick profile (under two
// minutes on two cores) and the full one (under fifteen).

import type { TrainingSettings } from './train-task.js';

/** The checksum sweep: every cell at every length, the same budget and seeds. */
export interface ChecksumSettings extends TrainingSettings {
  lengths: number[];
}

/** The gradient-flow measurement. */
export interface GradientSettings extends TrainingSettings {
  /** Sequence length of the checksum task the models are trained and measured on. */
  length: number;
  /** Sequences in the measuring batch. */
  measureBatch: number;
}

/** The gate traces on the markup and reset tasks. */
export interface GateSettings extends TrainingSettings {
  markupLength: number;
  markupDigits: number;
  resetLength: number;
}

/** Exercise 4: the chapter's LSTM language model with and without the output tanh. */
export interface TanhSettings {
  hidden: number;
  /** SGD's learning rate (the chapter's 4). */
  lr: number;
  epochs: number;
  batchSize: number;
  numSteps: number;
  clip: number;
}

/**
 * The streams every seed of a run is derived from: Random.deriveSeed(settings.seed, stream). Each part
 * draws from its own stream, so a part's randomness does not depend on which other parts ran.
 */
export const SEED_STREAMS = {
  /** Initial weights of the task models (the same for every cell). */
  weights: 1,
  /** The task data: validation batches, then fresh training batches per epoch. */
  data: 2,
  /** Chrono initialisation's time scales. */
  chrono: 3,
  /** The batch the gradient section measures on. */
  measureBatch: 4,
  /** The batch the gate section traces. */
  traceBatch: 5,
  /** The language model's batch order (exercise 4). */
  languageData: 6,
  /** The language model's initial weights (exercise 4). */
  languageWeights: 7,
} as const;

/** All settings of a lab run. */
export interface LabSettings {
  /** The seed every part derives its streams from. */
  seed: number;
  checksum: ChecksumSettings;
  gradients: GradientSettings;
  gates: GateSettings;
  tanh: TanhSettings;
}

/** The settings of the quick (`quick: true`) or full profile for `seed`. */
export function labSettings(quick: boolean, seed = 1): LabSettings {
  const common = {
    hidden: 32,
    batchSize: 64,
    valBatches: 8,
    lr: 0.003,
    clip: 1,
    gateInit: 'chrono',
  } as const;
  return {
    seed,
    checksum: {
      ...common,
      lengths: [10, 25, 50, 100, 200],
      epochs: quick ? 4 : 10,
      stepsPerEpoch: quick ? 100 : 300,
    },
    gradients: {
      ...common,
      length: quick ? 50 : 100,
      measureBatch: 64,
      epochs: quick ? 4 : 10,
      stepsPerEpoch: quick ? 100 : 300,
    },
    gates: {
      ...common,
      // PyTorch's default gate biases: every gate starts near 1/2, and what the plots show was learned.
      gateInit: 'default',
      markupLength: quick ? 40 : 60,
      markupDigits: 5,
      resetLength: quick ? 40 : 60,
      epochs: quick ? 3 : 4,
      stepsPerEpoch: quick ? 100 : 250,
    },
    tanh: { hidden: 32, lr: 4, epochs: quick ? 6 : 30, batchSize: 1024, numSteps: 32, clip: 1 },
  };
}

// Training one cell on one task the way every part of the lab does: a fused layer of the lab's size
// reading token ids, SequenceClassifier's head and loss, the Trainer's loop (clipping, validation
// accuracy per epoch), and the same seeds for every cell, so that runs differ only in the cell.

import type { Backend } from '../backend/backend.js';
import { SequenceClassifier } from '../models/sequence-classifier.js';
import { Trainer } from '../train/trainer.js';
import { Random } from '../util/random.js';
import { chronoInit, createLayer, type GateInit, type LabCell } from './cells.js';
import { SEED_STREAMS } from './settings.js';
import { SequenceTaskData, type SequenceTask } from './tasks.js';

/** How a task is trained (the same for every cell). */
export interface TrainingSettings {
  /** Hidden units of every cell. */
  hidden: number;
  batchSize: number;
  epochs: number;
  /** Training batches per epoch (fresh sequences each). */
  stepsPerEpoch: number;
  /** Validation batches (the same sequences every epoch). */
  valBatches: number;
  /** Adam's learning rate. */
  lr: number;
  /** Global gradient-norm clipping threshold. */
  clip: number;
  gateInit: GateInit;
}

/** A trained model and how it got there. */
export interface TaskRun {
  model: SequenceClassifier;
  /** Validation accuracy after each epoch. */
  valAccuracy: number[];
  /** Validation loss after each epoch. */
  valLoss: number[];
  seconds: number;
}

/** The model a run starts from: the same weights for the same cell, task and seed, trained or not. */
export function initialModel(
  task: SequenceTask,
  cell: LabCell,
  settings: TrainingSettings,
  seed: number,
  backend: Backend,
): SequenceClassifier {
  const weightSeed = Random.deriveSeed(seed, SEED_STREAMS.weights);
  const layer = createLayer(cell, task.tokens.length, settings.hidden, weightSeed, backend);
  if (settings.gateInit === 'chrono') chronoInit(layer, task.numSteps, Random.deriveSeed(seed, SEED_STREAMS.chrono));
  return new SequenceClassifier(layer, {
    numClasses: task.numClasses,
    optimizer: 'adam',
    lr: settings.lr,
    seed: weightSeed,
  });
}

/** Trains `cell` on `task` with the Trainer; every cell sees the same sequences for the same seed. */
export function trainOnTask(
  task: SequenceTask,
  cell: LabCell,
  settings: TrainingSettings,
  seed: number,
  backend: Backend,
): TaskRun {
  const model = initialModel(task, cell, settings, seed, backend);
  const data = new SequenceTaskData(task, {
    batchSize: settings.batchSize,
    numTrainBatches: settings.stepsPerEpoch,
    numValBatches: settings.valBatches,
    seed: Random.deriveSeed(seed, SEED_STREAMS.data),
  });
  const trainer = new Trainer({ maxEpochs: settings.epochs, gradientClipVal: settings.clip, progress: false });
  const history = trainer.fit(model, data);
  return {
    model,
    valAccuracy: history.epochs.map((e) => e.valMetrics.accuracy),
    valLoss: history.epochs.map((e) => e.valLoss),
    seconds: history.seconds,
  };
}

// The checksum sweep: RNN, GRU and LSTM trained on the checksum task at every length with the same
// budget and seeds; the validation accuracy per length and cell, against chance (0.5: the last digit
// alone says nothing, so a model that has forgotten the first digit guesses).

import type { Backend } from '../backend/backend.js';
import type { SequenceClassifier } from '../models/sequence-classifier.js';
import { LAB_CELLS, type LabCell } from './cells.js';
import type { ChecksumSettings } from './settings.js';
import { checksumTask } from './tasks.js';
import { trainOnTask } from './train-task.js';

/** One cell at one length. */
export interface ChecksumRun {
  cell: LabCell;
  length: number;
  /** Validation accuracy after the last epoch. */
  accuracy: number;
  /** Validation accuracy after each epoch. */
  valAccuracy: number[];
  /** Validation loss after the last epoch. */
  loss: number;
  seconds: number;
}

/** The sweep's numbers. */
export interface ChecksumResult {
  task: string;
  /** Accuracy of guessing (and of any model that forgot the first digit). */
  chance: number;
  runs: ChecksumRun[];
}

/** What a lab section reports while it runs, and how it yields to the page between pieces of work. */
export interface SectionHooks {
  onProgress?: (message: string) => void;
  /** Awaited between trainings (e.g. a page repaints); default: nothing. */
  pause?: () => Promise<void>;
}

/**
 * Runs the sweep. Models trained at `keepLength` are returned too (the gradient section measures them
 * instead of training the same models again).
 */
export async function runChecksum(
  settings: ChecksumSettings,
  seed: number,
  backend: Backend,
  hooks: SectionHooks = {},
  keepLength?: number,
): Promise<{ result: ChecksumResult; kept: Map<LabCell, SequenceClassifier> }> {
  const runs: ChecksumRun[] = [];
  const kept = new Map<LabCell, SequenceClassifier>();
  for (const length of settings.lengths) {
    const task = checksumTask(length);
    for (const cell of LAB_CELLS) {
      await hooks.pause?.();
      const run = trainOnTask(task, cell, settings, seed, backend);
      const accuracy = run.valAccuracy[run.valAccuracy.length - 1];
      runs.push({
        cell,
        length,
        accuracy,
        valAccuracy: run.valAccuracy,
        loss: run.valLoss[run.valLoss.length - 1],
        seconds: run.seconds,
      });
      if (length === keepLength) kept.set(cell, run.model);
      hooks.onProgress?.(
        `checksum: ${cell} at length ${length}: accuracy ${accuracy.toFixed(3)} (${run.seconds.toFixed(1)} s)`,
      );
    }
  }
  return { result: { task: checksumTask(2).description, chance: 0.5, runs }, kept };
}

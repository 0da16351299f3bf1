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
  /** The cell trained. */
  cell: LabCell;
  /** Sequence length (digits per sequence). */
  length: number;
  /** Validation accuracy after the last epoch. */
  accuracy: number;
  /** Validation accuracy after each epoch. */
  valAccuracy: number[];
  /** Validation loss after the last epoch. */
  loss: number;
  /** Wall time of the training, in seconds. */
  seconds: number;
}

/** The sweep's numbers. */
export interface ChecksumResult {
  /** The task's rule, in one sentence. */
  task: string;
  /** Accuracy of guessing (and of any model that forgot the first digit). */
  chance: number;
  /** Every cell at every length, lengths outermost. */
  runs: ChecksumRun[];
}

/** What a lab section reports while it runs, and how it yields to the page between pieces of work. */
export interface SectionHooks {
  /** Called with one line per finished training or measurement, for a log or a status line. */
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
): Promise<{
  /** The sweep's numbers. */
  result: ChecksumResult;
  /** The models trained at keepLength, by cell (empty without keepLength). */
  kept: Map<LabCell, SequenceClassifier>;
}> {
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

// The gradient section: RNN, GRU and LSTM of one size, untrained and trained on the checksum task, each
// measured on the same batch (see gradient-flow.ts for what is measured and why).

import type { Backend } from '../backend/backend.js';
import type { SequenceClassifier } from '../models/sequence-classifier.js';
import { Random } from '../util/random.js';
import { LAB_CELLS, type LabCell } from './cells.js';
import type { SectionHooks } from './checksum.js';
import { measureGradientFlow, type GradientProfile } from './gradient-flow.js';
import { SEED_STREAMS, type GradientSettings } from './settings.js';
import { checksumTask } from './tasks.js';
import { initialModel, trainOnTask } from './train-task.js';

/** One cell, before and after training. */
export interface CellGradients {
  cell: LabCell;
  untrained: GradientProfile;
  trained: GradientProfile;
}

/** The section's numbers. */
export interface GradientResult {
  length: number;
  cells: CellGradients[];
}

/**
 * Measures every cell untrained and trained at `settings.length`. `trained` may hold models the checksum
 * sweep trained at that length with the same settings; the others are trained here. `measureBackend` should
 * be a float64 js backend.
 */
export async function runGradients(
  settings: GradientSettings,
  seed: number,
  backend: Backend,
  measureBackend: Backend,
  hooks: SectionHooks = {},
  trained: ReadonlyMap<LabCell, SequenceClassifier> = new Map(),
): Promise<GradientResult> {
  const task = checksumTask(settings.length);
  const batch = task.batch(new Random(Random.deriveSeed(seed, SEED_STREAMS.measureBatch)), settings.measureBatch);
  const cells: CellGradients[] = [];
  for (const cell of LAB_CELLS) {
    await hooks.pause?.();
    const untrained = measureGradientFlow(initialModel(task, cell, settings, seed, backend), batch, measureBackend);
    const model = trained.get(cell) ?? trainOnTask(task, cell, settings, seed, backend).model;
    const profile = measureGradientFlow(model, batch, measureBackend);
    cells.push({ cell, untrained, trained: profile });
    const ratio = (p: GradientProfile) => (p.hidden[p.hidden.length - 1] / p.hidden[0]).toExponential(1);
    hooks.onProgress?.(
      `gradients: ${cell}: |dL/dh_0| / |dL/dh_${settings.length - 1}| untrained ${ratio(untrained)}, trained ${ratio(profile)}` +
        ` (accuracy ${profile.accuracy.toFixed(3)})`,
    );
  }
  return { length: settings.length, cells };
}

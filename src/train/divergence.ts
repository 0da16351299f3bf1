// When training has gone wrong: the checks the Trainer runs and the error it
// throws. A loss is checked before the update it would cause (a NaN loss or
// gradient never reaches the parameters); the parameters and the validation
// loss after each epoch. "Exploding" means finite but over `factor` times the
// run's first training loss: a healthy run stays near or below where it started
// (a language model starts near ln V and a confidently wrong one rarely reaches
// 3 ln V), while a run blown up by its learning rate passes any such factor
// within a few batches.

import type { TrainerState } from './trainer-state.js';

/** What was found wrong. */
export type DivergenceReason = 'loss' | 'exploding-loss' | 'gradients' | 'parameters' | 'validation';

/** Default `divergenceFactor`: a training or validation loss over 100 times the run's first loss is divergence. */
export const DEFAULT_DIVERGENCE_FACTOR = 100;

/**
 * Thrown by Trainer.fit when training diverges. The model (and optimiser) are back at their state after
 * the last good epoch (`lastGoodEpoch`, 0 for the state fit started from), which `state` describes.
 */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';

  constructor(
    /** 0-based epoch in which it happened. */
    readonly epoch: number,
    /** 0-based batch of that epoch (for the after-epoch checks: its last batch). */
    readonly batch: number,
    /** The offending value: the loss, the gradient norm, or the validation loss. */
    readonly loss: number,
    readonly reason: DivergenceReason = 'loss',
    /** Epochs completed when the model was last good: it has been put back there. */
    readonly lastGoodEpoch?: number,
    /** The Trainer's state at the last good epoch (see Trainer.state()). */
    readonly state?: TrainerState,
  ) {
    const where = `at epoch ${epoch + 1}, batch ${batch + 1}`;
    const after = `after epoch ${epoch + 1} (batch ${batch + 1} was its last)`;
    const what: Record<DivergenceReason, string> = {
      loss: `the loss is ${loss} ${where}`,
      'exploding-loss': `the loss is ${loss} ${where}, far above the run's first loss`,
      gradients: `the gradient norm is ${loss} ${where}`,
      parameters: `the parameters are no longer finite ${after}`,
      validation: `the validation loss is ${loss} ${after}`,
    };
    const restored =
      lastGoodEpoch === undefined
        ? ''
        : lastGoodEpoch === 0
          ? '; the model is back at the state training started from'
          : `; the model is back at its state after epoch ${lastGoodEpoch}`;
    super(`training diverged: ${what[reason]} (try a smaller learning rate or gradient clipping)${restored}`);
  }
}

/** The check of a loss against the run's first loss; null when it is fine. */
export function lossProblem(loss: number, firstLoss: number | null, factor: number): 'loss' | 'exploding-loss' | null {
  if (!Number.isFinite(loss)) return 'loss';
  if (firstLoss !== null && firstLoss > 0 && loss > factor * firstLoss) return 'exploding-loss';
  return null;
}

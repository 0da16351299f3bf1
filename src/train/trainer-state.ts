// What a Trainer needs to continue a run exactly where it stopped, and its
// form in a file: the buffers (optimiser state, keep-best parameters) as named
// float32 tensors, everything else as one JSON string (safetensors metadata).

import type { NamedTensor } from '../io/safetensors.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { BoardState } from './board.js';

/** One epoch of a run's history. */
export interface EpochRecord {
  epoch: number; // 1-based, as printed
  trainLoss: number;
  trainPerplexity: number;
  valLoss: number;
  valPerplexity: number;
  /** Count-weighted means of the metrics validationStep returned (empty when it returns a bare loss). */
  valMetrics: Record<string, number>;
  /** The learning rate of the epoch's last step. */
  lr: number;
  /** The whole epoch, validation included. */
  seconds: number;
  /** Training tokens over the time the training steps took (what the progress bar shows too). */
  tokensPerSecond: number;
}

/**
 * A run's state at the end of an epoch (Trainer.state()): `fit(model, data, { resume: state })`
 * on a model holding the parameters of that moment continues the same trajectory bit for bit.
 */
export interface TrainerState {
  /** Epochs completed: the resumed fit runs epoch `epoch` (0-based) next. */
  epoch: number;
  /** Training batches run so far (the position of a per-batch schedule; board x coordinates). */
  batches: number;
  /** The optimiser's state; null when it has none to give (an optimiser without state()). */
  optimizer: OptimizerState | null;
  /** The run's first training loss, which the divergence check compares against. */
  firstLoss: number | null;
  /** The best validation loss so far and its (1-based) epoch, for early stopping and keep-best. */
  best: { epoch: number; valLoss: number } | null;
  /** Epochs since the last improvement of the validation loss (early stopping's count). */
  epochsWithoutImprovement: number;
  /** keepBest: the parameters of the best epoch; null otherwise. */
  bestParameters: Map<string, NamedTensor> | null;
  /** The history so far. */
  history: EpochRecord[];
  /** d2l's ProgressBoard points so far. */
  board: BoardState;
}

const OPTIMIZER_PREFIX = 'optimizer.';
const BEST_PREFIX = 'best.';

/**
 * The state as tensors and one JSON string, for a file: optimiser buffers under 'optimizer.<slot>.<name>',
 * keep-best parameters under 'best.<name>'. trainerStateFromFile reverses it.
 */
export function trainerStateToFile(state: TrainerState): { tensors: Map<string, NamedTensor>; json: string } {
  const tensors = new Map<string, NamedTensor>();
  for (const [key, tensor] of state.optimizer?.buffers ?? []) tensors.set(OPTIMIZER_PREFIX + key, tensor);
  for (const [key, tensor] of state.bestParameters ?? []) tensors.set(BEST_PREFIX + key, tensor);
  const { optimizer, bestParameters, ...rest } = state;
  const json = JSON.stringify({
    ...rest,
    optimizer: optimizer && {
      name: optimizer.name,
      step: optimizer.step,
      lr: optimizer.lr,
      options: optimizer.options,
    },
    bestParameters: bestParameters !== null,
  });
  return { tensors, json };
}

/** The state from trainerStateToFile's tensors (other tensors, e.g. the model's, are ignored) and JSON. */
export function trainerStateFromFile(tensors: Map<string, NamedTensor>, json: string): TrainerState {
  let parsed: Omit<TrainerState, 'optimizer' | 'bestParameters'> & {
    optimizer: Omit<OptimizerState, 'buffers'> | null;
    bestParameters: boolean;
  };
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`trainer state: the JSON is damaged (${(error as Error).message})`, { cause: error });
  }
  const withPrefix = (prefix: string) =>
    new Map([...tensors].filter(([key]) => key.startsWith(prefix)).map(([key, t]) => [key.slice(prefix.length), t]));
  // JSON has no NaN: a run without validation batches (or an optimiser without lr) wrote null.
  const history = parsed.history.map((r) => ({
    ...r,
    valLoss: r.valLoss ?? NaN,
    valPerplexity: r.valPerplexity ?? NaN,
    lr: r.lr ?? NaN,
  }));
  return {
    ...parsed,
    history,
    optimizer: parsed.optimizer && { ...parsed.optimizer, buffers: withPrefix(OPTIMIZER_PREFIX) },
    bestParameters: parsed.bestParameters ? withPrefix(BEST_PREFIX) : null,
  };
}

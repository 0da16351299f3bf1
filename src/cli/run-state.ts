// What `lstm-simd train` stores beside the model in its checkpoint so that `--resume` continues the same
// trajectory bit for bit: everything that decides the next epoch apart from the parameters. That is
// the epochs done (the data's per-epoch shuffle is a function of its seed and the epoch), the data
// settings and the corpus's SHA-1, the trainer's clipping, the state of every random generator the
// model trains with (dropout masks), the optimizer's state (scalars here, tensors beside the
// parameters), and the history so far (for the printed epochs, --json and the plot).

import type { TensorLike, NamedTensor } from '../io/safetensors.js';
import type { RNNLMScratch } from '../models/rnnlm-scratch.js';
import type { BoardPoint } from '../train/board.js';
import type { EpochRecord } from '../train/trainer.js';

export const RUN_STATE_FORMAT = 'lstm-simd.train/1';

export interface RunState {
  format: typeof RUN_STATE_FORMAT;
  /** Epochs completed; the next epoch to run is this (0-based). */
  epochsDone: number;
  /** The run's target (what --resume continues to unless --epochs says otherwise). */
  maxEpochs: number;
  data: { seed: number; batchSize: number; numSteps: number; corpusSha1: string };
  trainer: { gradientClipVal: number };
  /** Module.randomGenerators() states by name. */
  randomStates: Record<string, number>;
  /** The optimizer's class name and its scalar state (tensors are stored under 'optimizer.'). */
  optimizer: { name: string; state: unknown };
  history: EpochRecord[];
  board: Record<string, BoardPoint[]>;
}

/**
 * What an optimizer with state (momentum, Adam's moments and step count) provides so that a run can be
 * resumed: scalars as JSON, and tensors keyed `<slot>.<parameter name>` (e.g. 'exp_avg.rnn.weight_hh_l0').
 * Plain SGD has no state and needs neither method.
 */
export interface ResumableOptimizer {
  stateDict?(): { state: unknown; tensors: ReadonlyMap<string, TensorLike> };
  loadStateDict?(saved: { state: unknown; tensors: ReadonlyMap<string, NamedTensor> }): void;
}

const OPTIMIZER_PREFIX = 'optimizer.';

/** The optimizer's state as the training state's JSON part and tensors. */
export function optimizerState(optimizer: object): {
  optimizer: RunState['optimizer'];
  tensors: Map<string, TensorLike>;
} {
  const resumable = optimizer as ResumableOptimizer;
  const saved = resumable.stateDict?.() ?? { state: null, tensors: new Map<string, TensorLike>() };
  const tensors = new Map<string, TensorLike>();
  for (const [name, tensor] of saved.tensors) tensors.set(OPTIMIZER_PREFIX + name, tensor);
  return { optimizer: { name: optimizer.constructor.name, state: saved.state }, tensors };
}

/** Puts a saved optimizer state back; an error if the optimizer differs from the one that saved it. */
export function restoreOptimizer(
  optimizer: object,
  saved: RunState['optimizer'],
  tensors: ReadonlyMap<string, NamedTensor>,
): void {
  const name = optimizer.constructor.name;
  if (name !== saved.name) {
    throw new Error(`the checkpoint was trained with ${saved.name}, this run would use ${name}`);
  }
  const own = new Map<string, NamedTensor>();
  for (const [key, tensor] of tensors)
    if (key.startsWith(OPTIMIZER_PREFIX)) own.set(key.slice(OPTIMIZER_PREFIX.length), tensor);
  const resumable = optimizer as ResumableOptimizer;
  if (resumable.loadStateDict) resumable.loadStateDict({ state: saved.state, tensors: own });
  else if (saved.state !== null || own.size > 0) {
    throw new Error(`${name} cannot load the optimizer state saved in the checkpoint (it has no loadStateDict)`);
  }
}

/** The states of the model's random generators, by name. */
export function randomStates(model: RNNLMScratch): Record<string, number> {
  return Object.fromEntries([...model.randomGenerators()].map(([name, random]) => [name, random.getState()]));
}

/** Sets the model's random generators to saved states; the names must be the same. */
export function restoreRandomStates(model: RNNLMScratch, states: Record<string, number>): void {
  const generators = model.randomGenerators();
  const saved = Object.keys(states).sort().join(', ');
  const own = [...generators.keys()].sort().join(', ');
  if (saved !== own) throw new Error(`the checkpoint's random generators (${saved}) are not the model's (${own})`);
  for (const [name, random] of generators) random.setState(states[name]);
}

/** Checks the parts of a RunState read from a file that the resume relies on. */
export function checkRunState(value: unknown): RunState {
  const state = value as RunState;
  const ok =
    state !== null &&
    typeof state === 'object' &&
    state.format === RUN_STATE_FORMAT &&
    Number.isSafeInteger(state.epochsDone) &&
    state.epochsDone >= 0 &&
    Number.isSafeInteger(state.maxEpochs) &&
    typeof state.data === 'object' &&
    state.data !== null &&
    Number.isSafeInteger(state.data.seed) &&
    Number.isSafeInteger(state.data.batchSize) &&
    Number.isSafeInteger(state.data.numSteps) &&
    typeof state.data.corpusSha1 === 'string' &&
    typeof state.trainer?.gradientClipVal === 'number' &&
    typeof state.randomStates === 'object' &&
    state.randomStates !== null &&
    typeof state.optimizer?.name === 'string' &&
    Array.isArray(state.history) &&
    state.history.length === state.epochsDone &&
    typeof state.board === 'object' &&
    state.board !== null;
  if (!ok) throw new Error(`the checkpoint's training state is not a '${RUN_STATE_FORMAT}' state`);
  return state;
}

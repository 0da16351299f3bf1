// What `lstm-simd train` stores beside the model in its checkpoint so that `--resume` continues the same
// trajectory bit for bit. The Trainer's own state (Trainer.state(): epochs done, optimiser buffers and
// step count, early-stopping counters, keep-best parameters, history and plot points) goes in as
// trainerStateToFile writes it; around it, what the command line decides and the Trainer does not
// know: the data (seed, batch, steps, the corpus's SHA-1), the run's settings (epochs, clipping, the
// optimiser's name and options, the schedule, early stopping, keep-best) and the states of the model's
// random generators (dropout masks).

import type { NamedTensor } from '../io/safetensors.js';
import type { RNNLMScratch } from '../models/rnnlm-scratch.js';
import type { OptimizerName } from '../optim/optimizer.js';
import type { OptimizerOptions } from '../optim/create.js';
import type { ScheduleSpec } from '../optim/schedules.js';
import type { EarlyStoppingOptions } from '../train/trainer.js';
import { trainerStateFromFile, trainerStateToFile, type TrainerState } from '../train/trainer-state.js';

export const RUN_STATE_FORMAT = 'lstm-simd.train/2';

/** The command line's settings of a run: a resumed run takes all of them from its checkpoint. */
export interface RunSettings {
  /** The run's target (what --resume continues to unless --epochs says otherwise). */
  maxEpochs: number;
  data: { seed: number; batchSize: number; numSteps: number; corpusSha1: string };
  gradientClipVal: number;
  /** null: the model's configureOptimizers() (d2l's SGD at the model's lr). */
  optimizer: { name: OptimizerName; options: OptimizerOptions } | null;
  schedule: ScheduleSpec | null;
  earlyStopping: EarlyStoppingOptions | null;
  keepBest: boolean;
}

/** The JSON part of a checkpoint's training state. */
export interface RunState extends RunSettings {
  format: typeof RUN_STATE_FORMAT;
  /** Module.randomGenerators() states by name. */
  randomStates: Record<string, number>;
  /** trainerStateToFile(...).json. */
  trainer: string;
}

/** The training state to save with the model after an epoch: JSON plus the Trainer's tensors. */
export function runStateToFile(
  settings: RunSettings,
  model: RNNLMScratch,
  trainer: TrainerState,
): { state: RunState; tensors: Map<string, NamedTensor> } {
  const { tensors, json } = trainerStateToFile(trainer);
  const { maxEpochs, data, gradientClipVal, optimizer, schedule, earlyStopping, keepBest } = settings;
  const randomStates = Object.fromEntries([...model.randomGenerators()].map(([name, r]) => [name, r.getState()]));
  const state: RunState = {
    format: RUN_STATE_FORMAT,
    ...{ maxEpochs, data, gradientClipVal, optimizer, schedule, earlyStopping, keepBest },
    randomStates,
    trainer: json,
  };
  return { state, tensors };
}

/** Checks a checkpoint's training state (JSON) and rebuilds the Trainer's part from its tensors. */
export function runStateFromFile(
  value: unknown,
  tensors: Map<string, NamedTensor>,
): { state: RunState; trainer: TrainerState } {
  const state = value as RunState;
  const ok =
    state !== null &&
    typeof state === 'object' &&
    state.format === RUN_STATE_FORMAT &&
    Number.isSafeInteger(state.maxEpochs) &&
    typeof state.data === 'object' &&
    state.data !== null &&
    Number.isSafeInteger(state.data.seed) &&
    Number.isSafeInteger(state.data.batchSize) &&
    Number.isSafeInteger(state.data.numSteps) &&
    typeof state.data.corpusSha1 === 'string' &&
    typeof state.gradientClipVal === 'number' &&
    typeof state.randomStates === 'object' &&
    state.randomStates !== null &&
    typeof state.keepBest === 'boolean' &&
    typeof state.trainer === 'string';
  if (!ok) throw new Error(`the checkpoint's training state is not a '${RUN_STATE_FORMAT}' state`);
  return { state, trainer: trainerStateFromFile(tensors, state.trainer) };
}

/** Sets the model's random generators to saved states; the names must be the same. */
export function restoreRandomStates(model: RNNLMScratch, states: Record<string, number>): void {
  const generators = model.randomGenerators();
  const saved = Object.keys(states).sort().join(', ');
  const own = [...generators.keys()].sort().join(', ');
  if (saved !== own) throw new Error(`the checkpoint's random generators (${saved}) are not the model's (${own})`);
  for (const [name, random] of generators) random.setState(states[name]);
}

// The gate section: an LSTM and a GRU trained on the markup task (filler to skip) and on the reset task
// (a marker to reset at), then run as scratch twins to read their gates along the sequence:
//
//   LSTM  c_t = f_t * c_{t-1} + i_t * c~_t    skipping a token: i_t ~ 0, f_t ~ 1; resetting: f_t ~ 0
//   GRU   h_t = z_t * h_{t-1} + (1 - z_t) * h~_t, h~_t = tanh(x_t W_xh + b_h + r_t * (h_{t-1} W_hh + b_hn))
//         skipping: z_t ~ 1; resetting: z_t ~ 0 with r_t ~ 0 (the new state ignores the old)
//
// A task is solved by a few units; the others keep gates near where they started and would blur an
// average. So the gates are averaged over the units the head weighs most (the quarter with the largest
// spread of head weights across classes), and over all units for comparison: for one validation
// sequence at every step, and over a validation batch by the role of the token read at the step.

import type { Backend } from '../backend/backend.js';
import { RecurrentLayer } from '../layers/recurrent-layer.js';
import { oneHotTimeMajor } from '../layers/sequence-ops.js';
import type { SequenceBatch, SequenceClassifier } from '../models/sequence-classifier.js';
import { noGrad } from '../tensor/tape.js';
import { endStep } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { CELL_TITLES, type LabCell } from './cells.js';
import type { SectionHooks } from './checksum.js';
import { SEED_STREAMS, type GateSettings } from './settings.js';
import { scratchTwin } from './scratch-twin.js';
import { markupTask, resetTask, type SequenceTask, type TokenRole } from './tasks.js';
import { trainOnTask } from './train-task.js';

/** The gates each cell's trace shows, by the scratch cells' names. */
export const TRACED_GATES: Readonly<Record<'lstm' | 'gru', readonly string[]>> = {
  lstm: ['I', 'F'],
  gru: ['Z', 'R'],
};

/** What each traced gate is called in a report. */
export const GATE_TITLES: Readonly<Record<string, string>> = {
  I: 'input gate i',
  F: 'forget gate f',
  Z: 'update gate z',
  R: 'reset gate r',
};

/** One cell on one task. */
export interface GateRun {
  cell: LabCell;
  /** Validation accuracy after training. */
  accuracy: number;
  /** The units averaged over: the quarter the head weighs most. */
  units: number[];
  /** gate -> its mean over those units at each step of the traced sequence. */
  trace: Record<string, number[]>;
  /** The same over all units. */
  traceAll: Record<string, number[]>;
  /** gate -> token role -> the gate's mean over those units and the batch's steps that read such a token. */
  byRole: Record<string, Partial<Record<TokenRole, number>>>;
  /** The same over all units. */
  byRoleAll: Record<string, Partial<Record<TokenRole, number>>>;
}

/** One task: its traced sequence and every cell's run. */
export interface GateTask {
  task: string;
  description: string;
  /** The traced sequence, as printed tokens, their roles, and its label. */
  tokens: string[];
  roles: TokenRole[];
  label: number;
  runs: GateRun[];
}

/** The section's numbers. */
export interface GateResult {
  tasks: GateTask[];
}

/** Trains an LSTM and a GRU on the markup and the reset task and traces their gates. */
export async function runGates(
  settings: GateSettings,
  seed: number,
  backend: Backend,
  measureBackend: Backend,
  hooks: SectionHooks = {},
): Promise<GateResult> {
  const tasks = [markupTask(settings.markupLength, settings.markupDigits), resetTask(settings.resetLength)];
  const result: GateResult = { tasks: [] };
  for (const task of tasks) {
    const batch = task.batch(new Random(Random.deriveSeed(seed, SEED_STREAMS.traceBatch)), settings.batchSize);
    const traced = pickTracedSequence(task, batch);
    const ids = Array.from({ length: task.numSteps }, (_, t) => batch.X[traced * task.numSteps + t]);
    const entry: GateTask = {
      task: task.name,
      description: task.description,
      tokens: ids.map((id) => task.tokens[id]),
      roles: ids.map((id) => task.roles[id]),
      label: batch.Y[traced],
      runs: [],
    };
    for (const cell of ['lstm', 'gru'] as const) {
      await hooks.pause?.();
      const run = trainOnTask(task, cell, settings, seed, backend);
      const accuracy = run.valAccuracy[run.valAccuracy.length - 1];
      entry.runs.push({ cell, accuracy, ...traceGates(run.model, task, batch, traced, measureBackend) });
      hooks.onProgress?.(`gates: ${CELL_TITLES[cell]} on ${task.name}: accuracy ${accuracy.toFixed(3)}`);
    }
    result.tasks.push(entry);
  }
  return result;
}

/**
 * The gates of `model`'s scratch twin over `batch`: per gate, the mean over the units the head weighs most
 * and over all units, at every step of sequence `traced` and by the role of the token read.
 */
export function traceGates(
  model: SequenceClassifier,
  task: SequenceTask,
  batch: SequenceBatch,
  traced: number,
  measureBackend: Backend,
): Omit<GateRun, 'cell' | 'accuracy'> {
  const layer = model.rnn;
  if (!(layer instanceof RecurrentLayer) || layer.cell === 'rnn') {
    throw new TypeError('traceGates: the model must wrap a fused LSTM or GRU layer');
  }
  const gates = TRACED_GATES[layer.cell];
  const { X, batchSize: B, numSteps: T } = batch;
  const H = layer.hiddenSize;
  const units = weightiestUnits(model.head.weight.toArray(), model.numClasses, H);
  const groups = [units, Array.from({ length: H }, (_, j) => j)];
  const twin = scratchTwin(layer, measureBackend);
  const traces = groups.map(() => Object.fromEntries(gates.map((g) => [g, [] as number[]])));
  const sums = groups.map(() => gates.map(() => new Map<TokenRole, { sum: number; count: number }>()));
  noGrad(() => {
    const inputs = oneHotTimeMajor(measureBackend, X, B, T, layer.numInputs);
    twin.forward(inputs, undefined, {
      onStep: (t, activations) => {
        gates.forEach((gate, g) => {
          const values = activations[gate].toArray();
          groups.forEach((group, u) => {
            const mean = (b: number) => group.reduce((sum, j) => sum + values[b * H + j], 0) / group.length;
            traces[u][gate].push(mean(traced));
            for (let b = 0; b < B; b++) {
              const role = task.roles[X[b * T + t]];
              const entry = sums[u][g].get(role) ?? { sum: 0, count: 0 };
              entry.sum += mean(b);
              entry.count++;
              sums[u][g].set(role, entry);
            }
          });
        });
      },
    });
  });
  endStep(measureBackend);
  const byRole = (u: number) =>
    Object.fromEntries(
      gates.map((gate, g) => [gate, Object.fromEntries([...sums[u][g]].map(([role, s]) => [role, s.sum / s.count]))]),
    );
  return { units, trace: traces[0], traceAll: traces[1], byRole: byRole(0), byRoleAll: byRole(1) };
}

/** The quarter of the hidden units (at least one) whose head weights differ most across classes. */
export function weightiestUnits(headWeight: Float64Array, numClasses: number, hidden: number): number[] {
  const spread = Array.from({ length: hidden }, (_, j) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      lo = Math.min(lo, headWeight[c * hidden + j]);
      hi = Math.max(hi, headWeight[c * hidden + j]);
    }
    return hi - lo;
  });
  const order = spread.map((_, j) => j).sort((a, b) => spread[b] - spread[a]);
  return order.slice(0, Math.max(1, Math.floor(hidden / 4))).sort((a, b) => a - b);
}

/** The sequence to trace: for the reset task one with an earlier marker too (two resets to see), else the first. */
function pickTracedSequence(task: SequenceTask, batch: SequenceBatch): number {
  if (task.name !== 'reset') return 0;
  const T = task.numSteps;
  for (let b = 0; b < batch.batchSize; b++) {
    let markers = 0;
    for (let t = 0; t < T; t++) if (task.roles[batch.X[b * T + t]] === 'marker') markers++;
    if (markers >= 2) return b;
  }
  return 0;
}

// `lstm-simd train`: the chapter's language model end to end: find the corpus, train with the book's
// settings (or the options given), print perplexity per epoch and generated text, and save a
// checkpoint, a perplexity plot and (with --json) the history.
//
// The checkpoint is written atomically at the end of every epoch, with the state that --resume needs to
// continue the same trajectory bit for bit (see run-state.ts). The Trainer never finishes an epoch with
// a diverged model (it rolls back and throws TrainingDivergedError), so the last good checkpoint survives.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Backend } from '../backend/backend.js';
import { setBackend } from '../backend/registry.js';
import { TimeMachine } from '../data/time-machine.js';
import type { LoadedModel } from '../io/checkpoint.js';
import {
  checkLanguageModelSpec,
  createLanguageModel,
  isModelKind,
  MODEL_DEFAULTS,
  type LanguageModelSpec,
  type ModelKind,
} from '../models/zoo.js';
import { resolveTimeMachineText } from '../node/corpus.js';
import { checkWritableDirectory, writeFileAtomically } from '../node/files.js';
import { loadModelFile, saveModelFile } from '../node/model-files.js';
import { createOptimizer, OPTIMIZER_NAMES, type OptimizerOptions } from '../optim/create.js';
import type { OptimizerName } from '../optim/optimizer.js';
import { createSchedule, type ScheduleName, type ScheduleSpec } from '../optim/schedules.js';
import { boardToSvg } from '../train/plot-svg.js';
import { formatCount } from '../train/progress-bar.js';
import type { TrainerState } from '../train/trainer-state.js';
import { Trainer, TrainingDivergedError, type EpochRecord } from '../train/trainer.js';
import { choice, integer, parse, positiveNumber, text, UsageError } from './args.js';
import type { Command } from './command.js';
import { restoreRandomStates, runStateFromFile, runStateToFile, type RunSettings, type RunState } from './run-state.js';

const MODEL_NAMES = Object.keys(MODEL_DEFAULTS).join(' | ');
const SCHEDULE_NAMES = ['step', 'cosine', 'warmup-cosine', 'linear'] as const;

/**
 * Learning rates for --optimizer without --lr: SGD keeps the chapter's rate; the adaptive optimisers take
 * the rates that trained the chapter's models well here (README, "Choosing an optimiser"), not PyTorch's
 * defaults (1e-3 for Adam leaves the chapter's LSTM far from converged after 50 epochs).
 */
const OPTIMIZER_LR: Record<Exclude<OptimizerName, 'sgd'>, number> = { adam: 0.01, adamw: 0.01, rmsprop: 0.003 };

/** Options that define the model, the data or the run: a resumed run takes them from its checkpoint. */
const FIXED_BY_CHECKPOINT = [
  'model',
  'hidden',
  'lr',
  'batch-size',
  'num-steps',
  'layers',
  'bidirectional',
  'dropout',
  'seed',
  'optimizer',
  'momentum',
  'weight-decay',
  'lr-schedule',
  'early-stopping',
  'keep-best',
];

const USAGE = `Usage: lstm-simd train [options]

Trains a character language model on d2l's Time Machine and prints generated text. Defaults are the
chapter's settings for the model (d2l 10.1 for lstm-scratch: 32 hidden units, lr 4, 50 epochs,
batch 1024 x 32 steps, gradient clipping at 1, plain SGD).

  --model NAME        ${MODEL_NAMES} (default lstm-scratch)
  --hidden N          hidden units                  --epochs N        epochs
  --batch-size N      minibatch size                --num-steps N     tokens per sequence
  --layers N          stacked layers (concise models; default 1)
  --bidirectional     both directions (concise models; a language model then sees the future)
  --dropout P         dropout between stacked layers (concise models; default 0)
  --optimizer NAME    ${OPTIMIZER_NAMES.join(' | ')} (default: the book's plain SGD)
  --lr X              learning rate (default: the chapter's for SGD; adam/adamw 0.01, rmsprop 0.003)
  --momentum M        sgd, rmsprop (default 0)      --weight-decay W  L2 (sgd, adam, rmsprop) or decoupled (adamw)
  --lr-schedule S     ${SCHEDULE_NAMES.join(' | ')}, per epoch, with options after a colon,
                      e.g. cosine, step:stepSize=10,gamma=0.5, warmup-cosine:warmupSteps=5 (lengths
                      default to this run's --epochs; a resumed run keeps its schedule)
  --early-stopping N  stop after N epochs without a better validation loss
  --keep-best         end with the parameters of the best validation epoch
  --backend NAME      wasm | js (default wasm)
  --data PATH         timemachine.txt (default: cache, else download with SHA-1 check)
  --seed N            random seed (default 42)      --out DIR         output directory (default out)
  --json FILE         write the history (per epoch train/val perplexity and seconds)
  --resume FILE       continue the run a checkpoint of 'lstm-simd train' stopped at, bit for bit, up to
                      --epochs in all (default: the run's own); the model, data and settings come from it
  --quiet             no progress bar

The checkpoint OUT/MODEL.safetensors is rewritten atomically after every epoch; if training diverges,
the command exits with status 1 and names the last good checkpoint.`;

async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    model: { type: 'string' },
    hidden: { type: 'string' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    'batch-size': { type: 'string' },
    'num-steps': { type: 'string' },
    layers: { type: 'string' },
    bidirectional: { type: 'boolean' },
    dropout: { type: 'string' },
    optimizer: { type: 'string' },
    momentum: { type: 'string' },
    'weight-decay': { type: 'string' },
    'lr-schedule': { type: 'string' },
    'early-stopping': { type: 'string' },
    'keep-best': { type: 'boolean' },
    backend: { type: 'string' },
    data: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'string' },
    resume: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const resumeFile = text(args.resume, 'resume');
  if (resumeFile !== undefined) {
    const fixed = FIXED_BY_CHECKPOINT.find((name) => args[name] !== undefined);
    if (fixed) throw new UsageError(`--${fixed} cannot be given with --resume: the checkpoint fixes it`);
  }
  const modelName = text(args.model, 'model') ?? 'lstm-scratch';
  if (!isModelKind(modelName)) {
    throw new UsageError(`--model must be one of ${Object.keys(MODEL_DEFAULTS).join(', ')}, got '${modelName}'`);
  }
  const optimizerName =
    args.optimizer === undefined ? null : choice(args.optimizer, 'optimizer', OPTIMIZER_NAMES, 'sgd');
  const bookLr = MODEL_DEFAULTS[modelName].lr;
  const lr = positiveNumber(
    args.lr,
    'lr',
    optimizerName && optimizerName !== 'sgd' ? OPTIMIZER_LR[optimizerName] : bookLr,
  );
  const numHiddens = integer(args.hidden, 'hidden', MODEL_DEFAULTS[modelName].numHiddens);
  const numLayers = integer(args.layers, 'layers', 1);
  const dropout = fraction(args.dropout, 'dropout');
  const backendName = choice(args.backend, 'backend', ['wasm', 'js'] as const, 'wasm');
  const seedOption = integer(args.seed, 'seed', 42, 0);
  const outDir = text(args.out, 'out') ?? 'out';
  const jsonFile = text(args.json, 'json');
  const architecture = { numLayers, bidirectional: args.bidirectional === true, dropout };
  try {
    checkLanguageModelSpec({ kind: modelName, vocabSize: 1, numHiddens, lr, seed: seedOption, ...architecture });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // Where the results go is checked before anything runs: a bad --out must not cost a training run.
  checkWritableDirectory(outDir, '--out');
  if (jsonFile) checkWritableDirectory(dirname(resolve(jsonFile)), 'the directory of --json');

  const backend = await setBackend(backendName);
  const resumed = resumeFile === undefined ? null : loadResumable(resumeFile, backend);
  const saved = resumed?.state ?? null;
  const kind: ModelKind = resumed ? resumed.loaded.spec.kind : modelName;
  const defaults = MODEL_DEFAULTS[kind];
  const maxEpochs = integer(args.epochs, 'epochs', saved?.maxEpochs ?? defaults.maxEpochs, saved ? 0 : 1);
  const settings: RunSettings = saved ?? {
    maxEpochs,
    data: {
      seed: seedOption,
      batchSize: integer(args['batch-size'], 'batch-size', defaults.batchSize),
      numSteps: integer(args['num-steps'], 'num-steps', defaults.numSteps),
      corpusSha1: '',
    },
    gradientClipVal: defaults.gradientClipVal,
    optimizer: optimizerName ? { name: optimizerName, options: optimizerOptions(optimizerName, lr, args) } : null,
    schedule: scheduleSpec(args['lr-schedule'], maxEpochs),
    earlyStopping:
      args['early-stopping'] === undefined ? null : { patience: integer(args['early-stopping'], 'early-stopping', 1) },
    keepBest: args['keep-best'] === true,
  };
  settings.maxEpochs = maxEpochs;
  const { seed, batchSize, numSteps } = settings.data;

  const corpus = await resolveTimeMachineText({ path: text(args.data, 'data') });
  if (corpus.warning) console.error(`lstm-simd: warning: ${corpus.warning}`);
  if (saved && corpus.sha1 !== saved.data.corpusSha1) {
    throw new Error(
      `the corpus (SHA-1 ${corpus.sha1}) is not the one the checkpoint was trained on (SHA-1 ` +
        `${saved.data.corpusSha1}): resuming needs the same data`,
    );
  }
  settings.data.corpusSha1 = corpus.sha1;
  const data = new TimeMachine({
    batchSize,
    numSteps,
    text: corpus.text,
    seed,
    vocab: resumed?.loaded.vocab ?? undefined,
  });
  const spec: LanguageModelSpec = resumed
    ? resumed.loaded.spec
    : { kind, vocabSize: data.vocab.length, numHiddens, lr, seed, ...architecture };
  const model = resumed ? resumed.loaded.model : createLanguageModel(spec, backend);
  if (saved) restoreRandomStates(model, saved.randomStates);
  const epochsDone = resumed?.trainer.epoch ?? 0;
  console.log(
    `${kind} (d2l ${defaults.chapter}): ${model.numParameters()} parameters, hidden ${spec.numHiddens}` +
      `${(spec.numLayers ?? 1) > 1 ? ` x ${spec.numLayers} layers` : ''}${spec.bidirectional ? ', bidirectional' : ''}` +
      `${(spec.dropout ?? 0) > 0 ? `, dropout ${spec.dropout}` : ''}, ${describeOptimizer(settings, spec.lr)}, ` +
      `batch ${batchSize} x ${numSteps} steps, ${maxEpochs} epochs, backend ${backend.variant}; ` +
      `corpus ${corpus.source}: ${data.corpus.length} tokens, vocab ${data.vocab.length}` +
      (resumed ? `; resuming ${resumeFile} after epoch ${epochsDone}` : ''),
  );

  const checkpointPath = join(outDir, `${kind}.safetensors`);
  let lastGood = resumed ? { path: resumeFile!, epoch: epochsDone } : null;
  const { optimizer, schedule } = settings;
  const trainer: Trainer = new Trainer({
    maxEpochs,
    gradientClipVal: settings.gradientClipVal,
    optimizer: optimizer ? (parameters) => createOptimizer(optimizer.name, parameters, optimizer.options) : undefined,
    lrSchedule: schedule ? createSchedule(schedule.name, schedule.options) : undefined,
    earlyStopping: settings.earlyStopping ?? undefined,
    keepBest: settings.keepBest,
    progress: args.quiet ? false : undefined,
    callbacks: [
      {
        onEpochEnd: (record: EpochRecord) => {
          console.log(formatEpoch(record, maxEpochs));
          const state = trainer.state();
          saveModelFile(checkpointPath, model, { vocab: data.vocab, training: runStateToFile(settings, model, state) });
          lastGood = { path: checkpointPath, epoch: state.epoch };
        },
      },
    ],
  });
  let history;
  try {
    history = trainer.fit(model, data, resumed ? { resume: resumed.trainer } : {});
  } catch (error) {
    if (!(error instanceof TrainingDivergedError)) throw error;
    const last = lastGood
      ? `the last good checkpoint is ${lastGood.path} (epoch ${lastGood.epoch}); it was not overwritten`
      : `this run wrote no checkpoint (it diverged in its first epoch)${
          existsSync(checkpointPath) ? `; ${checkpointPath} is as it was` : ''
        }`;
    throw new Error(`${error.message}; ${last}`, { cause: error });
  }
  if (history.epochs.length === epochsDone) {
    // No epoch ran in this invocation (--epochs already reached): still leave a checkpoint in --out.
    saveModelFile(checkpointPath, model, {
      vocab: data.vocab,
      training: runStateToFile(settings, model, trainer.state()),
    });
  }
  if (history.stopReason === 'early-stopping') {
    console.log(`early stopping: no better validation loss for ${settings.earlyStopping!.patience} epochs`);
  }
  if (settings.keepBest && history.best) {
    console.log(
      `kept the parameters of epoch ${history.best.epoch} (best validation loss ${history.best.valLoss.toFixed(4)})`,
    );
  }

  for (const prefix of ['it has', 'time traveller', 'the time machine']) {
    console.log(`predict('${prefix}', 50): ${JSON.stringify(model.predict(prefix, 50, data.vocab))}`);
  }
  console.log(
    `sample('the time', 80, temperature 0.7): ` +
      JSON.stringify(model.sample('the time', 80, data.vocab, { temperature: 0.7, seed })),
  );

  const plotPath = join(outDir, `${kind}-perplexity.svg`);
  writeFileAtomically(plotPath, boardToSvg(history.board.curves, { xMax: maxEpochs, title: `${kind} perplexity` }));
  const seconds = history.epochs.reduce((sum, e) => sum + e.seconds, 0);
  if (jsonFile) {
    const epochs = history.epochs.map((e) => ({
      epoch: e.epoch,
      trainPerplexity: e.trainPerplexity,
      valPerplexity: e.valPerplexity,
      lr: e.lr,
      seconds: e.seconds,
    }));
    const summary = { spec: { ...spec, seed }, settings, backend: backend.variant, epochs, seconds };
    writeFileAtomically(jsonFile, JSON.stringify(summary, null, 2) + '\n');
  }
  console.log(`saved ${checkpointPath} and ${plotPath}${jsonFile ? ` and ${jsonFile}` : ''}`);
  const last = history.epochs[history.epochs.length - 1];
  console.log(
    last
      ? `final: train perplexity ${last.trainPerplexity.toFixed(2)}, val perplexity ${last.valPerplexity.toFixed(2)} ` +
          `after ${last.epoch} epochs in ${seconds.toFixed(1)} s on ${backend.variant}`
      : 'final: no epochs were run',
  );
  return 0;
}

/** A checkpoint to resume: the loaded model, the command line's settings and the Trainer's state. */
function loadResumable(
  file: string,
  backend: Backend,
): { loaded: LoadedModel; state: RunState; trainer: TrainerState } {
  const loaded = loadModelFile(file, { backend });
  if (loaded.training === null || loaded.vocab === null) {
    throw new Error(`${file} has no training state to resume (only checkpoints of 'lstm-simd train' have one)`);
  }
  try {
    return { loaded, ...runStateFromFile(loaded.training.state, loaded.training.tensors) };
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The optimiser's options from the command line: only those its kind has (createOptimizer rejects others). */
function optimizerOptions(
  name: OptimizerName,
  lr: number,
  args: Record<string, string | boolean | undefined>,
): OptimizerOptions {
  const options: OptimizerOptions = { lr };
  if (args.momentum !== undefined) {
    if (name === 'adam' || name === 'adamw') throw new UsageError(`--momentum is not an option of ${name}`);
    options.momentum = nonNegative(args.momentum, 'momentum');
  }
  if (args['weight-decay'] !== undefined) options.weightDecay = nonNegative(args['weight-decay'], 'weight-decay');
  return options;
}

/** --lr-schedule NAME[:key=value,...] as a schedule spec; the defaults are in epochs of this run. */
function scheduleSpec(value: string | boolean | undefined, maxEpochs: number): ScheduleSpec | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value === '') throw new UsageError('--lr-schedule needs a value');
  const [name, rest] = value.split(/:(.*)/s, 2);
  if (!(SCHEDULE_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`--lr-schedule must be one of ${SCHEDULE_NAMES.join(', ')}, got '${name}'`);
  }
  const defaults: Record<string, Record<string, number>> = {
    step: { stepSize: Math.max(1, Math.floor(maxEpochs / 3)), gamma: 0.1 },
    cosine: { tMax: maxEpochs },
    'warmup-cosine': { warmupSteps: Math.max(1, Math.round(maxEpochs / 10)), totalSteps: maxEpochs },
    linear: {},
  };
  const options: Record<string, number> = { ...defaults[name] };
  for (const pair of rest ? rest.split(',') : []) {
    const [key, raw] = pair.split('=');
    const number = Number(raw);
    if (!key || raw === undefined || raw.trim() === '' || !Number.isFinite(number)) {
      throw new UsageError(`--lr-schedule: '${pair}' is not key=number (e.g. ${name}:gamma=0.5)`);
    }
    options[key.trim()] = number;
  }
  try {
    return createSchedule(name as ScheduleName, options).toJSON();
  } catch (error) {
    throw new UsageError(`--lr-schedule: ${(error as Error).message.replace(/^createSchedule: /, '')}`);
  }
}

function describeOptimizer(settings: RunSettings, modelLr: number): string {
  const { optimizer, schedule } = settings;
  const base = optimizer
    ? `${optimizer.name} ${Object.entries(optimizer.options)
        .map(([key, value]) => `${key} ${value}`)
        .join(', ')}`
    : `lr ${modelLr}`;
  return schedule ? `${base}, ${schedule.name} schedule` : base;
}

function nonNegative(value: string | boolean | undefined, name: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !(n >= 0) || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a number >= 0, got '${String(value)}'`);
  }
  return n;
}

/** A probability in [0, 1) (default 0). */
function fraction(value: string | boolean | undefined, name: string): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !(n >= 0 && n < 1)) {
    throw new UsageError(`--${name} must be a number in [0, 1), got '${String(value)}'`);
  }
  return n;
}

function formatEpoch(r: EpochRecord, maxEpochs: number): string {
  return (
    `epoch ${String(r.epoch).padStart(String(maxEpochs).length)}/${maxEpochs}  ` +
    `train ppl ${r.trainPerplexity.toFixed(2)}  val ppl ${r.valPerplexity.toFixed(2)}  ` +
    `${r.seconds.toFixed(2)} s  ${formatCount(r.tokensPerSecond)} tok/s`
  );
}

export const trainCommand: Command = {
  name: 'train',
  summary: "train the d2l character language model and generate text (the chapter's settings by default)",
  usage: USAGE,
  run,
};

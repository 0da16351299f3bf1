// `lstm-simd train`: the chapter's language model end to end: find the corpus, train with the book's
// settings (or the options given), print perplexity per epoch and generated text, and save a
// checkpoint, a perplexity plot and (with --json) the history.
//
// The checkpoint is written atomically at the end of every epoch, with the state that --resume needs to
// continue the same trajectory bit for bit (see run-state.ts); a model whose parameters or losses are
// no longer finite is never written, so the last good checkpoint survives a divergence.

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
import { ProgressBoard } from '../train/board.js';
import { boardToSvg } from '../train/plot-svg.js';
import { formatCount } from '../train/progress-bar.js';
import { Trainer, TrainingDivergedError, type EpochRecord } from '../train/trainer.js';
import { choice, integer, parse, positiveNumber, text, UsageError } from './args.js';
import type { Command } from './command.js';
import {
  checkRunState,
  optimizerState,
  randomStates,
  restoreOptimizer,
  restoreRandomStates,
  RUN_STATE_FORMAT,
  type RunState,
} from './run-state.js';

const MODEL_NAMES = Object.keys(MODEL_DEFAULTS).join(' | ');

/** Options that define the model or the data: a resumed run takes them from its checkpoint. */
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
];

const USAGE = `Usage: lstm-simd train [options]

Trains a character language model on d2l's Time Machine and prints generated text. Defaults are the
chapter's settings for the model (d2l 10.1 for lstm-scratch: 32 hidden units, lr 4, 50 epochs,
batch 1024 x 32 steps, gradient clipping at 1).

  --model NAME        ${MODEL_NAMES} (default lstm-scratch)
  --hidden N          hidden units                  --epochs N        epochs
  --lr X              learning rate (SGD)           --batch-size N    minibatch size
  --num-steps N       tokens per sequence           --backend NAME    wasm | js (default wasm)
  --layers N          stacked layers (concise models; default 1)
  --bidirectional     both directions (concise models; a language model then sees the future)
  --dropout P         dropout between stacked layers (concise models; default 0)
  --data PATH         timemachine.txt (default: cache, else download with SHA-1 check)
  --seed N            random seed (default 42)      --out DIR         output directory (default out)
  --json FILE         write the history (per epoch train/val perplexity and seconds)
  --resume FILE       continue the run a checkpoint of 'lstm-simd train' stopped at, bit for bit, up to
                      --epochs in all (default: the run's own); the model, data and seed come from it
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
  const numHiddens = integer(args.hidden, 'hidden', MODEL_DEFAULTS[modelName].numHiddens);
  const lr = positiveNumber(args.lr, 'lr', MODEL_DEFAULTS[modelName].lr);
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
  const seed = saved?.data.seed ?? seedOption;
  const batchSize = saved?.data.batchSize ?? integer(args['batch-size'], 'batch-size', defaults.batchSize);
  const numSteps = saved?.data.numSteps ?? integer(args['num-steps'], 'num-steps', defaults.numSteps);
  const gradientClipVal = saved?.trainer.gradientClipVal ?? defaults.gradientClipVal;
  const epochsDone = saved?.epochsDone ?? 0;

  const corpus = await resolveTimeMachineText({ path: text(args.data, 'data') });
  if (corpus.warning) console.error(`lstm-simd: warning: ${corpus.warning}`);
  if (saved && corpus.sha1 !== saved.data.corpusSha1) {
    throw new Error(
      `the corpus (SHA-1 ${corpus.sha1}) is not the one the checkpoint was trained on (SHA-1 ` +
        `${saved.data.corpusSha1}): resuming needs the same data`,
    );
  }
  const data = new TimeMachine({
    batchSize,
    numSteps,
    text: corpus.text,
    seed,
    vocab: resumed?.loaded.vocab ?? undefined,
  });
  data.epoch = epochsDone; // the shuffle of epoch k depends only on (seed, k)
  const spec: LanguageModelSpec = resumed
    ? resumed.loaded.spec
    : { kind, vocabSize: data.vocab.length, numHiddens, lr, seed, ...architecture };
  const model = resumed ? resumed.loaded.model : createLanguageModel(spec, backend);
  if (saved) restoreRandomStates(model, saved.randomStates);
  console.log(
    `${kind} (d2l ${defaults.chapter}): ${model.numParameters()} parameters, hidden ${spec.numHiddens}` +
      `${(spec.numLayers ?? 1) > 1 ? ` x ${spec.numLayers} layers` : ''}${spec.bidirectional ? ', bidirectional' : ''}` +
      `${(spec.dropout ?? 0) > 0 ? `, dropout ${spec.dropout}` : ''}, lr ${spec.lr}, ` +
      `batch ${batchSize} x ${numSteps} steps, ${maxEpochs} epochs, backend ${backend.variant}; ` +
      `corpus ${corpus.source}: ${data.corpus.length} tokens, vocab ${data.vocab.length}` +
      (resumed ? `; resuming ${resumeFile} after epoch ${epochsDone}` : ''),
  );

  // The Trainer makes the optimizer; catch it to save its state (and to restore it when resuming).
  let optimizer: object | null = null;
  const configureOptimizers = model.configureOptimizers.bind(model);
  model.configureOptimizers = () => {
    const made = configureOptimizers();
    if (resumed) restoreOptimizer(made, resumed.state.optimizer, resumed.loaded.training!.tensors);
    optimizer = made;
    return made;
  };

  const history: EpochRecord[] = saved ? [...saved.history] : [];
  const board = boardFrom(saved?.board);
  const trainEvery = Math.max(1, Math.floor(data.numTrainBatches / 2));
  let batchIndex = epochsDone * data.numTrainBatches;
  const checkpointPath = join(outDir, `${kind}.safetensors`);
  let lastGood = resumed ? { path: resumeFile!, epoch: epochsDone } : null;
  const writeCheckpoint = () => {
    const epoch = history.length;
    const bad = firstNonFinite(model.stateDict());
    if (bad !== null) throw new DivergedError(`after epoch ${epoch} a parameter is not finite (${bad})`);
    const optimized = optimizerState(optimizer ?? model.configureOptimizers());
    const state: RunState = {
      format: RUN_STATE_FORMAT,
      epochsDone: epoch,
      maxEpochs,
      data: { seed, batchSize, numSteps, corpusSha1: corpus.sha1 },
      trainer: { gradientClipVal },
      randomStates: randomStates(model),
      optimizer: optimized.optimizer,
      history,
      board: Object.fromEntries(board.curves),
    };
    saveModelFile(checkpointPath, model, { vocab: data.vocab, training: { state, tensors: optimized.tensors } });
    lastGood = { path: checkpointPath, epoch };
  };

  const trainer = new Trainer({
    maxEpochs: Math.max(0, maxEpochs - epochsDone),
    gradientClipVal,
    progress: args.quiet ? false : undefined,
    callbacks: [
      {
        onBatchEnd: (info) =>
          board.draw(batchIndex++ / data.numTrainBatches, Math.exp(info.loss), 'train_ppl', trainEvery),
        onEpochEnd: (r: EpochRecord) => {
          const record = { ...r, epoch: r.epoch + epochsDone };
          board.draw(record.epoch, record.valPerplexity, 'val_ppl');
          console.log(formatEpoch(record, maxEpochs));
          if (!Number.isFinite(record.trainLoss) || !Number.isFinite(record.valLoss)) {
            throw new DivergedError(`the mean loss of epoch ${record.epoch} is not finite`);
          }
          history.push(record);
          writeCheckpoint();
        },
      },
    ],
  });
  try {
    trainer.fit(model, data);
  } catch (error) {
    if (!(error instanceof TrainingDivergedError || error instanceof DivergedError)) throw error;
    const last = lastGood
      ? `the last good checkpoint is ${lastGood.path} (epoch ${lastGood.epoch}); it was not overwritten`
      : `this run wrote no checkpoint (it diverged in its first epoch)${
          existsSync(checkpointPath) ? `; ${checkpointPath} is as it was` : ''
        }`;
    throw new Error(`${runEpochs(error, epochsDone)}; ${last}`, { cause: error });
  }
  if (history.length === epochsDone) writeCheckpoint(); // no epoch ran in this invocation

  for (const prefix of ['it has', 'time traveller', 'the time machine']) {
    console.log(`predict('${prefix}', 50): ${JSON.stringify(model.predict(prefix, 50, data.vocab))}`);
  }
  console.log(
    `sample('the time', 80, temperature 0.7): ` +
      JSON.stringify(model.sample('the time', 80, data.vocab, { temperature: 0.7, seed })),
  );

  const plotPath = join(outDir, `${kind}-perplexity.svg`);
  writeFileAtomically(plotPath, boardToSvg(board.curves, { xMax: maxEpochs, title: `${kind} perplexity` }));
  const seconds = history.reduce((sum, e) => sum + e.seconds, 0);
  if (jsonFile) {
    const epochs = history.map((e) => ({
      epoch: e.epoch,
      trainPerplexity: e.trainPerplexity,
      valPerplexity: e.valPerplexity,
      seconds: e.seconds,
    }));
    const summary = { spec: { ...spec, seed }, backend: backend.variant, epochs, seconds };
    writeFileAtomically(jsonFile, JSON.stringify(summary, null, 2) + '\n');
  }
  console.log(`saved ${checkpointPath} and ${plotPath}${jsonFile ? ` and ${jsonFile}` : ''}`);
  const last = history[history.length - 1];
  console.log(
    last
      ? `final: train perplexity ${last.trainPerplexity.toFixed(2)}, val perplexity ${last.valPerplexity.toFixed(2)} ` +
          `after ${last.epoch} epochs in ${seconds.toFixed(1)} s on ${backend.variant}`
      : 'final: no epochs were run',
  );
  return 0;
}

/** A checkpoint to resume: the loaded model and its training state, checked. */
function loadResumable(file: string, backend: Backend): { loaded: LoadedModel; state: RunState } {
  const loaded = loadModelFile(file, { backend });
  if (loaded.training === null || loaded.vocab === null) {
    throw new Error(`${file} has no training state to resume (only checkpoints of 'lstm-simd train' have one)`);
  }
  let state: RunState;
  try {
    state = checkRunState(loaded.training.state);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
  return { loaded, state };
}

/** The error's message with the Trainer's epoch (counted from this invocation) counted from the run's start. */
function runEpochs(error: Error, epochsDone: number): string {
  if (!(error instanceof TrainingDivergedError) || epochsDone === 0) return error.message;
  return error.message.replace(`epoch ${error.epoch + 1}`, `epoch ${error.epoch + 1 + epochsDone}`);
}

/** A ProgressBoard holding saved curves (a resumed run's plot continues them). */
function boardFrom(curves: Record<string, { x: number; y: number }[]> | undefined): ProgressBoard {
  const board = new ProgressBoard();
  for (const [label, points] of Object.entries(curves ?? {})) board.curves.set(label, [...points]);
  return board;
}

/** The first parameter with a NaN or infinite value, as 'name[index] = value', or null. */
function firstNonFinite(state: Map<string, { data: Float32Array }>): string | null {
  for (const [name, { data }] of state) {
    const i = data.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) return `${name}[${i}] = ${data[i]}`;
  }
  return null;
}

/** A loss or parameter that stopped being finite by the end of an epoch: that model is not saved. */
class DivergedError extends Error {
  override name = 'DivergedError';
  constructor(what: string) {
    super(`training diverged: ${what}`);
  }
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

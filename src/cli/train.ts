// `lstm-simd train`: the chapter's language model end to end: find the corpus, train with the book's
// settings (or the options given), print perplexity per epoch and generated text, and save a
// checkpoint, a perplexity plot and (with --json) the history.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setBackend } from '../backend/registry.js';
import { TimeMachine } from '../data/time-machine.js';
import { saveCheckpoint } from '../io/checkpoint.js';
import {
  checkLanguageModelSpec,
  createLanguageModel,
  isModelKind,
  MODEL_DEFAULTS,
  type LanguageModelSpec,
  type ModelKind,
} from '../models/zoo.js';
import { resolveTimeMachineText } from '../node/corpus.js';
import { boardToSvg } from '../train/plot-svg.js';
import { formatCount } from '../train/progress-bar.js';
import { Trainer, type EpochRecord } from '../train/trainer.js';
import { choice, integer, parse, positiveNumber, text, UsageError } from './args.js';
import type { Command } from './command.js';

const MODEL_NAMES = Object.keys(MODEL_DEFAULTS).join(' | ');

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
  --quiet             no progress bar`;

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
    quiet: { type: 'boolean' },
  });
  const modelName = text(args.model, 'model') ?? 'lstm-scratch';
  if (!isModelKind(modelName)) {
    throw new UsageError(`--model must be one of ${Object.keys(MODEL_DEFAULTS).join(', ')}, got '${modelName}'`);
  }
  const kind: ModelKind = modelName;
  const defaults = MODEL_DEFAULTS[kind];
  const numHiddens = integer(args.hidden, 'hidden', defaults.numHiddens);
  const maxEpochs = integer(args.epochs, 'epochs', defaults.maxEpochs);
  const lr = positiveNumber(args.lr, 'lr', defaults.lr);
  const batchSize = integer(args['batch-size'], 'batch-size', defaults.batchSize);
  const numSteps = integer(args['num-steps'], 'num-steps', defaults.numSteps);
  const numLayers = integer(args.layers, 'layers', 1);
  const dropout = fraction(args.dropout, 'dropout');
  const backendName = choice(args.backend, 'backend', ['wasm', 'js'] as const, 'wasm');
  const seed = integer(args.seed, 'seed', 42, 0);
  const outDir = text(args.out, 'out') ?? 'out';
  const jsonFile = text(args.json, 'json');
  const architecture = { numLayers, bidirectional: args.bidirectional === true, dropout };
  try {
    checkLanguageModelSpec({ kind, vocabSize: 1, numHiddens, lr, seed, ...architecture });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  const backend = await setBackend(backendName);
  const corpus = await resolveTimeMachineText({ path: text(args.data, 'data') });
  if (corpus.warning) console.error(`lstm-simd: warning: ${corpus.warning}`);
  const data = new TimeMachine({ batchSize, numSteps, text: corpus.text, seed });
  const spec: LanguageModelSpec = { kind, vocabSize: data.vocab.length, numHiddens, lr, seed, ...architecture };
  const model = createLanguageModel(spec, backend);
  console.log(
    `${kind} (d2l ${defaults.chapter}): ${model.numParameters()} parameters, hidden ${numHiddens}` +
      `${numLayers > 1 ? ` x ${numLayers} layers` : ''}${architecture.bidirectional ? ', bidirectional' : ''}` +
      `${dropout > 0 ? `, dropout ${dropout}` : ''}, lr ${lr}, ` +
      `batch ${batchSize} x ${numSteps} steps, ${maxEpochs} epochs, backend ${backend.variant}; ` +
      `corpus ${corpus.source}: ${data.corpus.length} tokens, vocab ${data.vocab.length}`,
  );

  const trainer = new Trainer({
    maxEpochs,
    gradientClipVal: defaults.gradientClipVal,
    progress: args.quiet ? false : undefined,
    callbacks: [{ onEpochEnd: (r: EpochRecord) => console.log(formatEpoch(r, maxEpochs)) }],
  });
  const history = trainer.fit(model, data);

  for (const prefix of ['it has', 'time traveller', 'the time machine']) {
    console.log(`predict('${prefix}', 50): ${JSON.stringify(model.predict(prefix, 50, data.vocab))}`);
  }
  console.log(
    `sample('the time', 80, temperature 0.7): ` +
      JSON.stringify(model.sample('the time', 80, data.vocab, { temperature: 0.7, seed })),
  );

  await mkdir(outDir, { recursive: true });
  const checkpointPath = join(outDir, `${kind}.safetensors`);
  await writeFile(checkpointPath, saveCheckpoint(model, spec, data.vocab));
  const plotPath = join(outDir, `${kind}-perplexity.svg`);
  await writeFile(plotPath, boardToSvg(history.board.curves, { xMax: maxEpochs, title: `${kind} perplexity` }));
  if (jsonFile) {
    const epochs = history.epochs.map((e) => ({
      epoch: e.epoch,
      trainPerplexity: e.trainPerplexity,
      valPerplexity: e.valPerplexity,
      seconds: e.seconds,
    }));
    const summary = { spec, backend: backend.variant, epochs, seconds: history.seconds };
    await writeFile(jsonFile, JSON.stringify(summary, null, 2) + '\n');
  }
  console.log(`saved ${checkpointPath} and ${plotPath}${jsonFile ? ` and ${jsonFile}` : ''}`);
  const last = history.epochs[history.epochs.length - 1];
  console.log(
    last
      ? `final: train perplexity ${last.trainPerplexity.toFixed(2)}, val perplexity ${last.valPerplexity.toFixed(2)} ` +
          `after ${last.epoch} epochs in ${history.seconds.toFixed(1)} s on ${backend.variant}`
      : 'final: no epochs were run',
  );
  return 0;
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

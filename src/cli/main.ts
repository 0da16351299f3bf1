// lstm-simd command line: `train` (the chapter's language model, end to end)
// and `generate` (text from a checkpoint). Node only.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setBackend } from '../backend/registry.js';
import { TimeMachine } from '../data/time-machine.js';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { createLanguageModel, isModelKind, MODEL_DEFAULTS, type ModelKind } from '../models/zoo.js';
import { resolveTimeMachineText } from '../node/corpus.js';
import '../node/threads.js';
import { boardToSvg } from '../train/plot-svg.js';
import { Trainer, type EpochRecord } from '../train/trainer.js';
import { choice, integer, parse, positiveNumber, text, UsageError } from './args.js';

const USAGE = `Usage:
  lstm-simd train [options]      train the d2l character language model and generate text
  lstm-simd generate --checkpoint FILE [--prefix TEXT] [--num N] [--temperature T] [--seed S]

train options (defaults: the chapter's settings for the model):
  --model NAME        ${Object.keys(MODEL_DEFAULTS).join(' | ')} (default lstm-scratch)
  --hidden N          hidden units            --epochs N        epochs
  --lr X              learning rate (SGD)     --batch-size N    minibatch size
  --num-steps N       tokens per sequence     --backend NAME    wasm | js (default wasm)
  --data PATH         timemachine.txt (default: cache, else download with SHA-1 check)
  --seed N            random seed             --out DIR         output directory (default out)
  --json FILE         write the history (per epoch train/val perplexity and seconds)
  --quiet             no progress bar`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === 'train') return await train(rest);
    if (command === 'generate') return await generate(rest);
    throw new UsageError(`unknown command '${command}' (expected train or generate)`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (process.env.LSTM_SIMD_DEBUG && error instanceof Error) console.error(error.stack);
    console.error(`lstm-simd: ${message}`);
    if (error instanceof UsageError) console.error("Run 'lstm-simd --help' for usage.");
    return error instanceof UsageError ? 2 : 1;
  }
}

async function train(argv: string[]): Promise<number> {
  const args = parse(argv, {
    model: { type: 'string' },
    hidden: { type: 'string' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    'batch-size': { type: 'string' },
    'num-steps': { type: 'string' },
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
  const backendName = choice(args.backend, 'backend', ['wasm', 'js'] as const, 'wasm');
  const seed = integer(args.seed, 'seed', 42, 0);
  const outDir = text(args.out, 'out') ?? 'out';
  const jsonFile = text(args.json, 'json');

  const backend = await setBackend(backendName);
  const corpus = await resolveTimeMachineText({ path: text(args.data, 'data') });
  if (corpus.warning) console.error(`lstm-simd: warning: ${corpus.warning}`);
  const data = new TimeMachine({ batchSize, numSteps, text: corpus.text, seed });
  const spec = { kind, vocabSize: data.vocab.length, numHiddens, lr, seed };
  const model = createLanguageModel(spec, backend);
  console.log(
    `${kind} (d2l ${defaults.chapter}): ${model.numParameters()} parameters, hidden ${numHiddens}, lr ${lr}, ` +
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
    await writeFile(
      jsonFile,
      JSON.stringify({ spec, backend: backend.variant, epochs, seconds: history.seconds }, null, 2) + '\n',
    );
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

async function generate(argv: string[]): Promise<number> {
  const args = parse(argv, {
    checkpoint: { type: 'string' },
    prefix: { type: 'string' },
    num: { type: 'string' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
  });
  const file = text(args.checkpoint, 'checkpoint');
  if (!file) throw new UsageError('generate needs --checkpoint FILE');
  const prefix = args.prefix === undefined ? 'it has' : text(args.prefix, 'prefix')!;
  const num = integer(args.num, 'num', 100, 0);
  const temperature = args.temperature === undefined ? undefined : positiveNumber(args.temperature, 'temperature', 1);
  const seed = integer(args.seed, 'seed', 42, 0);
  const backend = await setBackend(choice(args.backend, 'backend', ['wasm', 'js'] as const, 'wasm'));
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(
      `cannot read checkpoint ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const { model, vocab } = loadCheckpoint(bytes, backend);
  const output =
    temperature === undefined
      ? model.predict(prefix, num, vocab)
      : model.sample(prefix, num, vocab, { temperature, seed });
  console.log(output);
  return 0;
}

function formatEpoch(r: EpochRecord, maxEpochs: number): string {
  return (
    `epoch ${String(r.epoch).padStart(String(maxEpochs).length)}/${maxEpochs}  ` +
    `train ppl ${r.trainPerplexity.toFixed(2)}  val ppl ${r.valPerplexity.toFixed(2)}  ` +
    `${r.seconds.toFixed(2)} s  ${Math.round(r.tokensPerSecond)} tok/s`
  );
}

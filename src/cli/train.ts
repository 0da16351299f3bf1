// `lstm-simd train`: the chapter's language model end to end: find the corpus (the Time Machine, or
// any UTF-8 text with --text), train with the book's settings (or the options given; word level has
// its own defaults), print perplexity per epoch and generated text, and save a checkpoint, a
// perplexity plot and (with --json) the history.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setBackend } from '../backend/registry.js';
import { saveCheckpoint } from '../io/checkpoint.js';
import {
  checkLanguageModelSpec,
  createLanguageModel,
  MODEL_DEFAULTS,
  WORD_LEVEL_DEFAULTS,
  wordLevelSpec,
  type LanguageModelSpec,
} from '../models/zoo.js';
import { boardToSvg } from '../train/plot-svg.js';
import { Trainer, type EpochRecord } from '../train/trainer.js';
import { choice, integer, modelKind, parse, positiveNumber, probability, text, UsageError } from './args.js';
import type { Command } from './command.js';
import { CORPUS_OPTIONS, CORPUS_USAGE, corpusChoice, corpusData, describeData, readCorpus } from './corpus-args.js';

const MODEL_NAMES = Object.keys(MODEL_DEFAULTS).join(' | ');
const W = WORD_LEVEL_DEFAULTS;

const USAGE = `Usage: lstm-simd train [options]

Trains a language model and prints generated text. With no options: d2l's character model on the
Time Machine with the chapter's settings (d2l 10.1 for lstm-scratch: 32 hidden units, lr 4, 50 epochs,
batch 1024 x 32 steps, gradient clipping at 1). With --text, on any UTF-8 text.

  --model NAME        ${MODEL_NAMES} (default lstm-scratch; word level: ${W.kind})
  --hidden N          hidden units                  --epochs N        epochs
  --lr X              learning rate (SGD)           --batch-size N    minibatch size
  --num-steps N       tokens per sequence           --backend NAME    wasm | js (default wasm)
  --layers N          stacked layers (concise models; default 1)
  --bidirectional     both directions (concise models; a language model then sees the future)
  --dropout P         dropout between stacked layers (concise models; default 0)

${CORPUS_USAGE}
  --embedding N       token embedding width before the recurrent layers (concise models;
                      default none; word level: the recurrent output width, tied)
  --lm-dropout P      dropout on the embedded inputs and on the outputs (concise models;
                      default 0, word level ${W.lmDropout})
  --tie-weights on|off  the embedding shares the output layer's weight (needs --embedding = the
                      recurrent output width; default off, word level on)

  Word level defaults: --model ${W.kind} --hidden ${W.numHiddens} --lm-dropout ${W.lmDropout} --tie-weights on --lr ${W.lr}
  --epochs ${W.maxEpochs} --batch-size ${W.batchSize} --num-steps ${W.numSteps}.

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
    ...CORPUS_OPTIONS,
    embedding: { type: 'string' },
    'lm-dropout': { type: 'string' },
    'tie-weights': { type: 'string' },
    backend: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const corpus = corpusChoice(args);
  const word = corpus.level === 'word';
  const kind = modelKind(args.model, word ? W.kind : 'lstm-scratch');
  const defaults = word ? { ...W, chapter: `${MODEL_DEFAULTS[kind].chapter}, words` } : MODEL_DEFAULTS[kind];
  const numHiddens = integer(args.hidden, 'hidden', defaults.numHiddens);
  const maxEpochs = integer(args.epochs, 'epochs', defaults.maxEpochs);
  const lr = positiveNumber(args.lr, 'lr', defaults.lr);
  const batchSize = integer(args['batch-size'], 'batch-size', defaults.batchSize);
  const numSteps = integer(args['num-steps'], 'num-steps', defaults.numSteps);
  const numLayers = integer(args.layers, 'layers', 1);
  const dropout = probability(args.dropout, 'dropout', 0);
  const bidirectional = args.bidirectional === true;
  const wordDefaults = word ? wordLevelSpec(kind, numHiddens, bidirectional) : {};
  const tieWeights =
    choice(args['tie-weights'], 'tie-weights', ['on', 'off'] as const, wordDefaults.tieWeights ? 'on' : 'off') === 'on';
  // Tied weights need an embedding as wide as the recurrent outputs; a word model has one either way.
  const defaultEmbedding = wordDefaults.embeddingDim ?? (tieWeights ? numHiddens * (bidirectional ? 2 : 1) : undefined);
  const embeddingDim = args.embedding === undefined ? defaultEmbedding : integer(args.embedding, 'embedding', 1);
  const lmDropout = probability(args['lm-dropout'], 'lm-dropout', wordDefaults.lmDropout ?? 0);
  const backendName = choice(args.backend, 'backend', ['wasm', 'js'] as const, 'wasm');
  const seed = integer(args.seed, 'seed', 42, 0);
  const outDir = text(args.out, 'out') ?? 'out';
  const jsonFile = text(args.json, 'json');
  const architecture = {
    numLayers,
    bidirectional,
    dropout,
    ...(embeddingDim !== undefined && { embeddingDim }),
    ...(lmDropout > 0 && { lmDropout }),
    ...(tieWeights && { tieWeights }),
  };
  try {
    checkLanguageModelSpec({ kind, vocabSize: 1, numHiddens, lr, seed, ...architecture });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  const backend = await setBackend(backendName);
  const { text: corpusText, source } = await readCorpus(corpus);
  const data = corpusData(corpus, corpusText, { batchSize, numSteps, seed });
  const spec: LanguageModelSpec = { kind, vocabSize: data.vocab.length, numHiddens, lr, seed, ...architecture };
  const model = createLanguageModel(spec, backend);
  console.log(
    `${kind} (d2l ${defaults.chapter}): ${model.numParameters()} parameters, hidden ${numHiddens}` +
      `${numLayers > 1 ? ` x ${numLayers} layers` : ''}${architecture.bidirectional ? ', bidirectional' : ''}` +
      `${embeddingDim !== undefined ? `, embedding ${embeddingDim}${tieWeights ? ' (tied)' : ''}` : ''}` +
      `${dropout > 0 ? `, dropout ${dropout}` : ''}${lmDropout > 0 ? `, lm-dropout ${lmDropout}` : ''}, lr ${lr}, ` +
      `batch ${batchSize} x ${numSteps} steps, ${maxEpochs} epochs, backend ${backend.variant}; ` +
      describeData(data, source),
  );

  const trainer = new Trainer({
    maxEpochs,
    gradientClipVal: defaults.gradientClipVal,
    progress: args.quiet ? false : undefined,
    callbacks: [{ onEpochEnd: (r: EpochRecord) => console.log(formatEpoch(r, maxEpochs)) }],
  });
  const history = trainer.fit(model, data);

  // The chapter's prefixes for the book; for any other text, how it begins.
  const prefixes = corpus.textFile
    ? [data.vocab.decode(data.corpus.subarray(0, word ? 3 : 12))]
    : ['it has', 'time traveller', 'the time machine'];
  const numPreds = word ? 20 : 50;
  for (const prefix of prefixes) {
    console.log(`predict('${prefix}', ${numPreds}): ${JSON.stringify(model.predict(prefix, numPreds, data.vocab))}`);
  }
  const samplePrefix = corpus.textFile ? prefixes[0] : 'the time';
  console.log(
    `sample('${samplePrefix}', ${numPreds * 2}, temperature 0.7, top-p 0.95): ` +
      JSON.stringify(model.sample(samplePrefix, numPreds * 2, data.vocab, { temperature: 0.7, topP: 0.95, seed })),
  );

  await mkdir(outDir, { recursive: true });
  const stem = `${kind}${word ? '-word' : ''}`;
  const checkpointPath = join(outDir, `${stem}.safetensors`);
  await writeFile(checkpointPath, saveCheckpoint(model, spec, data.vocab));
  const plotPath = join(outDir, `${stem}-perplexity.svg`);
  await writeFile(plotPath, boardToSvg(history.board.curves, { xMax: maxEpochs, title: `${stem} perplexity` }));
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

function formatEpoch(r: EpochRecord, maxEpochs: number): string {
  return (
    `epoch ${String(r.epoch).padStart(String(maxEpochs).length)}/${maxEpochs}  ` +
    `train ppl ${r.trainPerplexity.toFixed(2)}  val ppl ${r.valPerplexity.toFixed(2)}  ` +
    `${r.seconds.toFixed(2)} s  ${Math.round(r.tokensPerSecond)} tok/s`
  );
}

export const trainCommand: Command = {
  name: 'train',
  summary: "train the d2l language model (the chapter's settings by default; any text with --text) and generate",
  usage: USAGE,
  run,
};

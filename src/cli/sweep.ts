// `lstm-simd sweep`: the chapter's exercise 1 ("adjust the hyperparameters and analyze their influence
// on running time, perplexity, and the output sequence"): trains one model per combination of hidden
// sizes, learning rates and sequence lengths, the rest fixed, and writes a table (Markdown, CSV,
// JSON) and an SVG of validation perplexity and seconds per epoch, with a generated line per model.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setBackend } from '../backend/registry.js';
import {
  createLanguageModel,
  MODEL_DEFAULTS,
  WORD_LEVEL_DEFAULTS,
  wordLevelSpec,
  type LanguageModelSpec,
} from '../models/zoo.js';
import { sweepToSvg, type SweepResult } from '../train/plot-sweep.js';
import { Trainer } from '../train/trainer.js';
import { choice, integer, modelKind, numberList, parse, text } from './args.js';
import type { Command } from './command.js';
import { CORPUS_OPTIONS, CORPUS_USAGE, corpusChoice, corpusData, describeData, readCorpus } from './corpus-args.js';

const USAGE = `Usage: lstm-simd sweep [options]

Trains a model for every combination of the listed hidden sizes, learning rates and sequence lengths
(d2l 10.1, exercise 1) and writes sweep.md, sweep.csv, sweep.json and sweep.svg: validation perplexity,
seconds per epoch and a generated line for each.

  --hidden LIST       hidden sizes (default 16,32,64)
  --lr LIST           learning rates (default 1,2,4)
  --num-steps LIST    tokens per sequence (default 16,32,64)
  --model NAME        ${Object.keys(MODEL_DEFAULTS).join(' | ')} (default lstm; word level: ${WORD_LEVEL_DEFAULTS.kind})
  --epochs N          epochs per model (default 10)
  --batch-size N      minibatch size (default: the model's chapter setting; word level ${WORD_LEVEL_DEFAULTS.batchSize})
${CORPUS_USAGE}
  --prefix TEXT       what each model continues in the table (default 'time traveller', or how --text begins)
  --backend NAME      wasm | js (default wasm)
  --seed N            random seed of every model (default 42)
  --out DIR           output directory (default out/sweep)
  --quiet             no line per model`;

/** One row of the table: a configuration, what it measured, and its text. */
interface SweepRow extends SweepResult {
  parameters: number;
  trainPerplexity: number;
  bestValPerplexity: number;
  tokensPerSecond: number;
  generated: string;
}

async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    hidden: { type: 'string' },
    lr: { type: 'string' },
    'num-steps': { type: 'string' },
    model: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    ...CORPUS_OPTIONS,
    prefix: { type: 'string' },
    backend: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const corpus = corpusChoice(args);
  const word = corpus.level === 'word';
  const kind = modelKind(args.model, word ? WORD_LEVEL_DEFAULTS.kind : 'lstm');
  const defaults = word ? WORD_LEVEL_DEFAULTS : MODEL_DEFAULTS[kind];
  const hiddens = numberList(args.hidden, 'hidden', [16, 32, 64], true);
  const lrs = numberList(args.lr, 'lr', [1, 2, 4], false);
  const stepsList = numberList(args['num-steps'], 'num-steps', [16, 32, 64], true);
  const maxEpochs = integer(args.epochs, 'epochs', 10);
  const batchSize = integer(args['batch-size'], 'batch-size', defaults.batchSize);
  const backendName = choice(args.backend, 'backend', ['wasm', 'js'] as const, 'wasm');
  const seed = integer(args.seed, 'seed', 42, 0);
  const outDir = text(args.out, 'out') ?? join('out', 'sweep');
  const backend = await setBackend(backendName);
  const { text: corpusText, source } = await readCorpus(corpus);
  const rows: SweepRow[] = [];
  const total = hiddens.length * lrs.length * stepsList.length;
  let prefix = text(args.prefix, 'prefix');
  for (const numSteps of stepsList) {
    const data = corpusData(corpus, corpusText, { batchSize, numSteps, seed });
    if (rows.length === 0)
      console.log(`sweep of ${total} ${kind} models, ${maxEpochs} epochs each; ${describeData(data, source)}`);
    prefix ??= corpus.textFile ? data.vocab.decode(data.corpus.subarray(0, word ? 3 : 12)) : 'time traveller';
    for (const numHiddens of hiddens) {
      for (const lr of lrs) {
        // A concise word model takes the word level's embedding, tying and dropout (scratch cells: one-hot words).
        const extras = word ? wordLevelSpec(kind, numHiddens) : {};
        const spec: LanguageModelSpec = { kind, vocabSize: data.vocab.length, numHiddens, lr, seed, ...extras };
        const model = createLanguageModel(spec, backend);
        data.epoch = 0; // every model sees the same batches
        const trainer = new Trainer({ maxEpochs, gradientClipVal: defaults.gradientClipVal, progress: false });
        const history = trainer.fit(model, data);
        const epochs = history.epochs;
        const last = epochs[epochs.length - 1];
        const row: SweepRow = {
          numHiddens,
          lr,
          numSteps,
          parameters: model.numParameters(),
          trainPerplexity: last.trainPerplexity,
          valPerplexity: last.valPerplexity,
          bestValPerplexity: Math.min(...epochs.map((e) => e.valPerplexity)),
          secondsPerEpoch: history.seconds / epochs.length,
          tokensPerSecond: epochs.reduce((sum, e) => sum + e.tokensPerSecond, 0) / epochs.length,
          generated: model.predict(prefix, word ? 10 : 40, data.vocab),
        };
        rows.push(row);
        if (!args.quiet) {
          console.log(
            `[${rows.length}/${total}] hidden ${numHiddens}, lr ${lr}, ${numSteps} steps: ` +
              `val ppl ${row.valPerplexity.toFixed(2)} (best ${row.bestValPerplexity.toFixed(2)}), ` +
              `${row.secondsPerEpoch.toFixed(2)} s/epoch, ${JSON.stringify(row.generated)}`,
          );
        }
      }
    }
  }

  await mkdir(outDir, { recursive: true });
  const title = `${kind} on ${corpus.textFile ?? 'the Time Machine'} (${corpus.level}), ${maxEpochs} epochs, batch ${batchSize}, ${backend.variant}`;
  await writeFile(join(outDir, 'sweep.md'), markdownTable(rows, title));
  await writeFile(join(outDir, 'sweep.csv'), csvTable(rows));
  await writeFile(
    join(outDir, 'sweep.json'),
    JSON.stringify({ kind, maxEpochs, batchSize, backend: backend.variant, rows }, null, 2) + '\n',
  );
  await writeFile(join(outDir, 'sweep.svg'), sweepToSvg(rows, title));
  const best = rows.reduce((a, b) => (b.valPerplexity < a.valPerplexity ? b : a));
  console.log(
    `best: hidden ${best.numHiddens}, lr ${best.lr}, ${best.numSteps} steps: val perplexity ` +
      `${best.valPerplexity.toFixed(2)}; wrote sweep.md, sweep.csv, sweep.json and sweep.svg in ${outDir}`,
  );
  return 0;
}

const COLUMNS: [string, (r: SweepRow) => string][] = [
  ['hidden', (r) => String(r.numHiddens)],
  ['lr', (r) => String(r.lr)],
  ['num steps', (r) => String(r.numSteps)],
  ['parameters', (r) => String(r.parameters)],
  ['train ppl', (r) => r.trainPerplexity.toFixed(2)],
  ['val ppl', (r) => r.valPerplexity.toFixed(2)],
  ['best val ppl', (r) => r.bestValPerplexity.toFixed(2)],
  ['s / epoch', (r) => r.secondsPerEpoch.toFixed(2)],
  ['tok/s', (r) => String(Math.round(r.tokensPerSecond))],
];

function markdownTable(rows: readonly SweepRow[], title: string): string {
  const header = [...COLUMNS.map(([name]) => name), 'generated'];
  const lines = [
    `# Sweep: ${title}`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i < COLUMNS.length ? '---:' : '---')).join('|')}|`,
    ...rows.map(
      (r) =>
        `| ${[...COLUMNS.map(([, cell]) => cell(r)), '`' + r.generated.replace(/[|`\n]/g, ' ') + '`'].join(' | ')} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}

function csvTable(rows: readonly SweepRow[]): string {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines = [
    [...COLUMNS.map(([name]) => name), 'generated'].join(','),
    ...rows.map((r) => [...COLUMNS.map(([, cell]) => cell(r)), quote(r.generated)].join(',')),
  ];
  return lines.join('\n') + '\n';
}

export const sweepCommand: Command = {
  name: 'sweep',
  summary: "train a grid of hidden sizes, learning rates and sequence lengths (d2l 10.1's exercise 1)",
  usage: USAGE,
  run,
};

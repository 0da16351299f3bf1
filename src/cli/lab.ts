// `lstm-simd lab`: the vanishing-gradient lab (src/lab) from the command line: runs the chosen
// sections, prints the summary tables, and writes the HTML report (and with --json the numbers).

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setBackend } from '../backend/registry.js';
import { LAB_SECTIONS, runLab, type LabSection } from '../lab/lab.js';
import { labReportHtml, labSummary } from '../lab/report.js';
import { resolveTimeMachineText } from '../node/corpus.js';
import { choice, integer, parse, text, UsageError } from './args.js';
import type { Command } from './command.js';

const CHOICES = [...LAB_SECTIONS, 'all'] as const;

const USAGE = `Usage: lstm-simd lab [gradients|checksum|gates|tanh|all] [options]

Why LSTM and GRU beat vanishing gradients, measured on real models (default: all sections):
  checksum    RNN, GRU, LSTM trained at lengths 10..200 on "is the last digit greater than the first?"
  gradients   |dL/dh_t| and |dL/dx_t| per lag, untrained and trained, with the forget-gate products
              (LSTM), update-gate products (GRU) and the sigma_max(W_hh) bound (RNN)
  gates       input/forget (LSTM) and update/reset (GRU) gates along sequences with filler and resets
  tanh        the chapter's exercise 4: the LSTM language model with and without the output tanh

  --quick             a short run (under 2 minutes on 2 cores; the full run takes under 15)
  --out DIR           where lab.html goes (default out)
  --html FILE         the report's path instead of DIR/lab.html
  --json FILE         also write every number (and the settings) as JSON
  --seed N            the seed every section derives its streams from (default 1)
  --backend NAME      wasm | js (default wasm); measurements run in float64 on js either way
  --data PATH         timemachine.txt for 'tanh' (default: cache, else download with SHA-1 check)
  --quiet             no progress lines on stderr`;

async function run(argv: string[]): Promise<number> {
  const positional = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined;
  const args = parse(positional === undefined ? argv : argv.slice(1), {
    quick: { type: 'boolean' },
    out: { type: 'string' },
    html: { type: 'string' },
    json: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    data: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (positional !== undefined && !(CHOICES as readonly string[]).includes(positional)) {
    throw new UsageError(`the section must be one of ${CHOICES.join(', ')}, got '${positional}'`);
  }
  const chosen = (positional ?? 'all') as (typeof CHOICES)[number];
  const sections: LabSection[] = chosen === 'all' ? [...LAB_SECTIONS] : [chosen];
  const seed = integer(args.seed, 'seed', 1, 0);
  const backendName = choice(args.backend, 'backend', ['wasm', 'js'] as const, 'wasm');
  const htmlPath = text(args.html, 'html') ?? join(text(args.out, 'out') ?? 'out', 'lab.html');
  const jsonPath = text(args.json, 'json');

  const backend = await setBackend(backendName);
  let corpusText: string | undefined;
  if (sections.includes('tanh')) {
    const corpus = await resolveTimeMachineText({ path: text(args.data, 'data') });
    if (corpus.warning) console.error(`lstm-simd: warning: ${corpus.warning}`);
    corpusText = corpus.text;
  }
  const quiet = args.quiet === true;
  const report = await runLab(sections, {
    quick: args.quick === true,
    seed,
    text: corpusText,
    backend,
    onProgress: quiet ? undefined : (message) => console.error(message),
  });

  console.log(labSummary(report));
  await mkdir(dirname(htmlPath), { recursive: true });
  await writeFile(htmlPath, labReportHtml(report));
  if (jsonPath) {
    await mkdir(dirname(jsonPath), { recursive: true });
    await writeFile(jsonPath, JSON.stringify(report, null, 2) + '\n');
  }
  console.log(`wrote ${htmlPath}${jsonPath ? ` and ${jsonPath}` : ''}`);
  return 0;
}

export const labCommand: Command = {
  name: 'lab',
  summary: 'the vanishing-gradient lab: gradient flow, the checksum task, gates, output tanh (HTML report)',
  usage: USAGE,
  run,
};

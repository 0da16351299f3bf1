// Cost comparison, the chapter's exercise: "Compare the computational cost of GRU, LSTM and
// vanilla RNN for a given hidden size, for both training and inference." The language model
// (RNNLM around the fused layer, V = 28 token ids) at the same hidden size with each cell:
// a training step (as the training suite's) and inference (the logits of the batch, no
// gradient), on the wasm builds, at H = 256 (B = 64, T = 64) and at the chapter's H = 32
// (B = 1024, T = 32). The summary table puts each cell's time against the RNN's.

import { formatMs } from '../lib/measure.js';
import { packageRunners } from '../lib/runners.js';
import {
  CELL_TITLES,
  CELLS,
  checkLosses,
  GATES,
  languageModelWorkload,
  NOMINAL_FLOPS,
  outputFlops,
  recurrentFlops,
  SHAPES,
} from '../lib/workloads.js';

export const name = 'cost';
export const title =
  'Cost of RNN vs GRU vs LSTM at the same hidden size: language-model training step and inference, wasm';
export const usesTfjs = false;

const SIZES = [
  { key: 'H=256', dims: SHAPES.C2 },
  { key: 'H=32', dims: SHAPES.C1 },
];
const WASM = ['wasm-simd', 'wasm-relaxed'];
const KINDS = { train: 'training step', infer: 'inference' };

function caseName(size, cell, kind) {
  return `${size.key} ${CELL_TITLES[cell]} ${KINDS[kind]}`;
}

/** @param {import('../lib/types.js').SuiteContext} ctx */
export function cases(ctx) {
  const list = [];
  for (const size of SIZES) {
    const { dims } = size;
    for (const cell of CELLS) {
      for (const kind of Object.keys(KINDS)) {
        list.push({
          name: caseName(size, cell, kind),
          group: `${size.key} (B=${dims.B}, T=${dims.T}) ${KINDS[kind]}`,
          unit: 'tok/s',
          work: dims.B * dims.T,
          flops: kind === 'train' ? NOMINAL_FLOPS.lmTraining(cell, dims) : NOMINAL_FLOPS.lmForward(cell, dims),
          runners: packageRunners(
            ctx,
            async (backend) => {
              const w = await languageModelWorkload(ctx.lib, backend, cell, dims);
              return kind === 'train'
                ? { run: w.trainingStep, check: () => checkLosses(w.losses) }
                : { run: w.forward, check: () => checkLosses([w.evaluate()]) };
            },
            { only: WASM },
          ),
        });
      }
    }
  }
  return list;
}

/** The cost table: per size, each cell's median time and its ratio to the RNN's, per wasm build. */
export function summary(rows) {
  const find = (name, backend) =>
    rows.find((r) => r.case === name && r.backend === backend && r.medianMs !== undefined);
  const builds = WASM.filter((b) => rows.some((r) => r.backend === b && r.medianMs !== undefined));
  if (builds.length === 0) return '';
  const header = ['size', 'cell', 'matmul flops', ...builds.flatMap((b) => [`train ${b}`, `infer ${b}`])];
  const lines = [];
  for (const size of SIZES) {
    const { H } = size.dims;
    if (!rows.some((r) => r.case.startsWith(`${size.key} `) && r.medianMs !== undefined)) continue;
    const flopsOf = (cell) => recurrentFlops(cell, H) + outputFlops(H);
    for (const cell of CELLS) {
      const cells = [size.key, CELL_TITLES[cell], `${(flopsOf(cell) / flopsOf('rnn')).toFixed(2)}x`];
      for (const b of builds) {
        for (const kind of ['train', 'infer']) {
          const mine = find(caseName(size, cell, kind), b);
          const rnn = find(caseName(size, 'rnn', kind), b);
          cells.push(
            mine ? `${formatMs(mine.medianMs)}${rnn ? ` (${(mine.medianMs / rnn.medianMs).toFixed(2)}x)` : ''}` : '-',
          );
        }
      }
      lines.push(cells);
    }
    lines.push(null);
  }
  lines.pop();
  const widths = header.map((h, i) => Math.max(h.length, ...lines.filter(Boolean).map((l) => l[i].length)));
  const render = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    'RNN vs GRU vs LSTM (median time per call, and its ratio to the RNN at the same size; matmul flops: recurrent',
    `and output-layer multiply-adds per token, ${GATES.rnn}:${GATES.gru}:${GATES.lstm} gate blocks for RNN:GRU:LSTM):`,
    '',
    render(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...lines.map((l) => (l ? render(l) : '')),
  ].join('\n');
}

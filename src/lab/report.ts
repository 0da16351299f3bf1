// The lab's numbers as a self-contained HTML page (inline CSS and SVG, no script, nothing fetched) and as
// a plain-text summary for a terminal. Both read only a LabReport, so a page can render a report that was
// computed elsewhere (e.g. the JSON the command line writes).

import { escapeXml, lineChartSvg, PALETTE, type ChartBand, type ChartSeries } from '../train/plot-svg.js';
import { CELL_TITLES, LAB_CELLS, type LabCell } from './cells.js';
import type { ChecksumResult } from './checksum.js';
import { GATE_TITLES, type GateResult } from './gates.js';
import type { GradientProfile } from './gradient-flow.js';
import type { GradientResult } from './gradients.js';
import type { LabReport } from './lab.js';
import type { TanhResult } from './output-tanh.js';
import { SEED_STREAMS } from './settings.js';

const CELL_COLORS: Record<LabCell, string> = { rnn: PALETTE[3], gru: PALETTE[2], lstm: PALETTE[0] };

const STYLE = `body{font-family:system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}h3{margin-top:1.4em}
table{border-collapse:collapse;margin:.8em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}pre{background:#f7f7f7;padding:.7em;overflow-x:auto}
.figs{display:flex;flex-wrap:wrap;gap:1em}.figs figure{margin:0}figcaption{font-size:.9em;color:#555;max-width:560px}
.note{color:#555;font-size:.95em}`;

/** The report as one HTML document. */
export function labReportHtml(report: LabReport): string {
  const body: string[] = [
    '<h1>lstm-simd lab: why gates beat vanishing gradients</h1>',
    `<p class="note">${report.quick ? 'Quick' : 'Full'} run of ${report.sections.join(', ')} on ${escapeXml(report.backend)}` +
      ` in ${report.seconds.total.toFixed(1)} s (${sectionTimes(report)}); seed ${report.settings.seed}. ` +
      'Every number below was measured in this run; the settings are listed at the end. Seeds: each part draws ' +
      `from Random.deriveSeed(${report.settings.seed}, stream), streams ` +
      `${Object.entries(SEED_STREAMS)
        .map(([name, stream]) => `${name} ${stream}`)
        .join(', ')}.</p>`,
  ];
  if (report.checksum) body.push(checksumHtml(report.checksum, report));
  if (report.gradients) body.push(gradientsHtml(report.gradients));
  if (report.gates) body.push(gatesHtml(report.gates));
  if (report.tanh) body.push(tanhHtml(report.tanh, report));
  body.push('<h2>Settings</h2>', `<pre>${escapeXml(JSON.stringify(report.settings, null, 2))}</pre>`);
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>lstm-simd lab</title><style>${STYLE}</style></head><body>\n${body.join('\n')}\n</body></html>\n`
  );
}

/** The report's main numbers as plain-text tables. */
export function labSummary(report: LabReport): string {
  const lines: string[] = [];
  if (report.checksum) {
    const { lengths, table } = checksumTable(report.checksum);
    lines.push(
      `checksum accuracy (chance ${report.checksum.chance}):`,
      textTable(
        ['length', ...LAB_CELLS.map((c) => CELL_TITLES[c])],
        lengths.map((length, i) => [String(length), ...table[i].map((a) => a.toFixed(3))]),
      ),
    );
  }
  if (report.gradients) {
    const T = report.gradients.length;
    lines.push(
      `gradient flow at length ${T}: |dL/dh_0| / |dL/dh_${T - 1}| (mean over the batch)`,
      textTable(
        ['cell', 'untrained', 'trained', 'trained acc', 'fused vs scratch dL/dx'],
        report.gradients.cells.map((c) => [
          CELL_TITLES[c.cell],
          sci(lagRatio(c.untrained.hidden)),
          sci(lagRatio(c.trained.hidden)),
          c.trained.accuracy.toFixed(3),
          sci(Math.max(c.trained.fusedScratchDifference, c.untrained.fusedScratchDifference)),
        ]),
      ),
    );
  }
  if (report.gates) {
    for (const task of report.gates.tasks) {
      const roles = [...new Set(task.roles)];
      lines.push(
        `gates on ${task.task} (mean over the units the head weighs most, by the token read):`,
        textTable(
          ['cell', 'gate', 'accuracy', ...roles],
          task.runs.flatMap((run) =>
            Object.entries(run.byRole).map(([gate, byRole]) => [
              CELL_TITLES[run.cell],
              gate,
              run.accuracy.toFixed(3),
              ...roles.map((r) => byRole[r]?.toFixed(3) ?? '-'),
            ]),
          ),
        ),
      );
    }
  }
  if (report.tanh) {
    lines.push(
      'exercise 4 (output tanh):',
      textTable(
        ['H =', 'val ppl', 'H min', 'H max', '|H|>1', 'C min', 'C max'],
        report.tanh.runs.map((r) => [
          r.outputTanh ? 'O*tanh(C)' : 'O*C',
          r.diverged ? 'diverged' : (last(r.valPerplexity)?.toFixed(2) ?? '-'),
          r.hidden.min.toFixed(2),
          r.hidden.max.toFixed(2),
          percent(r.hidden.outsideUnit),
          r.cell.min.toFixed(2),
          r.cell.max.toFixed(2),
        ]),
      ),
    );
  }
  lines.push(`time: ${report.seconds.total.toFixed(1)} s (${sectionTimes(report)}) on ${report.backend}`);
  return lines.join('\n\n') + '\n';
}

// ---- sections ------------------------------------------------------------------------------------

function checksumHtml(result: ChecksumResult, report: LabReport): string {
  const { lengths, table } = checksumTable(result);
  const s = report.settings.checksum;
  const series: ChartSeries[] = LAB_CELLS.map((cell, c) => ({
    label: CELL_TITLES[cell],
    color: CELL_COLORS[cell],
    markers: true,
    points: lengths.map((length, i) => ({ x: length, y: table[i][c] })),
  }));
  const chart = lineChartSvg(series, {
    title: 'Checksum task: accuracy against sequence length',
    xLabel: 'sequence length (log scale)',
    yLabel: 'validation accuracy',
    logX: true,
    xMin: lengths[0],
    xMax: lengths[lengths.length - 1],
    xTicks: lengths.map((l) => ({ value: l, label: String(l) })),
    yMin: 0.4,
    yMax: 1,
    reference: { y: result.chance, label: `chance ${result.chance}` },
  });
  return [
    '<h2>1. An early observation decides the end: the checksum task</h2>',
    `<p>Task: ${escapeXml(result.task)}. The information needed at the end enters at the first step and has to ` +
      'survive every step in between, each a multiplication by the Jacobian of one step.</p>',
    `<p>Every cell has ${s.hidden} hidden units and the same budget at every length: ${s.epochs} epochs x ` +
      `${s.stepsPerEpoch} steps of ${s.batchSize} fresh sequences, Adam (lr ${s.lr}), gradient clipping at ` +
      `${s.clip}, gate biases ${s.gateInit === 'chrono' ? 'chrono-initialised (time scales up to the length)' : "PyTorch's default"}; ` +
      `the same seeds for every cell. Accuracy on ${s.valBatches * s.batchSize} validation sequences.</p>`,
    `<div class="figs"><figure>${chart}<figcaption>Validation accuracy after training, per cell and length; ` +
      'the dotted line is chance.</figcaption></figure></div>',
    htmlTable(
      ['length', ...LAB_CELLS.map((c) => CELL_TITLES[c])],
      lengths.map((length, i) => [String(length), ...table[i].map((a) => a.toFixed(3))]),
    ),
    '<p>Training time of each run (wall-clock seconds, validation included):</p>',
    htmlTable(
      ['length', ...LAB_CELLS.map((c) => `${CELL_TITLES[c]} s`)],
      lengths.map((length) => [
        String(length),
        ...LAB_CELLS.map((cell) => {
          const run = result.runs.find((r) => r.cell === cell && r.length === length);
          return run ? run.seconds.toFixed(1) : '-';
        }),
      ]),
    ),
  ].join('\n');
}

const GRADIENT_EQUATIONS = `RNN   h_t = tanh(a_t),  a_t = x_t W_xh + h_{t-1} W_hh + b_h
      dL/dh_{t-1} = (dL/dh_t ⊙ tanh'(a_t)) W_hh^T, tanh'(a) = 1 - tanh(a)^2 <= 1, so
      |dL/dh_t| <= |dL/dh_{T-1}| · Π_{s=t+1}^{T-1} σ_max(W_hh) · max_j tanh'(a_{s,j})
      a product of T-1-t factors: below 1 it vanishes geometrically, above 1 it may explode.

LSTM  c_t = f_t ⊙ c_{t-1} + i_t ⊙ c~_t,   h_t = o_t ⊙ tanh(c_t)
      along the cell path alone:  ∂c_{T-1}/∂c_t = diag(Π_{s=t+1}^{T-1} f_s)
      no weight matrix and no squashing derivative in the product: it stays near 1 where f stays near 1.

GRU   h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ h~_t
      along the direct path:  ∂h_{T-1}/∂h_t ⊇ diag(Π_{s=t+1}^{T-1} z_s), the update gate in f's role.`;

function gradientsHtml(result: GradientResult): string {
  const T = result.length;
  const figures: string[] = [];
  const lagPoints = (values: readonly number[]) => values.map((y, k) => ({ x: k, y }));
  // All cells together, trained and untrained, relative to the last step.
  const relative = (values: readonly number[]) => values.map((v) => v / values[0]);
  figures.push(
    figure(
      lineChartSvg(
        result.cells.flatMap((c) => [
          {
            label: `${CELL_TITLES[c.cell]} trained`,
            color: CELL_COLORS[c.cell],
            points: lagPoints(relative(c.trained.hidden)),
          },
          {
            label: `${CELL_TITLES[c.cell]} untrained`,
            color: CELL_COLORS[c.cell],
            dash: '6,4',
            points: lagPoints(relative(c.untrained.hidden)),
          },
        ]),
        {
          title: `|dL/dh_t| relative to the last step (T = ${T})`,
          xLabel: 'lag T-1-t (steps back from the loss)',
          yLabel: '|dL/dh_t| / |dL/dh_{T-1}| (log)',
          logY: true,
        },
      ),
      'How much of the loss gradient reaches each earlier step, per example and averaged over the batch, ' +
        'from the scratch twin’s autograd (float64). Solid: trained; dashed: the same model before training.',
    ),
  );
  for (const c of result.cells) {
    const series: ChartSeries[] = [
      { label: '|dL/dh_t| trained', color: CELL_COLORS[c.cell], points: lagPoints(c.trained.hidden) },
      { label: '|dL/dh_t| untrained', color: CELL_COLORS[c.cell], dash: '6,4', points: lagPoints(c.untrained.hidden) },
      { label: '|dL/dx_t| trained (fused)', color: PALETTE[7], points: lagPoints(c.trained.input) },
    ];
    let caption: string;
    if (c.cell === 'rnn') {
      series.push(
        { label: 'bound, trained', color: PALETTE[4], points: lagPoints(c.trained.bound!) },
        { label: 'bound, untrained', color: PALETTE[4], dash: '6,4', points: lagPoints(c.untrained.bound!) },
      );
      caption =
        `The bound |dL/dh_{T-1}| Π σ_max(W_hh) max tanh' beside the measured norm; σ_max(W_hh) = ` +
        `${c.untrained.spectralNorm!.toFixed(3)} untrained, ${c.trained.spectralNorm!.toFixed(3)} trained.`;
    } else if (c.cell === 'lstm') {
      series.push(
        { label: '|dL/dc_t| trained', color: PALETTE[1], points: lagPoints(c.trained.cell!) },
        ...productSeries(
          'f',
          c.trained.forgetProductMean!,
          c.trained.forgetProductMax!,
          c.untrained.forgetProductMean!,
        ),
      );
      caption =
        'The products of forget gates Π_{s>t} f_s (the cell path’s derivative ∂c_{T-1}/∂c_t, a diagonal) beside ' +
        'the measured gradients: mean over units and examples, and the unit that keeps most.';
    } else {
      series.push(
        ...productSeries(
          'z',
          c.trained.updateProductMean!,
          c.trained.updateProductMax!,
          c.untrained.updateProductMean!,
        ),
      );
      caption =
        'The products of update gates Π_{s>t} z_s (the direct path’s derivative) beside the measured gradients.';
    }
    figures.push(
      figure(
        lineChartSvg(series, {
          title: `${CELL_TITLES[c.cell]}: gradients and what the equations predict`,
          xLabel: 'lag T-1-t',
          yLabel: 'norm / product (log)',
          logY: true,
        }),
        caption,
      ),
    );
  }
  const at = (values: readonly number[], k: number) => sci(values[Math.min(k, values.length - 1)]);
  const lags = [0, 1, 5, 10, 25, 50, 100, 200].filter((k) => k < T).concat(T - 1);
  const rows = result.cells.flatMap((c) =>
    (['untrained', 'trained'] as const).map((state) => {
      const p: GradientProfile = c[state];
      return [CELL_TITLES[c.cell], state, p.accuracy.toFixed(3), ...[...new Set(lags)].map((k) => at(p.hidden, k))];
    }),
  );
  return [
    '<h2>2. Gradient flow through time</h2>',
    `<p>The loss is the cross-entropy of the checksum task at the last step of T = ${T}. For each cell (the ` +
      'checksum models of that length, trained, and the same models before training) the norm of the gradient ' +
      'of each example’s loss with respect to the hidden state and the input at every earlier step, averaged over ' +
      'the batch. The weights are copied to a float64 backend: dL/dx_t comes from the fused layer’s BPTT kernels ' +
      'and from the scratch twin’s autograd, which also gives dL/dh_t and dL/dc_t.</p>',
    `<pre>${escapeXml(GRADIENT_EQUATIONS)}</pre>`,
    `<div class="figs">${figures.join('\n')}</div>`,
    '<h3>|dL/dh_t| at some lags</h3>',
    htmlTable(['cell', 'model', 'accuracy', ...[...new Set(lags)].map((k) => `lag ${k}`)], rows),
    '<h3>The fused backward and the scratch models agree</h3>',
    htmlTable(
      ['cell', 'max |dL/dx fused - scratch| / max |dL/dx|, untrained', 'trained'],
      result.cells.map((c) => [
        CELL_TITLES[c.cell],
        sci(c.untrained.fusedScratchDifference),
        sci(c.trained.fusedScratchDifference),
      ]),
    ),
  ].join('\n');
}

const ROLE_BANDS: Record<string, string> = { filler: '#eeeeee', marker: '#ffe0b3' };

function gatesHtml(result: GateResult): string {
  const parts = [
    '<h2>3. Skipping and resetting: the gates at work</h2>',
    `<pre>${escapeXml(`LSTM  c_t = f_t ⊙ c_{t-1} + i_t ⊙ c~_t     skip a token: i_t ≈ 0, f_t ≈ 1;  reset: f_t ≈ 0
GRU   h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ h~_t,  h~_t = tanh(x_t W_xh + b_h + r_t ⊙ (h_{t-1} W_hh + b_hn))
      skip a token: z_t ≈ 1;  reset: z_t ≈ 0 and r_t ≈ 0 (the new state ignores the old)`)}</pre>`,
  ];
  for (const task of result.tasks) {
    const T = task.tokens.length;
    const bands: ChartBand[] = [];
    task.roles.forEach((role, t) => {
      if (ROLE_BANDS[role]) bands.push({ from: t - 0.5, to: t + 0.5, color: ROLE_BANDS[role] });
    });
    const figures = task.runs.map((run) =>
      figure(
        lineChartSvg(
          Object.keys(run.trace).flatMap((gate, i) => [
            {
              label: `${GATE_TITLES[gate] ?? gate}, head's units`,
              color: PALETTE[i],
              markers: true,
              points: run.trace[gate].map((y, t) => ({ x: t, y })),
            },
            {
              label: `${GATE_TITLES[gate] ?? gate}, all units`,
              color: PALETTE[i],
              dash: '4,3',
              points: run.traceAll[gate].map((y, t) => ({ x: t, y })),
            },
          ]),
          {
            title: `${CELL_TITLES[run.cell]} on ${task.task}: gates along one sequence`,
            xLabel: 'token read at the step',
            yLabel: 'gate activation (mean over units)',
            xMin: -0.5,
            xMax: T - 0.5,
            yMin: 0,
            yMax: 1,
            xTicks: task.tokens.map((label, t) => ({ value: t, label })),
            rotateXTicks: true,
            bands,
            width: Math.max(560, 16 * T + 120),
          },
        ),
        `Each gate at each step of one validation sequence (label ${task.label}), averaged over the ` +
          `${run.units.length} units the head weighs most (solid) and over all units (dashed); shaded: ` +
          `${task.task === 'markup' ? 'filler tokens' : 'reset markers'}.`,
      ),
    );
    const roles = [...new Set(task.roles)];
    parts.push(
      `<h3>${escapeXml(task.task)}: ${escapeXml(task.description)}</h3>`,
      `<div class="figs">${figures.join('\n')}</div>`,
      '<p>Each gate’s mean over a validation batch by the kind of token read at the step, over the units the ' +
        'head weighs most and over all units:</p>',
      htmlTable(
        ['cell', 'accuracy', 'gate', 'units', ...roles.map((r) => `reading a ${r}`)],
        task.runs.flatMap((run) =>
          Object.keys(run.byRole).flatMap((gate) =>
            (['byRole', 'byRoleAll'] as const).map((key) => [
              CELL_TITLES[run.cell],
              run.accuracy.toFixed(3),
              GATE_TITLES[gate] ?? gate,
              key === 'byRole' ? `head's ${run.units.length}` : 'all',
              ...roles.map((r) => run[key][gate][r]?.toFixed(3) ?? '-'),
            ]),
          ),
        ),
      ),
    );
  }
  return parts.join('\n');
}

function tanhHtml(result: TanhResult, report: LabReport): string {
  const s = report.settings.tanh;
  const chart = lineChartSvg(
    result.runs.map((run, i) => ({
      label: `H = O ⊙ ${run.outputTanh ? 'tanh(C)' : 'C'}`,
      color: PALETTE[i],
      markers: true,
      points: run.valPerplexity.map((y, e) => ({ x: e + 1, y })),
    })),
    {
      title: 'Exercise 4: validation perplexity with and without the output tanh',
      xLabel: 'epoch',
      yLabel: 'validation perplexity',
      xMin: 0,
    },
  );
  return [
    '<h2>4. Exercise 4: why tanh again on the hidden state?</h2>',
    '<p>C~ is already in (-1, 1), but C_t = F_t ⊙ C_{t-1} + I_t ⊙ C~_t is not: with the forget gate open it can ' +
      'sum to |C| > 1. The output tanh keeps H in (-1, 1) whatever C is; without it, H = O ⊙ C carries the ' +
      'unbounded cell into the output layer and into the next step’s gates.</p>',
    `<p>The chapter’s LSTMScratch language model on the Time Machine: ${s.hidden} hidden units, SGD lr ${s.lr}, ` +
      `batch ${s.batchSize} x ${s.numSteps} steps, clipping at ${s.clip}, ${s.epochs} epochs, the same seeds both ` +
      'ways. The ranges are over every step of the validation windows after training.</p>',
    `<div class="figs">${figure(chart, 'Validation perplexity per epoch.')}</div>`,
    htmlTable(
      ['H =', 'final val perplexity', 'H min', 'H max', 'mean |H|', '|H| > 1', 'C min', 'C max', 'seconds'],
      result.runs.map((r) => [
        r.outputTanh ? 'O ⊙ tanh(C)' : 'O ⊙ C',
        r.diverged ? `diverged: ${escapeXml(r.diverged)}` : (last(r.valPerplexity)?.toFixed(3) ?? '-'),
        r.hidden.min.toFixed(3),
        r.hidden.max.toFixed(3),
        r.hidden.meanAbs.toFixed(3),
        percent(r.hidden.outsideUnit),
        r.cell.min.toFixed(3),
        r.cell.max.toFixed(3),
        r.seconds.toFixed(1),
      ]),
    ),
  ].join('\n');
}

// ---- helpers ---------------------------------------------------------------------------------------

/** The lines of a gate's products per lag: mean and best unit when trained, mean untrained (dashed). */
function productSeries(gate: string, mean: number[], best: number[], untrainedMean: number[]): ChartSeries[] {
  const points = (values: readonly number[]) => values.map((y, k) => ({ x: k, y }));
  return [
    { label: `Π ${gate}, mean, trained`, color: PALETTE[4], points: points(mean) },
    { label: `Π ${gate}, best unit, trained`, color: PALETTE[6], points: points(best) },
    { label: `Π ${gate}, mean, untrained`, color: PALETTE[4], dash: '6,4', points: points(untrainedMean) },
  ];
}

/** Lengths in order, and accuracy[length index][cell index] (NaN where a run is missing). */
function checksumTable(result: ChecksumResult): { lengths: number[]; table: number[][] } {
  const lengths = [...new Set(result.runs.map((r) => r.length))].sort((a, b) => a - b);
  const table = lengths.map((length) =>
    LAB_CELLS.map((cell) => result.runs.find((r) => r.cell === cell && r.length === length)?.accuracy ?? NaN),
  );
  return { lengths, table };
}

/** |dL/dh_0| / |dL/dh_{T-1}|: the last lag over lag 0. */
function lagRatio(values: readonly number[]): number {
  return values[values.length - 1] / values[0];
}

function sectionTimes(report: LabReport): string {
  return report.sections.map((s) => `${s} ${(report.seconds[s] ?? 0).toFixed(1)} s`).join(', ');
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${escapeXml(caption)}</figcaption></figure>`;
}

function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = header.map((h, i) => `<th${i === 0 ? ' class="l"' : ''}>${escapeXml(h)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell, i) => `<td${i === 0 ? ' class="l"' : ''}>${cell}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function sci(value: number): string {
  return Number.isFinite(value) ? value.toExponential(2) : String(value);
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function last(values: readonly number[]): number | undefined {
  return values[values.length - 1];
}

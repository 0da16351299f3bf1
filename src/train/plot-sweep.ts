// The picture of a hyperparameter sweep (the chapter's exercise 1, `lstm-simd sweep`): one column of
// panels per hidden size, validation perplexity on top and seconds per epoch below, the learning
// rate along x (log scale) and one line per sequence length (numSteps). Each panel is a lineChartSvg
// (the package's one chart engine), placed in one standalone SVG.

import { escapeXml, lineChartSvg, type ChartSeries } from './plot-svg.js';

/** One configuration of a sweep and what it measured. */
export interface SweepResult {
  /** Hidden units H: the panel's column. */
  numHiddens: number;
  /** Learning rate: the x position. */
  lr: number;
  /** Tokens per window T: the line. */
  numSteps: number;
  /** Validation perplexity after the last epoch. */
  valPerplexity: number;
  /** Mean seconds per epoch. */
  secondsPerEpoch: number;
}

const PANEL = { width: 340, height: 260 };
const TITLE_HEIGHT = 30;

/** The sweep as an SVG: rows val perplexity and s/epoch, a column per hidden size, a line per numSteps. */
export function sweepToSvg(results: readonly SweepResult[], title = 'sweep'): string {
  const hiddens = distinct(results.map((r) => r.numHiddens));
  const lrs = distinct(results.map((r) => r.lr));
  const steps = distinct(results.map((r) => r.numSteps));
  const rows: { label: string; value: (r: SweepResult) => number; fromZero: boolean }[] = [
    { label: 'val perplexity', value: (r) => r.valPerplexity, fromZero: false },
    { label: 'seconds / epoch', value: (r) => r.secondsPerEpoch, fromZero: true },
  ];
  // The learning rates themselves as the x ticks; a little room either side of the extreme ones.
  const xTicks = lrs.map((lr) => ({ value: lr, label: String(lr) }));
  const span = { xMin: lrs[0] / 1.25, xMax: lrs[lrs.length - 1] * 1.25 };
  const width = hiddens.length * PANEL.width;
  const height = TITLE_HEIGHT + rows.length * PANEL.height;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  rows.forEach((row, r) => {
    // One y range per row, so that the panels of different hidden sizes compare at a glance.
    const values = results.map(row.value).filter(Number.isFinite);
    const yRange = values.length
      ? {
          yMin: row.fromZero ? 0 : Math.floor(Math.min(...values) * 10) / 10,
          yMax: Math.ceil(Math.max(...values) * 10) / 10,
        }
      : {};
    hiddens.forEach((numHiddens, c) => {
      const series: ChartSeries[] = steps.map((numSteps) => ({
        label: `${numSteps} steps`,
        markers: true,
        points: lrs.flatMap((lr) => {
          const found = results.find((s) => s.numHiddens === numHiddens && s.lr === lr && s.numSteps === numSteps);
          return found ? [{ x: lr, y: row.value(found) }] : [];
        }),
      }));
      const panel = lineChartSvg(series, {
        ...PANEL,
        ...span,
        ...yRange,
        logX: true,
        xTicks,
        title: r === 0 ? `hidden ${numHiddens}` : undefined,
        xLabel: 'learning rate',
        yLabel: c === 0 ? row.label : undefined,
      });
      // A nested <svg> keeps the panel's own coordinates.
      const placed = panel.replace('<svg ', `<svg x="${c * PANEL.width}" y="${TITLE_HEIGHT + r * PANEL.height}" `);
      parts.push(placed.trimEnd());
    });
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function distinct(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

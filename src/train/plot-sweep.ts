// The picture of a hyperparameter sweep (the chapter's exercise 1, `lstm-simd sweep`): one column of
// panels per hidden size, validation perplexity on top and seconds per epoch below, the learning
// rate along x and one line per sequence length (numSteps). A standalone SVG, like boardToSvg.

import { escapeXml, niceRange, round } from './plot-svg.js';

/** One configuration of a sweep and what it measured. */
export interface SweepResult {
  numHiddens: number;
  lr: number;
  numSteps: number;
  /** Validation perplexity after the last epoch. */
  valPerplexity: number;
  /** Mean seconds per epoch. */
  secondsPerEpoch: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** The sweep as an SVG: rows val perplexity and s/epoch, a column per hidden size, a line per numSteps. */
export function sweepToSvg(results: readonly SweepResult[], title = 'sweep'): string {
  const hiddens = distinct(results.map((r) => r.numHiddens));
  const lrs = distinct(results.map((r) => r.lr));
  const steps = distinct(results.map((r) => r.numSteps));
  const panel = { width: 220, height: 170 };
  const margin = { left: 64, top: 40, gap: 26, bottom: 64, right: 110 };
  const width = margin.left + hiddens.length * (panel.width + margin.gap) + margin.right;
  const height = margin.top + 2 * (panel.height + margin.gap) + margin.bottom;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  const rows: { label: string; value: (r: SweepResult) => number }[] = [
    { label: 'val perplexity', value: (r) => r.valPerplexity },
    { label: 'seconds / epoch', value: (r) => r.secondsPerEpoch },
  ];
  rows.forEach((row, rowIndex) => {
    const finite = results.map(row.value).filter(Number.isFinite);
    const [yMin, yMax, yStep] = niceRange(Math.min(...finite, Infinity), Math.max(...finite, -Infinity));
    const top = margin.top + rowIndex * (panel.height + margin.gap);
    const bottom = top + panel.height;
    const py = (y: number) => bottom - ((y - yMin) / (yMax - yMin)) * panel.height;
    hiddens.forEach((hidden, col) => {
      const left = margin.left + col * (panel.width + margin.gap);
      const px = (i: number) => left + ((i + 0.5) / lrs.length) * panel.width;
      parts.push(
        `<rect x="${left}" y="${top}" width="${panel.width}" height="${panel.height}" fill="none" stroke="black"/>`,
      );
      for (let y = yMin; y <= yMax + 1e-9; y += yStep) {
        parts.push(`<line x1="${left}" y1="${py(y)}" x2="${left + panel.width}" y2="${py(y)}" stroke="#e5e5e5"/>`);
        if (col === 0) parts.push(`<text x="${left - 6}" y="${py(y) + 4}" text-anchor="end">${round(y)}</text>`);
      }
      if (rowIndex === 0) {
        parts.push(`<text x="${left + panel.width / 2}" y="${top - 6}" text-anchor="middle">hidden ${hidden}</text>`);
      } else {
        lrs.forEach((lr, i) => parts.push(`<text x="${px(i)}" y="${bottom + 14}" text-anchor="middle">${lr}</text>`));
        parts.push(`<text x="${left + panel.width / 2}" y="${bottom + 30}" text-anchor="middle">learning rate</text>`);
      }
      steps.forEach((numSteps, s) => {
        const color = COLORS[s % COLORS.length];
        const points = lrs
          .map(
            (lr, i) =>
              [i, results.find((r) => r.numHiddens === hidden && r.lr === lr && r.numSteps === numSteps)] as const,
          )
          .filter((p): p is readonly [number, SweepResult] => p[1] !== undefined && Number.isFinite(row.value(p[1])));
        if (points.length === 0) return;
        const d = points.map(([i, r], k) => `${k ? 'L' : 'M'}${px(i).toFixed(1)},${py(row.value(r)).toFixed(1)}`);
        parts.push(`<path d="${d.join(' ')}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
        for (const [i, r] of points) {
          parts.push(`<circle cx="${px(i).toFixed(1)}" cy="${py(row.value(r)).toFixed(1)}" r="3" fill="${color}"/>`);
        }
      });
    });
    const labelY = (top + bottom) / 2;
    parts.push(
      `<text x="16" y="${labelY}" text-anchor="middle" transform="rotate(-90 16 ${labelY})">${row.label}</text>`,
    );
  });
  const legendX = width - margin.right + 14;
  steps.forEach((numSteps, s) => {
    const y = margin.top + 10 + s * 18;
    parts.push(
      `<line x1="${legendX}" y1="${y}" x2="${legendX + 22}" y2="${y}" stroke="${COLORS[s % COLORS.length]}" stroke-width="1.8"/>`,
    );
    parts.push(`<text x="${legendX + 28}" y="${y + 4}">${numSteps} steps</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function distinct(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

// Line charts as standalone SVG: one small engine (axes, nice ticks, grid,
// dashed or solid curves, a legend, optional vertical markers), used for the
// d2l ProgressBoard picture (perplexity against epoch, training solid blue C0,
// validation dashed orange C1) and the forecast plot (series/forecast-plot.ts).
// Redrawn from the points, never accumulated.

import type { BoardPoint } from './board.js';

/** boardToSvg's options. */
export interface PlotOptions {
  /** Pixels (default 560). */
  width?: number;
  /** Pixels (default 400). */
  height?: number;
  /** The x axis ends here (default: the largest x, at least 1). */
  xMax?: number;
  /** Drawn above the chart. */
  title?: string;
  /** The x axis title (default 'epoch'). */
  xLabel?: string;
  /** The y axis title (default 'perplexity'). */
  yLabel?: string;
}

/** A labelled position on the x axis (a tick or a marker). */
export interface PlotMark {
  /** In the curves' x units. */
  x: number;
  /** Its text. */
  label: string;
}

/** One curve of a line chart. A point whose y is not finite breaks the line (a gap). */
export interface PlotCurve {
  /** The legend's text. */
  name: string;
  /** In drawing order; a non-finite y leaves a gap. */
  points: readonly BoardPoint[];
  /** A CSS colour, e.g. '#1f77b4'. */
  color: string;
  /** An SVG dash pattern, e.g. '6,4' (default solid). */
  dash?: string;
  /** Stroke width (default 1.8). */
  width?: number;
}

/** linePlotSvg's options: size, titles, the x range and ticks, markers. */
export interface LinePlotOptions {
  /** Pixels (default 560). */
  width?: number;
  /** Pixels (default 400). */
  height?: number;
  /** Drawn above the chart. */
  title?: string;
  /** Under the x axis. */
  xLabel?: string;
  /** Beside the y axis. */
  yLabel?: string;
  /** The x range (default: the points' range, from 0 when all x >= 0). */
  xMin?: number;
  /** The x range's end (default: the largest x). */
  xMax?: number;
  /** Tick positions and labels on the x axis (default: about five round numbers). */
  xTicks?: readonly PlotMark[];
  /** Dotted vertical lines with a label at the top, e.g. where validation starts. */
  markers?: readonly PlotMark[];
  /** The legend's left edge is this far from the right margin (default 170). */
  legendWidth?: number;
}

/** d2l's curve labels drawn as it draws them, with a readable name in the legend. */
const BOARD_STYLES: Record<string, { color: string; dash: string; name: string }> = {
  train_ppl: { color: '#1f77b4', dash: '', name: 'training perplexity' },
  val_ppl: { color: '#ff7f0e', dash: '6,4', name: 'validation perplexity' },
};

/** The ProgressBoard's curves (d2l labels 'train_ppl', 'val_ppl') as an SVG line chart against epoch. */
export function boardToSvg(curves: Map<string, BoardPoint[]>, options: PlotOptions = {}): string {
  const all = [...curves.values()].flat().filter((p) => Number.isFinite(p.y));
  const styled = [...curves].map(([label, points]): PlotCurve => {
    const style = BOARD_STYLES[label] ?? { color: '#2ca02c', dash: '', name: label };
    return {
      name: style.name,
      color: style.color,
      dash: style.dash,
      points: points.filter((p) => Number.isFinite(p.y)),
    };
  });
  return linePlotSvg(styled, {
    width: options.width,
    height: options.height,
    title: options.title,
    xLabel: options.xLabel ?? 'epoch',
    yLabel: options.yLabel ?? 'perplexity',
    xMin: 0,
    xMax: options.xMax ?? Math.max(1, ...all.map((p) => p.x)),
  });
}

/**
 * A line chart of `curves` as a standalone SVG document (white background, sans-serif text).
 *
 * @example
 * const svg = linePlotSvg([{ name: 'loss', color: '#1f77b4', points: [{ x: 0, y: 1 }, { x: 1, y: 0.5 }] }], { xLabel: 'epoch' });
 */
export function linePlotSvg(curves: readonly PlotCurve[], options: LinePlotOptions = {}): string {
  const width = options.width ?? 560;
  const height = options.height ?? 400;
  const margin = { left: 66, right: 20, top: options.title ? 34 : 16, bottom: 44 };
  const all = curves.flatMap((c) => c.points).filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x));
  const xs = all.map((p) => p.x);
  const xMin = options.xMin ?? Math.min(0, ...xs);
  const xMax = options.xMax ?? Math.max(xMin + 1, ...xs);
  const yMinRaw = all.length ? Math.min(...all.map((p) => p.y)) : 0;
  const yMaxRaw = all.length ? Math.max(...all.map((p) => p.y)) : 1;
  const [yMin, yMax, yStep] = niceRange(yMinRaw, yMaxRaw);
  const px = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * (width - margin.left - margin.right);
  const py = (y: number) =>
    height - margin.bottom - ((y - yMin) / (yMax - yMin)) * (height - margin.top - margin.bottom);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  if (options.title)
    parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`);
  // axes, ticks, grid
  const x0 = margin.left;
  const y0 = height - margin.bottom;
  parts.push(`<line x1="${x0}" y1="${y0}" x2="${width - margin.right}" y2="${y0}" stroke="black"/>`);
  parts.push(`<line x1="${x0}" y1="${margin.top}" x2="${x0}" y2="${y0}" stroke="black"/>`);
  for (const tick of options.xTicks ?? roundTicks(xMin, xMax)) {
    parts.push(`<line x1="${px(tick.x)}" y1="${y0}" x2="${px(tick.x)}" y2="${y0 + 5}" stroke="black"/>`);
    parts.push(`<text x="${px(tick.x)}" y="${y0 + 18}" text-anchor="middle">${escapeXml(tick.label)}</text>`);
  }
  for (let y = yMin; y <= yMax + 1e-9 * (yMax - yMin); y += yStep) {
    parts.push(`<line x1="${x0 - 5}" y1="${py(y)}" x2="${x0}" y2="${py(y)}" stroke="black"/>`);
    parts.push(`<line x1="${x0}" y1="${py(y)}" x2="${width - margin.right}" y2="${py(y)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x0 - 8}" y="${py(y) + 4}" text-anchor="end">${round(y)}</text>`);
  }
  const yMid = (margin.top + y0) / 2;
  if (options.xLabel) {
    parts.push(
      `<text x="${(x0 + width - margin.right) / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    );
  }
  if (options.yLabel) {
    parts.push(
      `<text x="16" y="${yMid}" text-anchor="middle" transform="rotate(-90 16 ${yMid})">${escapeXml(options.yLabel)}</text>`,
    );
  }
  for (const marker of options.markers ?? []) {
    const x = px(marker.x).toFixed(1);
    parts.push(`<line x1="${x}" y1="${margin.top}" x2="${x}" y2="${y0}" stroke="#777" stroke-dasharray="2,3"/>`);
    parts.push(
      `<text x="${x}" y="${margin.top + 12}" text-anchor="start" dx="4" fill="#555">${escapeXml(marker.label)}</text>`,
    );
  }
  // curves, then the legend on a translucent white box (it may sit over a curve)
  const legendX = width - margin.right - (options.legendWidth ?? 170);
  parts.push(
    `<rect x="${legendX - 6}" y="${margin.top}" width="${(options.legendWidth ?? 170) - 4}" height="${curves.length * 18 + 4}" fill="white" fill-opacity="0.85"/>`,
  );
  let legendY = margin.top + 8;
  for (const curve of curves) {
    const dash = curve.dash ? ` stroke-dasharray="${curve.dash}"` : '';
    const stroke = `stroke="${curve.color}" stroke-width="${curve.width ?? 1.8}"${dash}`;
    const d = pathData(curve.points, px, py);
    if (d) parts.push(`<path d="${d}" fill="none" ${stroke}/>`);
    const lx = legendX;
    parts.push(`<line x1="${lx}" y1="${legendY}" x2="${lx + 24}" y2="${legendY}" ${stroke}/>`);
    parts.push(`<text x="${lx + 30}" y="${legendY + 4}">${escapeXml(curve.name)}</text>`);
    legendY += 18;
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** "M x,y L x,y ..." with a new M after every point whose y is not finite. */
function pathData(points: readonly BoardPoint[], px: (x: number) => number, py: (y: number) => number): string {
  const commands: string[] = [];
  let pen = 'M';
  for (const p of points) {
    if (!Number.isFinite(p.y)) {
      pen = 'M';
      continue;
    }
    commands.push(`${pen}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`);
    pen = 'L';
  }
  return commands.join(' ');
}

function roundTicks(lo: number, hi: number): PlotMark[] {
  const step = niceStep((hi - lo) / 5);
  const ticks: PlotMark[] = [];
  for (let x = Math.ceil(lo / step) * step; x <= hi + 1e-9 * step; x += step) ticks.push({ x, label: round(x) });
  return ticks;
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function niceRange(lo: number, hi: number): [number, number, number] {
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const step = niceStep((hi - lo) / 5);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step, step];
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

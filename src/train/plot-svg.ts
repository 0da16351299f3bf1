// Line charts as standalone SVG (no script, no external resource): the d2l ProgressBoard picture of
// perplexity against epoch (boardToSvg), and the lab's plots (lineChartSvg), which add log axes, axis
// labels, markers, tick labels of their own (tokens) and shaded bands. Redrawn from the points, never
// accumulated. Points that cannot be drawn (not finite, or <= 0 on a log axis) break their line.

import type { BoardPoint } from './board.js';

/** One line of a chart. */
export interface ChartSeries {
  /** Its name in the legend. */
  label: string;
  /** The (x, y) points, joined in order; undrawable ones break the line. */
  points: readonly BoardPoint[];
  /** CSS colour (default: the next of matplotlib's tab10). */
  color?: string;
  /** SVG stroke-dasharray, e.g. '6,4' (default solid). */
  dash?: string;
  /** Draw a dot at every point (default false). */
  markers?: boolean;
  /** Stroke width (default 1.8). */
  width?: number;
}

/** A labelled position on the x axis: a tick, or a dotted vertical marker line. */
export interface ChartMark {
  /** In the series' x units. */
  value: number;
  /** Text at the tick or the top of the line. */
  label: string;
}

/** A shaded stretch of the x axis, e.g. the steps that read a filler token. */
export interface ChartBand {
  /** Start, in the series' x units. */
  from: number;
  /** End, in the series' x units. */
  to: number;
  /** CSS fill colour (the axes and lines are drawn over it). */
  color: string;
}

/** lineChartSvg's options. */
export interface ChartOptions {
  /** Width of the picture in px (default 560). */
  width?: number;
  /** Height of the picture in px (default 400). */
  height?: number;
  /** Text above the plot (default none). */
  title?: string;
  /** Caption of the x axis (default none). */
  xLabel?: string;
  /** Caption of the y axis (default none). */
  yLabel?: string;
  /** Logarithmic x axis (base 10); points at x <= 0 are not drawn. */
  logX?: boolean;
  /** Logarithmic y axis (base 10); points at y <= 0 are not drawn. */
  logY?: boolean;
  /** Left end of the x axis (default: the data's, widened to a round tick). */
  xMin?: number;
  /** Right end of the x axis (default: the data's, widened to a round tick). */
  xMax?: number;
  /** Bottom of the y axis (default: the data's, widened to a round tick). */
  yMin?: number;
  /** Top of the y axis (default: the data's, widened to a round tick). */
  yMax?: number;
  /** Ticks of the x axis with their own labels (default: round numbers). */
  xTicks?: readonly ChartMark[];
  /** Dotted vertical lines labelled at the top, e.g. where validation starts. */
  verticalMarks?: readonly ChartMark[];
  /** Rotate the x tick labels (for tokens). */
  rotateXTicks?: boolean;
  /** Shaded stretches of the x axis, drawn under the lines. */
  bands?: readonly ChartBand[];
  /** A horizontal reference line, e.g. chance. */
  reference?: {
    /** Its height, in the series' y units (the y axis is widened to include it). */
    y: number;
    /** Text just above the line, at its left end. */
    label: string;
  };
}

/** matplotlib's tab10 colours, C0, C1, ... */
export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** A line chart of `series` as an SVG document. */
export function lineChartSvg(series: readonly ChartSeries[], options: ChartOptions = {}): string {
  const width = options.width ?? 560;
  const height = options.height ?? 400;
  const tickRoom = options.rotateXTicks ? 44 : 22;
  const margin = {
    left: options.yLabel ? 74 : 56,
    right: 20,
    top: options.title ? 34 : 16,
    bottom: tickRoom + (options.xLabel ? 26 : 8),
  };
  const drawable = (p: BoardPoint) =>
    Number.isFinite(p.x) && Number.isFinite(p.y) && (!options.logX || p.x > 0) && (!options.logY || p.y > 0);
  const all = series.flatMap((s) => s.points.filter(drawable));
  const xAxis = axis(
    all.map((p) => p.x),
    options.logX ?? false,
    options.xMin,
    options.xMax,
  );
  const yValues = all.map((p) => p.y);
  if (options.reference) yValues.push(options.reference.y);
  const yAxis = axis(yValues, options.logY ?? false, options.yMin, options.yMax);
  const plotLeft = margin.left;
  const plotRight = width - margin.right;
  const plotTop = margin.top;
  const plotBottom = height - margin.bottom;
  const px = (x: number) => plotLeft + xAxis.fraction(x) * (plotRight - plotLeft);
  const py = (y: number) => plotBottom - yAxis.fraction(y) * (plotBottom - plotTop);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (options.title) {
    parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`);
  }
  for (const band of options.bands ?? []) {
    const from = px(Math.max(band.from, xAxis.min));
    const to = px(Math.min(band.to, xAxis.max));
    if (to > from) {
      parts.push(
        `<rect x="${f(from)}" y="${plotTop}" width="${f(to - from)}" height="${plotBottom - plotTop}" fill="${band.color}"/>`,
      );
    }
  }
  // Axes, grid and ticks.
  parts.push(`<line x1="${plotLeft}" y1="${plotBottom}" x2="${plotRight}" y2="${plotBottom}" stroke="black"/>`);
  parts.push(`<line x1="${plotLeft}" y1="${plotTop}" x2="${plotLeft}" y2="${plotBottom}" stroke="black"/>`);
  const xTicks = options.xTicks ?? xAxis.ticks.map((value) => ({ value, label: xAxis.format(value) }));
  for (const tick of xTicks) {
    if (tick.value < xAxis.min || tick.value > xAxis.max) continue;
    const x = f(px(tick.value));
    parts.push(`<line x1="${x}" y1="${plotBottom}" x2="${x}" y2="${plotBottom + 5}" stroke="black"/>`);
    const label = escapeXml(tick.label);
    parts.push(
      options.rotateXTicks
        ? `<text x="${x}" y="${plotBottom + 9}" text-anchor="end" font-size="10" transform="rotate(-60 ${x} ${plotBottom + 9})">${label}</text>`
        : `<text x="${x}" y="${plotBottom + 18}" text-anchor="middle">${label}</text>`,
    );
  }
  for (const value of yAxis.ticks) {
    const y = f(py(value));
    parts.push(`<line x1="${plotLeft - 5}" y1="${y}" x2="${plotLeft}" y2="${y}" stroke="black"/>`);
    parts.push(`<line x1="${plotLeft}" y1="${y}" x2="${plotRight}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${plotLeft - 8}" y="${Number(y) + 4}" text-anchor="end">${yAxis.format(value)}</text>`);
  }
  if (options.xLabel) {
    parts.push(
      `<text x="${(plotLeft + plotRight) / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    );
  }
  if (options.yLabel) {
    const y = (plotTop + plotBottom) / 2;
    parts.push(
      `<text x="16" y="${y}" text-anchor="middle" transform="rotate(-90 16 ${y})">${escapeXml(options.yLabel)}</text>`,
    );
  }
  if (options.reference) {
    const y = f(py(options.reference.y));
    parts.push(
      `<line x1="${plotLeft}" y1="${y}" x2="${plotRight}" y2="${y}" stroke="#555" stroke-dasharray="2,3"/>`,
      `<text x="${plotLeft + 6}" y="${Number(y) - 4}" fill="#555">${escapeXml(options.reference.label)}</text>`,
    );
  }
  for (const mark of options.verticalMarks ?? []) {
    if (mark.value < xAxis.min || mark.value > xAxis.max) continue;
    const x = f(px(mark.value));
    parts.push(
      `<line x1="${x}" y1="${plotTop}" x2="${x}" y2="${plotBottom}" stroke="#555555" stroke-dasharray="2,3"/>`,
      `<text x="${Number(x) + 4}" y="${plotTop + 12}" fill="#555555">${escapeXml(mark.label)}</text>`,
    );
  }
  // Lines, markers and the legend (on a white box, so that lines under it do not cross its text).
  const legendWidth = 40 + 6.6 * Math.max(0, ...series.map((s) => s.label.length)); // about 6.6 px per character
  const legendX = plotRight - legendWidth - 2;
  parts.push(
    `<rect x="${f(legendX)}" y="${plotTop + 1}" width="${f(legendWidth)}" height="${series.length * 18 + 4}" fill="white" fill-opacity="0.85"/>`,
  );
  let legendY = plotTop + 10;
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    const segments: string[] = [];
    let pen = 'M';
    for (const p of s.points) {
      if (!drawable(p)) {
        pen = 'M';
        continue;
      }
      segments.push(`${pen}${f(px(p.x))},${f(py(p.y))}`);
      pen = 'L';
    }
    if (segments.length > 0) {
      parts.push(
        `<path d="${segments.join(' ')}" fill="none" stroke="${color}" stroke-width="${s.width ?? 1.8}"${dash}/>`,
      );
    }
    if (s.markers) {
      for (const p of s.points.filter(drawable)) {
        parts.push(`<circle cx="${f(px(p.x))}" cy="${f(py(p.y))}" r="3" fill="${color}"/>`);
      }
    }
    const lx = legendX + 4;
    parts.push(
      `<line x1="${lx}" y1="${legendY}" x2="${lx + 24}" y2="${legendY}" stroke="${color}" stroke-width="1.8"${dash}/>`,
    );
    parts.push(`<text x="${lx + 30}" y="${legendY + 4}">${escapeXml(s.label)}</text>`);
    legendY += 18;
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** boardToSvg's options (the axis titles default to 'epoch' and 'perplexity'). */
export interface PlotOptions {
  /** Width of the picture in px (default 560). */
  width?: number;
  /** Height of the picture in px (default 400). */
  height?: number;
  /** Right end of the epoch axis (default: the last epoch, widened to a round tick); it starts at 0. */
  xMax?: number;
  /** Text above the plot (default none). */
  title?: string;
  /** Caption of the x axis (default 'epoch'). */
  xLabel?: string;
  /** Caption of the y axis (default 'perplexity'). */
  yLabel?: string;
}

/** d2l's curve labels drawn as it draws them (C0 solid, C1 dashed), with a readable name in the legend. */
const BOARD_STYLES: Record<string, { color: string; dash?: string; name: string }> = {
  train_ppl: { color: PALETTE[0], name: 'training perplexity' },
  val_ppl: { color: PALETTE[1], dash: '6,4', name: 'validation perplexity' },
};

/** d2l's ProgressBoard picture: perplexity against epoch from the board's curves. */
export function boardToSvg(curves: Map<string, BoardPoint[]>, options: PlotOptions = {}): string {
  const series = [...curves].map(([label, points]) => {
    const style = BOARD_STYLES[label];
    return { label: style?.name ?? label, points, color: style?.color ?? PALETTE[2], dash: style?.dash };
  });
  const { xLabel = 'epoch', yLabel = 'perplexity', ...rest } = options;
  return lineChartSvg(series, { ...rest, xMin: 0, xLabel, yLabel });
}

interface Axis {
  min: number;
  max: number;
  ticks: number[];
  /** Where a value sits along the axis, 0 at min and 1 at max. */
  fraction(value: number): number;
  format(value: number): string;
}

function axis(values: number[], log: boolean, givenMin?: number, givenMax?: number): Axis {
  return log ? logAxis(values, givenMin, givenMax) : linearAxis(values, givenMin, givenMax);
}

function linearAxis(values: number[], givenMin?: number, givenMax?: number): Axis {
  let lo = givenMin ?? (values.length ? Math.min(...values) : 0);
  let hi = givenMax ?? (values.length ? Math.max(...values) : 1);
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const step = niceStep((hi - lo) / 5);
  const min = givenMin ?? Math.floor(lo / step) * step;
  const max = givenMax ?? Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(v);
  return { min, max, ticks, fraction: (v) => (v - min) / (max - min), format: (v) => round(v) };
}

function logAxis(values: number[], givenMin?: number, givenMax?: number): Axis {
  const positive = values.filter((v) => v > 0);
  const lo = Math.floor(Math.log10(givenMin ?? (positive.length ? Math.min(...positive) : 1)));
  let hi = Math.ceil(Math.log10(givenMax ?? (positive.length ? Math.max(...positive) : 10)));
  if (!(hi > lo)) hi = lo + 1;
  const min = givenMin ?? 10 ** lo;
  const max = givenMax ?? 10 ** hi;
  const decades = Math.ceil(Math.log10(max)) - Math.floor(Math.log10(min));
  const every = Math.max(1, Math.ceil(decades / 8));
  const ticks: number[] = [];
  for (let e = Math.ceil(Math.log10(min)); e <= Math.floor(Math.log10(max)); e++) {
    if (e % every === 0) ticks.push(10 ** e);
  }
  const logMin = Math.log10(min);
  const span = Math.log10(max) - logMin;
  const format = (v: number) => {
    const e = Math.round(Math.log10(v));
    return e >= -2 && e <= 3 ? String(10 ** e >= 1 ? 10 ** e : Number((10 ** e).toFixed(-e))) : `1e${e}`;
  };
  return { min, max, ticks, fraction: (v) => (Math.log10(v) - logMin) / span, format };
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

function f(value: number): string {
  return value.toFixed(1);
}

/** Text made safe inside SVG and HTML. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

// The d2l ProgressBoard picture as a standalone SVG: perplexity against epoch,
// training solid blue (C0), validation dashed orange (C1). Redrawn from the
// points, never accumulated.

import type { BoardPoint } from './board.js';

export interface PlotOptions {
  width?: number;
  height?: number;
  xMax?: number;
  title?: string;
}

const STYLES: Record<string, { color: string; dash: string }> = {
  train_ppl: { color: '#1f77b4', dash: '' },
  val_ppl: { color: '#ff7f0e', dash: '6,4' },
};

export function boardToSvg(curves: Map<string, BoardPoint[]>, options: PlotOptions = {}): string {
  const width = options.width ?? 560;
  const height = options.height ?? 400;
  const margin = { left: 56, right: 20, top: options.title ? 34 : 16, bottom: 44 };
  const all = [...curves.values()].flat().filter((p) => Number.isFinite(p.y));
  const xMax = options.xMax ?? Math.max(1, ...all.map((p) => p.x));
  const yMinRaw = all.length ? Math.min(...all.map((p) => p.y)) : 0;
  const yMaxRaw = all.length ? Math.max(...all.map((p) => p.y)) : 1;
  const [yMin, yMax, yStep] = niceRange(yMinRaw, yMaxRaw);
  const px = (x: number) => margin.left + (x / xMax) * (width - margin.left - margin.right);
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
  const xStep = niceStep(xMax / 5);
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    parts.push(`<line x1="${px(x)}" y1="${y0}" x2="${px(x)}" y2="${y0 + 5}" stroke="black"/>`);
    parts.push(`<text x="${px(x)}" y="${y0 + 18}" text-anchor="middle">${round(x)}</text>`);
  }
  for (let y = yMin; y <= yMax + 1e-9; y += yStep) {
    parts.push(`<line x1="${x0 - 5}" y1="${py(y)}" x2="${x0}" y2="${py(y)}" stroke="black"/>`);
    parts.push(`<line x1="${x0}" y1="${py(y)}" x2="${width - margin.right}" y2="${py(y)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x0 - 8}" y="${py(y) + 4}" text-anchor="end">${round(y)}</text>`);
  }
  parts.push(`<text x="${(x0 + width - margin.right) / 2}" y="${height - 8}" text-anchor="middle">epoch</text>`);
  // curves and legend
  let legendY = margin.top + 8;
  for (const [label, points] of curves) {
    const style = STYLES[label] ?? { color: '#2ca02c', dash: '' };
    const finite = points.filter((p) => Number.isFinite(p.y));
    if (finite.length > 0) {
      const d = finite.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
      parts.push(
        `<path d="${d}" fill="none" stroke="${style.color}" stroke-width="1.8"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`,
      );
    }
    const lx = width - margin.right - 110;
    parts.push(
      `<line x1="${lx}" y1="${legendY}" x2="${lx + 24}" y2="${legendY}" stroke="${style.color}" stroke-width="1.8"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`,
    );
    parts.push(`<text x="${lx + 30}" y="${legendY + 4}">${escapeXml(label)}</text>`);
    legendY += 18;
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** A round tick step (1, 2 or 5 times a power of ten) at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** [lo, hi] widened to whole ticks of a round step: [min, max, step]. */
export function niceRange(lo: number, hi: number): [number, number, number] {
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const step = niceStep((hi - lo) / 5);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step, step];
}

/** A tick label: at most three decimals. */
export function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** Text safe inside an SVG element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

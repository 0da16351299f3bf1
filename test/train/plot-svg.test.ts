// The SVG line charts: log axes put their ticks at powers of ten, points that cannot be drawn break a
// line instead of bending it, bands, markers, labels and the legend are drawn, and text is escaped.
import { describe, expect, it } from 'vitest';
import { boardToSvg, lineChartSvg } from '../../src/train/plot-svg.js';

const count = (svg: string, pattern: RegExp) => svg.match(pattern)?.length ?? 0;

describe('lineChartSvg', () => {
  it('a log y axis has a tick per decade, labelled 1e-k, and drops points <= 0', () => {
    const points = [1, 1e-2, 0, 1e-4, 1e-6].map((y, x) => ({ x, y }));
    const svg = lineChartSvg([{ label: 'norm', points }], { logY: true, yLabel: 'norm (log)', xLabel: 'lag' });
    for (const label of ['>1<', '>0.1<', '>0.01<', '>1e-3<', '>1e-4<', '>1e-5<', '>1e-6<'])
      expect(svg).toContain(label);
    // The zero breaks the line: two segments, M..L then M..L.
    const d = /<path d="([^"]+)"/.exec(svg)![1];
    expect(count(d, /M/g)).toBe(2);
    expect(count(d, /L/g)).toBe(2);
    expect(svg).toContain('>norm (log)</text>');
    expect(svg).toContain('>lag</text>');
  });

  it('a log x axis with its own ticks, markers, a reference line, bands and escaped labels', () => {
    const svg = lineChartSvg(
      [{ label: 'a<b', points: [10, 25, 200].map((x) => ({ x, y: 0.5 + x / 1000 })), markers: true }],
      {
        logX: true,
        xMin: 10,
        xMax: 200,
        xTicks: [10, 25, 200].map((v) => ({ value: v, label: `<${v}>` })),
        reference: { y: 0.5, label: 'chance' },
        bands: [{ from: 20, to: 30, color: '#eee' }],
      },
    );
    expect(count(svg, /<circle /g)).toBe(3);
    expect(svg).toContain('&lt;25&gt;');
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('>chance</text>');
    expect(svg).toContain('fill="#eee"');
    // On a log axis 25 sits at log(25/10) / log(200/10) of the way: x = left + that share of the width.
    const circles = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    const share = (circles[1] - circles[0]) / (circles[2] - circles[0]);
    expect(share).toBeCloseTo(Math.log(2.5) / Math.log(20), 2);
  });

  it("boardToSvg keeps d2l's board: one line per curve, epoch and perplexity axes", () => {
    const curves = new Map([
      ['train_ppl', [1, 2, 3].map((x) => ({ x, y: 20 - x }))],
      ['val_ppl', [1, 2, 3].map((x) => ({ x, y: 21 - x }))],
    ]);
    const svg = boardToSvg(curves, { xMax: 3, title: 'lstm' });
    expect(count(svg, /<path /g)).toBe(2);
    expect(svg).toContain('stroke-dasharray="6,4"');
    expect(svg).toContain('>epoch</text>');
    expect(svg).toContain('>perplexity</text>');
  });
});

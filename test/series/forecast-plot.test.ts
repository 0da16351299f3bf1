// The forecast SVG: forecast segments from each origin (a gap between them), a validation marker,
// years on the x axis, and the shared line-chart engine's gaps at non-finite values.
import { describe, expect, it } from 'vitest';
import { forecastToSvg } from '../../src/series/forecast-plot.js';
import { lineChartSvg } from '../../src/train/plot-svg.js';

const months = Array.from(
  { length: 36 },
  (_, i) => `${2001 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`,
);
const actual = months.map((_, i) => Math.sin(i / 2));

/** The d attribute of the n-th path. */
const paths = (svg: string) => [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]);

describe('forecastToSvg', () => {
  it('draws each origin as its own segment, the split, and years as ticks', () => {
    const origins = [24, 27, 30, 33];
    const svg = forecastToSvg({
      actual,
      dates: months,
      splitIndex: 24,
      from: 12,
      forecasts: [{ name: 'model', origins, horizon: 3, values: origins.flatMap(() => [0, 0.5, 1]), color: '#d62728' }],
    });
    const [line, model] = paths(svg);
    expect(line.match(/[ML]/g)).toHaveLength(24); // actual from index 12 to 35
    expect(model.match(/M/g)).toHaveLength(4); // one segment per origin
    expect(model.match(/L/g)).toHaveLength(8);
    expect(svg).toContain('>validation</text>');
    for (const year of ['2002', '2003']) expect(svg).toContain(`>${year}</text>`);
    expect(svg).not.toContain('>2001</text>'); // before `from`
  });

  it('joins one-step forecasts into one line, and checks its inputs', () => {
    const svg = forecastToSvg({
      actual,
      forecasts: [{ name: 'one step', origins: [30, 31, 32], horizon: 1, values: [1, 2, 3], color: 'red' }],
    });
    expect(paths(svg)[1].match(/M/g)).toHaveLength(1);
    expect(svg).toContain('>step</text>'); // no dates: indices on the x axis
    expect(() =>
      forecastToSvg({ actual, forecasts: [{ name: 'x', origins: [1], horizon: 2, values: [1], color: 'red' }] }),
    ).toThrow(/'x' has 1 values for 1 x 2/);
  });

  it('breaks a line at non-finite values and escapes text', () => {
    const svg = lineChartSvg(
      [
        {
          label: 'a < b',
          color: 'black',
          points: [
            { x: 0, y: 1 },
            { x: 1, y: NaN },
            { x: 2, y: 2 },
            { x: 3, y: 3 },
          ],
        },
      ],
      { title: 'x & y' },
    );
    expect(paths(svg)[0]).toMatch(/^M[\d.]+,[\d.]+ M[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
    expect(svg).toContain('a &lt; b');
    expect(svg).toContain('x &amp; y');
  });
});

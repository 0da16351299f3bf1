// The forecast picture: the actual series, with forecasts over the validation
// part drawn as segments of `horizon` steps from origins `horizon` apart (so
// they tile it, each segment starting from true history), a marker where
// validation starts, and years on the x axis when the series has dates.

import { lineChartSvg, type ChartMark, type ChartSeries } from '../train/plot-svg.js';

/** Forecasts from several origins, (origins.length, horizon) row-major, in the series' units. */
export interface ForecastCurve {
  /** The legend's text. */
  name: string;
  /** Where each forecast starts (indices into the actual series). */
  origins: readonly number[];
  /** Steps per forecast. */
  horizon: number;
  /** (origins.length, horizon) row-major. */
  values: ArrayLike<number>;
  /** A CSS colour. */
  color: string;
  /** An SVG dash pattern (default solid). */
  dash?: string;
}

/** forecastToSvg's input: the series, its dates and split, the forecasts, and the picture's size and titles. */
export interface ForecastPlotOptions {
  /** The actual series, in its units. */
  actual: ArrayLike<number>;
  /** Its dates as written (YYYY-MM...): the x axis then shows years. */
  dates?: readonly string[];
  /** The first validation index: a marker is drawn there. */
  splitIndex?: number;
  /** Drawn after the actual series, in this order. */
  forecasts: readonly ForecastCurve[];
  /** The first index plotted (default 0). */
  from?: number;
  /** Drawn above the chart. */
  title?: string;
  /** Beside the y axis (e.g. the column's name). */
  yLabel?: string;
  /** Pixels (default 760). */
  width?: number;
  /** Pixels (default 400). */
  height?: number;
}

/**
 * Actual values against forecasts as an SVG line chart.
 *
 * @example
 * const svg = forecastToSvg({ actual: values, dates, splitIndex, forecasts: [{ name: 'LSTM', origins, horizon, values: f, color: '#d62728' }] });
 */
export function forecastToSvg(options: ForecastPlotOptions): string {
  const { actual, dates, splitIndex, from = 0 } = options;
  if (!Number.isInteger(from) || from < 0 || from >= actual.length) {
    throw new RangeError(`forecastToSvg: from must be an index of the series, got ${from}`);
  }
  const curves: ChartSeries[] = [
    {
      label: 'actual',
      color: '#222222',
      width: 1.4,
      points: Array.from({ length: actual.length - from }, (_, i) => ({ x: from + i, y: actual[from + i] })),
    },
  ];
  for (const f of options.forecasts) {
    if (f.values.length !== f.origins.length * f.horizon) {
      throw new RangeError(
        `forecastToSvg: '${f.name}' has ${f.values.length} values for ${f.origins.length} x ${f.horizon}`,
      );
    }
    const points: { x: number; y: number }[] = [];
    f.origins.forEach((o, i) => {
      if (i > 0 && f.horizon > 1) points.push({ x: o, y: NaN }); // a new segment
      for (let h = 0; h < f.horizon; h++) points.push({ x: o + h, y: f.values[i * f.horizon + h] });
    });
    curves.push({ label: f.name, color: f.color, dash: f.dash, points: points.filter((p) => p.x >= from) });
  }
  return lineChartSvg(curves, {
    width: options.width ?? 760,
    height: options.height ?? 400,
    title: options.title,
    yLabel: options.yLabel,
    xLabel: dates ? undefined : 'step',
    xMin: from,
    xMax: actual.length - 1,
    xTicks: dates ? yearTicks(dates, from) : undefined,
    verticalMarks: splitIndex !== undefined && splitIndex > from ? [{ value: splitIndex, label: 'validation' }] : [],
  });
}

/** Ticks where the year changes (every k-th year, at most 10 ticks), labelled with the year. */
function yearTicks(dates: readonly string[], from: number): ChartMark[] {
  const starts: ChartMark[] = [];
  for (let i = from; i < dates.length; i++) {
    const year = dates[i].slice(0, 4);
    if (i === 0 || year !== dates[i - 1].slice(0, 4)) starts.push({ value: i, label: year });
  }
  const every = Math.max(1, Math.ceil(starts.length / 10));
  return starts.filter((_, k) => k % every === 0);
}

// Time series (browser-safe): CSV parsing, windows, standardisation, the
// training/validation split as a data module, forecasts and their baselines.

export {
  CsvError,
  parseCsv,
  readCsvSeries,
  type CsvOptions,
  type CsvSeries,
  type CsvSeriesOptions,
  type CsvTable,
} from './csv.js';
export { describeStep, parseIsoDate, type DateStep } from './dates.js';
export { Standardizer } from './standardizer.js';
export {
  checkWindowShape,
  forecastOrigins,
  windowBatch,
  windowStarts,
  type SeriesBatch,
  type WindowShape,
} from './windows.js';
export { SeriesData, type SeriesDataOptions } from './series-data.js';
export { forecast, type ForecastOptions, type ForecastStrategy } from './forecast.js';
export { forecastErrors, lastValueForecast, seasonalNaiveForecast, type ForecastErrors } from './baselines.js';
export { forecastToSvg, type ForecastCurve, type ForecastPlotOptions } from './forecast-plot.js';

// `lstm-simd forecast`: sequence regression on a column of a CSV file. Trains a recurrent network
// with a linear head on windows of the training part, forecasts `horizon` steps from every origin
// of the validation part, and prints RMSE and MAE in the column's units next to the last-value and
// seasonal-naive baselines on the same origins; writes an SVG of actual against forecast values.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setBackend } from '../backend/registry.js';
import { GRU } from '../layers/gru.js';
import { LSTM } from '../layers/lstm.js';
import { RNN } from '../layers/rnn.js';
import { SequenceRegressor, type RegressionLoss } from '../models/sequence-regressor.js';
import { createOptimizer, OPTIMIZER_NAMES } from '../optim/create.js';
import type { OptimizerName } from '../optim/optimizer.js';
import { readCsvSeriesFile } from '../node/csv.js';
import { forecastErrors, lastValueForecast, seasonalNaiveForecast, type ForecastErrors } from '../series/baselines.js';
import { describeStep } from '../series/dates.js';
import { forecast, type ForecastStrategy } from '../series/forecast.js';
import { forecastToSvg } from '../series/forecast-plot.js';
import { SeriesData } from '../series/series-data.js';
import { Trainer, type EpochRecord } from '../train/trainer.js';
import { choice, integer, parse, positiveNumber, text, UsageError } from './args.js';
import type { Command } from './command.js';

const CELLS = { lstm: LSTM, gru: GRU, rnn: RNN } as const;
type Cell = keyof typeof CELLS;

const USAGE = `Usage: lstm-simd forecast --csv FILE --column NAME --lookback N --horizon H [options]

Trains a recurrent network with a linear head on windows of a numeric CSV column and forecasts H
steps ahead from every origin of the validation part (the last --val values). Prints validation
RMSE and MAE in the column's units next to two baselines on the same origins, last value and
seasonal naive, and writes an SVG of actual against forecast values. Values are standardised with
the training part's mean and deviation only.

  --csv FILE           the CSV file (a header row; fields may be quoted)
  --column NAME        the column to forecast
  --date-column NAME   an ISO 8601 date column: checked sorted and evenly spaced; years on the plot
  --allow-gaps         accept unevenly spaced dates
  --lookback N         values each forecast reads        --horizon H      steps forecast per origin
  --season M           the seasonal-naive baseline's season length (default 12: monthly data)
  --val N              values held out at the end for validation (default a fifth of the series)
  --strategy NAME      direct: a head of H outputs, one pass (default) | recursive: a one-step
                       model fed its own predictions H times
  --model NAME         lstm | gru | rnn (default lstm)   --hidden N       hidden units (default 32)
  --layers N           stacked layers (default 1)        --loss NAME      mse | mae (default mse)
  --epochs N           (default 100)                     --lr X           learning rate (default: sgd 0.1, else 0.001)
  --optimizer NAME     sgd (default: plain SGD, d2l's) | adam | adamw | rmsprop
  --batch-size N       windows per batch (default 16)    --stride N       between training windows (default 1)
  --clip X             gradient-norm clipping threshold (default 1)
  --backend NAME       wasm | js (default wasm)          --seed N         random seed (default 42)
  --out DIR            output directory for <column>-forecast.svg (default out)
  --json FILE          write the figures: errors overall and per step, the per-epoch losses
  --quiet              no progress bar`;

async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    csv: { type: 'string' },
    column: { type: 'string' },
    'date-column': { type: 'string' },
    'allow-gaps': { type: 'boolean' },
    lookback: { type: 'string' },
    horizon: { type: 'string' },
    season: { type: 'string' },
    val: { type: 'string' },
    strategy: { type: 'string' },
    model: { type: 'string' },
    hidden: { type: 'string' },
    layers: { type: 'string' },
    loss: { type: 'string' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    optimizer: { type: 'string' },
    'batch-size': { type: 'string' },
    stride: { type: 'string' },
    clip: { type: 'string' },
    backend: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  const file = text(args.csv, 'csv');
  const column = text(args.column, 'column');
  if (!file || !column || args.lookback === undefined || args.horizon === undefined) {
    throw new UsageError('forecast needs --csv FILE, --column NAME, --lookback N and --horizon H');
  }
  const lookback = integer(args.lookback, 'lookback', 0);
  const horizon = integer(args.horizon, 'horizon', 0);
  const season = integer(args.season, 'season', 12);
  const strategy = choice<ForecastStrategy>(args.strategy, 'strategy', ['direct', 'recursive'], 'direct');
  const cell = choice<Cell>(args.model, 'model', ['lstm', 'gru', 'rnn'], 'lstm');
  const numHiddens = integer(args.hidden, 'hidden', 32);
  const numLayers = integer(args.layers, 'layers', 1);
  const loss = choice<RegressionLoss>(args.loss, 'loss', ['mse', 'mae'], 'mse');
  const maxEpochs = integer(args.epochs, 'epochs', 100);
  const optimizerName = choice<OptimizerName>(args.optimizer, 'optimizer', OPTIMIZER_NAMES, 'sgd');
  const lr = positiveNumber(args.lr, 'lr', optimizerName === 'sgd' ? 0.1 : 0.001);
  const batchSize = integer(args['batch-size'], 'batch-size', 16);
  const stride = integer(args.stride, 'stride', 1);
  const clip = args.clip === undefined ? 1 : nonNegative(args.clip, 'clip');
  const backendName = choice(args.backend, 'backend', ['wasm', 'js'] as const, 'wasm');
  const seed = integer(args.seed, 'seed', 42, 0);
  const outDir = text(args.out, 'out') ?? 'out';
  const jsonFile = text(args.json, 'json');
  const dateColumn = text(args['date-column'], 'date-column');

  const series = await readCsvSeriesFile(file, { column, dateColumn, allowGaps: args['allow-gaps'] === true });
  const { values, dates } = series;
  const n = values.length;
  const valSize = integer(args.val, 'val', Math.round(n / 5));
  const trainHorizon = strategy === 'direct' ? horizon : 1;
  let data: SeriesData;
  try {
    data = new SeriesData(values, { lookback, horizon: trainHorizon, stride, valSize, batchSize, seed });
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message.replace(/^SeriesData: /, '')}`);
  }
  if (valSize < horizon) throw new UsageError(`--val (${valSize}) must be at least --horizon (${horizon})`);
  const origins = data.valOrigins.filter((o) => o + horizon <= n);
  if (origins.some((o) => o < season)) {
    throw new UsageError(`--season ${season} needs that much history before the first origin (${origins[0]})`);
  }

  const backend = await setBackend(backendName);
  const Layer = CELLS[cell];
  const rnn = new Layer({ numInputs: 1, numHiddens, numLayers, seed, backend });
  const model = new SequenceRegressor(rnn, { numOutputs: trainHorizon, loss, lr, seed: seed + 1 });
  const name = `${cell.toUpperCase()} (${strategy})`;
  const at = (i: number) => (dates ? dates[i] : `row ${i + 1}`);
  console.log(
    `${file}: '${column}', ${n} values${dates ? ` from ${dates[0]} to ${dates[n - 1]}${series.step ? ` every ${describeStep(series.step)}` : ''}` : ''}; ` +
      `training ${data.splitIndex} (${data.trainStarts.length} windows), validation ${valSize} from ${at(data.splitIndex)}`,
  );
  console.log(
    `${name}: ${model.numParameters()} parameters, hidden ${numHiddens}${numLayers > 1 ? ` x ${numLayers} layers` : ''}, ` +
      `lookback ${lookback}, horizon ${horizon}, ${loss.toUpperCase()} loss, ${optimizerName} lr ${lr}, batch ${batchSize}, ` +
      `${maxEpochs} epochs, backend ${backend.variant}`,
  );

  const every = Math.max(1, Math.round(maxEpochs / 10));
  const trainer = new Trainer({
    maxEpochs,
    gradientClipVal: clip,
    optimizer: (parameters) => createOptimizer(optimizerName, parameters, { lr }),
    progress: args.quiet ? false : undefined,
    callbacks: [
      {
        onEpochEnd: (r: EpochRecord) => {
          if (r.epoch % every === 0 || r.epoch === maxEpochs) console.log(formatEpoch(r, maxEpochs, loss));
        },
      },
    ],
  });
  const history = trainer.fit(model, data);
  model.eval();

  const scaled = forecast(model, data.scaled, origins, { lookback, horizon, strategy });
  const predicted = data.scaler.inverse(scaled);
  const rows: { name: string; errors: ForecastErrors }[] = [
    { name, errors: forecastErrors(values, origins, horizon, predicted) },
    {
      name: `seasonal naive (${season})`,
      errors: forecastErrors(values, origins, horizon, seasonalNaiveForecast(values, origins, horizon, season)),
    },
    {
      name: 'last value',
      errors: forecastErrors(values, origins, horizon, lastValueForecast(values, origins, horizon)),
    },
  ];
  console.log(
    `\nvalidation: ${origins.length} origins from ${at(origins[0])} to ${at(origins[origins.length - 1])}, ` +
      `${horizon} step${horizon === 1 ? '' : 's'} ahead each, errors in the units of '${column}'`,
  );
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`${''.padEnd(width)}  ${'RMSE'.padStart(9)}  ${'MAE'.padStart(9)}`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(width)}  ${fmt(r.errors.rmse).padStart(9)}  ${fmt(r.errors.mae).padStart(9)}`);
  }
  const [mine, seasonal, last] = rows.map((r) => r.errors.rmse);
  const best = Math.min(seasonal, last);
  console.log(
    mine < best
      ? `${name} RMSE is ${(100 * (1 - mine / best)).toFixed(1)}% below the better baseline's`
      : `${name} does not beat the better baseline (RMSE ${fmt(mine)} vs ${fmt(best)})`,
  );
  const next = data.scaler.inverse(forecast(model, data.scaled, [n], { lookback, horizon, strategy }));
  console.log(`next ${horizon} after ${at(n - 1)}: ${Array.from(next, fmt).join(', ')}`);

  await mkdir(outDir, { recursive: true });
  const plotPath = join(outDir, `${fileSafe(column)}-forecast.svg`);
  const tiles = origins.filter((o) => (o - origins[0]) % horizon === 0);
  const pick = (all: Float64Array) =>
    Float64Array.from(
      tiles.flatMap((o) => Array.from(all.subarray((o - origins[0]) * horizon, (o - origins[0] + 1) * horizon))),
    );
  await writeFile(
    plotPath,
    forecastToSvg({
      actual: values,
      dates,
      splitIndex: data.splitIndex,
      from: Math.max(0, data.splitIndex - Math.max(3 * season, 2 * lookback)),
      title: `${column}: ${name} forecasts ${horizon} step${horizon === 1 ? '' : 's'} ahead (validation RMSE ${fmt(mine)}, seasonal naive ${fmt(seasonal)})`,
      yLabel: column,
      forecasts: [
        { name, origins: tiles, horizon, values: pick(predicted), color: '#d62728' },
        {
          name: `seasonal naive (${season})`,
          origins: tiles,
          horizon,
          values: seasonalNaiveForecast(values, tiles, horizon, season),
          color: '#1f77b4',
          dash: '5,4',
        },
      ],
    }),
  );
  if (jsonFile) {
    const summary = {
      csv: file,
      column,
      values: n,
      options: {
        lookback,
        horizon,
        season,
        valSize,
        strategy,
        model: cell,
        numHiddens,
        numLayers,
        loss,
        optimizer: optimizerName,
        maxEpochs,
        lr,
        batchSize,
        stride,
        clip,
        seed,
      },
      backend: backend.variant,
      origins: origins.length,
      errors: Object.fromEntries(rows.map((r) => [r.name, r.errors])),
      next: Array.from(next),
      epochs: history.epochs.map((e) => ({
        epoch: e.epoch,
        trainLoss: e.trainLoss,
        valLoss: e.valLoss,
        seconds: e.seconds,
      })),
      seconds: history.seconds,
    };
    await writeFile(jsonFile, JSON.stringify(summary, null, 2) + '\n');
  }
  console.log(`saved ${plotPath}${jsonFile ? ` and ${jsonFile}` : ''}; trained in ${history.seconds.toFixed(1)} s`);
  return 0;
}

function nonNegative(value: string | boolean, name: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !(n >= 0) || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a number >= 0, got '${String(value)}'`);
  }
  return n;
}

/** Four significant figures, as the column's units need. */
function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'series';
}

function formatEpoch(r: EpochRecord, maxEpochs: number, loss: RegressionLoss): string {
  return (
    `epoch ${String(r.epoch).padStart(String(maxEpochs).length)}/${maxEpochs}  ` +
    `train ${loss} ${r.trainLoss.toFixed(4)}  val ${loss} ${r.valLoss.toFixed(4)} (standardised)  ${r.seconds.toFixed(2)} s`
  );
}

export const forecastCommand: Command = {
  name: 'forecast',
  summary: 'train a sequence regressor on a CSV column and compare its forecasts with naive baselines',
  usage: USAGE,
  run,
};

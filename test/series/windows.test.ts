// Windowing, the chronological split, standardisation fitted on the training part only, and the
// forecast baselines and error measures.
import { describe, expect, it } from 'vitest';
import { forecastErrors, lastValueForecast, seasonalNaiveForecast } from '../../src/series/baselines.js';
import { SeriesData } from '../../src/series/series-data.js';
import { Standardizer } from '../../src/series/standardizer.js';
import { forecastOrigins, windowBatch, windowStarts } from '../../src/series/windows.js';

const ramp = (n: number) => Float64Array.from({ length: n }, (_, i) => i);

describe('windows', () => {
  it('starts every stride while lookback + horizon values fit', () => {
    expect(windowStarts(10, { lookback: 3, horizon: 2 })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(windowStarts(10, { lookback: 3, horizon: 2, stride: 2 })).toEqual([0, 2, 4]);
    expect(windowStarts(4, { lookback: 3, horizon: 2 })).toEqual([]);
    expect(() => windowStarts(10, { lookback: 0, horizon: 1 })).toThrow(/lookback must be a positive integer, got 0/);
    expect(() => windowStarts(10, { lookback: 2, horizon: 1, stride: 1.5 })).toThrow(/stride must be a positive/);
  });

  it('puts the lookback values in X and the values after them in Y (many-to-one)', () => {
    const batch = windowBatch(ramp(10), [0, 4], 3, 2);
    expect([...batch.X]).toEqual([0, 1, 2, 4, 5, 6]);
    expect([...batch.Y]).toEqual([3, 4, 7, 8]);
    expect(batch).toMatchObject({ batchSize: 2, numSteps: 3, numOutputs: 2, everyStep: false });
  });

  it('gives every step the values after it (many-to-many)', () => {
    const batch = windowBatch(ramp(10), [1], 3, 2, true);
    expect([...batch.X]).toEqual([1, 2, 3]);
    // step 0 sees 1 and predicts 2, 3; step 1 sees 2 -> 3, 4; step 2 sees 3 -> 4, 5 (the window's targets)
    expect([...batch.Y]).toEqual([2, 3, 3, 4, 4, 5]);
    expect(() => windowBatch(ramp(5), [1], 3, 2)).toThrow(/a window at 1 of 3 \+ 2 values does not fit a series of 5/);
  });

  it('takes forecast origins after the split with a full lookback and horizon', () => {
    expect(forecastOrigins(10, 6, 3, 2)).toEqual([6, 7, 8]);
    expect(forecastOrigins(10, 1, 3, 2)).toEqual([3, 4, 5, 6, 7, 8]);
  });
});

describe('Standardizer', () => {
  it('fits the mean and population std, and inverse undoes transform', () => {
    const scaler = Standardizer.fit([1, 2, 3, 4]);
    expect(scaler.mean).toBe(2.5);
    expect(scaler.std).toBeCloseTo(Math.sqrt(1.25), 15);
    const z = scaler.transform([1, 4, 10]);
    expect(z[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 15);
    const back = scaler.inverse(z);
    [1, 4, 10].forEach((x, i) => expect(back[i]).toBeCloseTo(x, 12));
  });

  it('refuses a constant, an empty or a non-finite training part', () => {
    expect(() => Standardizer.fit([3, 3, 3])).toThrow(/the 3 values are all 3: a constant cannot be standardised/);
    expect(() => Standardizer.fit([])).toThrow(/no values to fit on/);
    expect(() => Standardizer.fit([1, NaN])).toThrow(/not all finite/);
  });
});

describe('SeriesData', () => {
  const values = Float64Array.from({ length: 100 }, (_, i) => Math.sin(i / 3) * 5 + i / 10);

  it('splits in time: training windows end before the split, validation targets after it', () => {
    const data = new SeriesData(values, { lookback: 8, horizon: 3, valSize: 20, batchSize: 16, seed: 1 });
    expect(data.splitIndex).toBe(80);
    expect(Math.max(...data.trainStarts) + 8 + 3).toBe(80);
    expect(data.trainStarts.length).toBe(70);
    expect(data.valOrigins[0]).toBe(80);
    expect(data.valOrigins.at(-1)).toBe(97);
    expect(data.numTrainBatches).toBe(5);
    expect(data.numValBatches).toBe(2);
    const trainRows = [...data.trainBatches()].reduce((n, b) => n + b.batchSize, 0);
    expect(trainRows).toBe(70);
    const val = [...data.valBatches()];
    expect(val[0].Y[0]).toBeCloseTo(data.scaled[80], 6); // the first validation target is the first value after the split
  });

  it('fits the standardisation on the training part only: validation values never influence it', () => {
    const options = { lookback: 8, horizon: 3, valSize: 20, batchSize: 16, seed: 1 };
    const data = new SeriesData(values, options);
    const training = Standardizer.fit(values.subarray(0, 80));
    expect(data.scaler.mean).toBe(training.mean);
    expect(data.scaler.std).toBe(training.std);
    const changed = Float64Array.from(values);
    for (let i = 80; i < 100; i++) changed[i] = 1e6 * (i - 79); // wildly different validation values
    const other = new SeriesData(changed, options);
    expect(other.scaler.mean).toBe(data.scaler.mean);
    expect(other.scaler.std).toBe(data.scaler.std);
    // ... nor any training batch (same seed: same order)
    const a = [...data.trainBatches()];
    const b = [...other.trainBatches()];
    a.forEach((batch, i) => {
      expect(b[i].X).toEqual(batch.X);
      expect(b[i].Y).toEqual(batch.Y);
    });
  });

  it('reshuffles the training windows every epoch, as a function of the seed', () => {
    const data = new SeriesData(values, { lookback: 8, horizon: 3, seed: 5 });
    const again = new SeriesData(values, { lookback: 8, horizon: 3, seed: 5 });
    expect(data.trainOrder(0)).toEqual(again.trainOrder(0));
    expect(data.trainOrder(1)).not.toEqual(data.trainOrder(0));
    expect([...data.trainOrder(3)].sort((x, y) => x - y)).toEqual([...data.trainStarts.keys()]);
  });

  it('makes many-to-many batches and honours the stride', () => {
    const data = new SeriesData(values, { lookback: 8, horizon: 2, stride: 4, everyStep: true, valSize: 20, seed: 1 });
    expect(data.trainStarts).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68]);
    const [batch] = data.trainBatches();
    expect(batch.everyStep).toBe(true);
    expect(batch.Y.length).toBe(batch.batchSize * 8 * 2);
  });

  it('explains impossible splits', () => {
    expect(() => new SeriesData(values, { lookback: 70, horizon: 12, valSize: 20 })).toThrow(
      /the training part \(80 values\) is shorter than one window \(lookback 70 \+ horizon 12\)/,
    );
    expect(() => new SeriesData(values, { lookback: 8, horizon: 12, valSize: 5 })).toThrow(
      /valSize must be an integer in \[horizon = 12, 100\)/,
    );
  });
});

describe('baselines and errors', () => {
  const series = [10, 20, 30, 40, 11, 21, 31, 41, 12, 22];

  it('last value repeats the value before the origin', () => {
    expect([...lastValueForecast(series, [4, 8], 3)]).toEqual([40, 40, 40, 41, 41, 41]);
  });

  it('seasonal naive repeats the last observed season, past one season too', () => {
    // season 4, origin 8: steps 0..5 -> series[4..7] then series[4..5] again
    expect([...seasonalNaiveForecast(series, [8], 6, 4)]).toEqual([11, 21, 31, 41, 11, 21]);
    expect(() => seasonalNaiveForecast(series, [3], 2, 4)).toThrow(/origin 3 needs 4 value\(s\) of history/);
  });

  it('scores RMSE and MAE overall and per step ahead', () => {
    const errors = forecastErrors([0, 0, 0, 0], [1, 2], 2, [1, -1, 3, 1]);
    // errors 1, -1 (origin 1) and 3, 1 (origin 2)
    expect(errors.rmse).toBeCloseTo(Math.sqrt((1 + 1 + 9 + 1) / 4), 15);
    expect(errors.mae).toBe(1.5);
    expect(errors.count).toBe(4);
    expect(errors.perStep[0].rmse).toBeCloseTo(Math.sqrt(5), 15);
    expect(errors.perStep[1].mae).toBe(1);
    expect(() => forecastErrors([0, 0, 0], [2], 2, [0, 0])).toThrow(/run past the series/);
  });
});

// A numeric series as a data module for the Trainer: a chronological split
// (the last `valSize` values are validation), a z-score fitted on the training
// part alone, training windows reshuffled every epoch, and validation windows
// at every forecast origin after the split, in order.
//
//   values:   [ training part ........................ | validation part ...... ]
//   windows:  [lookback | horizon] within the training part, every `stride`
//   val:                 [lookback | horizon] ending after the split, every origin

import { freshSeed } from '../nn/init.js';
import type { DataModule } from '../train/trainer.js';
import { Random } from '../util/random.js';
import { Standardizer } from './standardizer.js';
import {
  checkWindowShape,
  forecastOrigins,
  windowBatch,
  windowStarts,
  type SeriesBatch,
  type WindowShape,
} from './windows.js';

export interface SeriesDataOptions extends WindowShape {
  /** Values at the end held out for validation (default: a fifth of the series). */
  valSize?: number;
  /** Windows per minibatch (default 32). */
  batchSize?: number;
  /** Targets for every step of a window (a many-to-many model) instead of after the last one. */
  everyStep?: boolean;
  /** Seed of the per-epoch shuffles of the training windows (default: a fresh random seed). */
  seed?: number;
}

/**
 * Windows of a univariate series, split in time and standardised with training statistics only.
 * Batches hold standardised values; `scaler.inverse` brings predictions back to the series' units.
 *
 * @example
 * const data = new SeriesData(series.values, { lookback: 24, horizon: 6, valSize: 144 });
 * new Trainer({ maxEpochs: 100 }).fit(model, data);
 */
export class SeriesData implements DataModule<SeriesBatch> {
  /** Input values per window. */
  readonly lookback: number;
  /** Targets per window (per step when everyStep). */
  readonly horizon: number;
  /** Distance between the starts of training windows. */
  readonly stride: number;
  /** Windows per minibatch. */
  readonly batchSize: number;
  /** Whether batches carry targets for every step (many-to-many). */
  readonly everyStep: boolean;
  /** Seed of the per-epoch shuffles (the option, or the fresh one drawn). */
  readonly seed: number;
  /** The first validation index: values[0, splitIndex) are training, values[splitIndex, n) validation. */
  readonly splitIndex: number;
  /** Fitted on values[0, splitIndex) alone. */
  readonly scaler: Standardizer;
  /** The whole series, standardised with the training statistics. */
  readonly scaled: Float64Array;
  /** Starts of the training windows (all within the training part). */
  readonly trainStarts: readonly number[];
  /** Forecast origins of the validation windows (the window starting at origin - lookback). */
  readonly valOrigins: readonly number[];
  private nextEpoch = 0;

  /** Splits `values` (in time order) and fits the standardisation; throws when no window fits. */
  constructor(
    /** The series as given, in its units. */
    readonly values: ArrayLike<number>,
    options: SeriesDataOptions,
  ) {
    checkWindowShape(options, 'SeriesData');
    const { lookback, horizon, stride = 1, batchSize = 32, everyStep = false } = options;
    const n = values.length;
    const valSize = options.valSize ?? Math.round(n / 5);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`SeriesData: batchSize must be a positive integer, got ${batchSize}`);
    }
    if (!Number.isInteger(valSize) || valSize < horizon || valSize >= n) {
      throw new RangeError(
        `SeriesData: valSize must be an integer in [horizon = ${horizon}, ${n}) for ${n} values, got ${valSize}`,
      );
    }
    this.lookback = lookback;
    this.horizon = horizon;
    this.stride = stride;
    this.batchSize = batchSize;
    this.everyStep = everyStep;
    this.seed = options.seed ?? freshSeed();
    this.splitIndex = n - valSize;
    this.trainStarts = windowStarts(this.splitIndex, { lookback, horizon, stride });
    if (this.trainStarts.length === 0) {
      throw new RangeError(
        `SeriesData: the training part (${this.splitIndex} values) is shorter than one window ` +
          `(lookback ${lookback} + horizon ${horizon}); shorten them or hold out fewer values`,
      );
    }
    this.valOrigins = forecastOrigins(n, this.splitIndex, lookback, horizon);
    this.scaler = Standardizer.fit(Array.prototype.slice.call(values, 0, this.splitIndex) as number[]);
    this.scaled = this.scaler.transform(values);
  }

  /** Training minibatches per epoch. */
  get numTrainBatches(): number {
    return Math.ceil(this.trainStarts.length / this.batchSize);
  }

  /** Validation minibatches. */
  get numValBatches(): number {
    return Math.ceil(this.valOrigins.length / this.batchSize);
  }

  /** The order of the training windows in `epoch` (indices into trainStarts): a function of (seed, epoch). */
  trainOrder(epoch: number): Int32Array {
    const order = Int32Array.from(this.trainStarts, (_, i) => i);
    return new Random(Random.deriveSeed(this.seed, epoch)).shuffle(order);
  }

  /** One epoch of shuffled training batches; each call is the next epoch. */
  *trainBatches(): IterableIterator<SeriesBatch> {
    const order = this.trainOrder(this.nextEpoch++);
    for (let first = 0; first < order.length; first += this.batchSize) {
      const starts = Array.from(order.subarray(first, first + this.batchSize), (i) => this.trainStarts[i]);
      yield windowBatch(this.scaled, starts, this.lookback, this.horizon, this.everyStep);
    }
  }

  /** The validation windows in time order. */
  *valBatches(): IterableIterator<SeriesBatch> {
    for (let first = 0; first < this.valOrigins.length; first += this.batchSize) {
      const starts = this.valOrigins.slice(first, first + this.batchSize).map((o) => o - this.lookback);
      yield windowBatch(this.scaled, starts, this.lookback, this.horizon, this.everyStep);
    }
  }
}

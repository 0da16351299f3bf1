// Windows of a univariate series for sequence regression. A window starting
// at s has `lookback` inputs x[s .. s + lookback) and the `horizon` values
// after them as targets, x[s + lookback .. s + lookback + horizon). For a
// many-to-many model every step t of the window has its own targets, the
// `horizon` values after it: x[s + t + 1 .. s + t + 1 + horizon); the last
// step's are the window's targets.

/** A minibatch of windows, batch-first, as the Trainer hands it to a SequenceRegressor. */
export interface SeriesBatch {
  /** Inputs (B, T, 1) row-major: X[b * T + t] is step t of window b. */
  X: Float32Array;
  /** Targets: (B, numOutputs) for a many-to-one model, (B, T, numOutputs) when `everyStep`. */
  Y: Float32Array;
  /** Windows in the batch (B). */
  batchSize: number;
  /** Steps per window (T, the lookback). */
  numSteps: number;
  /** Targets per step or window (the horizon). */
  numOutputs: number;
  /** Whether Y has targets for every step (many-to-many) or only after the last (many-to-one). */
  everyStep: boolean;
}

/** The shape of the windows: inputs per window, targets per window, and the step between starts. */
export interface WindowShape {
  /** Input values per window (T). */
  lookback: number;
  /** Target values after the inputs. */
  horizon: number;
  /** Distance between the starts of consecutive windows (default 1: every start). */
  stride?: number;
}

/** Throws unless lookback, horizon and stride are positive integers. */
export function checkWindowShape(shape: WindowShape, where = 'windows'): void {
  for (const key of ['lookback', 'horizon', 'stride'] as const) {
    const value = shape[key] ?? 1;
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${where}: ${key} must be a positive integer, got ${String(value)}`);
    }
  }
}

/**
 * The starts s = from, from + stride, ... of the windows that lie within [from, end): s + lookback +
 * horizon <= end. Empty when the range is shorter than one window.
 */
export function windowStarts(end: number, shape: WindowShape, from = 0): number[] {
  checkWindowShape(shape);
  const { lookback, horizon, stride = 1 } = shape;
  const starts: number[] = [];
  for (let s = from; s + lookback + horizon <= end; s += stride) starts.push(s);
  return starts;
}

/**
 * Forecast origins for a split at `splitIndex` of a series of `length` values: every o with o >=
 * splitIndex, o >= lookback and o + horizon <= length. Each origin's forecast reads the lookback
 * values before it (which may lie in the training part: they are history at that time) and is
 * scored on the `horizon` values from it on, all of them after the split.
 */
export function forecastOrigins(length: number, splitIndex: number, lookback: number, horizon: number): number[] {
  const origins: number[] = [];
  for (let o = Math.max(splitIndex, lookback); o + horizon <= length; o++) origins.push(o);
  return origins;
}

/**
 * The batch of windows starting at `starts` (each lookback + horizon values within `series`).
 * With `everyStep`, Y holds every step's targets (B, T, horizon), else the window's (B, horizon).
 */
export function windowBatch(
  series: ArrayLike<number>,
  starts: readonly number[],
  lookback: number,
  horizon: number,
  everyStep = false,
): SeriesBatch {
  const B = starts.length;
  const X = new Float32Array(B * lookback);
  const Y = new Float32Array(B * (everyStep ? lookback : 1) * horizon);
  starts.forEach((s, b) => {
    if (!(s >= 0 && s + lookback + horizon <= series.length)) {
      throw new RangeError(
        `windowBatch: a window at ${s} of ${lookback} + ${horizon} values does not fit a series of ${series.length}`,
      );
    }
    for (let t = 0; t < lookback; t++) X[b * lookback + t] = series[s + t];
    if (everyStep) {
      for (let t = 0; t < lookback; t++) {
        for (let h = 0; h < horizon; h++) Y[(b * lookback + t) * horizon + h] = series[s + t + 1 + h];
      }
    } else {
      for (let h = 0; h < horizon; h++) Y[b * horizon + h] = series[s + lookback + h];
    }
  });
  return { X, Y, batchSize: B, numSteps: lookback, numOutputs: horizon, everyStep };
}

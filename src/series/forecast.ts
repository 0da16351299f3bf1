// Multi-step forecasts from a trained SequenceRegressor, for many origins at
// once. Two strategies:
//
// - direct: the model has a head of (at least) `horizon` outputs and predicts
//   all of them from the lookback window in one forward pass;
// - recursive: a one-step model predicts the next value, which is appended to
//   the window (the oldest value drops out) and fed back, `horizon` times.
//
// Direct needs a wider head but never sees its own errors as inputs; recursive
// serves any horizon with one model but compounds its errors, and is trained on
// true inputs only (the mismatch between training and use that direct avoids).

import type { SequenceRegressor } from '../models/sequence-regressor.js';
import { endStep } from '../tensor/tensor.js';

/** How a multi-step forecast is made: one pass of a multi-output head, or one step at a time fed back. */
export type ForecastStrategy = 'direct' | 'recursive';

/** How forecast() reads windows and how far and how it forecasts. */
export interface ForecastOptions {
  /** Values before each origin the model reads (its training windows' length). */
  lookback: number;
  /** Steps forecast from each origin. */
  horizon: number;
  /** 'direct' (a head of at least `horizon` outputs) or 'recursive' (one step fed back). */
  strategy: ForecastStrategy;
  /** Windows per forward pass (default 256). */
  batchSize?: number;
}

/**
 * Forecasts the `horizon` values from each origin o on, from series[o - lookback, o), in the units the
 * model was trained in (pass the standardised series; de-standardise the result). Returns
 * (origins.length, horizon) row-major. An origin may be series.length (a forecast past the end).
 * The model must have been trained on univariate windows (numInputs 1). Ends the backend's step
 * after each batch of windows (endStep): call it outside a training step.
 *
 * @example
 * const scaled = forecast(model, data.scaled, [data.values.length], { lookback: 24, horizon: 6, strategy: 'direct' });
 * const next6 = data.scaler.inverse(scaled);
 */
export function forecast(
  model: SequenceRegressor,
  series: ArrayLike<number>,
  origins: readonly number[],
  options: ForecastOptions,
): Float64Array {
  const { lookback, horizon, strategy, batchSize = 256 } = options;
  for (const [key, value] of [
    ['lookback', lookback],
    ['horizon', horizon],
    ['batchSize', batchSize],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`forecast: ${key} must be a positive integer, got ${value}`);
    }
  }
  if (model.numInputs !== 1) {
    throw new RangeError(`forecast: needs a model of univariate windows (numInputs 1), got ${model.numInputs}`);
  }
  if (strategy === 'direct' && model.numOutputs < horizon) {
    throw new RangeError(
      `forecast: a direct forecast of ${horizon} steps needs a model with at least ${horizon} outputs, ` +
        `this one has ${model.numOutputs} (train with numOutputs = horizon, or forecast recursively)`,
    );
  }
  if (strategy !== 'direct' && strategy !== 'recursive') {
    throw new RangeError(`forecast: strategy must be 'direct' or 'recursive', got '${String(strategy)}'`);
  }
  for (const o of origins) {
    if (!Number.isInteger(o) || o < lookback || o > series.length) {
      throw new RangeError(`forecast: origin ${o} is outside [lookback = ${lookback}, ${series.length}]`);
    }
  }
  const out = new Float64Array(origins.length * horizon);
  const O = model.numOutputs;
  for (let first = 0; first < origins.length; first += batchSize) {
    const chunk = origins.slice(first, first + batchSize);
    const B = chunk.length;
    // window: (B, lookback), the most recent values last.
    const window = new Float32Array(B * lookback);
    chunk.forEach((o, b) => {
      for (let t = 0; t < lookback; t++) window[b * lookback + t] = series[o - lookback + t];
    });
    if (strategy === 'direct') {
      const predictions = model.predict(window, B, lookback);
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < horizon; h++) out[(first + b) * horizon + h] = predictions[b * O + h];
      }
    } else {
      for (let h = 0; h < horizon; h++) {
        const predictions = model.predict(window, B, lookback);
        endStep(model.backend);
        for (let b = 0; b < B; b++) {
          const next = predictions[b * O];
          out[(first + b) * horizon + h] = next;
          window.copyWithin(b * lookback, b * lookback + 1, (b + 1) * lookback);
          window[(b + 1) * lookback - 1] = next;
        }
      }
    }
    endStep(model.backend);
  }
  return out;
}

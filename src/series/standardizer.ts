// Standardisation (z-scores): x -> (x - mean) / std, with the mean and the
// population standard deviation of the values it was fitted on. Fit it on the
// training split alone: statistics that saw the validation data would leak it.

/**
 * A fitted z-score transform. `Standardizer.fit(training)` computes the statistics; `transform`
 * and `inverse` apply them (inverse brings forecasts back to the series' units).
 *
 * @example
 * const scaler = Standardizer.fit(values.subarray(0, splitIndex));
 * const scaled = scaler.transform(values);
 */
export class Standardizer {
  /** A transform with given statistics (std > 0); `Standardizer.fit` computes them from data. */
  constructor(
    /** Subtracted first. */
    readonly mean: number,
    /** Then divided by. */
    readonly std: number,
  ) {
    if (!Number.isFinite(mean)) throw new RangeError(`Standardizer: mean must be finite, got ${mean}`);
    if (!(std > 0) || !Number.isFinite(std)) {
      throw new RangeError(`Standardizer: std must be positive and finite, got ${std}`);
    }
  }

  /** The mean and population standard deviation of `values` (two passes, in float64). */
  static fit(values: ArrayLike<number>): Standardizer {
    const n = values.length;
    if (n === 0) throw new RangeError('Standardizer.fit: no values to fit on');
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[i];
    const mean = sum / n;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += (values[i] - mean) ** 2;
    const std = Math.sqrt(squares / n);
    if (!Number.isFinite(mean) || !Number.isFinite(std)) {
      throw new RangeError('Standardizer.fit: the values are not all finite');
    }
    if (std === 0) {
      throw new RangeError(`Standardizer.fit: the ${n} values are all ${mean}: a constant cannot be standardised`);
    }
    return new Standardizer(mean, std);
  }

  /** (x - mean) / std for every value. */
  transform(values: ArrayLike<number>): Float64Array {
    return Float64Array.from(values, (x) => (x - this.mean) / this.std);
  }

  /** x * std + mean for every value: back to the original units. */
  inverse(values: ArrayLike<number>): Float64Array {
    return Float64Array.from(values, (z) => z * this.std + this.mean);
  }
}

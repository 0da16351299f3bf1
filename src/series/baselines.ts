// The baselines a forecast must beat, on the same origins and horizon:
//
// - last value (naive): every step ahead is the last observed value;
// - seasonal naive: each step is the value one season earlier, y[o + h - m k]
//   with the smallest k >= 1 that reaches back before the origin (m = 12 for
//   monthly data with a yearly cycle), so horizons past a season repeat the
//   last observed season.
//
// Both read the series before each origin only, however far back (a seasonal
// naive forecast needs a season of history even when the model's lookback is
// shorter).

/** (origins.length, horizon) row-major: series[o - 1] at every step. */
export function lastValueForecast(
  series: ArrayLike<number>,
  origins: readonly number[],
  horizon: number,
): Float64Array {
  checkBaseline('lastValueForecast', series, origins, horizon, 1);
  const out = new Float64Array(origins.length * horizon);
  origins.forEach((o, i) => out.fill(series[o - 1], i * horizon, (i + 1) * horizon));
  return out;
}

/** (origins.length, horizon) row-major: step h from origin o is series[o + h - season * (floor(h / season) + 1)]. */
export function seasonalNaiveForecast(
  series: ArrayLike<number>,
  origins: readonly number[],
  horizon: number,
  season: number,
): Float64Array {
  if (!Number.isInteger(season) || season < 1) {
    throw new RangeError(`seasonalNaiveForecast: season must be a positive integer, got ${season}`);
  }
  checkBaseline('seasonalNaiveForecast', series, origins, horizon, season);
  const out = new Float64Array(origins.length * horizon);
  origins.forEach((o, i) => {
    for (let h = 0; h < horizon; h++) out[i * horizon + h] = series[o + h - season * (Math.floor(h / season) + 1)];
  });
  return out;
}

function checkBaseline(
  name: string,
  series: ArrayLike<number>,
  origins: readonly number[],
  horizon: number,
  history: number,
): void {
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new RangeError(`${name}: horizon must be a positive integer, got ${horizon}`);
  }
  for (const o of origins) {
    if (!Number.isInteger(o) || o < history || o > series.length) {
      throw new RangeError(
        `${name}: origin ${o} needs ${history} value(s) of history within a series of ${series.length}`,
      );
    }
  }
}

/** Errors of a set of forecasts, in the series' units. */
export interface ForecastErrors {
  /** sqrt(mean squared error) over every origin and step. */
  rmse: number;
  /** Mean absolute error over every origin and step. */
  mae: number;
  /** Forecast values scored (origins x horizon). */
  count: number;
  /** RMSE and MAE of step h ahead (index h - 1) over all origins. */
  perStep: {
    /** RMSE of this step ahead over all origins. */
    rmse: number;
    /** MAE of this step ahead over all origins. */
    mae: number;
  }[];
}

/**
 * RMSE and MAE of `forecasts` (origins.length, horizon) against series[o + h], overall and per step
 * ahead. Every forecast step must lie within the series.
 */
export function forecastErrors(
  series: ArrayLike<number>,
  origins: readonly number[],
  horizon: number,
  forecasts: ArrayLike<number>,
): ForecastErrors {
  if (forecasts.length !== origins.length * horizon) {
    throw new RangeError(
      `forecastErrors: ${forecasts.length} forecasts for ${origins.length} origins x ${horizon} steps`,
    );
  }
  if (origins.length === 0) throw new RangeError('forecastErrors: no origins to score');
  const squares = new Float64Array(horizon);
  const absolutes = new Float64Array(horizon);
  origins.forEach((o, i) => {
    if (!(o >= 0 && o + horizon <= series.length)) {
      throw new RangeError(
        `forecastErrors: the ${horizon} steps from origin ${o} run past the series (${series.length})`,
      );
    }
    for (let h = 0; h < horizon; h++) {
      const error = forecasts[i * horizon + h] - series[o + h];
      squares[h] += error * error;
      absolutes[h] += Math.abs(error);
    }
  });
  const n = origins.length;
  const total = (a: Float64Array) => a.reduce((s, x) => s + x, 0);
  return {
    rmse: Math.sqrt(total(squares) / (n * horizon)),
    mae: total(absolutes) / (n * horizon),
    count: n * horizon,
    perStep: Array.from(squares, (s, h) => ({ rmse: Math.sqrt(s / n), mae: absolutes[h] / n })),
  };
}

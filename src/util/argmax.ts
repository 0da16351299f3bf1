// The greedy choice of a token or class, shared by the js backend's decoding kernel and the
// models, so that every path picks the same index from the same numbers.

/**
 * The index of the largest of `values` other than `exclude` (-1: none), the first one on ties;
 * a NaN is never chosen. When nothing else is left (every value NaN or excluded): the first
 * index not excluded.
 */
export function argmaxExcept(values: ArrayLike<number>, exclude: number): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    if (i === exclude || Number.isNaN(values[i])) continue;
    if (best < 0 || values[i] > values[best]) best = i;
  }
  if (best >= 0) return best;
  return exclude === 0 && values.length > 1 ? 1 : 0;
}

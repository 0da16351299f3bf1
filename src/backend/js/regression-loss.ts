// Reference regression losses (mean squared and mean absolute error), in float64 arithmetic.
import type { FloatArray, Ptr } from '../../memory/heap.js';

/** sum_i (p[i] - t[i])^2, or |p[i] - t[i]| when `absolute`. */
function errorSum(f: FloatArray, prediction: Ptr, target: Ptr, n: number, absolute: boolean): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = f[prediction + i] - f[target + i];
    total += absolute ? Math.abs(d) : d * d;
  }
  return total;
}

export function mseForward(f: FloatArray, prediction: Ptr, target: Ptr, n: number): number {
  return errorSum(f, prediction, target, n, false) / n;
}

/** The mean, and gradient = 2 (p - t) / n written. */
export function mseWithGradient(f: FloatArray, prediction: Ptr, target: Ptr, n: number, gradient: Ptr): number {
  const loss = errorSum(f, prediction, target, n, false) / n;
  const coefficient = 2 / n;
  for (let i = 0; i < n; i++) f[gradient + i] = coefficient * (f[prediction + i] - f[target + i]);
  return loss;
}

export function maeForward(f: FloatArray, prediction: Ptr, target: Ptr, n: number): number {
  return errorSum(f, prediction, target, n, true) / n;
}

/** The mean, and gradient = sign(p - t) / n written (0 where p = t). */
export function maeWithGradient(f: FloatArray, prediction: Ptr, target: Ptr, n: number, gradient: Ptr): number {
  const loss = errorSum(f, prediction, target, n, true) / n;
  for (let i = 0; i < n; i++) f[gradient + i] = Math.sign(f[prediction + i] - f[target + i]) / n;
  return loss;
}

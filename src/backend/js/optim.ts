// Reference optimizer updates over one contiguous block.
import type { FloatArray, Ptr } from '../../memory/heap.js';

export function sgdStep(f: FloatArray, param: Ptr, grad: Ptr, n: number, lr: number): void {
  for (let i = 0; i < n; i++) f[param + i] -= lr * f[grad + i];
}

export function adamStep(
  f: FloatArray,
  param: Ptr,
  grad: Ptr,
  m: Ptr,
  v: Ptr,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  correction1: number,
  correction2: number,
): void {
  for (let i = 0; i < n; i++) {
    const g = f[grad + i];
    const mi = (f[m + i] = beta1 * f[m + i] + (1 - beta1) * g);
    const vi = (f[v + i] = beta2 * f[v + i] + (1 - beta2) * g * g);
    f[param + i] -= (lr * (mi / correction1)) / (Math.sqrt(vi / correction2) + eps);
  }
}

export function sumOfSquares(f: FloatArray, x: Ptr, n: number): number {
  let sum = 0; // a JS number: float64 accumulation
  for (let i = 0; i < n; i++) sum += f[x + i] * f[x + i];
  return sum;
}

// Reference softmax cross-entropy over rows with integer targets.
import type { FloatArray, Ptr } from '../../memory/heap.js';

/** log(sum_c exp(row[c])), with the maximum subtracted first so large logits do not overflow. */
function logSumExp(f: FloatArray, row: Ptr, cols: number): number {
  let max = -Infinity;
  for (let c = 0; c < cols; c++) max = Math.max(max, f[row + c]);
  let sum = 0;
  for (let c = 0; c < cols; c++) sum += Math.exp(f[row + c] - max);
  return max + Math.log(sum);
}

export function crossEntropyForward(
  f: FloatArray,
  ints: Int32Array,
  intIndex: (p: Ptr) => number,
  logits: Ptr,
  targets: Ptr,
  rows: number,
  cols: number,
): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const row = logits + r * cols;
    total += logSumExp(f, row, cols) - f[row + ints[intIndex(targets) + r]];
  }
  return total / rows;
}

export function crossEntropyBackward(
  f: FloatArray,
  ints: Int32Array,
  intIndex: (p: Ptr) => number,
  logits: Ptr,
  targets: Ptr,
  rows: number,
  cols: number,
  dLoss: number,
  dlogits: Ptr,
): void {
  const g = dLoss / rows;
  for (let r = 0; r < rows; r++) {
    const row = logits + r * cols;
    const lse = logSumExp(f, row, cols);
    const target = ints[intIndex(targets) + r];
    for (let c = 0; c < cols; c++) {
      const p = Math.exp(f[row + c] - lse);
      f[dlogits + r * cols + c] += g * (c === target ? p - 1 : p);
    }
  }
}

/** The mean loss, and gradient = (softmax(logits) - onehot(targets)) / rows written (dLoss = 1). */
export function crossEntropyWithGradient(
  f: FloatArray,
  ints: Int32Array,
  intIndex: (p: Ptr) => number,
  logits: Ptr,
  targets: Ptr,
  rows: number,
  cols: number,
  gradient: Ptr,
): number {
  const g = 1 / rows;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const row = logits + r * cols;
    const lse = logSumExp(f, row, cols);
    const target = ints[intIndex(targets) + r];
    total += lse - f[row + target];
    for (let c = 0; c < cols; c++) {
      const p = Math.exp(f[row + c] - lse);
      f[gradient + r * cols + c] = g * (c === target ? p - 1 : p);
    }
  }
  return total / rows;
}

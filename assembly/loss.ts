// Softmax cross-entropy over rows with integer targets; see Kernels in src/backend/backend.ts.
// Every row subtracts its maximum before exp, so e^(x - max) is in (0, 1] and
// large logits (1e4 next to -1e4) neither overflow nor lose the loss. Each row
// costs two vector passes (max, sum of exps); logs and the mean are in f64.
import { madd } from './simd';
import { exp4, hmax, hsum64, loadTail, storeTail } from './math';

/** Largest value of a row; row: (cols), cols >= 1. */
// @ts-ignore: decorator
@inline function rowMax(row: usize, cols: i32): f32 {
  const rowBytes = <usize>cols << 2;
  const vectorEnd = rowBytes & ~15;
  let m = f32x4.splat(-Infinity);
  let c: usize = 0;
  for (; c < vectorEnd; c += 16) m = f32x4.max(m, v128.load(row + c));
  if (c < rowBytes) m = f32x4.max(m, loadTail(row + c, <i32>((rowBytes - c) >> 2), -Infinity));
  return hmax(m);
}

/** sum_c e^(row[c] - max); row: (cols). At least 1 (the maximum's own term). */
// @ts-ignore: decorator
@inline function rowSumExp(row: usize, cols: i32, max: f32): f64 {
  const rowBytes = <usize>cols << 2;
  const vectorEnd = rowBytes & ~15;
  const maxs = f32x4.splat(max);
  let s = f32x4.splat(0);
  let c: usize = 0;
  for (; c < vectorEnd; c += 16) s = f32x4.add(s, exp4(f32x4.sub(v128.load(row + c), maxs)));
  // Padding lanes are -Inf: e^-Inf is 0 (or a subnormal that vanishes next to >= 1).
  if (c < rowBytes) {
    s = f32x4.add(s, exp4(f32x4.sub(loadTail(row + c, <i32>((rowBytes - c) >> 2), -Infinity), maxs)));
  }
  return hsum64(s);
}

/**
 * Mean over rows of -log softmax(logits[r])[targets[r]];
 * logits: (rows, cols) f32, targets: (rows) i32 in [0, cols).
 */
export function crossEntropyForward(logits: usize, targets: usize, rows: i32, cols: i32): f64 {
  const rowBytes = <usize>cols << 2;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const row = logits + <usize>r * rowBytes;
    const max = rowMax(row, cols);
    const logSumExp = <f64>max + Math.log(rowSumExp(row, cols, max));
    const target = load<i32>(targets + (<usize>r << 2));
    total += logSumExp - <f64>load<f32>(row + (<usize>target << 2));
  }
  return total / <f64>rows;
}

/**
 * dlogits += dLoss / rows * (softmax(logits) - onehot(targets));
 * logits, dlogits: (rows, cols), targets: (rows) i32.
 * softmax is e^(x - max) / sum: no rounded log-sum-exp is subtracted from
 * large logits, so probabilities keep f32 relative accuracy.
 */
export function crossEntropyBackward(
  logits: usize, targets: usize, rows: i32, cols: i32, dLoss: f32, dlogits: usize,
): void {
  const rowBytes = <usize>cols << 2;
  const vectorEnd = rowBytes & ~15;
  const perRow: f64 = <f64>dLoss / <f64>rows;
  for (let r = 0; r < rows; r++) {
    const row = logits + <usize>r * rowBytes;
    const gradRow = dlogits + <usize>r * rowBytes;
    const max = rowMax(row, cols);
    const maxs = f32x4.splat(max);
    const coefficient = f32x4.splat(<f32>(perRow / rowSumExp(row, cols, max)));
    let c: usize = 0;
    for (; c < vectorEnd; c += 16) {
      const e = exp4(f32x4.sub(v128.load(row + c), maxs));
      v128.store(gradRow + c, madd(e, coefficient, v128.load(gradRow + c)));
    }
    if (c < rowBytes) {
      const count = <i32>((rowBytes - c) >> 2);
      const e = exp4(f32x4.sub(loadTail(row + c, count, 0), maxs));
      storeTail(gradRow + c, madd(e, coefficient, loadTail(gradRow + c, count, 0)), count);
    }
    const target = gradRow + (<usize>load<i32>(targets + (<usize>r << 2)) << 2);
    store<f32>(target, <f32>(<f64>load<f32>(target) - perRow));
  }
}

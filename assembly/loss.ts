// Softmax cross-entropy over rows with integer targets; see Kernels in src/backend/backend.ts.
// Every row subtracts its maximum before exp, so e^(x - max) is in (0, 1] and
// large logits (1e4 next to -1e4) neither overflow nor lose the loss. (Exps below
// 2^-126 flush to 0: next to the maximum's 1 they do not count.)
//
// Rows go four at a time: each row is a few vectors (28 logits: 7), so the
// per-row work is dominated by horizontal reductions and the log; four rows
// share one shuffle tree for their maxima and one for their sums, and the
// logs of all rows are taken at once as the log of the product of the sums
// (kept in f64 as mantissa * 2^exponent, so it cannot overflow). The mean is
// accumulated in f64.
import { laneSums, madd } from './simd';
import { expNonPositive4, hmax, hsum64, loadTail, storeTail } from './math';

const MANTISSA_BITS: u64 = 0x000fffffffffffff;
const EXPONENT_OF_ONE: u64 = 0x3ff0000000000000;
const LN2: f64 = 0.6931471805599453;

/** Lane-wise maximum of a row's vectors (padding lanes -Inf); row: (cols). Not reduced across lanes. */
// @ts-ignore: decorator
@inline function rowMaxLanes(row: usize, vectorEnd: usize, tailCount: i32): v128 {
  let m = f32x4.splat(-Infinity);
  let c: usize = 0;
  for (; c < vectorEnd; c += 16) m = f32x4.max(m, v128.load(row + c));
  if (tailCount > 0) m = f32x4.max(m, loadTail(row + c, tailCount, -Infinity));
  return m;
}

/**
 * Lane-wise sums of e^(row[c] - max); row: (cols). With `store`, also writes the exps to out: (cols).
 * Padding lanes are -Inf: e^-Inf is exactly 0.
 */
// @ts-ignore: decorator
@inline function rowExpLanes(row: usize, maxs: v128, vectorEnd: usize, tailCount: i32, out: usize, store: bool): v128 {
  let s = f32x4.splat(0);
  let c: usize = 0;
  for (; c < vectorEnd; c += 16) {
    const e = expNonPositive4(f32x4.sub(v128.load(row + c), maxs));
    if (store) v128.store(out + c, e);
    s = f32x4.add(s, e);
  }
  if (tailCount > 0) {
    const e = expNonPositive4(f32x4.sub(loadTail(row + c, tailCount, -Infinity), maxs));
    if (store) storeTail(out + c, e, tailCount);
    s = f32x4.add(s, e);
  }
  return s;
}

/** out[0:cols] *= coefficient. */
// @ts-ignore: decorator
@inline function scaleRow(out: usize, coefficient: v128, vectorEnd: usize, tailCount: i32): void {
  let c: usize = 0;
  for (; c < vectorEnd; c += 16) v128.store(out + c, f32x4.mul(v128.load(out + c), coefficient));
  if (tailCount > 0) storeTail(out + c, f32x4.mul(loadTail(out + c, tailCount, 0), coefficient), tailCount);
}

/** [max m0, max m1, max m2, max m3]; NaN propagates. */
// @ts-ignore: decorator
@inline function laneMaxes(m0: v128, m1: v128, m2: v128, m3: v128): v128 {
  const x = f32x4.max(v128.shuffle<f32>(m0, m1, 0, 1, 4, 5), v128.shuffle<f32>(m0, m1, 2, 3, 6, 7));
  const y = f32x4.max(v128.shuffle<f32>(m2, m3, 0, 1, 4, 5), v128.shuffle<f32>(m2, m3, 2, 3, 6, 7));
  return f32x4.max(v128.shuffle<f32>(x, y, 0, 2, 4, 6), v128.shuffle<f32>(x, y, 1, 3, 5, 7));
}

/** The f32 at byte offset 4 * targets[r] of row; targets: (rows) i32. */
// @ts-ignore: decorator
@inline function targetAddress(row: usize, targets: usize, r: i32): usize {
  return row + (<usize>load<i32>(targets + (<usize>r << 2)) << 2);
}

/**
 * The sum over rows of -log softmax(logits[r])[targets[r]]; with `withGradient`, also writes
 * gradient = (softmax(logits) - onehot(targets)) / totalRows. logits, gradient: (rows, cols); targets: (rows).
 */
// @ts-ignore: decorator
@inline function crossEntropyRows(
  logits: usize, targets: usize, rows: i32, totalRows: i32, cols: i32, gradient: usize, withGradient: bool,
): f64 {
  const rowBytes = <usize>cols << 2;
  const vectorEnd = rowBytes & ~15;
  const tailCount = <i32>((rowBytes - vectorEnd) >> 2);
  const perRow: f64 = 1.0 / <f64>totalRows;
  const perRows = f64x2.splat(perRow);
  // loss of row r = (max_r - x_r[target]) + log(sum_r); the logs are summed as the log of a product.
  let offsets: f64 = 0;
  let mantissa: f64 = 1;
  let exponent: i64 = 0;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const row0 = logits + <usize>r * rowBytes;
    const row1 = row0 + rowBytes;
    const row2 = row1 + rowBytes;
    const row3 = row2 + rowBytes;
    const out0 = gradient + <usize>r * rowBytes;
    const out1 = out0 + rowBytes;
    const out2 = out1 + rowBytes;
    const out3 = out2 + rowBytes;
    const maxs = laneMaxes(
      rowMaxLanes(row0, vectorEnd, tailCount), rowMaxLanes(row1, vectorEnd, tailCount),
      rowMaxLanes(row2, vectorEnd, tailCount), rowMaxLanes(row3, vectorEnd, tailCount),
    );
    const sums = laneSums(
      rowExpLanes(row0, v128.shuffle<f32>(maxs, maxs, 0, 0, 0, 0), vectorEnd, tailCount, out0, withGradient),
      rowExpLanes(row1, v128.shuffle<f32>(maxs, maxs, 1, 1, 1, 1), vectorEnd, tailCount, out1, withGradient),
      rowExpLanes(row2, v128.shuffle<f32>(maxs, maxs, 2, 2, 2, 2), vectorEnd, tailCount, out2, withGradient),
      rowExpLanes(row3, v128.shuffle<f32>(maxs, maxs, 3, 3, 3, 3), vectorEnd, tailCount, out3, withGradient),
    );
    const sumsLow = f64x2.promote_low_f32x4(sums);
    const sumsHigh = f64x2.promote_low_f32x4(v128.shuffle<f32>(sums, sums, 2, 3, 2, 3));
    const pair = f64x2.mul(sumsLow, sumsHigh);
    const product = f64x2.extract_lane(pair, 0) * f64x2.extract_lane(pair, 1); // <= cols^4 < 2^124
    // Renormalise to [1, 2); product - product is NaN for a NaN sum, which the mantissa would lose.
    const bits = reinterpret<u64>(mantissa * product);
    exponent += <i64>(bits >> 52) - 1023;
    mantissa = reinterpret<f64>((bits & MANTISSA_BITS) | EXPONENT_OF_ONE);
    offsets += (product - product)
      + (<f64>f32x4.extract_lane(maxs, 0) - <f64>load<f32>(targetAddress(row0, targets, r)))
      + (<f64>f32x4.extract_lane(maxs, 1) - <f64>load<f32>(targetAddress(row1, targets, r + 1)))
      + (<f64>f32x4.extract_lane(maxs, 2) - <f64>load<f32>(targetAddress(row2, targets, r + 2)))
      + (<f64>f32x4.extract_lane(maxs, 3) - <f64>load<f32>(targetAddress(row3, targets, r + 3)));
    if (withGradient) {
      // softmax = e / sum, with 1 / (rows sum) formed in f64 and rounded once.
      const coefficients = v128.shuffle<f32>(
        f32x4.demote_f64x2_zero(f64x2.div(perRows, sumsLow)),
        f32x4.demote_f64x2_zero(f64x2.div(perRows, sumsHigh)),
        0, 1, 4, 5,
      );
      scaleRow(out0, v128.shuffle<f32>(coefficients, coefficients, 0, 0, 0, 0), vectorEnd, tailCount);
      scaleRow(out1, v128.shuffle<f32>(coefficients, coefficients, 1, 1, 1, 1), vectorEnd, tailCount);
      scaleRow(out2, v128.shuffle<f32>(coefficients, coefficients, 2, 2, 2, 2), vectorEnd, tailCount);
      scaleRow(out3, v128.shuffle<f32>(coefficients, coefficients, 3, 3, 3, 3), vectorEnd, tailCount);
      const t0 = targetAddress(out0, targets, r);
      const t1 = targetAddress(out1, targets, r + 1);
      const t2 = targetAddress(out2, targets, r + 2);
      const t3 = targetAddress(out3, targets, r + 3);
      store<f32>(t0, <f32>(<f64>load<f32>(t0) - perRow));
      store<f32>(t1, <f32>(<f64>load<f32>(t1) - perRow));
      store<f32>(t2, <f32>(<f64>load<f32>(t2) - perRow));
      store<f32>(t3, <f32>(<f64>load<f32>(t3) - perRow));
    }
  }
  let logs: f64 = 0;
  for (; r < rows; r++) {
    const row = logits + <usize>r * rowBytes;
    const out = gradient + <usize>r * rowBytes;
    const max = hmax(rowMaxLanes(row, vectorEnd, tailCount));
    const sum = hsum64(rowExpLanes(row, f32x4.splat(max), vectorEnd, tailCount, out, withGradient));
    logs += Math.log(sum);
    offsets += <f64>max - <f64>load<f32>(targetAddress(row, targets, r));
    if (withGradient) {
      scaleRow(out, f32x4.splat(<f32>(perRow / sum)), vectorEnd, tailCount);
      const t = targetAddress(out, targets, r);
      store<f32>(t, <f32>(<f64>load<f32>(t) - perRow));
    }
  }
  return offsets + logs + (Math.log(mantissa) + <f64>exponent * LN2);
}

// Each kernel takes totalRows, the rows the mean is over: `rows` when one call does them
// all, all the threads' rows when a call does a share of them (its result is then its part
// of the mean, and the parts add up to it).

/**
 * Sum over rows of -log softmax(logits[r])[targets[r]], over totalRows (the mean when totalRows is rows);
 * logits: (rows, cols) f32, targets: (rows) i32 in [0, cols).
 */
export function crossEntropyForward(logits: usize, targets: usize, rows: i32, cols: i32, totalRows: i32): f64 {
  return crossEntropyRows(logits, targets, rows, totalRows, cols, 0, false) / <f64>totalRows;
}

/**
 * The loss and its gradient in one pass: returns the sum over rows of -log softmax(logits[r])[targets[r]]
 * over totalRows and writes gradient = (softmax(logits) - onehot(targets)) / totalRows.
 * logits, gradient: (rows, cols) f32, not aliased; targets: (rows) i32 in [0, cols).
 */
export function crossEntropyWithGradient(
  logits: usize, targets: usize, rows: i32, cols: i32, gradient: usize, totalRows: i32,
): f64 {
  return crossEntropyRows(logits, targets, rows, totalRows, cols, gradient, true) / <f64>totalRows;
}

/**
 * dlogits += dLoss / totalRows * (softmax(logits) - onehot(targets));
 * logits, dlogits: (rows, cols), targets: (rows) i32.
 * softmax is e^(x - max) / sum: no rounded log-sum-exp is subtracted from
 * large logits, so probabilities keep f32 relative accuracy.
 */
export function crossEntropyBackward(
  logits: usize, targets: usize, rows: i32, cols: i32, dLoss: f32, dlogits: usize, totalRows: i32,
): void {
  const rowBytes = <usize>cols << 2;
  const vectorEnd = rowBytes & ~15;
  const tailCount = <i32>((rowBytes - vectorEnd) >> 2);
  const perRow: f64 = <f64>dLoss / <f64>totalRows;
  for (let r = 0; r < rows; r++) {
    const row = logits + <usize>r * rowBytes;
    const gradRow = dlogits + <usize>r * rowBytes;
    const max = hmax(rowMaxLanes(row, vectorEnd, tailCount));
    const maxs = f32x4.splat(max);
    const sum = hsum64(rowExpLanes(row, maxs, vectorEnd, tailCount, 0, false));
    const coefficient = f32x4.splat(<f32>(perRow / sum));
    let c: usize = 0;
    for (; c < vectorEnd; c += 16) {
      const e = expNonPositive4(f32x4.sub(v128.load(row + c), maxs));
      v128.store(gradRow + c, madd(e, coefficient, v128.load(gradRow + c)));
    }
    if (c < rowBytes) {
      const e = expNonPositive4(f32x4.sub(loadTail(row + c, tailCount, -Infinity), maxs)); // padding: 0
      storeTail(gradRow + c, madd(e, coefficient, loadTail(gradRow + c, tailCount, 0)), tailCount);
    }
    const target = targetAddress(gradRow, targets, r);
    store<f32>(target, <f32>(<f64>load<f32>(target) - perRow));
  }
}

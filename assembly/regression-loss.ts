// Regression losses over n predictions and targets: mean squared error and
// mean absolute error (PyTorch's mse_loss and l1_loss, reduction 'mean'); see
// Kernels in src/backend/backend.ts.
//
// Each difference p - t is one f32 subtraction; its square (or absolute value)
// is summed in f64, two lanes per f64x2 accumulator, so the mean carries only
// the subtraction's rounding whatever n is. The fused kernels write the
// gradient for dLoss = 1 in the same pass: 2 (p - t) / n for MSE, sign(p - t) / n
// for MAE (0 where p = t, as torch.sign).

/**
 * Sum over i of (p[i] - t[i])^2, or |p[i] - t[i]| when `absolute`; prediction, target: (n).
 * With `withGradient`, also writes gradient: (n) = coefficient * (p - t) (squared) or
 * coefficient * sign(p - t) (absolute). gradient may alias prediction or target.
 */
// @ts-ignore: decorator
@inline function errorSum(
  prediction: usize, target: usize, n: i32, absolute: bool, withGradient: bool, gradient: usize, coefficient: f32,
): f64 {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  const coefficients = f32x4.splat(coefficient);
  const zero = f32x4.splat(0);
  let low = f64x2.splat(0);
  let high = f64x2.splat(0);
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    const d = f32x4.sub(v128.load(prediction + i), v128.load(target + i));
    const e = absolute ? f32x4.abs(d) : d;
    const lo = f64x2.promote_low_f32x4(e);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 2, 3));
    if (absolute) {
      low = f64x2.add(low, lo);
      high = f64x2.add(high, hi);
    } else {
      low = f64x2.add(low, f64x2.mul(lo, lo));
      high = f64x2.add(high, f64x2.mul(hi, hi));
    }
    if (withGradient) {
      if (absolute) {
        // sign(d) * c: +c where d > 0, -c where d < 0, 0 where d = 0 (and for NaN).
        const positive = v128.and(f32x4.gt(d, zero), coefficients);
        const negative = v128.and(f32x4.lt(d, zero), coefficients);
        v128.store(gradient + i, f32x4.sub(positive, negative));
      } else {
        v128.store(gradient + i, f32x4.mul(coefficients, d));
      }
    }
  }
  const pair = f64x2.add(low, high);
  let total = f64x2.extract_lane(pair, 0) + f64x2.extract_lane(pair, 1);
  for (; i < end; i += 4) {
    const d: f32 = load<f32>(prediction + i) - load<f32>(target + i);
    const e = <f64>d;
    total += absolute ? Math.abs(e) : e * e;
    if (withGradient) {
      const g: f32 = absolute ? (d > 0 ? coefficient : d < 0 ? -coefficient : 0) : coefficient * d;
      store<f32>(gradient + i, g);
    }
  }
  return total;
}

/** mean_i (p[i] - t[i])^2; prediction, target: (n), n >= 1. */
export function mseForward(prediction: usize, target: usize, n: i32): f64 {
  return errorSum(prediction, target, n, false, false, 0, 0) / <f64>n;
}

/** mseForward, and gradient: (n) = 2 (p - t) / n written (dLoss = 1). */
export function mseWithGradient(prediction: usize, target: usize, n: i32, gradient: usize): f64 {
  return errorSum(prediction, target, n, false, true, gradient, <f32>(2.0 / <f64>n)) / <f64>n;
}

/** mean_i |p[i] - t[i]|; prediction, target: (n), n >= 1. */
export function maeForward(prediction: usize, target: usize, n: i32): f64 {
  return errorSum(prediction, target, n, true, false, 0, 0) / <f64>n;
}

/** maeForward, and gradient: (n) = sign(p - t) / n written (dLoss = 1; 0 where p = t). */
export function maeWithGradient(prediction: usize, target: usize, n: i32, gradient: usize): f64 {
  return errorSum(prediction, target, n, true, true, gradient, <f32>(1.0 / <f64>n)) / <f64>n;
}

// Vectorised e^v (v <= 0), sigmoid and tanh on four f32 lanes, and the tail helpers
// the kernels share. Everything here is @inline: the fused LSTM/GRU kernels
// import these and get straight-line code, no calls. Loops that call them do
// best with four independent vectors per iteration (V8 then keeps the
// constants in registers across them: 1.7x for sigmoid and tanh here).
//
// All three functions reduce to the same core: for an argument u, write
// u = n ln2 + t with n an integer and |t| <= ln2/2, then
//   expm1(t) ~ t + t^2 (C2 + C3 t + C4 t^2 + C5 t^3 + C6 t^4)
// and exp(u) = 2^n (1 + expm1(t)). The polynomial was fitted (minimax on
// |t| <= ln2/2 for the relative error of expm1) in float64, then rounded to
// f32: relative error 2.6e-8 for expm1(t), 8e-9 for exp(t). No step relies on
// a fused multiply-add (x - n ln2_hi is exact either way), so the error is
// the same whether or not `madd` fuses.
import { madd } from './simd';

/** log2(e). */
const LOG2E: f32 = 1.44269504;
/** 1.5 * 2^23 + 127: adding it to |v| < 2^22 rounds v to an integer n kept in the low
 * mantissa bits, biased by 127: shifted left 23, they are the float 2^n. */
const ROUND_MAGIC_BIASED: f32 = 12583039.0;
/** ln2 split in two: LN2_HI has 9 significant bits, so n * LN2_HI is exact for |n| < 2^15. */
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const C2: f32 = 4.999999702e-1;
const C3: f32 = 1.666654348e-1;
const C4: f32 = 4.166720062e-2;
const C5: f32 = 8.366513997e-3;
const C6: f32 = 1.388252247e-3;

/** log(2^-126): below it e^v is subnormal, and expNonPositive4 flushes it to 0. */
const SIGMOID_CUTOFF: f32 = -87.3365479;
/** tanh(x) rounds to +-1 in f32 for |x| > 9.02; 2^n stays a normal float for 2|x| <= 20. */
const TANH_CLAMP: f32 = 10.0;

const SIGN_BIT: i32 = <i32>0x80000000;
const NOT_SIGN_BIT: i32 = 0x7fffffff;

/** expm1(t) for |t| <= ln2/2 (a little more is fine). */
// @ts-ignore: decorator
@inline function expm1Reduced(t: v128): v128 {
  let q = madd(f32x4.splat(C6), t, f32x4.splat(C5));
  q = madd(q, t, f32x4.splat(C4));
  q = madd(q, t, f32x4.splat(C3));
  q = madd(q, t, f32x4.splat(C2));
  return madd(q, f32x4.mul(t, t), t);
}

/**
 * e^v for v <= 0 (what softmax and sigmoid need): one scale 2^n with n in [-126, 0], results
 * below 2^-126 (v < ~-87.3) flushed to 0 instead of kept as subnormals; -Inf gives 0, NaN stays
 * NaN. Error about 1 ulp.
 */
// @ts-ignore: decorator
@inline export function expNonPositive4(v: v128): v128 {
  // pmax(a, b) is a < b ? b : a: with the variable first, its NaN passes through. One instruction
  // on x64, where V8 spends eight on f32x4.max (IEEE NaN and -0 rules we do not need against a
  // constant bound). Clamping keeps 2^n normal.
  const u = f32x4.pmax(v, f32x4.splat(SIGMOID_CUTOFF));
  const rounded = madd(u, f32x4.splat(LOG2E), f32x4.splat(ROUND_MAGIC_BIASED));
  const scale = i32x4.shl(rounded, 23); // 2^n, n = round(u log2 e) in [-126, 0]
  const nf = f32x4.sub(rounded, f32x4.splat(ROUND_MAGIC_BIASED));
  let t = madd(nf, f32x4.splat(-LN2_HI), u);
  t = madd(nf, f32x4.splat(-LN2_LO), t);
  const e = madd(expm1Reduced(t), scale, scale);
  return v128.andnot(e, f32x4.lt(v, f32x4.splat(SIGMOID_CUTOFF))); // below ~1e-38: 0
}

/**
 * 1 / (1 + e^-x). From e = e^-|x| <= 1 (never overflows): s = e / (1 + e) is
 * sigmoid(-|x|), and 1 - s for x >= 0 (one rounding, so outputs near 1 stay
 * within about half an ulp). +-Inf give 1 and 0, NaN stays NaN. Absolute error
 * below 7e-8; relative error about 2 ulp down to the smallest normal output.
 */
// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  const e = expNonPositive4(v128.or(x, i32x4.splat(SIGN_BIT))); // e^-|x|
  const small = f32x4.div(e, f32x4.add(e, f32x4.splat(1.0))); // sigmoid(-|x|), in [0, 1/2]
  const negative = i32x4.shr_s(x, 31); // all ones in lanes where x < 0
  // negative is all ones or all zeros per lane, so the relaxed select (one blendv) is exact.
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.relaxed_laneselect(small, f32x4.sub(f32x4.splat(1.0), small), negative);
  return v128.bitselect(small, f32x4.sub(f32x4.splat(1.0), small), negative);
}

/**
 * tanh(x) = sign(x) m / (m + 2) with m = expm1(2|x|), so small |x| keep full
 * relative accuracy (no 1 - e cancellation); |x| is clamped at 10, where
 * tanh already rounds to 1. +-Inf give +-1, NaN stays NaN. Error about 2 ulp
 * (absolute below 9e-8).
 */
// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const abs = v128.and(x, i32x4.splat(NOT_SIGN_BIT));
  const clamped = f32x4.pmin(abs, f32x4.splat(TANH_CLAMP)); // NaN passes (see expNonPositive4)
  const u = f32x4.add(clamped, clamped);
  const rounded = madd(u, f32x4.splat(LOG2E), f32x4.splat(ROUND_MAGIC_BIASED));
  const scale = i32x4.shl(rounded, 23); // 2^n, n in [0, 29]
  const nf = f32x4.sub(rounded, f32x4.splat(ROUND_MAGIC_BIASED));
  let t = madd(nf, f32x4.splat(-LN2_HI), u);
  t = madd(nf, f32x4.splat(-LN2_LO), t);
  // expm1(u) = 2^n expm1(t) + (2^n - 1); 2^n expm1(t) is exact and 2^n - 1 exact for n <= 24.
  const m = madd(expm1Reduced(t), scale, f32x4.sub(scale, f32x4.splat(1.0)));
  const magnitude = f32x4.div(m, f32x4.add(m, f32x4.splat(2.0)));
  return v128.or(magnitude, v128.and(x, i32x4.splat(SIGN_BIT)));
}

// ---- tails: the last n % 4 elements of a row or block, as a partial vector --

/** Lanes 0..count-1 from ptr (count in 1..3), the other lanes `fill`. Reads only the valid floats. */
// @ts-ignore: decorator
@inline export function loadTail(ptr: usize, count: i32, fill: f32): v128 {
  let v = f32x4.replace_lane(f32x4.splat(fill), 0, load<f32>(ptr));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(ptr, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(ptr, 8));
  return v;
}

/** Stores lanes 0..count-1 of v at ptr (count in 1..3); writes nothing beyond them. */
// @ts-ignore: decorator
@inline export function storeTail(ptr: usize, v: v128, count: i32): void {
  store<f32>(ptr, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(ptr, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(ptr, f32x4.extract_lane(v, 2), 8);
}

/** Largest lane; NaN if any lane is NaN. */
// @ts-ignore: decorator
@inline export function hmax(v: v128): f32 {
  const pairs = f32x4.max(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return Mathf.max(f32x4.extract_lane(pairs, 0), f32x4.extract_lane(pairs, 1));
}

/** Sum of the four lanes in f64. */
// @ts-ignore: decorator
@inline export function hsum64(v: v128): f64 {
  const low = f64x2.promote_low_f32x4(v);
  const high = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
  const pair = f64x2.add(low, high);
  return f64x2.extract_lane(pair, 0) + f64x2.extract_lane(pair, 1);
}

// Optimizer updates and the squared norm over one contiguous block of n
// parameters; see Kernels in src/backend/backend.ts.
import { madd, nmadd } from './simd';
import { hsum64 } from './math';

/** param -= lr * grad; param, grad: (n). */
export function sgdStep(param: usize, grad: usize, n: i32, lr: f32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  const rates = f32x4.splat(lr);
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(param + i, nmadd(rates, v128.load(grad + i), v128.load(param + i)));
  for (; i < end; i += 4) store<f32>(param + i, load<f32>(param + i) - lr * load<f32>(grad + i));
}

/**
 * Adam; param, grad, m, v: (n).
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * param -= lr * (m / correction1) / (sqrt(v / correction2) + eps).
 */
export function adamStep(
  param: usize, grad: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, correction1: f32, correction2: f32,
): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  const keep1 = f32x4.splat(beta1);
  const take1 = f32x4.splat(1 - beta1);
  const keep2 = f32x4.splat(beta2);
  const take2 = f32x4.splat(1 - beta2);
  const step = lr / correction1;
  const steps = f32x4.splat(step);
  const inverseCorrection2: f32 = 1 / correction2;
  const inverseCorrections2 = f32x4.splat(inverseCorrection2);
  const epsilons = f32x4.splat(eps);
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    const g = v128.load(grad + i);
    const mi = madd(keep1, v128.load(m + i), f32x4.mul(take1, g));
    const vi = madd(keep2, v128.load(v + i), f32x4.mul(take2, f32x4.mul(g, g)));
    v128.store(m + i, mi);
    v128.store(v + i, vi);
    const denominator = f32x4.add(f32x4.sqrt(f32x4.mul(vi, inverseCorrections2)), epsilons);
    v128.store(param + i, nmadd(steps, f32x4.div(mi, denominator), v128.load(param + i)));
  }
  for (; i < end; i += 4) {
    const g = load<f32>(grad + i);
    const mi = beta1 * load<f32>(m + i) + (1 - beta1) * g;
    const vi = beta2 * load<f32>(v + i) + (1 - beta2) * (g * g);
    store<f32>(m + i, mi);
    store<f32>(v + i, vi);
    store<f32>(param + i, load<f32>(param + i) - step * (mi / (Mathf.sqrt(vi * inverseCorrection2) + eps)));
  }
}

/** Squares per block: 4 accumulators x 4 lanes x 4 vectors, then the block goes to f64. */
const BLOCK_BYTES: usize = 256;

/**
 * sum_i x[i]^2; x: (n).
 * Squares are summed in f32 over blocks of 64 elements (each term sees at
 * most 6 roundings), and the blocks in f64: relative error below 6 * 2^-24
 * (3.6e-7) for any n, so a 1e7-element block keeps float32 accuracy.
 */
export function sumOfSquares(x: usize, n: i32): f64 {
  const end = <usize>n << 2;
  const blockEnd = end - end % BLOCK_BYTES;
  let total: f64 = 0;
  let i: usize = 0;
  for (; i < blockEnd; i += BLOCK_BYTES) {
    const p = x + i;
    let v0 = v128.load(p);
    let v1 = v128.load(p, 16);
    let v2 = v128.load(p, 32);
    let v3 = v128.load(p, 48);
    let s0 = f32x4.mul(v0, v0);
    let s1 = f32x4.mul(v1, v1);
    let s2 = f32x4.mul(v2, v2);
    let s3 = f32x4.mul(v3, v3);
    for (let k: usize = 64; k < BLOCK_BYTES; k += 64) {
      v0 = v128.load(p + k);
      v1 = v128.load(p + k, 16);
      v2 = v128.load(p + k, 32);
      v3 = v128.load(p + k, 48);
      s0 = madd(v0, v0, s0);
      s1 = madd(v1, v1, s1);
      s2 = madd(v2, v2, s2);
      s3 = madd(v3, v3, s3);
    }
    total += hsum64(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  }
  const vectorEnd = end & ~15;
  for (; i < vectorEnd; i += 16) {
    const v = v128.load(x + i);
    total += hsum64(f32x4.mul(v, v));
  }
  for (; i < end; i += 4) {
    const value = <f64>load<f32>(x + i);
    total += value * value;
  }
  return total;
}

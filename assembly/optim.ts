// Optimizer updates and the squared norm over one contiguous block of n
// parameters; see Kernels in src/backend/backend.ts.
import { madd, nmadd } from './simd';
import { hsum64, loadTail, storeTail } from './math';

/** param -= lr * grad; param, grad: (n). */
export function sgdStep(param: usize, grad: usize, n: i32, lr: f32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  const rates = f32x4.splat(lr);
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(param + i, nmadd(rates, v128.load(grad + i), v128.load(param + i)));
  for (; i < end; i += 4) store<f32>(param + i, load<f32>(param + i) - lr * load<f32>(grad + i));
}

// The optimisers below follow PyTorch's update formulas (torch.optim, single-tensor
// path) operation for operation. Hyperparameters arrive as f64 and every derived
// constant (1 - beta, lr / correction, ...) is computed in f64 and rounded to f32
// once, as PyTorch does when it applies a Python float to a float32 tensor.
// Each kernel's body works on four lanes (`count` of them valid): the main loop
// calls it with count 4 (the tail branches fold away), the last n % 4 elements
// once through loadTail/storeTail.

// @ts-ignore: decorator
@inline function load4(ptr: usize, count: i32): v128 {
  return count == 4 ? v128.load(ptr) : loadTail(ptr, count, 0);
}

// @ts-ignore: decorator
@inline function store4(ptr: usize, value: v128, count: i32): void {
  if (count == 4) v128.store(ptr, value);
  else storeTail(ptr, value, count);
}

/** The gradient with L2 weight decay added (PyTorch's grad.add(param, alpha=weight_decay)). */
// @ts-ignore: decorator
@inline function decayedGradient(g: v128, p: v128, decay: v128, hasDecay: bool): v128 {
  return hasDecay ? madd(decay, p, g) : g;
}

/**
 * SGD with momentum (PyTorch's SGD); param, grad, velocity: (n).
 * d = grad + weightDecay param;
 * momentum > 0: velocity = firstStep ? d : momentum velocity + (1 - dampening) d,
 *   d = nesterov ? d + momentum velocity : velocity;
 * param -= lr d. With momentum 0, velocity is neither read nor written (any address).
 */
export function sgdMomentumStep(
  param: usize, grad: usize, velocity: usize, n: i32,
  lr: f64, weightDecay: f64, momentum: f64, dampening: f64, nesterov: i32, firstStep: i32,
): void {
  const rates = f32x4.splat(<f32>lr);
  const decay = f32x4.splat(<f32>weightDecay);
  const hasDecay = weightDecay != 0;
  const keep = f32x4.splat(<f32>momentum);
  const take = f32x4.splat(<f32>(1 - dampening));
  const useVelocity = momentum != 0;
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    sgdMomentumLanes(param + i, grad + i, velocity + i, 4, rates, decay, hasDecay, keep, take, useVelocity, nesterov, firstStep);
  }
  if (i < end) {
    const count = <i32>((end - i) >> 2);
    sgdMomentumLanes(param + i, grad + i, velocity + i, count, rates, decay, hasDecay, keep, take, useVelocity, nesterov, firstStep);
  }
}

// @ts-ignore: decorator
@inline function sgdMomentumLanes(
  param: usize, grad: usize, velocity: usize, count: i32,
  rates: v128, decay: v128, hasDecay: bool, keep: v128, take: v128, useVelocity: bool, nesterov: i32, firstStep: i32,
): void {
  const p = load4(param, count);
  let d = decayedGradient(load4(grad, count), p, decay, hasDecay);
  if (useVelocity) {
    const buffer = firstStep ? d : madd(take, d, f32x4.mul(keep, load4(velocity, count)));
    store4(velocity, buffer, count);
    d = nesterov ? madd(keep, buffer, d) : buffer;
  }
  store4(param, nmadd(rates, d, p), count);
}

/**
 * Adam and AdamW (PyTorch's, without amsgrad); param, grad, m, v: (n).
 * AdamW (decoupled): param *= 1 - lr weightDecay; Adam: g = grad + weightDecay param.
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * param -= (lr / correction1) m / (sqrt(v) / sqrt(correction2) + eps), correction_i = 1 - b_i^t.
 */
export function adamStep(
  param: usize, grad: usize, m: usize, v: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, correction1: f64, correction2: f64,
  weightDecay: f64, decoupled: i32,
): void {
  const keep1 = f32x4.splat(<f32>beta1);
  const take1 = f32x4.splat(<f32>(1 - beta1));
  const keep2 = f32x4.splat(<f32>beta2);
  const take2 = f32x4.splat(<f32>(1 - beta2));
  const steps = f32x4.splat(<f32>(lr / correction1));
  const roots = f32x4.splat(<f32>Math.sqrt(correction2));
  const epsilons = f32x4.splat(<f32>eps);
  const hasDecay = weightDecay != 0 && decoupled == 0;
  const decay = f32x4.splat(<f32>weightDecay);
  const shrink = decoupled != 0 && weightDecay != 0;
  const shrinks = f32x4.splat(<f32>(1 - lr * weightDecay));
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    adamLanes(param + i, grad + i, m + i, v + i, 4, keep1, take1, keep2, take2, steps, roots, epsilons, hasDecay, decay, shrink, shrinks);
  }
  if (i < end) {
    const count = <i32>((end - i) >> 2);
    adamLanes(param + i, grad + i, m + i, v + i, count, keep1, take1, keep2, take2, steps, roots, epsilons, hasDecay, decay, shrink, shrinks);
  }
}

// @ts-ignore: decorator
@inline function adamLanes(
  param: usize, grad: usize, m: usize, v: usize, count: i32,
  keep1: v128, take1: v128, keep2: v128, take2: v128, steps: v128, roots: v128, epsilons: v128,
  hasDecay: bool, decay: v128, shrink: bool, shrinks: v128,
): void {
  let p = load4(param, count);
  const g = decayedGradient(load4(grad, count), p, decay, hasDecay);
  if (shrink) p = f32x4.mul(p, shrinks);
  const mi = madd(take1, g, f32x4.mul(keep1, load4(m, count)));
  const vi = madd(take2, f32x4.mul(g, g), f32x4.mul(keep2, load4(v, count)));
  store4(m, mi, count);
  store4(v, vi, count);
  const denominator = f32x4.add(f32x4.div(f32x4.sqrt(vi), roots), epsilons);
  store4(param, nmadd(steps, f32x4.div(mi, denominator), p), count);
}

/**
 * RMSprop (PyTorch's); param, grad, squareAvg, gradAvg, velocity: (n).
 * g = grad + weightDecay param; squareAvg = alpha squareAvg + (1 - alpha) g^2;
 * centered: gradAvg = alpha gradAvg + (1 - alpha) g, avg = sqrt(squareAvg - gradAvg^2) + eps;
 * otherwise avg = sqrt(squareAvg) + eps (gradAvg neither read nor written);
 * momentum > 0: velocity = momentum velocity + g / avg, param -= lr velocity;
 * otherwise param -= lr g / avg (velocity neither read nor written).
 */
export function rmspropStep(
  param: usize, grad: usize, squareAvg: usize, gradAvg: usize, velocity: usize, n: i32,
  lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64, centered: i32,
): void {
  const rates = f32x4.splat(<f32>lr);
  const keep = f32x4.splat(<f32>alpha);
  const take = f32x4.splat(<f32>(1 - alpha));
  const epsilons = f32x4.splat(<f32>eps);
  const hasDecay = weightDecay != 0;
  const decay = f32x4.splat(<f32>weightDecay);
  const useVelocity = momentum > 0;
  const momenta = f32x4.splat(<f32>momentum);
  const isCentered = centered != 0;
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    rmspropLanes(param + i, grad + i, squareAvg + i, gradAvg + i, velocity + i, 4, rates, keep, take, epsilons, hasDecay, decay, useVelocity, momenta, isCentered);
  }
  if (i < end) {
    const count = <i32>((end - i) >> 2);
    rmspropLanes(param + i, grad + i, squareAvg + i, gradAvg + i, velocity + i, count, rates, keep, take, epsilons, hasDecay, decay, useVelocity, momenta, isCentered);
  }
}

// @ts-ignore: decorator
@inline function rmspropLanes(
  param: usize, grad: usize, squareAvg: usize, gradAvg: usize, velocity: usize, count: i32,
  rates: v128, keep: v128, take: v128, epsilons: v128, hasDecay: bool, decay: v128,
  useVelocity: bool, momenta: v128, centered: bool,
): void {
  const p = load4(param, count);
  const g = decayedGradient(load4(grad, count), p, decay, hasDecay);
  const square = madd(take, f32x4.mul(g, g), f32x4.mul(keep, load4(squareAvg, count)));
  store4(squareAvg, square, count);
  const mean = centered ? madd(take, g, f32x4.mul(keep, load4(gradAvg, count))) : f32x4.splat(0);
  if (centered) store4(gradAvg, mean, count);
  const spread = nmadd(mean, mean, square);
  let step = f32x4.div(g, f32x4.add(f32x4.sqrt(spread), epsilons));
  if (useVelocity) {
    step = madd(momenta, load4(velocity, count), step);
    store4(velocity, step, count);
  }
  store4(param, nmadd(rates, step, p), count);
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

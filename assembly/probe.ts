// The peak probe: how many f32x4 multiply-adds per second this engine and
// machine can retire from registers, in this build (a fused relaxed_madd in the
// relaxed build, a multiply and an add in the baseline). It is the denominator
// of the GEMM speed targets, so it must be throughput-bound, not latency-bound.
import { madd } from './simd';

// Each chain is acc = acc * y + z: a multiply and an add (or one fma) per lane
// whose result the next step needs. A chain is 6 cycles deep on x64 (mul 3 + add
// 3; fma 4), and x64 cores retire two multiplies and two adds (or two fmas) per
// cycle, so it takes 12+ independent chains to keep the units busy. Thirteen
// chains plus y and z fill 15 xmm registers, the most V8 allocates on x64.
const CHAINS = 13;
const STEPS_PER_ITERATION = 2;

// y < 1, so each chain converges to z / (1 - y) instead of overflowing or going
// subnormal. They live in memory: a loaded value stays put before the loop, while
// V8 would rematerialize a constant (or a splat) inside it on every iteration.
const PROBE_CONSTANTS = memory.data<f32>([
  0.001, 0.001, 0.001, 0.001, // z
  0.999, 0.999, 0.999, 0.999, // y
  0.5, 0.25, 0.125, 0.0625, // starting values
], 16);

/** Floating-point operations one peakProbe iteration does: a multiply and an add per lane per chain step. */
export function peakProbeFlopsPerIteration(): i32 {
  return CHAINS * STEPS_PER_ITERATION * 4 * 2;
}

/**
 * Runs `iterations` of the register-resident multiply-add loop; returns the sum
 * of every lane so the engine cannot drop the work. No memory is written.
 */
export function peakProbe(iterations: i32): f32 {
  const z = v128.load(PROBE_CONSTANTS);
  const y = v128.load(PROBE_CONSTANTS, 16);
  const start = v128.load(PROBE_CONSTANTS, 32);
  // Distinct starting values, so that no two chains are the same computation.
  let c0 = start, c1 = f32x4.add(start, z), c2 = f32x4.add(c1, z), c3 = f32x4.add(c2, z);
  let c4 = f32x4.add(c3, z), c5 = f32x4.add(c4, z), c6 = f32x4.add(c5, z), c7 = f32x4.add(c6, z);
  let c8 = f32x4.add(c7, z), c9 = f32x4.add(c8, z), c10 = f32x4.add(c9, z), c11 = f32x4.add(c10, z);
  let c12 = f32x4.add(c11, z);
  for (let i = 0; i < iterations; i++) {
    c0 = madd(c0, y, z); c1 = madd(c1, y, z); c2 = madd(c2, y, z); c3 = madd(c3, y, z);
    c4 = madd(c4, y, z); c5 = madd(c5, y, z); c6 = madd(c6, y, z); c7 = madd(c7, y, z);
    c8 = madd(c8, y, z); c9 = madd(c9, y, z); c10 = madd(c10, y, z); c11 = madd(c11, y, z);
    c12 = madd(c12, y, z);
    c0 = madd(c0, y, z); c1 = madd(c1, y, z); c2 = madd(c2, y, z); c3 = madd(c3, y, z);
    c4 = madd(c4, y, z); c5 = madd(c5, y, z); c6 = madd(c6, y, z); c7 = madd(c7, y, z);
    c8 = madd(c8, y, z); c9 = madd(c9, y, z); c10 = madd(c10, y, z); c11 = madd(c11, y, z);
    c12 = madd(c12, y, z);
  }
  const sum = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
    f32x4.add(f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)), c12),
  );
  return f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
}

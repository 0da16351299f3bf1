// The backend variants a kernel suite runs on: the js reference, the baseline
// wasm build, and the relaxed build where this engine validates it. In the
// 'relaxed' and 'threads' vitest projects (LSTM_SIMD_EXPECT_RELAXED=1) a missing
// relaxed build is an error, not a skip, so that CI cannot silently stop testing
// it. The 'threads' project (LSTM_SIMD_TEST_THREADS > 1) leaves out the js
// reference, which the node project runs already.

import { createBackend, hasRelaxedSimd, type Backend, type BackendVariant } from '../../src/internal.js';

export interface VariantCase {
  variant: BackendVariant;
  create: () => Promise<Backend>;
}

export function kernelVariants(): VariantCase[] {
  const threaded = Number(process.env.LSTM_SIMD_TEST_THREADS ?? '1') > 1;
  const cases: VariantCase[] = [
    ...(threaded ? [] : [{ variant: 'js' as const, create: () => createBackend('js') }]),
    { variant: 'wasm-simd', create: () => createBackend('wasm', { build: 'simd' }) },
  ];
  const relaxed = hasRelaxedSimd();
  if (process.env.LSTM_SIMD_EXPECT_RELAXED === '1' && !relaxed) {
    throw new Error('the relaxed project runs without relaxed SIMD: is --experimental-wasm-relaxed-simd passed?');
  }
  if (relaxed) cases.push({ variant: 'wasm-relaxed', create: () => createBackend('wasm', { build: 'relaxed' }) });
  return cases;
}

/** A float64 js backend: the reference for tolerances. */
export function float64Reference(): Promise<Backend> {
  return createBackend('js', { precision: 'float64' });
}

/** Deterministic uniform numbers in [lo, hi) (mulberry32). */
export function randomFill(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = -1, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  };
}

/** n deterministic uniform floats in [lo, hi) from randomFill(seed). */
export function randomArray(seed: number, n: number, lo = -1, hi = 1): Float32Array {
  const random = randomFill(seed);
  return Float32Array.from({ length: n }, () => random(lo, hi));
}

/** n deterministic token ids, uniform in [0, vocabSize), from randomFill(seed). */
export function randomIds(seed: number, n: number, vocabSize: number): Int32Array {
  const random = randomFill(seed);
  return Int32Array.from({ length: n }, () => Math.floor(random(0, vocabSize)));
}

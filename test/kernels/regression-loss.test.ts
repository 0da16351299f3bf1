// Mean squared and mean absolute error on every variant against a float64 run on
// the same (float32-rounded) predictions and targets.
//
// Tolerances (u = 2^-24): a float32 kernel rounds each difference p - t once
// (relative u), which its square doubles; the sum is formed in float64. So the
// loss, a sum of non-negative terms, is within 3u of the float64 loss relative
// to itself. The MSE gradient 2 (p - t) / n rounds the difference, the
// coefficient 2 / n and the product: 4u relative. The MAE gradient sign / n is
// float32(1 / n) exactly, or 0 where p = t.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/internal.js';
import { float64Reference, kernelVariants, randomArray } from '../support/backends.js';

const U = 2 ** -24;
const GUARD = 777;
const SIZES = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 33, 100, 1000, 4099];

type Kind = 'mse' | 'mae';

interface Problem {
  prediction: Float32Array;
  target: Float32Array;
}

/** Random predictions and targets; every fifth target equals its prediction (MAE's kink, a zero MSE term). */
function makeProblem(seed: number, n: number, spread = 3): Problem {
  const prediction = randomArray(seed, n, -spread, spread);
  const target = randomArray(seed + 1, n, -spread, spread);
  for (let i = 0; i < n; i += 5) target[i] = prediction[i];
  return { prediction, target };
}

/** Loss alone, loss with gradient, and the gradient (guards past the end must stay untouched). */
function evaluate(backend: Backend, kind: Kind, { prediction, target }: Problem) {
  const n = prediction.length;
  const arena = backend.createArena('regression-loss-test');
  const p = arena.allocate(n);
  const t = arena.allocate(n);
  const g = arena.allocate(n + 4);
  p.view().set(prediction);
  t.view().set(target);
  g.view().fill(GUARD);
  const forward = kind === 'mse' ? backend.mseForward(p.ptr, t.ptr, n) : backend.maeForward(p.ptr, t.ptr, n);
  const fused =
    kind === 'mse' ? backend.mseWithGradient(p.ptr, t.ptr, n, g.ptr) : backend.maeWithGradient(p.ptr, t.ptr, n, g.ptr);
  const all = Float64Array.from(g.view());
  for (let i = n; i < all.length; i++) expect(all[i], 'element past the end').toBe(GUARD);
  arena.dispose();
  return { forward, fused, gradient: all.subarray(0, n) };
}

describe.each(kernelVariants())('$variant: regression losses', ({ variant, create }) => {
  let backend: Backend;
  let reference: Backend;
  beforeAll(async () => {
    backend = await create();
    reference = await float64Reference();
  });

  it.each(SIZES)('mseForward and mseWithGradient match float64 for n = %i', (n) => {
    const problem = makeProblem(n * 7 + 1, n);
    const got = evaluate(backend, 'mse', problem);
    const want = evaluate(reference, 'mse', problem);
    for (const loss of [got.forward, got.fused]) {
      expect(Math.abs(loss - want.forward), `${variant} loss`).toBeLessThanOrEqual(3 * U * want.forward + 1e-300);
    }
    for (let i = 0; i < n; i++) {
      const allowed = 4 * U * Math.abs(want.gradient[i]);
      if (!(Math.abs(got.gradient[i] - want.gradient[i]) <= allowed)) {
        expect.fail(`${variant} gradient[${i}] = ${got.gradient[i]}, float64 ${want.gradient[i]}`);
      }
    }
    // Terms where p = t contribute exactly 0 to the gradient.
    for (let i = 0; i < n; i += 5) expect(got.gradient[i]).toBe(0);
  });

  it.each(SIZES)('maeForward and maeWithGradient match float64 for n = %i', (n) => {
    const problem = makeProblem(n * 11 + 2, n);
    const got = evaluate(backend, 'mae', problem);
    const want = evaluate(reference, 'mae', problem);
    for (const loss of [got.forward, got.fused]) {
      expect(Math.abs(loss - want.forward), `${variant} loss`).toBeLessThanOrEqual(U * want.forward + 1e-300);
    }
    const step = variant === 'js-f64' ? 1 / n : Math.fround(1 / n);
    for (let i = 0; i < n; i++) {
      const sign = Math.sign(problem.prediction[i] - problem.target[i]);
      expect(got.gradient[i], `${variant} gradient[${i}]`).toBe(sign * step);
      expect(got.gradient[i]).toBe(backend.variant === 'js-f64' ? want.gradient[i] : Math.fround(want.gradient[i]));
    }
  });

  it('gives the losses and gradients of a hand-worked example', () => {
    const problem = { prediction: Float32Array.from([1, 2, 3, 4, 5]), target: Float32Array.from([2, 2, 1, 4.5, 0]) };
    // differences -1, 0, 2, -0.5, 5: squares 1, 0, 4, 0.25, 25 (mean 6.05); absolutes 1, 0, 2, 0.5, 5 (mean 1.7)
    const mse = evaluate(backend, 'mse', problem);
    const mae = evaluate(backend, 'mae', problem);
    expect(mse.fused).toBeCloseTo(6.05, 6);
    expect(mae.fused).toBeCloseTo(1.7, 6);
    expect([...mse.gradient]).toEqual([-0.4, 0, 0.8, -0.2, 2].map(Math.fround));
    expect([...mae.gradient]).toEqual([-0.2, 0, 0.2, -0.2, 0.2].map(Math.fround));
  });

  it('may write the gradient over the predictions (an output may alias an input)', () => {
    for (const kind of ['mse', 'mae'] as const) {
      const problem = makeProblem(5, 37);
      const separate = evaluate(backend, kind, problem);
      const arena = backend.createArena('alias-test');
      const p = arena.allocate(37);
      const t = arena.allocate(37);
      p.view().set(problem.prediction);
      t.view().set(problem.target);
      const loss =
        kind === 'mse'
          ? backend.mseWithGradient(p.ptr, t.ptr, 37, p.ptr)
          : backend.maeWithGradient(p.ptr, t.ptr, 37, p.ptr);
      expect(loss).toBe(separate.fused);
      expect(Float64Array.from(p.view())).toEqual(separate.gradient);
      arena.dispose();
    }
  });

  it('keeps float32 accuracy over a long sum (n = 2^20)', () => {
    const n = 1 << 20;
    const problem = { prediction: new Float32Array(n).fill(0.1), target: new Float32Array(n) };
    const d = Math.fround(0.1);
    const got = evaluate(backend, 'mse', problem);
    expect(Math.abs(got.forward - d * d)).toBeLessThanOrEqual(3 * U * d * d);
  });
});

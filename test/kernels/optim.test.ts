// Optimizer steps and sumOfSquares on every variant, against the js twin
// (float32 heap) and a float64 run of the same steps.
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src/internal.js';
import { float64Reference, kernelVariants, randomArray, randomFill } from '../support/backends.js';

const U = 2 ** -24;
const SIZES = [1, 3, 4, 5, 16, 17, 63, 64, 65, 129, 1000];

interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

interface State {
  param: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/** `steps` Adam steps on one backend, a new gradient each step; returns the state after the last. */
function runAdam(backend: Backend, n: number, steps: number, settings: AdamSettings): State {
  const arena = backend.createArena('adam-test');
  const param = arena.allocate(n);
  const grad = arena.allocate(n);
  const m = arena.allocate(n);
  const v = arena.allocate(n);
  param.view().set(randomArray(n, n));
  m.view().fill(0);
  v.view().fill(0);
  for (let t = 1; t <= steps; t++) {
    grad.view().set(randomArray(1000 * t + n, n, -2, 2));
    const c1 = 1 - settings.beta1 ** t;
    const c2 = 1 - settings.beta2 ** t;
    backend.adamStep(
      param.ptr,
      grad.ptr,
      m.ptr,
      v.ptr,
      n,
      settings.lr,
      settings.beta1,
      settings.beta2,
      settings.eps,
      c1,
      c2,
    );
  }
  const state = {
    param: Float64Array.from(param.view()),
    m: Float64Array.from(m.view()),
    v: Float64Array.from(v.view()),
  };
  arena.dispose();
  return state;
}

function runSgd(backend: Backend, n: number, steps: number, lr: number): Float64Array {
  const arena = backend.createArena('sgd-test');
  const param = arena.allocate(n + 4);
  const grad = arena.allocate(n);
  param.view().set(randomArray(n, n));
  param.view().fill(777, n);
  for (let t = 1; t <= steps; t++) {
    grad.view().set(randomArray(1000 * t + n, n, -2, 2));
    backend.sgdStep(param.ptr, grad.ptr, n, lr);
  }
  const out = Float64Array.from(param.view());
  arena.dispose();
  return out;
}

describe.each(kernelVariants())('$variant: optimizers', ({ variant, create }) => {
  let backend: Backend;
  let twin: Backend;
  let reference: Backend;
  beforeAll(async () => {
    backend = await create();
    twin = await createBackend('js');
    reference = await float64Reference();
  });

  it('sgdStep matches the js twin and float64 over 5 steps', () => {
    const lr = 0.05;
    const steps = 5;
    for (const n of SIZES) {
      const got = runSgd(backend, n, steps, lr);
      const twinResult = runSgd(twin, n, steps, lr);
      const want = runSgd(reference, n, steps, lr);
      for (let i = n; i < n + 4; i++) expect(got[i], 'element past the end').toBe(777);
      // Per step: the f32 lr, the product and the difference round (3 u of |param| + lr |grad| <= 2).
      const allowed = steps * 3 * U * 2;
      for (let i = 0; i < n; i++) {
        expect(Math.abs(got[i] - want[i]), `${variant} n = ${n}, param[${i}] vs float64`).toBeLessThanOrEqual(allowed);
        expect(Math.abs(got[i] - twinResult[i]), `${variant} n = ${n}, param[${i}] vs twin`).toBeLessThanOrEqual(
          allowed,
        );
      }
    }
  });

  // Hyperparameters exact in float32 (beta2 = 1 - 2^-10): only rounding separates the variants.
  const exactSettings: AdamSettings = { lr: 0.0625, beta1: 0.875, beta2: 1 - 2 ** -10, eps: 2 ** -20 };
  // The usual ones: wasm receives f32(0.999), whose 1 - beta2 differs from float64's by 1.3e-5 relative.
  const usualSettings: AdamSettings = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

  // Tolerances: m is a sum of terms below (1 - b1) 2, rounded 3 times a step (absolute 2e-6 over 4 steps);
  // v relative 1e-6, or 3e-5 where 1 - f32(beta2) differs from 1 - beta2; the parameter update
  // (about lr per step) relative 1e-5 / 1e-4 (sqrt, division, eps), on top of rounding |param| <= 2.
  it.each([
    ['float32-exact hyperparameters', exactSettings, 1e-6, 1e-5] as const,
    ['lr 1e-3, betas 0.9 / 0.999', usualSettings, 3e-5, 1e-4] as const,
  ])('adamStep matches the js twin and float64 over 4 steps (%s)', (_label, settings, vTolerance, updateTolerance) => {
    const steps = 4;
    for (const n of SIZES) {
      const got = runAdam(backend, n, steps, settings);
      const others = [
        ['twin', runAdam(twin, n, steps, settings)],
        ['float64', runAdam(reference, n, steps, settings)],
      ] as const;
      for (const [name, want] of others) {
        let mError = 0;
        let vError = 0;
        let paramError = 0;
        for (let i = 0; i < n; i++) {
          mError = Math.max(mError, Math.abs(got.m[i] - want.m[i]));
          vError = Math.max(vError, Math.abs(got.v[i] - want.v[i]) / (want.v[i] + 1e-30));
          paramError = Math.max(paramError, Math.abs(got.param[i] - want.param[i]));
        }
        expect(mError, `${variant} m vs ${name}, n = ${n}`).toBeLessThanOrEqual(2e-6);
        expect(vError, `${variant} v vs ${name}, n = ${n}`).toBeLessThanOrEqual(vTolerance);
        expect(paramError, `${variant} param vs ${name}, n = ${n}`).toBeLessThanOrEqual(
          steps * (3 * U * 2 + updateTolerance * settings.lr),
        );
      }
    }
  });

  describe('sumOfSquares', () => {
    // Blocks are summed in float32, the blocks in float64: relative error below 6 u = 3.6e-7.
    const tolerance = 6 * U;

    it.each([0, 1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 127, 128, 129, 1000, 4099])('n = %i', (n) => {
      const x = randomArray(n + 1, n, -3, 3);
      let exact = 0;
      for (let i = 0; i < n; i++) exact += x[i] * x[i];
      const arena = backend.createArena('sumsq');
      const slice = arena.allocate(n + 4);
      slice.view().set(x);
      slice.view().fill(1e6, n); // must not be counted
      const got = backend.sumOfSquares(slice.ptr, n);
      arena.dispose();
      expect(Math.abs(got - exact), `${variant}: ${got} vs ${exact}`).toBeLessThanOrEqual(tolerance * exact);
    });

    it('keeps float32 accuracy over a block of 1e7 elements (mixed magnitudes)', () => {
      const n = 10_000_000;
      const random = randomFill(99);
      const arena = backend.createArena('sumsq-big');
      const slice = arena.allocate(n);
      const view = slice.view();
      for (let i = 0; i < n; i++) view[i] = random(-1, 1) * (i % 7 === 0 ? 30 : i % 3 === 0 ? 1e-3 : 1);
      let exact = 0; // float64: products of float32 values are exact, the sum loses about n 2^-53
      for (let i = 0; i < n; i++) exact += view[i] * view[i];
      const got = backend.sumOfSquares(slice.ptr, n);
      arena.dispose();
      expect(Math.abs(got - exact) / exact, `${variant}`).toBeLessThanOrEqual(tolerance);
    });
  });
});

// Optimizer steps and sumOfSquares on every variant, against the js twin
// (float32 heap) and a float64 run of the same steps. Each optimiser kernel
// runs a few steps with a new gradient each step, over sizes around the SIMD
// width (tails), with guard values past the end that must stay untouched, and
// unused state buffers that must be neither read nor written.
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend, type Ptr } from '../../src/internal.js';
import { float64Reference, kernelVariants, randomArray, randomFill } from '../support/backends.js';

const U = 2 ** -24;
const SIZES = [1, 3, 4, 5, 16, 17, 63, 64, 65, 129, 1000];
const GUARD = 777;

/** A kernel call for step t (1-based) on the given pointers (param, grad and the case's state buffers). */
type StepCall = (backend: Backend, p: Record<string, Ptr>, n: number, t: number) => void;

interface KernelCase {
  label: string;
  /** State buffers the kernel updates (start at zero). */
  state: string[];
  /** Buffers passed but unused by this configuration: they must keep their guard values. */
  unused?: string[];
  call: StepCall;
  /** Allowed |got - want| per element, as a multiple of (1 + |want|), against float64 and the twin. */
  tolerance: number;
}

/** `steps` steps on one backend; returns every buffer (guards included) after the last. */
function runSteps(backend: Backend, n: number, steps: number, c: KernelCase): Record<string, Float64Array> {
  const arena = backend.createArena('optim-test');
  const names = ['param', 'grad', ...c.state, ...(c.unused ?? [])];
  const slices = Object.fromEntries(names.map((name) => [name, arena.allocate(n + 4)]));
  for (const name of names) slices[name].view().fill((c.unused ?? []).includes(name) ? GUARD : 0);
  slices.param.view().set(randomArray(n, n, -1.5, 1.5));
  for (const name of names) slices[name].view().fill(GUARD, n);
  for (let t = 1; t <= steps; t++) {
    slices.grad.view().set(randomArray(1000 * t + n, n, -2, 2));
    if (n > 2) slices.grad.view()[t % n] = 0; // exact zeros: Adam and RMSprop divide by eps there
    const ptrs = Object.fromEntries(names.map((name) => [name, slices[name].ptr]));
    c.call(backend, ptrs, n, t);
  }
  const out = Object.fromEntries(names.map((name) => [name, Float64Array.from(slices[name].view())]));
  arena.dispose();
  return out;
}

const sgdMomentum =
  (lr: number, weightDecay: number, momentum: number, dampening: number, nesterov: boolean): StepCall =>
  (b, p, n, t) =>
    b.sgdMomentumStep(p.param, p.grad, p.velocity, n, lr, weightDecay, momentum, dampening, nesterov, t === 1);

const adam =
  (lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean): StepCall =>
  (b, p, n, t) =>
    b.adamStep(
      p.param,
      p.grad,
      p.m,
      p.v,
      n,
      lr,
      beta1,
      beta2,
      eps,
      1 - beta1 ** t,
      1 - beta2 ** t,
      weightDecay,
      decoupled,
    );

const rmsprop =
  (lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean): StepCall =>
  (b, p, n) =>
    b.rmspropStep(
      p.param,
      p.grad,
      p.squareAvg,
      p.gradAvg,
      p.velocity,
      n,
      lr,
      alpha,
      eps,
      weightDecay,
      momentum,
      centered,
    );

// Tolerances (about 4 times the worst error seen on every variant): a few roundings per step, over
// 5 steps, with hyperparameters rounded to float32 in wasm (relative u / 2 each). Momentum buffers sum
// terms that may cancel, so their error is relative to the terms, not to the sum: RMSprop's terms
// g / (sqrt(squareAvg) + eps) start near 1 / sqrt(1 - alpha) = 10. A wrong formula misses by about lr.
const CASES: KernelCase[] = [
  { label: 'sgdStep (plain)', state: [], call: (b, p, n) => b.sgdStep(p.param, p.grad, n, 0.05), tolerance: 8 * U },
  {
    label: 'sgdMomentumStep, weight decay only',
    state: [],
    unused: ['velocity'],
    call: sgdMomentum(0.05, 0.1, 0, 0, false),
    tolerance: 8 * U,
  },
  {
    label: 'sgdMomentumStep, momentum 0.9',
    state: ['velocity'],
    call: sgdMomentum(0.05, 0, 0.9, 0, false),
    tolerance: 30 * U,
  },
  {
    label: 'sgdMomentumStep, momentum, dampening, weight decay',
    state: ['velocity'],
    call: sgdMomentum(0.05, 0.02, 0.8, 0.25, false),
    tolerance: 30 * U,
  },
  {
    label: 'sgdMomentumStep, nesterov, weight decay',
    state: ['velocity'],
    call: sgdMomentum(0.05, 0.01, 0.9, 0, true),
    tolerance: 30 * U,
  },
  // Hyperparameters exact in float32 (beta2 = 1 - 2^-10): only rounding separates the variants.
  {
    label: 'adamStep, float32-exact hyperparameters',
    state: ['m', 'v'],
    call: adam(0.0625, 0.875, 1 - 2 ** -10, 2 ** -20, 0, false),
    tolerance: 12 * U,
  },
  {
    label: 'adamStep, lr 1e-2, betas 0.9 / 0.999',
    state: ['m', 'v'],
    call: adam(1e-2, 0.9, 0.999, 1e-8, 0, false),
    tolerance: 12 * U,
  },
  {
    label: 'adamStep, L2 weight decay',
    state: ['m', 'v'],
    call: adam(0.02, 0.8, 0.99, 1e-6, 0.1, false),
    tolerance: 12 * U,
  },
  {
    label: 'adamStep, decoupled weight decay (AdamW)',
    state: ['m', 'v'],
    call: adam(0.05, 0.9, 0.999, 1e-8, 0.1, true),
    tolerance: 12 * U,
  },
  {
    label: 'rmspropStep, plain',
    state: ['squareAvg'],
    unused: ['gradAvg', 'velocity'],
    call: rmsprop(0.01, 0.99, 1e-8, 0, 0, false),
    tolerance: 12 * U,
  },
  {
    label: 'rmspropStep, centered, momentum, weight decay',
    state: ['squareAvg', 'gradAvg', 'velocity'],
    call: rmsprop(0.01, 0.9, 1e-6, 0.05, 0.7, true),
    tolerance: 40 * U,
  },
  {
    label: 'rmspropStep, momentum',
    state: ['squareAvg', 'velocity'],
    unused: ['gradAvg'],
    call: rmsprop(0.005, 0.99, 1e-8, 0, 0.9, false),
    tolerance: 120 * U,
  },
];

describe.each(kernelVariants())('$variant: optimizers', ({ variant, create }) => {
  let backend: Backend;
  let twin: Backend;
  let reference: Backend;
  beforeAll(async () => {
    backend = await create();
    twin = await createBackend('js');
    reference = await float64Reference();
  });

  it.each(CASES.map((c) => [c.label, c] as const))('%s matches the js twin and float64 over 5 steps', (_label, c) => {
    const steps = 5;
    for (const n of SIZES) {
      const got = runSteps(backend, n, steps, c);
      const others = [
        ['float64', runSteps(reference, n, steps, c)],
        ['twin', runSteps(twin, n, steps, c)],
      ] as const;
      for (const [name, values] of Object.entries(got)) {
        for (let i = n; i < n + 4; i++) expect(values[i], `${name}[${i}] past the end, n = ${n}`).toBe(GUARD);
      }
      for (const name of c.unused ?? []) {
        expect(
          [...got[name]].every((x) => x === GUARD),
          `${name} is unused but was written, n = ${n}`,
        ).toBe(true);
      }
      for (const [otherName, want] of others) {
        for (const name of ['param', ...c.state]) {
          let worst = 0;
          for (let i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(got[name][i] - want[name][i]) / (1 + Math.abs(want[name][i])));
          }
          expect(worst, `${variant} ${name} vs ${otherName}, n = ${n}`).toBeLessThanOrEqual(c.tolerance);
        }
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

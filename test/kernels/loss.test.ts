// Softmax cross-entropy on every variant against a float64 run on the same
// (float32-rounded) logits.
//
// Tolerances (u = 2^-24): the sum of exps of a row is formed in float32 from
// cols / 4 + 1 terms per lane with exps of about 1 ulp, so its relative error
// is below (cols / 4 + 8) u; log turns that into the same absolute error of
// the loss, and softmax probabilities carry the same relative error.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/internal.js';
import { float64Reference, kernelVariants, randomFill } from '../support/backends.js';

const U = 2 ** -24;

interface Problem {
  rows: number;
  cols: number;
  logits: Float32Array;
  targets: Int32Array;
  dlogits: Float32Array;
}

function makeProblem(seed: number, rows: number, cols: number, spread: number): Problem {
  const random = randomFill(seed);
  return {
    rows,
    cols,
    logits: Float32Array.from({ length: rows * cols }, () => random(-spread, spread)),
    targets: Int32Array.from({ length: rows }, () => Math.floor(random(0, cols))),
    dlogits: Float32Array.from({ length: rows * cols }, () => random(-0.1, 0.1)),
  };
}

/** Loss and accumulated gradient of one problem on one backend. */
function evaluate(backend: Backend, problem: Problem, dLoss: number): { loss: number; grad: Float64Array } {
  const { rows, cols } = problem;
  const arena = backend.createArena('loss-test');
  const logits = arena.allocate(rows * cols);
  const targets = arena.allocate(rows);
  const dlogits = arena.allocate(rows * cols + 4);
  logits.view().set(problem.logits);
  // Targets are int32 from the int index of their pointer on (also in the float64 heap).
  backend.heap.ints.set(problem.targets, backend.heap.intIndex(targets.ptr));
  dlogits.view().set(problem.dlogits);
  dlogits.view().fill(777, rows * cols);
  const loss = backend.crossEntropyForward(logits.ptr, targets.ptr, rows, cols);
  backend.crossEntropyBackward(logits.ptr, targets.ptr, rows, cols, dLoss, dlogits.ptr);
  const grad = Float64Array.from(dlogits.view());
  for (let i = rows * cols; i < grad.length; i++) expect(grad[i], 'element past the end').toBe(777);
  arena.dispose();
  return { loss, grad: grad.subarray(0, rows * cols) };
}

/** Loss and written gradient of crossEntropyWithGradient (the gradient buffer starts as garbage). */
function evaluateFused(backend: Backend, problem: Problem): { loss: number; grad: Float64Array } {
  const { rows, cols } = problem;
  const arena = backend.createArena('loss-test');
  const logits = arena.allocate(rows * cols);
  const targets = arena.allocate(rows);
  const gradient = arena.allocate(rows * cols + 4);
  logits.view().set(problem.logits);
  backend.heap.ints.set(problem.targets, backend.heap.intIndex(targets.ptr));
  gradient.view().fill(777);
  const loss = backend.crossEntropyWithGradient(logits.ptr, targets.ptr, rows, cols, gradient.ptr);
  const grad = Float64Array.from(gradient.view());
  for (let i = rows * cols; i < grad.length; i++) expect(grad[i], 'element past the end').toBe(777);
  arena.dispose();
  return { loss, grad: grad.subarray(0, rows * cols) };
}

const SHAPES: [number, number][] = [
  [1, 1],
  [3, 2],
  [4, 3],
  [5, 4],
  [2, 5],
  [7, 28],
  [3, 67],
  [16, 100],
  [2, 1000],
];

describe.each(kernelVariants())('$variant: cross-entropy', ({ variant, create }) => {
  let backend: Backend;
  let reference: Backend;
  beforeAll(async () => {
    backend = await create();
    reference = await float64Reference();
  });

  it.each(SHAPES)('matches float64 for %i x %i (loss and accumulated gradient)', (rows, cols) => {
    for (const spread of [1, 10, 50]) {
      const problem = makeProblem(rows * 31 + cols + spread, rows, cols, spread);
      const dLoss = 1.5;
      const got = evaluate(backend, problem, dLoss);
      const want = evaluate(reference, problem, dLoss);
      const sumBound = (cols / 4 + 8) * U;
      expect(Math.abs(got.loss - want.loss), `${variant} loss, spread ${spread}`).toBeLessThanOrEqual(
        sumBound + 4 * U * Math.abs(want.loss),
      );
      const g = dLoss / rows;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const probability = (want.grad[i] - problem.dlogits[i]) / g + (c === problem.targets[r] ? 1 : 0);
          // The accumulation and the coefficient round (4 u); the target's -1 is a separate step.
          const allowed =
            4 * U * Math.abs(problem.dlogits[i]) +
            (sumBound + 4 * U) * g * Math.abs(probability) +
            (c === problem.targets[r] ? 4 * U * g : 0) +
            1e-30;
          const error = Math.abs(got.grad[i] - want.grad[i]);
          if (!(error <= allowed)) {
            expect.fail(`${variant} grad[${r}, ${c}] = ${got.grad[i]}, float64 ${want.grad[i]} (allowed ${allowed})`);
          }
        }
      }
    }
  });

  it.each([...SHAPES, [9, 28], [33, 28], [6, 7]] as [number, number][])(
    'crossEntropyWithGradient matches float64 for %i x %i (loss and written gradient)',
    (rows, cols) => {
      for (const spread of [1, 10, 50]) {
        const problem = makeProblem(rows * 17 + cols + spread, rows, cols, spread);
        const got = evaluateFused(backend, problem);
        const want = evaluateFused(reference, problem);
        const sumBound = (cols / 4 + 8) * U;
        expect(Math.abs(got.loss - want.loss), `${variant} loss, spread ${spread}`).toBeLessThanOrEqual(
          sumBound + 4 * U * Math.abs(want.loss),
        );
        const g = 1 / rows;
        for (let r = 0; r < rows; r++) {
          const max = Math.max(...problem.logits.subarray(r * cols, (r + 1) * cols));
          for (let c = 0; c < cols; c++) {
            const i = r * cols + c;
            const isTarget = c === problem.targets[r];
            const probability = want.grad[i] / g + (isTarget ? 1 : 0);
            // exp's argument x - max rounds (u |x - max| relative in the exp); the coefficient
            // 1 / (rows sum) and the product round (4 u); the target's -1 is a separate step.
            const argument = U * Math.abs(problem.logits[i] - max);
            const allowed =
              (sumBound + 4 * U + argument) * g * Math.abs(probability) + (isTarget ? 4 * U * g : 0) + 1e-30;
            const error = Math.abs(got.grad[i] - want.grad[i]);
            if (!(error <= allowed)) {
              expect.fail(
                `${variant} gradient[${r}, ${c}] = ${got.grad[i]}, float64 ${want.grad[i]} (allowed ${allowed})`,
              );
            }
          }
        }
      }
    },
  );

  it('crossEntropyWithGradient is forward plus backward with dLoss = 1 (float64 twin)', () => {
    for (const [rows, cols] of [
      [7, 28],
      [3, 67],
      [5, 4],
    ] as [number, number][]) {
      const problem = makeProblem(rows + cols, rows, cols, 10);
      const fused = evaluateFused(reference, problem);
      const separate = evaluate(reference, { ...problem, dlogits: new Float32Array(rows * cols) }, 1);
      expect(Math.abs(fused.loss - separate.loss)).toBeLessThanOrEqual(1e-12);
      for (let i = 0; i < rows * cols; i++)
        expect(Math.abs(fused.grad[i] - separate.grad[i])).toBeLessThanOrEqual(1e-15);
    }
  });

  it('is stable for large logits (1e4 next to -1e4)', () => {
    const rows = 4;
    const cols = 7;
    const logits = new Float32Array(rows * cols);
    for (let i = 0; i < logits.length; i++) logits[i] = i % 3 === 0 ? 1e4 : i % 3 === 1 ? -1e4 : 9990 + (i % 5);
    const problem: Problem = {
      rows,
      cols,
      logits,
      targets: Int32Array.from([1, 0, 2, 6]),
      dlogits: new Float32Array(rows * cols),
    };
    const got = evaluate(backend, problem, 1);
    const want = evaluate(reference, problem, 1);
    expect(Number.isFinite(got.loss)).toBe(true);
    // The loss is about 5e3 (two rows pay 2e4): the float64 reference to 1e-6 relative.
    expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(1e-6 * Math.abs(want.loss));
    for (let i = 0; i < got.grad.length; i++) {
      expect(Number.isFinite(got.grad[i])).toBe(true);
      expect(Math.abs(got.grad[i] - want.grad[i]), `grad[${i}]`).toBeLessThanOrEqual(1e-6);
    }
  });

  it('gives each row a gradient that sums to zero and a mean loss of log(cols) for equal logits', () => {
    const rows = 3;
    const cols = 10;
    const problem: Problem = {
      rows,
      cols,
      logits: new Float32Array(rows * cols).fill(2.5),
      targets: Int32Array.from([0, 9, 4]),
      dlogits: new Float32Array(rows * cols),
    };
    const got = evaluate(backend, problem, 1);
    expect(Math.abs(got.loss - Math.log(cols))).toBeLessThanOrEqual(1e-6);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += got.grad[r * cols + c];
      expect(Math.abs(sum)).toBeLessThanOrEqual(1e-7);
      expect(got.grad[r * cols + problem.targets[r]]).toBeCloseTo((0.1 - 1) / rows, 6);
    }
  });
});

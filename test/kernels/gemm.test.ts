// GEMM on every variant against a float64 product computed here from the same
// float32 inputs: all four transpose layouts, awkward sizes (edges of the 4 x 8
// tile, of the packing and of the cache blocks), padded leading dimensions,
// alpha/beta (beta 0 over a NaN-filled C), k = 0, the few-row paths, and the
// workspace protocol when the heap grows between calls.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend, WasmBackend } from '../../src/internal.js';
import { kernelVariants, randomFill } from '../support/backends.js';

const LAYOUTS: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

function layoutName([transA, transB]: [boolean, boolean]): string {
  return (transA ? 'T' : 'N') + (transB ? 'T' : 'N');
}

/** (alpha, beta) cases; beta 0 runs over a C full of NaN. */
const SCALINGS: Array<[number, number]> = [
  [1, 0],
  [0.5, 1],
  [-1.5, 0.5],
];

/**
 * Each awkward size (1, 3, 5, 17, 33, 127, 255, 257) appears as m, as n and as k, next to
 * small and large partners; plus the few-row and dot-product paths (m = 1, 2 and m < 32),
 * a full single tile, and a row-major B with a 2 KiB row stride (packed, not read in place).
 */
const AWKWARD_SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [1, 3, 5],
  [3, 5, 17],
  [5, 17, 33],
  [17, 33, 127],
  [33, 127, 255],
  [127, 255, 257],
  [255, 257, 1],
  [257, 1, 3],
  [1, 257, 33],
  [2, 255, 127],
  [3, 127, 257],
  [257, 5, 255],
  [17, 257, 5],
  [33, 1, 257],
  [127, 17, 3],
  [4, 8, 1],
  [9, 31, 64],
  [40, 512, 70],
];

/** Shapes that cross the cache blocks (KC 256, MC 128, NC 2048) and the direct-B row limit (32). */
const LARGE_SHAPES: Array<[number, number, number]> = [
  [512, 512, 512],
  [1000, 37, 513],
  [33, 2100, 19],
  [20, 2050, 300],
];

interface Problem {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  lda: number;
  ldb: number;
  ldc: number;
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
}

/** Random operands with row strides `pad` past the minimum; C is NaN when beta is 0. */
function makeProblem(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
  pad: number,
  seed: number,
): Problem {
  const random = randomFill(seed);
  const lda = (transA ? m : k) + pad;
  const ldb = (transB ? k : n) + pad;
  const ldc = n + pad;
  const a = Float32Array.from({ length: (transA ? k : m) * lda }, () => random(-1, 1));
  const b = Float32Array.from({ length: (transB ? n : k) * ldb }, () => random(-1, 1));
  const c = Float32Array.from({ length: m * ldc }, () => (beta === 0 ? NaN : random(-1, 1)));
  return { transA, transB, m, n, k, alpha, beta, lda, ldb, ldc, a, b, c };
}

/** The product in float64 from the float32 inputs: (m, n), dense. */
function reference(p: Problem): Float64Array {
  const { m, n, k, lda, ldb, ldc, a, b, c } = p;
  const out = new Float64Array(m * n);
  const row = new Float64Array(k);
  for (let i = 0; i < m; i++) {
    for (let q = 0; q < k; q++) row[q] = p.transA ? a[q * lda + i] : a[i * lda + q];
    for (let j = 0; j < n; j++) {
      let sum = 0;
      if (p.transB) for (let q = 0; q < k; q++) sum += row[q] * b[j * ldb + q];
      else for (let q = 0; q < k; q++) sum += row[q] * b[q * ldb + j];
      out[i * n + j] = p.beta === 0 ? p.alpha * sum : p.alpha * sum + p.beta * c[i * ldc + j];
    }
  }
  return out;
}

/**
 * The error bound, the same for every variant: each of the k products and the
 * running sum may be off by a few float32 roundings, relative to the largest
 * term, plus the rounding of the beta * C term and of the result.
 */
function tolerance(p: Problem): number {
  const maxAbs = (x: Float32Array) => x.reduce((acc, v) => (Number.isNaN(v) ? acc : Math.max(acc, Math.abs(v))), 0);
  const cTerm = p.beta === 0 ? 0 : Math.abs(p.beta) * maxAbs(p.c);
  return 1e-6 * (p.k * Math.abs(p.alpha) * maxAbs(p.a) * maxAbs(p.b) + cTerm) + 1e-6;
}

/** Runs the problem on the backend; returns C with its padding (row stride ldc). */
function runGemm(backend: Backend, p: Problem): Float32Array {
  const arena = backend.createArena('gemm-test');
  const a = arena.allocate(p.a.length);
  const b = arena.allocate(p.b.length);
  const c = arena.allocate(p.c.length);
  a.view().set(p.a);
  b.view().set(p.b);
  c.view().set(p.c);
  backend.gemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, a.ptr, p.lda, b.ptr, p.ldb, p.beta, c.ptr, p.ldc);
  const result = Float32Array.from(c.view());
  arena.dispose();
  return result;
}

/** Compares C against the reference; the padding columns of C must be untouched. */
function expectClose(p: Problem, result: Float32Array, label: string): void {
  const expected = reference(p);
  const tol = tolerance(p);
  let worst = 0;
  let worstAt = '';
  for (let i = 0; i < p.m; i++) {
    for (let j = 0; j < p.ldc; j++) {
      const got = result[i * p.ldc + j];
      if (j >= p.n) {
        expect(Object.is(got, p.c[i * p.ldc + j]), `${label}: padding C[${i}, ${j}] changed`).toBe(true);
        continue;
      }
      const error = Math.abs(got - expected[i * p.n + j]);
      // NaN fails this test too: NaN > worst is false, so it is caught separately.
      if (!(error <= worst)) {
        worst = Number.isNaN(error) ? Infinity : error;
        worstAt = `C[${i}, ${j}] = ${got}, expected ${expected[i * p.n + j]}`;
      }
    }
  }
  expect(worst, `${label}: worst ${worstAt}`).toBeLessThanOrEqual(tol);
}

describe.each(kernelVariants())('$variant: gemm', ({ variant, create }) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await create();
  });

  describe.each(LAYOUTS.map((layout) => ({ layout, name: layoutName(layout) })))('$name', ({ layout }) => {
    const [transA, transB] = layout;

    it('matches float64 over awkward shapes, padded strides and alpha/beta', () => {
      AWKWARD_SHAPES.forEach(([m, n, k], index) => {
        SCALINGS.forEach(([alpha, beta], scaling) => {
          const pad = [0, 3, 16][(index + scaling) % 3];
          const p = makeProblem(transA, transB, m, n, k, alpha, beta, pad, 100 + 3 * index + scaling);
          expectClose(
            p,
            runGemm(backend, p),
            `${variant} ${layoutName(layout)} ${m}x${n}x${k} pad ${pad} a=${alpha} b=${beta}`,
          );
        });
      });
    });

    it('never reads C when beta is 0 (NaN in C does not leak)', () => {
      for (const [m, n, k] of [
        [1, 7, 9],
        [2, 30, 5],
        [3, 4, 4],
        [4, 8, 16],
        [13, 11, 6],
        [40, 9, 300],
      ]) {
        const p = makeProblem(transA, transB, m, n, k, 2, 0, 1, m * 31 + n);
        const result = runGemm(backend, p);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) expect(Number.isNaN(result[i * p.ldc + j]), `C[${i}, ${j}]`).toBe(false);
        }
        expectClose(p, result, `${variant} ${layoutName(layout)} ${m}x${n}x${k} beta 0`);
      }
    });

    it('scales C by beta when k = 0', () => {
      for (const beta of [0, 1, 0.5]) {
        for (const [m, n] of [
          [1, 5],
          [6, 9],
          [17, 3],
        ]) {
          const p = makeProblem(transA, transB, m, n, 0, 1.5, beta, 2, 7 + m);
          expectClose(p, runGemm(backend, p), `${variant} ${layoutName(layout)} ${m}x${n}x0 beta ${beta}`);
        }
      }
    });

    it.each(LARGE_SHAPES.map(([m, n, k]) => ({ m, n, k })))('blocks $m x $n x $k', ({ m, n, k }) => {
      // The js reference loops are slow for 512^3 transposed; every layout runs it on wasm.
      if (variant === 'js' && m * n * k > 2e7 && (transA || transB)) return;
      const p = makeProblem(transA, transB, m, n, k, 0.75, m % 2 === 0 ? 0 : 0.5, 5, m + n + k);
      expectClose(p, runGemm(backend, p), `${variant} ${layoutName(layout)} ${m}x${n}x${k}`);
    });
  });

  it('leaves C alone when m or n is 0', () => {
    const arena = backend.createArena('gemm-empty');
    const c = arena.allocate(8);
    c.view().fill(3);
    backend.gemm(false, false, 0, 4, 5, 1, c.ptr, 5, c.ptr, 4, 0, c.ptr, 4);
    backend.gemm(true, true, 2, 0, 5, 1, c.ptr, 2, c.ptr, 5, 0, c.ptr, 4);
    expect([...c.view()]).toEqual(new Array(8).fill(3));
    arena.dispose();
  });

  it('keeps working when the heap grows and the workspace moves between calls', () => {
    const first = makeProblem(false, true, 9, 20, 30, 1, 0, 0, 1);
    expectClose(first, runGemm(backend, first), `${variant} before growth`);
    // Operands that stay put while the heap grows underneath later calls.
    const arena = backend.createArena('gemm-resident');
    const big = makeProblem(true, false, 300, 700, 600, 1, 0.5, 0, 2);
    const a = arena.allocate(big.a.length);
    const b = arena.allocate(big.b.length);
    const c = arena.allocate(big.c.length);
    const before = backend.heap.sizeBytes;
    // Filler that forces the memory to grow (views are refreshed afterwards).
    const filler = backend.createArena('gemm-filler', 8 << 20);
    a.view().set(big.a);
    b.view().set(big.b);
    c.view().set(big.c);
    backend.gemm(true, false, big.m, big.n, big.k, big.alpha, a.ptr, big.lda, b.ptr, big.ldb, big.beta, c.ptr, big.ldc);
    expect(backend.heap.sizeBytes).toBeGreaterThan(before);
    expectClose(big, Float32Array.from(c.view()), `${variant} after growth`);
    filler.dispose();
    const second = makeProblem(true, true, 5, 3, 40, -1, 1, 2, 3);
    expectClose(second, runGemm(backend, second), `${variant} small call after a large one`);
    arena.dispose();
  });

  it.skipIf(variant === 'js')('runs the peak probe', () => {
    const kernels = (backend as WasmBackend).kernels;
    expect(kernels.peakProbeFlopsPerIteration()).toBeGreaterThan(0);
    const value = kernels.peakProbe(1000);
    expect(Number.isFinite(value)).toBe(true);
    expect(kernels.peakProbe(1000)).toBe(value);
  });
});

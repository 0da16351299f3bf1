// The embedding kernels (gatherRows, scatterAddRows) on every backend variant against the float64
// js twin. Widths cover the SIMD tails (1, 3, 5, 33) and a whole number of vectors (8, 64); ids
// repeat (their rows must add up in the scatter) and skip rows (which must stay untouched);
// the gather writes rows ldOut apart and must leave the columns past `width` alone, and the
// scatter reads rows ldSrc apart.
//
// Tolerances: the gather copies, so it must be exact; the scatter adds up to 7 rows into each
// table row, within 1e-6 of the float64 sums (inputs of order 1: a few float32 ulp).

import { describe, expect, it } from 'vitest';
import type { Backend, Ptr } from '../../src/internal.js';
import { float64Reference, kernelVariants, randomArray, randomIds } from '../support/backends.js';
import { maxDiff } from '../support/compare.js';

const SENTINEL = 1234.5;

interface Case {
  V: number;
  width: number;
  n: number;
  /** Row stride of the gather's output and of the scatter's source (>= width). */
  ld: number;
}

const cases: Case[] = [];
for (const width of [1, 3, 5, 8, 33, 64]) {
  cases.push({ V: 7, width, n: 40, ld: width }); // ids repeat ~6 times each
  cases.push({ V: 50, width, n: 9, ld: width + 3 }); // most table rows are never named
}
cases.push({ V: 5, width: 4, n: 0, ld: 4 }); // no ids: nothing happens

/** Runs both kernels on `backend`; returns the gathered rows (with their padding) and the table after the scatter. */
function runKernels(backend: Backend, c: Case, seed: number): { gathered: Float64Array; table: Float64Array } {
  const arena = backend.createArena('embedding-test');
  const table = arena.allocate(c.V * c.width);
  const ids = arena.allocate(Math.max(c.n, 1));
  const out = arena.allocate(Math.max(c.n * c.ld, 1));
  const src = arena.allocate(Math.max(c.n * c.ld, 1));
  const grad = arena.allocate(c.V * c.width);
  // Values rounded to float32 (randomArray), so that the float64 reference sees the same inputs.
  table.view().set(randomArray(seed, c.V * c.width));
  grad.view().set(randomArray(seed + 1, c.V * c.width));
  src.view().set(randomArray(seed + 2, Math.max(c.n * c.ld, 1)));
  out.view().fill(SENTINEL);
  writeIds(backend, ids.ptr, randomIds(seed + 3, c.n, c.V));
  backend.gatherRows(table.ptr, c.width, ids.ptr, c.n, out.ptr, c.ld);
  backend.scatterAddRows(src.ptr, c.ld, ids.ptr, c.n, c.width, grad.ptr);
  const result = { gathered: Float64Array.from(out.view()), table: Float64Array.from(grad.view()) };
  arena.dispose();
  return result;
}

function writeIds(backend: Backend, ptr: Ptr, ids: Int32Array): void {
  const base = backend.heap.intIndex(ptr);
  ids.forEach((id, i) => (backend.heap.ints[base + i] = id));
}

describe.each(kernelVariants())('$variant: embedding kernels against the float64 twin', ({ create }) => {
  it.each(cases)('V=$V width=$width n=$n ld=$ld', async (c) => {
    const backend = await create();
    const reference = await float64Reference();
    const seed = 7 + c.V * 100 + c.width;
    const got = runKernels(backend, c, seed);
    const want = runKernels(reference, c, seed);
    expect(maxDiff(got.gathered, want.gathered)).toBe(0);
    expect(maxDiff(got.table, want.table)).toBeLessThanOrEqual(1e-6);
  });

  it('gathers exactly the named rows, leaves padding columns alone, and sums repeated ids', async () => {
    const backend = await create();
    const c: Case = { V: 4, width: 5, n: 6, ld: 7 };
    const arena = backend.createArena('embedding-test');
    const table = arena.allocate(c.V * c.width);
    const ids = arena.allocate(c.n);
    const out = arena.allocate(c.n * c.ld);
    const grad = arena.allocate(c.V * c.width);
    const idValues = Int32Array.from([2, 0, 2, 3, 2, 0]); // row 1 never named, row 2 three times
    table.view().set(Array.from({ length: c.V * c.width }, (_, i) => i));
    out.view().fill(SENTINEL);
    grad.view().fill(0);
    writeIds(backend, ids.ptr, idValues);
    backend.gatherRows(table.ptr, c.width, ids.ptr, c.n, out.ptr, c.ld);
    const rows = out.view();
    idValues.forEach((id, r) => {
      for (let j = 0; j < c.ld; j++) expect(rows[r * c.ld + j]).toBe(j < c.width ? id * c.width + j : SENTINEL);
    });
    // Scatter the gathered rows back: each table row comes back times the number of times it was named.
    backend.scatterAddRows(out.ptr, c.ld, ids.ptr, c.n, c.width, grad.ptr);
    const counts = [2, 0, 3, 1];
    const sums = grad.view();
    for (let v = 0; v < c.V; v++) {
      for (let j = 0; j < c.width; j++) expect(sums[v * c.width + j]).toBe(counts[v] * (v * c.width + j));
    }
    arena.dispose();
  });
});

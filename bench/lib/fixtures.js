// Inputs for bench cases: deterministic random data, copied into a backend's heap.
//
// Imports the built package: only the suites import this file, and bench/run.js imports them
// after checkDist() has made sure dist/ exists.

import { Random } from '../../dist/index.js';

/** Deterministic uniform floats in [lo, hi) from the package's seeded Random, as a Float32Array. */
export function randomFloats(length, seed, lo = -1, hi = 1) {
  const random = new Random(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = lo + (hi - lo) * random.uniform();
  return out;
}

/**
 * Copies arrays into one fresh arena of `backend` (and reserves `extra` zeroed
 * buffers). Returns the element offsets, valid until the arena is disposed:
 * everything is allocated up front, so the arena never moves afterwards.
 * @param {import('../../dist/index.js').Backend} backend
 * @param {Record<string, Float32Array>} inputs
 * @param {Record<string, number>} outputs name -> element count
 */
export function placeInHeap(backend, inputs, outputs = {}) {
  const total = [...Object.values(inputs).map((a) => a.length), ...Object.values(outputs)].reduce(
    (sum, n) => sum + Math.ceil(n / 16) * 16,
    0,
  );
  const arena = backend.createArena('bench', total);
  const slices = {};
  for (const [name, data] of Object.entries(inputs)) slices[name] = arena.allocate(data.length);
  for (const [name, length] of Object.entries(outputs)) slices[name] = arena.allocate(length);
  for (const [name, data] of Object.entries(inputs)) slices[name].view().set(data);
  for (const name of Object.keys(outputs)) slices[name].view().fill(0);
  const ptr = Object.fromEntries(Object.entries(slices).map(([name, slice]) => [name, slice.ptr]));
  return {
    ptr,
    /** A fresh view of an output (views die when the heap grows). */
    view: (name) => slices[name].view(),
    dispose: () => arena.dispose(),
  };
}

/** Evenly spread sample indices in [0, count), for spot checks. */
export function spotIndices(count, samples = 16) {
  const picks = new Set([0, count - 1]);
  for (let i = 1; picks.size < Math.min(samples, count); i++) picks.add(Math.floor((i * 0.6180339887 * count) % count));
  return [...picks];
}

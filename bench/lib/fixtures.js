// Inputs for bench cases: deterministic random data, copied into a backend's heap.

/** Deterministic uniform floats in [lo, hi) (mulberry32), as a Float32Array. */
export function randomFloats(length, seed, lo = -1, hi = 1) {
  let s = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
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

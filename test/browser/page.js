// Runs in Chromium (served by wasm.test.ts): imports the built package as an ES
// module, runs gemm and the activations on the wasm backend and the js backend,
// and reports how far each is from a float64 reference computed here. The test
// asserts the tolerances; this page only measures.

// @ts-expect-error: the test server serves the built package at /dist (its types are dist/index.d.ts)
import * as lib from '/dist/index.js';

const U = 2 ** -24; // unit roundoff of float32

/** Deterministic uniform numbers in [lo, hi), from the package's seeded generator. */
function random(seed) {
  const generator = new lib.Random(seed);
  return (lo = -1, hi = 1) => lo + (hi - lo) * generator.uniform();
}

function filled(length, rand, lo = -1, hi = 1) {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rand(lo, hi);
  return out;
}

/** Copies inputs into a fresh arena, runs `kernel(ptrs)`, returns a copy of `output`. */
function runOn(backend, inputs, output, kernel) {
  const arena = backend.createArena('browser-check');
  const slices = Object.fromEntries(Object.entries(inputs).map(([name, data]) => [name, arena.allocate(data.length)]));
  for (const [name, data] of Object.entries(inputs)) slices[name].view().set(data);
  const ptrs = Object.fromEntries(Object.entries(slices).map(([name, slice]) => [name, slice.ptr]));
  kernel(ptrs);
  const result = Float32Array.from(slices[output].view());
  arena.dispose();
  return result;
}

// (m, n, k, layout, alpha, beta, padding of the leading dimensions): transposes, sizes that are
// not multiples of any tile, a single row and column, strided storage, and beta accumulation.
/** @type {[number, number, number, string, number, number, number][]} m, n, k, layout, alpha, beta, pad */
const GEMM_CASES = [
  [1, 1, 1, 'NN', 1, 0, 0],
  [7, 5, 3, 'NN', 1, 0, 0],
  [17, 33, 65, 'NT', 1, 0, 0],
  [64, 64, 64, 'TN', 1, 0, 0],
  [31, 47, 129, 'TT', 1, 0, 0],
  [130, 96, 200, 'NN', 0.5, 0.25, 3],
  [1, 256, 1024, 'NT', 1, 0, 0],
  [257, 9, 33, 'TN', 1, 1, 5],
];

/**
 * Error of C = alpha op(A) op(B) + beta C against the float64 result, as a fraction of the
 * summation-order-independent bound (k + 4) u (sum |alpha a b| + |beta c|): <= 1 for any
 * correct float32 gemm, fused or not.
 */
function gemmCheck(backends, [m, n, k, layout, alpha, beta, pad], seed) {
  const transA = layout[0] === 'T';
  const transB = layout[1] === 'T';
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + pad;
  const ldb = bCols + pad;
  const ldc = n + pad;
  const rand = random(seed);
  const a = filled(aRows * lda, rand);
  const b = filled(bRows * ldb, rand);
  const c0 = filled(m * ldc, rand);

  const exact = new Float64Array(m * n);
  const bound = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let magnitude = 0;
      for (let p = 0; p < k; p++) {
        const product = (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
        sum += product;
        magnitude += Math.abs(product);
      }
      const cIn = beta === 0 ? 0 : c0[i * ldc + j];
      exact[i * n + j] = alpha * sum + beta * cIn;
      bound[i * n + j] = (k + 4) * U * (Math.abs(alpha) * magnitude + Math.abs(beta * cIn)) + 1e-30;
    }
  }

  const outputs = {};
  for (const [label, backend] of Object.entries(backends)) {
    outputs[label] = runOn(backend, { a, b, c: c0 }, 'c', (p) =>
      backend.gemm(transA, transB, m, n, k, alpha, p.a, lda, p.b, ldb, beta, p.c, ldc),
    );
  }
  const result = { shape: `${m}x${n}x${k} ${layout} alpha=${alpha} beta=${beta} pad=${pad}` };
  let maxDiff = 0;
  for (const label of Object.keys(backends)) {
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const got = outputs[label][i * ldc + j];
        const ratio = Math.abs(got - exact[i * n + j]) / bound[i * n + j];
        if (!(ratio <= worst)) worst = ratio; // NaN propagates as a failure
      }
    }
    result[`${label}ErrorOverBound`] = worst;
  }
  // wasm against js, relative to the same bound (so <= 2 when both are within it); the padding
  // columns of C must come back untouched from both (any difference there is a failure).
  const [first, second] = Object.keys(backends);
  let diffOverBound = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < ldc; j++) {
      const diff = Math.abs(outputs[first][i * ldc + j] - outputs[second][i * ldc + j]);
      if (!(diff <= maxDiff)) maxDiff = diff;
      const ratio = j < n ? diff / bound[i * n + j] : diff === 0 ? 0 : Infinity;
      if (!(ratio <= diffOverBound)) diffOverBound = ratio;
    }
  }
  result.maxDiff = maxDiff;
  result.diffOverBound = diffOverBound;
  return result;
}

/** Max abs error of an activation against float64, over awkward lengths and an unaligned offset. */
function activationCheck(backends, op, seed) {
  const exactOf = op === 'sigmoid' ? (x) => 1 / (1 + Math.exp(-x)) : Math.tanh;
  const result = { op };
  const outputs = {};
  const maxError = {};
  for (const [length, offset] of [
    [1, 0],
    [7, 0],
    [1001, 0],
    [65539, 0],
    [1001, 1],
  ]) {
    const rand = random(seed + length + offset);
    const x = filled(length + offset, rand, -12, 12);
    for (let i = 0; i < Math.min(8, length); i++) x[offset + i] = [0, -0, 30, -30, 88, -88, 1e-8, -1e-8][i];
    for (const [label, backend] of Object.entries(backends)) {
      const y = runOn(backend, { x, y: new Float32Array(length + offset) }, 'y', (p) =>
        backend[op](p.x + offset, p.y + offset, length),
      );
      outputs[label] = y;
      for (let i = offset; i < length + offset; i++) {
        const error = Math.abs(y[i] - exactOf(x[i]));
        if (!(error <= (maxError[label] ?? 0))) maxError[label] = error;
      }
    }
    const [first, second] = Object.keys(backends);
    for (let i = offset; i < length + offset; i++) {
      const diff = Math.abs(outputs[first][i] - outputs[second][i]);
      if (!(diff <= (result.maxDiff ?? 0))) result.maxDiff = diff;
    }
  }
  for (const [label, error] of Object.entries(maxError)) result[`${label}MaxError`] = error;
  result.maxDiff ??= 0;
  return result;
}

/** gemm and activations of `wasm` against the js backend and float64. */
function checkBackend(wasm, js) {
  const backends = { wasm, js };
  return {
    variant: wasm.variant,
    gemm: GEMM_CASES.map((c, i) => gemmCheck(backends, c, 1000 + i)),
    activations: ['sigmoid', 'tanh'].map((op, i) => activationCheck(backends, op, 77 + i)),
  };
}

export async function runChecks() {
  const js = await lib.createBackend('js');

  // Default loading: embedded bytes, the build the engine supports best.
  const defaultWasm = await lib.createBackend('wasm');

  // Loading through `source`: a URL string for the baseline build, a URL object for the relaxed
  // one. Count compileStreaming calls to see that the streaming path (application/wasm) is taken.
  let streamingCompiles = 0;
  const compileStreaming = WebAssembly.compileStreaming;
  WebAssembly.compileStreaming = function (...args) {
    streamingCompiles++;
    return compileStreaming.apply(this, args);
  };
  let fromUrl;
  let relaxedFromUrl;
  try {
    fromUrl = await lib.createBackend('wasm', { build: 'simd', source: '/dist/wasm/lstm-simd.simd.wasm' });
    if (lib.hasRelaxedSimd()) {
      relaxedFromUrl = await lib.createBackend('wasm', {
        build: 'relaxed',
        source: new URL('/dist/wasm/lstm-simd.relaxed.wasm', location.href),
      });
    }
  } finally {
    WebAssembly.compileStreaming = compileStreaming;
  }

  // Two threads asked for twice, in a page without cross-origin isolation: one thread each, one warning.
  const threadsWithoutIsolation = [];
  for (let i = 0; i < 2; i++) threadsWithoutIsolation.push((await lib.createBackend('wasm', { threads: 2 })).threads);

  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated,
    threadsWithoutIsolation,
    hasSimd: lib.hasSimd(),
    hasRelaxedSimd: lib.hasRelaxedSimd(),
    streamingCompiles,
    defaultLoad: checkBackend(defaultWasm, js),
    sourceUrl: checkBackend(fromUrl, js),
    relaxedSourceUrl: relaxedFromUrl ? checkBackend(relaxedFromUrl, js) : undefined,
  };
}

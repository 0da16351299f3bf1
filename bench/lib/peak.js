// The wasm SIMD peak probe as a bench case: a register-only f32x4 multiply-add loop per
// wasm build, what "% peak" of every GFLOP/s figure is measured against.

/** Loop iterations the probe runs per call; each build reports its flops per iteration itself. */
export const PEAK_PROBE_ITERATIONS = 1 << 16;

/**
 * A case measuring the probe of every wasm build (its rows are the suite's peak).
 * @param {import('./types.js').SuiteContext} ctx
 * @returns {import('./types.js').Case}
 */
export function peakCase(ctx, caseName = 'peak probe') {
  const flopsPerIteration = wasmExports(ctx, 'wasm-simd')?.peakProbeFlopsPerIteration() ?? 0;
  return {
    name: caseName,
    group: 'peak',
    unit: 'GFLOP/s',
    work: PEAK_PROBE_ITERATIONS * flopsPerIteration,
    isPeak: true,
    note: flopsPerIteration > 0 ? undefined : 'peakProbeFlopsPerIteration() is 0 (probe not built yet?)',
    runners: peakRunners(ctx),
  };
}

/**
 * The probe of each wasm build, as runners (also interleaved into cases as `probes`).
 * @param {import('./types.js').SuiteContext} ctx
 * @returns {Record<string, import('./types.js').RunnerSpec>}
 */
export function peakRunners(ctx) {
  const wasmLabels = ['wasm-simd', 'wasm-relaxed'].filter((l) => ctx.backends.has(l));
  return Object.fromEntries(
    wasmLabels.map((label) => [
      label,
      {
        prepare: async () => {
          const kernels = /** @type {WasmExports} */ (wasmExports(ctx, label));
          const work = PEAK_PROBE_ITERATIONS * kernels.peakProbeFlopsPerIteration();
          return { run: () => kernels.peakProbe(PEAK_PROBE_ITERATIONS), work };
        },
      },
    ]),
  );
}

/**
 * The probe is an export of the wasm module, not a `Kernels` method: it is reached through the
 * wasm backend's instance exports. Undefined when the run has no backend `label`.
 * @param {import('./types.js').SuiteContext} ctx
 * @param {string} label  a single-threaded wasm build: 'wasm-simd' or 'wasm-relaxed'
 * @returns {WasmExports | undefined}
 *
 * @typedef {import('../../dist/internal.js').WasmBackend['kernels']} WasmExports
 */
function wasmExports(ctx, label) {
  return /** @type {import('../../dist/internal.js').WasmBackend | undefined} */ (ctx.backends.get(label))?.kernels;
}

// Runner specs of a workload on every backend of the run: the package's own (js, wasm-simd,
// wasm-relaxed) and TensorFlow.js (tfjs-cpu, tfjs-wasm) when loaded.

/**
 * @param {import('./types.js').SuiteContext} ctx
 * @param {(backend: any, label: string) => Promise<import('./types.js').Runner>} build
 * @param {{ only?: string[], skip?: string, maxCallMs?: Record<string, { full?: number, quick?: number }> }} [options]
 *   only: the labels to run; the others are left out, or listed as skipped with the reason `skip`
 */
export function packageRunners(ctx, build, { only, skip, maxCallMs = {} } = {}) {
  const specs = {};
  for (const [label, backend] of ctx.backends) {
    if (only && !only.includes(label) && !skip) continue;
    specs[label] = {
      prepare: () => build(backend, label),
      maxCallMs: maxCallMs[label],
      skip: only && !only.includes(label) ? skip : undefined,
    };
  }
  return specs;
}

/**
 * @param {import('./types.js').SuiteContext} ctx
 * @param {(tf: any, label: string) => import('./types.js').Runner} build  called with the tfjs backend active
 * @param {{ maxCallMs?: { full?: number, quick?: number }, skip?: string, only?: string[] }} [options]
 *   only: the labels to run; the others are left out, or listed as skipped with the reason `skip`
 */
export function tfjsRunners(ctx, build, { maxCallMs, skip, only } = {}) {
  const specs = {};
  for (const label of ctx.tfjs.labels) {
    if (only && !only.includes(label) && !skip) continue;
    specs[label] = {
      skip: only && !only.includes(label) ? skip : undefined,
      maxCallMs,
      prepare: async () => {
        await ctx.tfjs.use(label);
        const runner = build(ctx.tfjs.tf, label);
        return { ...runner, before: () => ctx.tfjs.use(label) };
      },
    };
  }
  return specs;
}

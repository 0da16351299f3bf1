// Running a suite: each case is prepared on every backend it names, measured
// interleaved, checked, and torn down before the next case starts.
//
// A suite is one file, bench/suites/<name>.js, exporting:
//   name       string, what `npm run bench -- <name>` selects
//   title      one line for the table heading
//   usesTfjs   true if its cases include TensorFlow.js runners (tfjs is loaded only then)
//   cases(ctx) -> Case[]              (may be async)
//   targets(lookup) -> TargetLine[]   optional: PASS/MISS lines printed under the table
//
// @typedef {{
//   quick: boolean,
//   lib: any,                                  // dist/index.js
//   backends: Map<string, any>,                // 'js', 'wasm-simd', 'wasm-relaxed' (when available) -> Backend
//   tfjs: import('./tfjs.js').TfjsHandle,      // labels [] when not loaded
//   reference: string,                         // the wasm label ratios are taken against
// }} SuiteContext
//
// @typedef {{
//   name: string,                // unique in the suite; the JSON `case`
//   group: string,               // rows of a group are printed together
//   unit: 'GFLOP/s' | 'elements/s' | string,   // throughput unit; `work` is in flops, elements, ...
//   work: number,                // units of work per call (flops for GFLOP/s)
//   rateGroup?: string,          // cases whose time per unit of work predicts each other (quick-mode skipping)
//   isPeak?: boolean,            // its GFLOP/s is the peak that "% peak" refers to, per backend
//   probes?: Record<string, { prepare(): Promise<Runner> }>,  // peak probes measured interleaved with
//                                // this case (by wasm label); "% peak" of its rows is against them
//   note?: string,
//   runners: Record<string, { prepare(): Promise<Runner>, skip?: string }>,
// }} Case
//
// @typedef {{
//   run(): void,                 // one call of the thing measured; synchronous
//   work?: number,               // overrides the case's `work` for this backend
//   before?(): Promise<void>,    // before each sample, untimed (e.g. switch the tfjs backend)
//   check?(): string | undefined, // after measuring: undefined if the output is right, else what is wrong
//   dispose?(): void,
// }} Runner
//
// @typedef {{ title: string, backend: string, status: string, pass?: boolean, detail: string }} TargetLine

import { formatMs, measureInterleaved } from './measure.js';

/**
 * @returns {Promise<Row[]>}
 * @typedef {{ suite: string, case: string, group: string, backend: string, unit: string, work: number,
 *   isPeak: boolean, medianMs?: number, minMs?: number, samples?: number, reps?: number,
 *   throughput?: number, peakAlongside?: number, skipped?: string, problem?: string }} Row
 */
export async function runSuite(suite, ctx, profile, { rates, caseFilter, backendFilter, progress, runLabel = '' }) {
  const rows = [];
  let cases = await suite.cases(ctx);
  if (caseFilter) cases = cases.filter((c) => c.isPeak || caseFilter.some((f) => c.name.includes(f)));
  process.stderr.write(`bench: running ${suite.name} (${cases.length} cases${runLabel})\n`);

  for (const c of cases) {
    const entries = [];
    const caseRows = new Map();
    for (const [label, spec] of Object.entries(c.runners)) {
      if (backendFilter && !backendFilter.includes(label) && !c.isPeak) continue;
      const row = {
        suite: suite.name, case: c.name, group: c.group, backend: label, unit: c.unit, work: c.work,
        isPeak: Boolean(c.isPeak),
      };
      caseRows.set(label, row);
      rows.push(row);
      const predicted = c.rateGroup ? rates.predictMs(c.rateGroup, label, c.work) : undefined;
      if (spec.skip) row.skipped = spec.skip;
      else if (predicted !== undefined && predicted > profile.maxCallMs) {
        row.skipped = `one call would take ~${formatMs(predicted)} (from the previous size), over the ${formatMs(profile.maxCallMs)} cap of --quick`;
      } else {
        try {
          entries.push({ label, runner: await spec.prepare() });
        } catch (error) {
          row.skipped = `setup failed: ${error.message}`;
        }
      }
    }

    if (entries.length > 0) {
      for (const [label, spec] of Object.entries(c.probes ?? {})) {
        try {
          entries.push({ label: `${label} probe`, runner: await spec.prepare(), probeOf: label });
        } catch {
          // without it, % of peak falls back to the suite's peak probe
        }
      }
    }

    progress?.(`${suite.name}: ${c.name} (${entries.map((e) => e.label).join(', ') || 'nothing to run'})`);
    let measured = new Map();
    try {
      measured = await measureInterleaved(entries, profile);
    } catch (error) {
      for (const row of caseRows.values()) row.skipped ??= `failed: ${error.message}`;
    }

    const probePeaks = new Map();
    for (const { label, runner, probeOf } of entries) {
      const m = measured.get(label);
      if (probeOf && m?.medianMs && runner.work > 0) probePeaks.set(probeOf, runner.work / (m.medianMs / 1000));
    }

    for (const { label, runner, probeOf } of entries) {
      if (probeOf) continue;
      const row = caseRows.get(label);
      const m = measured.get(label);
      if (m?.skipped) row.skipped = m.skipped;
      else if (m) {
        Object.assign(row, m);
        row.work = runner.work ?? c.work;
        row.throughput = row.work / (m.medianMs / 1000);
        if (c.rateGroup) rates.record(c.rateGroup, label, row.work, m.medianMs);
      }
      const probePeak = probePeaks.get(peakLabelFor(label));
      if (probePeak) row.peakAlongside = probePeak;
      try {
        row.problem = runner.check?.();
      } catch (error) {
        row.problem = `check threw: ${error.message}`;
      }
      try {
        runner.dispose?.();
      } catch {
        // a failed teardown does not invalidate the figures
      }
    }
    if (c.note) for (const row of caseRows.values()) row.note = c.note;
  }
  return rows;
}

/** Lookups for `targets()`: throughput and % of peak of a (case, backend), undefined when not measured. */
export function makeLookup(rows, peaks) {
  const find = (caseName, backend) =>
    rows.find((r) => r.case === caseName && r.backend === backend && r.throughput !== undefined && !r.problem);
  return {
    throughput: (caseName, backend) => find(caseName, backend)?.throughput / 1e9 || undefined,
    percentOfPeak: (caseName, backend) => {
      const row = find(caseName, backend);
      const peak = row?.peakAlongside ?? peaks.get(peakLabelFor(backend));
      return row && peak ? (100 * row.throughput) / peak : undefined;
    },
  };
}

/**
 * Which peak a backend's GFLOP/s is a percentage of: each wasm build its own;
 * tfjs-wasm the baseline build's (its binary has SIMD but no relaxed SIMD).
 */
export function peakLabelFor(backend) {
  if (backend === 'tfjs-wasm') return 'wasm-simd';
  return backend;
}

/** The peak GFLOP/s (in flops/s) per backend label, from the rows of peak cases. */
export function collectPeaks(rows) {
  const peaks = new Map();
  for (const r of rows) {
    if (r.isPeak && r.throughput > 0 && !r.problem) peaks.set(r.backend, Math.max(peaks.get(r.backend) ?? 0, r.throughput));
  }
  return peaks;
}

/**
 * Merges repeated runs of a suite: each (case, backend) keeps its fastest run, and the
 * probe measured alongside it keeps its fastest too (noise only ever slows things down).
 */
export function bestOfRuns(runs) {
  if (runs.length === 1) return runs[0];
  return runs[0].map((first, i) => {
    const candidates = runs.map((rows) => rows[i]).filter((r) => r.throughput !== undefined);
    if (candidates.length === 0) return first;
    const best = candidates.reduce((a, b) => (b.throughput > a.throughput ? b : a));
    const peaks = candidates.map((r) => r.peakAlongside).filter((p) => p !== undefined);
    return {
      ...best,
      problem: candidates.find((r) => r.problem)?.problem,
      samples: candidates.reduce((sum, r) => sum + r.samples, 0),
      ...(peaks.length > 0 ? { peakAlongside: Math.max(...peaks) } : {}),
    };
  });
}

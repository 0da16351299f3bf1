// Running a suite: each case is prepared on every backend it names, measured
// interleaved, checked, and torn down before the next case starts.
//
// A suite is one file, bench/suites/<name>.js; what it exports (`Suite`), its cases (`Case`), their
// runners (`RunnerSpec`, `Runner`) and the context they are built from (`SuiteContext`) are typed in
// ./types.d.ts.

import { formatMs, measureInterleaved } from './measure.js';

/**
 * @param {import('./types.js').Suite} suite
 * @param {import('./types.js').SuiteContext} ctx
 * @returns {Promise<Row[]>}
 * @typedef {{ suite: string, case: string, group: string, backend: string, unit: string, work: number,
 *   isPeak: boolean, medianMs?: number, minMs?: number, madMs?: number, samples?: number, reps?: number,
 *   rounds?: number, throughput?: number, flops?: number, gflops?: number, peakAlongside?: number,
 *   skipped?: string, problem?: string }} Row
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
        suite: suite.name,
        case: c.name,
        group: c.group,
        backend: label,
        unit: c.unit,
        work: c.work,
        isPeak: Boolean(c.isPeak),
      };
      caseRows.set(label, row);
      rows.push(row);
      const predicted = c.rateGroup ? rates.predictMs(c.rateGroup, label, c.flops ?? c.work) : undefined;
      const maxCallMs = spec.maxCallMs?.[profile.name] ?? profile.maxCallMs;
      if (spec.skip) row.skipped = spec.skip;
      else if (predicted !== undefined && predicted > maxCallMs) {
        row.skipped = `one call would take ~${formatMs(predicted)} (from the previous size), over the ${formatMs(maxCallMs)} cap of ${profile.name === 'quick' ? '--quick' : 'this profile'}`;
      } else {
        try {
          const prepareStart = performance.now();
          entries.push({ label, runner: await spec.prepare(), maxCallMs });
          if (process.env.BENCH_CASE_TIMES) {
            process.stderr.write(
              `bench:   prepare ${label}: ${((performance.now() - prepareStart) / 1000).toFixed(2)} s\n`,
            );
          }
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
    const caseStart = performance.now();
    try {
      measured = await measureInterleaved(entries, profile);
    } catch (error) {
      for (const row of caseRows.values()) row.skipped ??= `failed: ${error.message}`;
    }
    if (process.env.BENCH_CASE_TIMES) {
      process.stderr.write(`bench: ${c.name}: ${((performance.now() - caseStart) / 1000).toFixed(1)} s\n`);
    }

    const checkStart = performance.now();
    const probePeaks = new Map();
    for (const { label, runner, probeOf } of entries) {
      const m = measured.get(label);
      const work = runner.work ?? 0;
      if (probeOf && m?.medianMs && work > 0) probePeaks.set(probeOf, work / (m.medianMs / 1000));
    }

    for (const { label, runner, probeOf } of entries) {
      if (probeOf) continue;
      const row = caseRows.get(label);
      const m = measured.get(label);
      if (m?.skipped) {
        row.skipped = m.skipped;
        // A call over the cap still tells how fast this backend is: the next size need not be tried.
        if (c.rateGroup && m.firstCallMs) rates.record(c.rateGroup, label, c.flops ?? row.work, m.firstCallMs);
      } else if (m) {
        Object.assign(row, m);
        row.work = runner.work ?? c.work;
        row.throughput = row.work / (m.medianMs / 1000);
        const flops = runner.flops ?? c.flops;
        if (flops) {
          row.flops = flops;
          row.gflops = flops / (m.medianMs / 1000);
        }
        if (c.rateGroup) rates.record(c.rateGroup, label, c.flops ?? row.work, m.medianMs);
      }
      const probePeak = probePeaks.get(peakLabelFor(label));
      if (probePeak) row.peakAlongside = probePeak * threadsOf(label);
      try {
        row.problem = await runner.check?.();
      } catch (error) {
        row.problem = `check threw: ${error.message}`;
      }
      try {
        await runner.dispose?.();
      } catch {
        // a failed teardown does not invalidate the figures
      }
    }
    if (process.env.BENCH_CASE_TIMES) {
      process.stderr.write(`bench:   checks and teardown: ${((performance.now() - checkStart) / 1000).toFixed(2)} s\n`);
    }
    if (c.note) for (const row of caseRows.values()) row.note = c.note;
  }
  return rows;
}

/**
 * Lookups for `targets()`: throughput and % of peak of a (case, backend), undefined when not measured.
 * @returns {import('./types.js').ResultLookup}
 */
export function makeLookup(rows, peaks) {
  const find = (caseName, backend) =>
    rows.find((r) => r.case === caseName && r.backend === backend && r.throughput !== undefined && !r.problem);
  return {
    throughput: (caseName, backend) => find(caseName, backend)?.throughput / 1e9 || undefined,
    percentOfPeak: (caseName, backend) => {
      const row = find(caseName, backend);
      const peak = row?.peakAlongside ?? peakOf(peaks, backend);
      const flopsPerSecond = row?.unit === 'GFLOP/s' ? row.throughput : row?.gflops;
      return flopsPerSecond && peak ? (100 * flopsPerSecond) / peak : undefined;
    },
    medianMs: (caseName, backend) => find(caseName, backend)?.medianMs,
    threadSpeedup: (caseName, backend) => {
      const threaded = find(caseName, backend)?.medianMs;
      const single = find(caseName, singleThreadLabel(backend))?.medianMs;
      return threaded && single ? single / threaded : undefined;
    },
    rate: (caseName, backend) => find(caseName, backend)?.throughput,
  };
}

/**
 * Which peak probe a backend's GFLOP/s is a percentage of: each wasm build its own (a threaded
 * backend, `<build>-t<N>`, its build's, times N: see peakOf); tfjs-wasm the baseline build's (its
 * binary has SIMD but no relaxed SIMD).
 */
export function peakLabelFor(backend) {
  if (backend === 'tfjs-wasm') return 'wasm-simd';
  // The same wasm build in Chromium's V8: over Node's probe of that build.
  if (backend.startsWith('chromium-')) return backend.replace('chromium-', 'wasm-');
  return backend.replace(/-t\d+$/, '');
}

/** Threads a backend label runs the kernels on: N for `<build>-t<N>`, else 1. */
export function threadsOf(backend) {
  const match = /-t(\d+)$/.exec(backend);
  return match ? Number(match[1]) : 1;
}

/** The single-threaded backend of the same build as `<build>-t<N>` (the label itself otherwise). */
export function singleThreadLabel(backend) {
  return backend.replace(/-t\d+$/, '');
}

/**
 * The peak a backend's GFLOP/s is a percentage of: its build's probe (one core) times the threads
 * it runs on, so that N threads at N times one core's speed show the same % as one.
 */
export function peakOf(peaks, backend) {
  const peak = peaks.get(peakLabelFor(backend));
  return peak === undefined ? undefined : peak * threadsOf(backend);
}

/** The peak GFLOP/s (in flops/s) per backend label, from the rows of peak cases. */
export function collectPeaks(rows) {
  const peaks = new Map();
  for (const r of rows) {
    if (r.isPeak && r.throughput > 0 && !r.problem)
      peaks.set(r.backend, Math.max(peaks.get(r.backend) ?? 0, r.throughput));
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

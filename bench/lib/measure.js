// Timing: warm-up, calibration and interleaved sampling of one case on several backends.
//
// Every backend of a case is prepared first; then samples are taken round-robin
// (the order rotates every round), so that a noisy neighbour or a frequency
// change hits all backends of the case alike. A sample is `reps` back-to-back
// calls timed together, with `reps` chosen so that a sample lasts well above the
// timer's resolution. The figure reported is the median over samples of the
// time per call.

import { performance } from 'node:perf_hooks';

/** Sampling settings of a full run and of `--quick`. */
export const PROFILES = {
  full: {
    warmupMs: 300, // keep calling until this much time has passed (tiers up the JIT, faults in pages)
    // A sample is at least this long: far above the timer's resolution, and short enough that
    // on a busy machine many samples still run between two preemptions.
    minSampleMs: 1,
    budgetMs: 1500, // sampling time per backend and case
    minSamples: 7,
    maxSamples: 101,
    slowCallMs: 400, // above this per call: the first call is the warm-up, then `slowSamples` samples
    slowSamples: 3,
    maxCallMs: Infinity, // above this per call (measured or predicted): skip
  },
  quick: {
    warmupMs: 60,
    minSampleMs: 1,
    budgetMs: 200,
    minSamples: 5,
    maxSamples: 31,
    slowCallMs: 250,
    slowSamples: 1,
    maxCallMs: 2500,
  },
};

/**
 * Seconds per unit of work seen so far, per (rate group, backend): lets a quick
 * run skip a case whose one call would take longer than `maxCallMs`, predicted
 * from the same backend on the previous (smaller) case of the group.
 */
export class RateMemory {
  #rates = new Map();

  predictMs(group, backend, work) {
    const msPerWork = this.#rates.get(`${group}|${backend}`);
    return msPerWork === undefined ? undefined : msPerWork * work;
  }

  record(group, backend, work, msPerCall) {
    if (group && work > 0 && Number.isFinite(msPerCall)) this.#rates.set(`${group}|${backend}`, msPerCall / work);
  }
}

/**
 * Measures one case on every prepared runner, interleaved.
 * @param {{label: string, runner: import('./suite.js').Runner}[]} entries
 * @param {typeof PROFILES.full} profile
 * @returns {Promise<Map<string, Measurement>>} by label
 *
 * @typedef {{ medianMs: number, minMs: number, samples: number, reps: number }} Measurement
 */
export async function measureInterleaved(entries, profile) {
  const states = [];
  for (const { label, runner } of entries) {
    states.push(await warmUp(label, runner, profile));
  }

  const active = states.filter((s) => !s.skipped);
  const rounds = Math.max(0, ...active.map((s) => s.targetSamples));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < active.length; i++) {
      const state = active[(i + round) % active.length];
      // A backend with fewer samples than rounds spreads them evenly over the rounds.
      const due = Math.floor(((round + 1) * state.targetSamples) / rounds);
      if (state.times.length >= due) continue;
      if (state.runner.before) await state.runner.before();
      const run = state.runner.run;
      const reps = state.reps;
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) run();
      state.times.push((performance.now() - t0) / reps);
    }
  }

  const results = new Map();
  for (const state of states) {
    if (state.skipped) {
      results.set(state.label, { skipped: state.skipped });
      continue;
    }
    const sorted = [...state.times].sort((a, b) => a - b);
    results.set(state.label, {
      medianMs: median(sorted),
      minMs: sorted[0],
      samples: sorted.length,
      reps: state.reps,
    });
  }
  return results;
}

async function warmUp(label, runner, profile) {
  const state = { label, runner, reps: 1, targetSamples: 0, times: [], skipped: undefined };
  if (runner.before) await runner.before();
  const t0 = performance.now();
  runner.run();
  let perCall = performance.now() - t0;

  if (perCall > profile.maxCallMs) {
    state.skipped = `one call took ${formatMs(perCall)} (over the ${formatMs(profile.maxCallMs)} cap of this profile)`;
    return state;
  }
  if (perCall > profile.slowCallMs) {
    // The first call was the warm-up; a few single-call samples follow.
    state.targetSamples = profile.slowSamples;
    return state;
  }

  // Warm up in chunks until warmupMs has passed and the time per call stops improving:
  // V8 first runs wasm on its baseline compiler and swaps in optimised code a little later
  // (compiled in the background, so later still on a busy machine); JS tiers up likewise.
  const start = performance.now();
  const chunkMs = profile.warmupMs / 5;
  perCall = Infinity;
  for (;;) {
    const chunkStart = performance.now();
    let calls = 0;
    do {
      runner.run();
      calls++;
    } while (performance.now() - chunkStart < chunkMs);
    const chunkPerCall = (performance.now() - chunkStart) / calls;
    const improving = chunkPerCall < perCall * 0.97;
    perCall = Math.min(perCall, chunkPerCall);
    const elapsed = performance.now() - start;
    if ((elapsed >= profile.warmupMs && !improving) || elapsed >= profile.warmupMs * 10) break;
  }

  state.reps = Math.max(1, Math.ceil(profile.minSampleMs / Math.max(perCall, 1e-6)));
  const sampleMs = perCall * state.reps;
  state.targetSamples = Math.min(
    profile.maxSamples,
    Math.max(profile.minSamples, Math.floor(profile.budgetMs / sampleMs)),
  );
  return state;
}

export function median(sorted) {
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = n >> 1;
  return n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function formatMs(ms) {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 1) return `${ms.toFixed(ms >= 100 ? 0 : ms >= 10 ? 1 : 2)} ms`;
  if (ms >= 1e-3) return `${(ms * 1000).toFixed(ms * 1000 >= 100 ? 0 : 1)} µs`;
  return `${(ms * 1e6).toFixed(0)} ns`;
}

// Timing: warm-up, calibration and interleaved sampling of one case on several backends,
// with tinybench as the measuring engine.
//
// tinybench runs one task to completion before it starts the next, so a noisy neighbour
// (this is a shared 2-core machine) would hit whichever backend happened to be running.
// The bench therefore cuts the sampling into many short rounds: every backend of a case
// owns a tinybench `Bench` with one task, and each round re-runs each backend's Bench in
// turn (the order rotates every round) for a few samples. tinybench times every sample
// and keeps it (retainSamples); the samples of all rounds are pooled per backend and the
// figure reported is their median. A sample is `reps` back-to-back calls (one tinybench
// iteration), with `reps` chosen so that a sample lasts well above the timer's resolution;
// the pooled samples are divided by `reps`, i.e. they are times per call.
//
// The warm-up runs through tinybench too (time-boxed Bench runs, their mean per call),
// and so does the first call that decides how a backend is sampled.

import { Bench, medianAbsoluteDeviation } from 'tinybench';

/** @typedef {import('tinybench').SortedSamples} SortedSamples */

/** Sampling settings of a full run and of `--quick`. */
export const PROFILES = {
  full: {
    name: 'full',
    warmupMs: 300, // keep calling until this much time has passed (tiers up the JIT, faults in pages)
    // A sample is at least this long: far above the timer's resolution, and short enough that
    // on a busy machine many samples still run between two preemptions.
    minSampleMs: 1,
    budgetMs: 1500, // sampling time per backend and case
    minSamples: 7,
    maxSamples: 101,
    rounds: 25, // sampling is spread over at most this many interleaved rounds
    slowCallMs: 400, // above this per call: a few single-call samples (see slowSamples)
    slowSamples: 3,
    slowBudgetMs: 40_000, // ... but no more single-call samples than fit in this (at least 2)
    minSlowSamples: 2,
    maxCallMs: 30_000, // above this per call (measured or predicted): skip, unless the case allows more
  },
  quick: {
    name: 'quick',
    warmupMs: 30,
    minSampleMs: 1,
    budgetMs: 80,
    minSamples: 3,
    maxSamples: 15,
    rounds: 4,
    slowCallMs: 150,
    slowSamples: 1,
    slowBudgetMs: 3_000,
    minSlowSamples: 1,
    maxCallMs: 1_500,
  },
};

/**
 * Seconds per unit of work seen so far, per (rate group, backend): lets a run skip a case
 * whose one call would take longer than its cap, predicted from the same backend on the
 * previous (smaller) case of the group.
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
 * A tinybench Bench with one task that makes `reps` calls per iteration, run for
 * `iterations` iterations and at least `timeMs` (0: exactly `iterations`).
 */
class TimedTask {
  constructor(label, runner, reps) {
    this.runner = runner;
    this.reps = reps;
    this.label = label;
    if (runner.runTimed) {
      // Timed where it runs (e.g. in a browser page): that time is the sample, not the await around it.
      const runTimed = runner.runTimed;
      this.fn = async () => ({ overriddenDuration: await runTimed(reps) });
      return;
    }
    const run = runner.run;
    this.fn =
      reps === 1
        ? () => {
            run();
          }
        : () => {
            for (let r = 0; r < reps; r++) run();
          };
  }

  /** @returns {Promise<{ samples: number[], period: number }>} times per call (ms), and their mean */
  async run({ iterations, timeMs = 0, retain = true }) {
    const bench = new Bench({
      name: this.label,
      iterations,
      time: timeMs,
      warmup: false,
      retainSamples: retain,
      throws: true,
    });
    const before = this.runner.before;
    // `async` given: otherwise tinybench calls the function once, untimed, to find out.
    const async = Boolean(this.runner.runTimed);
    bench.add(this.label, this.fn, before ? { async, beforeAll: () => before() } : { async });
    await bench.run();
    const result = bench.tasks[0].result;
    if (result.state === 'errored') throw result.error;
    if (result.state !== 'completed') throw new Error(`tinybench task ended ${result.state}`);
    const reps = this.reps;
    return {
      samples: retain ? Array.from(result.latency.samples ?? [], (s) => s / reps) : [],
      period: result.period / reps,
    };
  }
}

/**
 * Measures one case on every prepared runner, interleaved.
 * @param {{label: string, runner: import('./types.js').Runner, maxCallMs?: number}[]} entries
 * @param {typeof PROFILES.full} profile
 * @returns {Promise<Map<string, Measurement>>} by label
 *
 * @typedef {{ medianMs: number, minMs: number, madMs: number, samples: number, reps: number,
 *   rounds: number, firstCallSample: boolean } | { skipped: string, firstCallMs?: number }} Measurement
 */
export async function measureInterleaved(entries, profile) {
  const states = [];
  for (const entry of entries) {
    const start = performance.now();
    states.push(await warmUp(entry, profile));
    if (process.env.BENCH_CASE_TIMES) {
      process.stderr.write(`bench:   warm-up ${entry.label}: ${((performance.now() - start) / 1000).toFixed(2)} s\n`);
    }
  }
  const samplingStart = performance.now();

  const sampled = states.filter((s) => !s.skipped && s.targetSamples > s.times.length);
  const rounds = Math.min(profile.rounds, Math.max(0, ...sampled.map((s) => s.targetSamples - s.times.length)));
  const active = sampled.map((state) => {
    const wanted = state.targetSamples - state.times.length;
    const roundsTaken = Math.min(rounds, wanted);
    const perRound = Math.ceil(wanted / roundsTaken);
    return { state, roundsTaken, perRound, task: new TimedTask(state.label, state.runner, state.reps) };
  });
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < active.length; i++) {
      const { state, roundsTaken, perRound, task } = active[(i + round) % active.length];
      // A backend that takes part in fewer rounds spreads them evenly over all rounds.
      const due = Math.floor(((round + 1) * roundsTaken) / rounds) - Math.floor((round * roundsTaken) / rounds);
      if (due === 0) continue;
      const { samples } = await task.run({ iterations: perRound });
      state.times.push(...samples);
      state.roundsRun++;
    }
  }

  if (process.env.BENCH_CASE_TIMES) {
    process.stderr.write(`bench:   sampling: ${((performance.now() - samplingStart) / 1000).toFixed(2)} s\n`);
  }
  const results = new Map();
  for (const state of states) {
    if (state.skipped) {
      results.set(state.label, { skipped: state.skipped, firstCallMs: state.firstCallMs });
      continue;
    }
    const sorted = [...state.times].sort((a, b) => a - b);
    results.set(state.label, {
      medianMs: median(sorted),
      minMs: sorted[0],
      madMs: sorted.length > 0 ? medianAbsoluteDeviation(/** @type {SortedSamples} */ (sorted)) : NaN,
      samples: sorted.length,
      reps: state.reps,
      rounds: state.roundsRun,
      firstCallSample: state.firstCallSample,
    });
  }
  return results;
}

/**
 * Warms a runner up and decides how it is sampled: `reps` calls per sample, `targetSamples` in all
 * (a slow runner's warm first call may already be one of them); `skipped` if one call is over the cap.
 * @param {{label: string, runner: import('./types.js').Runner, maxCallMs?: number}} entry
 * @param {typeof PROFILES.full} profile
 * @returns {Promise<SamplingState>}
 *
 * @typedef {{ label: string, runner: import('./types.js').Runner, reps: number, targetSamples: number,
 *   times: number[], skipped: string | undefined, firstCallMs?: number, roundsRun: number,
 *   firstCallSample: boolean }} SamplingState
 */
async function warmUp({ label, runner, maxCallMs }, profile) {
  const cap = maxCallMs ?? profile.maxCallMs;
  /** @type {SamplingState} */
  const state = {
    label,
    runner,
    reps: 1,
    targetSamples: 0,
    times: [],
    skipped: undefined,
    roundsRun: 0,
    firstCallSample: false,
  };
  const single = new TimedTask(label, runner, 1);

  // A runner whose full call is slow may offer a cheap call through the same code (e.g. the
  // same model on a small batch): it warms up the JIT and the kernels, so that the first full
  // call already counts as a sample.
  if (runner.warmUp) {
    const warmUpTask = new TimedTask(label, { run: runner.warmUp, before: runner.before }, 1);
    const r = await warmUpTask.run({ iterations: 2, timeMs: profile.warmupMs });
    if (process.env.BENCH_CASE_TIMES)
      process.stderr.write(`bench:     warmUp ${label}: ${r.samples.map((x) => x.toFixed(0)).join(' ')} ms\n`);
  }

  let perCall = (await single.run({ iterations: 1 })).samples[0];
  let warm = Boolean(runner.warmUp);
  if (process.env.BENCH_CASE_TIMES) process.stderr.write(`bench:     first call ${label}: ${perCall.toFixed(0)} ms\n`);
  if (perCall > profile.slowCallMs && !warm && perCall <= 3 * cap) {
    // A cold first call includes one-off costs (growing the heap, compiling): a second one decides
    // whether the runner is slow (and counts as its first sample if so).
    perCall = (await single.run({ iterations: 1 })).samples[0];
    warm = true;
  }
  if (perCall > cap) {
    state.skipped = `one call took ${formatMs(perCall)} (over the ${formatMs(cap)} cap of this profile)`;
    state.firstCallMs = perCall;
    return state;
  }
  if (perCall > profile.slowCallMs) {
    // Single-call samples; the first call was the warm-up unless something warmed up before it.
    if (warm) {
      state.times.push(perCall);
      state.firstCallSample = true;
    }
    const affordable = Math.floor(profile.slowBudgetMs / perCall);
    state.targetSamples = Math.max(profile.minSlowSamples, Math.min(profile.slowSamples, affordable));
    return state;
  }

  // Warm up in time-boxed tinybench runs until warmupMs has passed and the time per call stops
  // improving: V8 first runs wasm on its baseline compiler and swaps in optimised code a little
  // later (compiled in the background, so later still on a busy machine); JS tiers up likewise.
  const start = performance.now();
  const chunkMs = profile.warmupMs / 5;
  perCall = Infinity;
  for (;;) {
    const { period } = await single.run({ iterations: 1, timeMs: chunkMs, retain: false });
    const improving = period < perCall * 0.97;
    perCall = Math.min(perCall, period);
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

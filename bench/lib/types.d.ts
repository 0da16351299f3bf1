// The bench's shapes: what a suite module exports, the cases it lists, the runners they prepare,
// and what the harness page exposes. Types only: the JavaScript refers to them in JSDoc as
// `import('./types.js').Case` (from bench/lib; `../lib/types.js` from bench/suites).

import type { BrowserHandle } from './browser.js';
import type { Row } from './suite.js';
import type { TfjsHandle } from './tfjs.js';

/**
 * A suite: one file, bench/suites/<name>.js, whose exports are these (bench/run.js imports it
 * as a module namespace).
 */
export interface Suite {
  /** What `npm run bench -- <name>` selects. */
  name: string;
  /** One line for the table heading. */
  title: string;
  /** True if its cases include TensorFlow.js runners (tfjs is loaded only then). */
  usesTfjs?: boolean;
  /** True if its cases include Chromium runners (the browser is launched only then). */
  usesBrowser?: boolean;
  /** The cases to measure, in order. */
  cases(ctx: SuiteContext): Case[] | Promise<Case[]>;
  /** PASS/MISS lines printed under the table. */
  targets?(lookup: ResultLookup): TargetLine[];
  /** Extra text printed under the table (e.g. a cost table). */
  summary?(rows: Row[], ctx: SuiteContext): string;
}

/** What a suite's cases are built from: the run's profile and every backend it compares. */
export interface SuiteContext {
  quick: boolean;
  profile: 'full' | 'quick';
  /** The built package, as Node imports it (dist/node/entry.js). */
  lib: typeof import('../../dist/node/entry.js');
  /** 'js', 'wasm-simd', 'wasm-relaxed' (when available), 'wasm-<build>-t<N>' (--threads) -> Backend. */
  backends: Map<string, import('../../dist/internal.js').Backend>;
  /** TensorFlow.js; `labels` is [] when not loaded. */
  tfjs: TfjsHandle;
  /** Chromium; `labels` is [] when not loaded. */
  browser: BrowserHandle;
  /** The wasm label ratios are taken against. */
  reference: string;
}

/** One measured thing (a kernel at a size, a training step of a shape), on several backends. */
export interface Case {
  /** Unique in the suite; the JSON `case`. */
  name: string;
  /** Rows of a group are printed together. */
  group: string;
  /** Throughput unit ('GFLOP/s', 'elements/s', 'tok/s', ...); `work` is in flops, elements, tokens, ... */
  unit: string;
  /** Units of work per call (flops for GFLOP/s). */
  work: number;
  /** Nominal flops per call when the unit is not GFLOP/s: gives "% peak". */
  flops?: number;
  /**
   * Cases whose time per flop (else per unit of work) predicts each other's: a call predicted
   * over its cap is skipped.
   */
  rateGroup?: string;
  /** Its GFLOP/s is the peak that "% peak" refers to, per backend. */
  isPeak?: boolean;
  /**
   * Peak probes measured interleaved with this case (by wasm label); "% peak" of its rows is
   * against them.
   */
  probes?: Record<string, { prepare(): Promise<Runner> }>;
  note?: string;
  /** By backend label. */
  runners: Record<string, RunnerSpec>;
}

/** A case on one backend, before it is set up. */
export interface RunnerSpec {
  prepare(): Promise<Runner>;
  /** Not run, and why. */
  skip?: string;
  /** Per-profile cap on one call (ms), instead of the profile's. */
  maxCallMs?: { full?: number; quick?: number };
}

/** A case set up on one backend: what is timed, and how its output is checked. */
export interface Runner {
  /** One call of the thing measured; synchronous. */
  run?(): void;
  /**
   * Instead of `run`: `reps` calls timed where they run (a browser page), resolving with their
   * time in ms.
   */
  runTimed?(reps: number): Promise<number>;
  /** Overrides the case's `work` for this backend. */
  work?: number;
  /** Overrides the case's `flops` for this backend. */
  flops?: number;
  /**
   * A cheap call through the same code (e.g. a small batch): lets a slow runner skip the
   * full-size warm-up call.
   */
  warmUp?(): void;
  /** Before each batch of samples, untimed (e.g. switch the tfjs backend). */
  before?(): Promise<void>;
  /** After measuring: undefined if the output is right, else what is wrong. */
  check?(): string | undefined | Promise<string | undefined>;
  dispose?(): void | Promise<void>;
}

/** A PASS/MISS line printed under a suite's table (see targets.js). */
export interface TargetLine {
  title: string;
  backend: string;
  status: string;
  /** Undefined when nothing was measured. */
  pass?: boolean;
  detail: string;
}

/** What `targets()` reads of the measured rows: undefined where a (case, backend) was not measured. */
export interface ResultLookup {
  /** Throughput in billions of units of work per second (GFLOP/s for a GFLOP/s case). */
  throughput(caseName: string, backend: string): number | undefined;
  /** GFLOP/s as a % of the peak probe measured alongside (else the suite's). */
  percentOfPeak(caseName: string, backend: string): number | undefined;
  /** Median time per call in ms. */
  medianMs(caseName: string, backend: string): number | undefined;
  /** How many times faster a `<build>-t<N>` backend runs the case than its build on one thread. */
  threadSpeedup(caseName: string, backend: string): number | undefined;
  /** Throughput in the case's own unit (tokens/s, elements/s; flops/s for GFLOP/s cases). */
  rate(caseName: string, backend: string): number | undefined;
}

/** What the harness page (bench/browser/harness.js) exposes as `window.benchHarness`. */
export interface BenchHarness {
  hasRelaxedSimd: boolean;
  crossOriginIsolated: boolean;
  /** Builds a workload on a wasm build under `id`; resolves with the backend's variant. */
  prepare(
    id: string,
    spec: { build: 'simd' | 'relaxed'; factory: string; args: unknown[]; call: string },
  ): Promise<string>;
  /** `reps` calls back to back; their time in ms. */
  run(id: string, reps: number): number;
  /** Undefined if the workload's output looks right, else what is wrong. */
  check(id: string): string | undefined;
  dispose(id: string): void;
}

declare global {
  interface Window {
    /** Set by bench/browser/harness.js. */
    benchHarness: BenchHarness;
  }
}

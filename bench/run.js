#!/usr/bin/env node
// npm run bench [-- [suite...] [--quick] [--json FILE] [--case TEXT] [--backend LIST] [--no-child]]
//
// Measures the built package (dist/) against itself on every backend and against
// TensorFlow.js, in one process, interleaved. Suites are files in bench/suites/.

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { checkDist, describeEnvironment, ensureRelaxedSimd, importDist } from './lib/environment.js';
import { PROFILES, RateMemory } from './lib/measure.js';
import { derive, formatTable, formatTargets, jsonRows } from './lib/report.js';
import { bestOfRuns, collectPeaks, makeLookup, runSuite } from './lib/suite.js';
import { browserUnavailable, loadBrowser } from './lib/browser.js';
import { loadTfjs, tfjsUnavailable } from './lib/tfjs.js';

const SUITES_DIR = fileURLToPath(new URL('./suites/', import.meta.url));
/** Suites run in this order (any others after them, by name): kernels first, their peak serves all. */
const SUITE_ORDER = ['kernels', 'layers', 'training', 'generation', 'cost'];

const USAGE = `usage: npm run bench -- [suite...] [options]

  suite...          run only these suites (default: all): ${listSuites().join(', ')}
  --quick           fewer, shorter samples, fewer sizes; skips calls predicted to take over 1.5 s
                    (TensorFlow.js training steps always run); all suites in under 2 minutes
  --json FILE       also write the figures as [{suite, case, backend, metric, value, unit}]
  --case TEXT       only cases whose name contains TEXT (repeatable), e.g. --case "gemm NN"
  --backend LIST    only these backends, comma-separated (js, wasm-simd, wasm-relaxed, wasm-simd-t2,
                    wasm-relaxed-t2, tfjs-cpu, tfjs-wasm, chromium-simd, chromium-relaxed)
  --threads LIST    thread counts of the threaded wasm backends, comma-separated (default: 2 where
                    the machine has 2 cores or more; 0: none), e.g. --threads 2,4 adds wasm-*-t2, -t4
  --repeat N        run each suite N times and keep each figure's best run (for a noisy machine)
  --no-child        do not re-run under --experimental-wasm-relaxed-simd when relaxed SIMD is missing
  --help            this text`;

function listSuites() {
  const rank = (name) => (SUITE_ORDER.includes(name) ? SUITE_ORDER.indexOf(name) : SUITE_ORDER.length);
  return readdirSync(SUITES_DIR)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function parseCommandLine() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'string' },
        case: { type: 'string', multiple: true },
        backend: { type: 'string' },
        repeat: { type: 'string', default: '1' },
        threads: { type: 'string' },
        'no-child': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(`bench: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const available = listSuites();
  const unknown = positionals.filter((p) => !available.includes(p));
  if (unknown.length > 0) {
    console.error(`bench: unknown suite ${unknown.join(', ')} (available: ${available.join(', ')})`);
    process.exit(2);
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) {
    console.error(`bench: --repeat needs a positive integer, got ${values.repeat}`);
    process.exit(2);
  }
  const threads = (values.threads ?? (availableParallelism() >= 2 ? '2' : '0'))
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => n !== 0);
  if (threads.some((n) => !Number.isInteger(n) || n < 2)) {
    console.error(`bench: --threads needs thread counts of 2 or more (or 0), got ${values.threads}`);
    process.exit(2);
  }
  return {
    repeat,
    threads,
    suites: positionals.length > 0 ? available.filter((name) => positionals.includes(name)) : available,
    quick: values.quick,
    // npm runs scripts in the package root; a relative path means the caller's directory.
    json: values.json && path.resolve(process.env.INIT_CWD ?? process.cwd(), values.json),
    caseFilter: values.case,
    backendFilter: values.backend
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    allowChild: !values['no-child'],
  };
}

const options = parseCommandLine();
const staleWarning = checkDist();
const relaxed = await ensureRelaxedSimd({ allowChild: options.allowChild });
const started = performance.now();

const env = describeEnvironment();
const lib = await importDist();
/** @type {import('./lib/types.js').Suite[]} */
const suites = [];
for (const name of options.suites) suites.push(await import(pathToFileURL(path.join(SUITES_DIR, `${name}.js`)).href));

// The package's own backends, one instance each, shared by every case.
// wasm-simd and wasm-relaxed run on one thread; wasm-<build>-t<N> on N (the threads builds).
const backends = new Map();
backends.set('js', await lib.createBackend('js'));
const builds = relaxed.relaxed ? ['simd', 'relaxed'] : ['simd'];
for (const build of builds) backends.set(`wasm-${build}`, await lib.createBackend('wasm', { build, threads: 1 }));
for (const n of options.threads) {
  for (const build of builds) {
    const backend = await lib.createBackend('wasm', { build, threads: n });
    if (backend.threads !== n) throw new Error(`bench: wasm-${build}-t${n} runs on ${backend.threads} thread(s)`);
    backends.set(`wasm-${build}-t${n}`, backend);
  }
}
const reference = relaxed.relaxed ? 'wasm-relaxed' : 'wasm-simd';

const wantTfjs =
  suites.some((s) => s.usesTfjs) && (!options.backendFilter || options.backendFilter.some((b) => b.startsWith('tfjs')));
const tfjs = wantTfjs ? await loadTfjs() : tfjsUnavailable('TensorFlow.js: not used by these suites');
const wantBrowser =
  suites.some((s) => s.usesBrowser) &&
  (!options.backendFilter || options.backendFilter.some((b) => b.startsWith('chromium')));
const browser = wantBrowser ? await loadBrowser() : browserUnavailable('Chromium: not used by these suites');

const profileName = options.quick ? 'quick' : 'full';
const header = [
  `lstm-simd bench (${profileName}${options.repeat > 1 ? `, best of ${options.repeat} runs` : ''}), built package: dist/`,
  `CPU:  ${env.cpu}`,
  `Node: ${env.node}`,
  relaxed.note,
  options.threads.length > 0
    ? `threads: wasm-<build>-t<N> run the kernels on N threads (the threads build, N - 1 workers); % peak is over N` +
      ' times the build\'s one-core probe; "Nx wasm-<build> (1 thread)" is the speed-up over one thread'
    : 'threads: none measured (one core, or --threads 0)',
  tfjs.info,
  browser.info,
  `vs ${reference}: throughput / ${reference}'s (higher is faster). % peak: GFLOP/s over the peak probe of the same` +
    " wasm build, run interleaved with GEMM cases, else the best of the run (tfjs-wasm: over the baseline build's" +
    " probe; chromium-*: over Node's probe of the same build); model cases count nominal matmul flops." +
    ' tok/s: B x T tokens per second.',
  ...(staleWarning ? [`WARNING: ${staleWarning}`] : []),
];
console.log(header.join('\n'));

/** @type {import('./lib/types.js').SuiteContext} */
const ctx = { quick: options.quick, profile: profileName, lib, backends, tfjs, browser, reference };
const rates = new RateMemory();
const allRows = [];
const targetsBySuite = new Map();
for (const suite of suites) {
  const runs = [];
  for (let run = 0; run < options.repeat; run++) {
    runs.push(
      await runSuite(suite, ctx, PROFILES[profileName], {
        rates,
        caseFilter: options.caseFilter,
        backendFilter: options.backendFilter,
        progress: process.stderr.isTTY ? (text) => process.stderr.write(`\r\x1b[K${text}`) : undefined,
        runLabel: options.repeat > 1 ? `, run ${run + 1} of ${options.repeat}` : '',
      }),
    );
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  }
  const rows = bestOfRuns(runs);
  allRows.push(...rows);

  const peaks = collectPeaks(allRows);
  const derived = derive(rows, peaks, reference);
  console.log(`\n== ${suite.title} ==\n`);
  console.log(formatTable(derived, reference));
  const peakNote = [...peaks].map(([label, flops]) => `${label} ${(flops / 1e9).toFixed(2)} GFLOP/s`).join(', ');
  if (peakNote) console.log(`\npeak probe (best of the probe cases): ${peakNote}`);
  if (suite.summary) {
    const text = suite.summary(derived, ctx);
    if (text) console.log(`\n${text}`);
  }

  if (suite.targets) {
    const lines = suite.targets(makeLookup(rows, peaks));
    targetsBySuite.set(suite.name, lines);
    console.log(`\ntargets (PASS* = passed where measured, n/a = not measured):\n${formatTargets(lines)}`);
  }
  allRows.splice(allRows.length - rows.length, rows.length, ...derived);
}

await browser.close();
const elapsed = (performance.now() - started) / 1000;
console.log(`\ndone in ${elapsed.toFixed(0)} s`);

if (options.json) {
  const jsonEnv = {
    cpu: env.cpu,
    node: env.node,
    relaxed_simd: relaxed.note,
    tfjs: tfjs.info,
    browser: browser.info,
    profile: profileName,
  };
  mkdirSync(path.dirname(options.json), { recursive: true });
  writeFileSync(options.json, `${JSON.stringify(jsonRows(jsonEnv, allRows, targetsBySuite, reference), null, 1)}\n`);
  console.log(`wrote ${options.json}`);
}

// Speed is reported, never gated; a wrong result is an error (figures of a broken kernel mean nothing).
const wrong = allRows.filter((r) => r.problem);
if (wrong.length > 0) {
  console.error(
    `\nbench: ${wrong.length} wrong result(s): ${wrong.map((r) => `${r.case} on ${r.backend}`).join(', ')}`,
  );
  process.exitCode = 1;
}

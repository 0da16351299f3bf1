#!/usr/bin/env node
// The chapter in the browser: the demo page (demo/) in Chromium trains d2l's LSTM language model with
// the chapter's settings (B = 1024, T = 32, H = 32, lr 4, clipping at 1, 10 000 + 5 000 windows) for
// 50 epochs, driven through its form as a user would, for the concise (fused) and the scratch model.
// Reports each epoch's time as the page shows it (the worker's Trainer.fitAsync, validation included),
// the first epoch apart (it includes the engine's tier-up), the total against the 30 s goal, and CPU
// time over the run: of the worker's thread that trains, and of all of Chromium's threads (on a busy
// machine the wall time measures the neighbours too; the training thread's CPU time is what the run
// takes on an idle core). --node runs the same training in this Node process for comparison
// (Trainer.fit on the main thread; Node's own wasm build choice).
//
//   node bench/browser-chapter.js [--epochs 50] [--models lstm,lstm-scratch] [--backend auto|wasm-relaxed|wasm-simd]
//                                 [--node] [--data path/to/timemachine.txt] [--json FILE]

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { launchChromium } from '../scripts/chromium.js';
import { serveStatic } from '../scripts/static-server.js';
import { cpuModel, PACKAGE_ROOT } from './lib/environment.js';
import { median } from './lib/measure.js';

const GOAL_SECONDS = 30;
const CHAPTER = { numHiddens: '32', batchSize: '1024', numSteps: '32', numTrain: '10000', numVal: '5000', seed: '1' };

/**
 * CPU ticks (user + system) of every thread of every descendant process of `rootPid`, by
 * 'pid/tid' with the thread's name (Linux /proc; undefined elsewhere). Chromium names its web
 * workers' threads 'DedicatedWorker', its renderers' main threads 'chromium', V8's compile and GC
 * helpers 'ThreadPoolForeg'.
 * @returns {Map<string, { name: string, ticks: number }> | undefined}
 */
function threadTicks(rootPid = process.pid) {
  if (process.platform !== 'linux') return undefined;
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      parents.set(Number(name), Number(statFields(`/proc/${name}/stat`).fields[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const processes = [];
  const stack = [rootPid];
  while (stack.length > 0) {
    const parent = stack.pop();
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        processes.push(pid);
        stack.push(pid);
      }
    }
  }
  const threads = new Map();
  for (const pid of processes) {
    let tids;
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const { name, fields } = statFields(`/proc/${pid}/task/${tid}/stat`);
        threads.set(`${pid}/${tid}`, { name, ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // the thread ended while we looked
      }
    }
  }
  return threads;
}

/** The name and the fields after it of a /proc stat line ("pid (name) state ppid ..."). */
function statFields(file) {
  const stat = readFileSync(file, 'utf8');
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    fields: stat.slice(stat.lastIndexOf(')') + 2).split(' '),
  };
}

/**
 * CPU seconds between two threadTicks() readings: in all, in the busiest thread named `name`, and by
 * thread name (the busiest names first: where the time outside the training thread goes).
 */
function cpuBetween(before, after, name) {
  if (before === undefined || after === undefined) return { total: undefined, thread: undefined, byName: {} };
  const perSecond = ticksPerSecond();
  let total = 0;
  let thread = 0;
  const byName = new Map();
  for (const [key, now] of after) {
    const delta = now.ticks - (before.get(key)?.ticks ?? 0);
    total += delta;
    if (now.name === name) thread = Math.max(thread, delta);
    if (delta > 0) byName.set(now.name, (byName.get(now.name) ?? 0) + delta / perSecond);
  }
  const busiest = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 6);
  return { total: total / perSecond, thread: thread / perSecond, byName: Object.fromEntries(busiest) };
}

async function corpusFile(given) {
  const candidate = given ?? process.env.LSTM_SIMD_CORPUS;
  if (candidate !== undefined && candidate !== '') {
    if (!existsSync(candidate)) throw new Error(`no corpus at ${candidate}`);
    return path.resolve(candidate);
  }
  const { resolveTimeMachineText } = await import('../dist/node/index.js');
  const found = await resolveTimeMachineText({ download: false });
  // Only a download that could not be cached has no path, and downloading is off: this cannot throw.
  if (found.path === null) throw new Error('browser-chapter: the Time Machine corpus has no file to serve');
  return found.path;
}

/** Trains `kind` for `epochs` through the page's form; returns the epochs the page shows. */
async function trainInPage(page, kind, epochs, backend) {
  await page.reload();
  await page.waitForFunction(
    () =>
      document.body.dataset.state === 'idle' &&
      !(/** @type {HTMLButtonElement} */ (document.querySelector('#start')).disabled),
  );
  await page.click('text=More settings');
  await page.selectOption('#cell', kind.replace('-scratch', ''));
  await page.selectOption('#implementation', kind.endsWith('-scratch') ? 'scratch' : 'concise');
  await page.selectOption('#backend', backend);
  for (const [id, value] of Object.entries({ ...CHAPTER, maxEpochs: String(epochs) })) await page.fill(`#${id}`, value);
  const ticksBefore = threadTicks();
  const start = performance.now();
  await page.click('#start');
  await page.waitForFunction(
    (n) => document.body.dataset.state === 'done' && document.querySelectorAll('#history-rows tr').length === n,
    epochs,
    { timeout: 0, polling: 500 },
  );
  const wallSeconds = (performance.now() - start) / 1000;
  const cpu = cpuBetween(ticksBefore, threadTicks(), 'DedicatedWorker');
  const rows = await page.$$eval('#history-rows tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))),
  );
  return {
    where: 'chromium',
    model: kind,
    build: await page.textContent('#stat-backend'),
    seconds: rows.map((r) => r[3]),
    valPerplexity: rows.map((r) => r[2]),
    wallSeconds,
    cpuSeconds: cpu.total,
    trainingThreadCpuSeconds: cpu.thread,
    cpuSecondsByThread: cpu.byName,
  };
}

/** The same training in Node (Trainer.fit), for comparison. */
async function trainInNode(kind, epochs, text) {
  const lib = await import('../dist/index.js');
  const backend = await lib.createBackend('wasm');
  const data = new lib.TimeMachine({ text, batchSize: 1024, numSteps: 32, seed: 1 });
  const spec = { kind, vocabSize: data.vocab.length, numHiddens: 32, lr: lib.MODEL_DEFAULTS[kind].lr, seed: 1 };
  const model = lib.createLanguageModel(spec, backend);
  const cpuBefore = process.cpuUsage();
  const mainBefore = ownThreadTicks();
  const history = new lib.Trainer({ maxEpochs: epochs, gradientClipVal: 1, progress: false }).fit(model, data);
  const cpu = process.cpuUsage(cpuBefore);
  const mainAfter = ownThreadTicks();
  return {
    where: 'node',
    model: kind,
    build: backend.variant,
    seconds: history.epochs.map((r) => r.seconds),
    valPerplexity: history.epochs.map((r) => r.valPerplexity),
    wallSeconds: history.seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    trainingThreadCpuSeconds:
      mainBefore === undefined || mainAfter === undefined ? undefined : (mainAfter - mainBefore) / ticksPerSecond(),
  };
}

/** CPU ticks of this process's main thread (Linux), where Trainer.fit runs. */
function ownThreadTicks() {
  if (process.platform !== 'linux') return undefined;
  const { fields } = statFields(`/proc/${process.pid}/task/${process.pid}/stat`);
  return Number(fields[11]) + Number(fields[12]);
}

function ticksPerSecond() {
  return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
}

/** The median of unsorted values (measure.js's median takes them sorted). */
function medianOf(values) {
  return median([...values].sort((a, b) => a - b));
}

function report(results, epochs) {
  const lines = [
    'where     model         build                        first epoch  median epoch 2..N   sum of epochs  ' +
      'CPU s: training thread  all    val ppl',
  ];
  for (const r of results) {
    const total = r.seconds.reduce((a, b) => a + b, 0);
    const rest = r.seconds.slice(1);
    lines.push(
      [
        r.where.padEnd(9),
        r.model.padEnd(13),
        String(r.build).padEnd(28),
        `${r.seconds[0].toFixed(2)} s`.padStart(11),
        `${rest.length ? medianOf(rest).toFixed(3) : '-'} s`.padStart(18),
        `${total.toFixed(1)} s`.padStart(15),
        (r.trainingThreadCpuSeconds === undefined ? '-' : r.trainingThreadCpuSeconds.toFixed(1)).padStart(22),
        (r.cpuSeconds === undefined ? '-' : r.cpuSeconds.toFixed(1)).padStart(6),
        r.valPerplexity.at(-1).toFixed(2).padStart(9),
      ].join(' '),
    );
  }
  for (const r of results.filter((x) => x.cpuSecondsByThread)) {
    const threads = Object.entries(r.cpuSecondsByThread).map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`);
    lines.push(`CPU s by thread, ${r.model} in Chromium: ${threads.join(', ')}`);
  }
  for (const r of results.filter((x) => x.where === 'chromium')) {
    const total = r.seconds.reduce((a, b) => a + b, 0);
    const verdict = epochs === 50 ? (total < GOAL_SECONDS ? 'PASS' : 'MISS') : `n/a (${epochs} epochs)`;
    lines.push(`${verdict.padEnd(5)} ${r.model}: 50 epochs in the page under ${GOAL_SECONDS} s: ${total.toFixed(1)} s`);
  }
  return lines.join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '50' },
      models: { type: 'string', default: 'lstm,lstm-scratch' },
      backend: { type: 'string', default: 'auto' },
      node: { type: 'boolean', default: false },
      data: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const epochs = Number(values.epochs);
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`--epochs must be a positive integer, got ${values.epochs}`);
  const models = values.models.split(',');
  const corpus = await corpusFile(values.data);
  const loadBefore = os.loadavg();

  const served = await serveStatic({ root: PACKAGE_ROOT, files: { '/demo/timemachine.txt': corpus } });
  const browser = await launchChromium();
  const results = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
    await page.goto(`${served.origin}/demo/`);
    for (const kind of models) {
      process.stderr.write(`browser-chapter: ${kind} in Chromium, ${epochs} epochs\n`);
      results.push(await trainInPage(page, kind, epochs, values.backend));
    }
    if (values.node) {
      const text = readFileSync(corpus, 'utf8');
      for (const kind of models) {
        process.stderr.write(`browser-chapter: ${kind} in Node, ${epochs} epochs\n`);
        results.push(await trainInNode(kind, epochs, text));
      }
    }
  } finally {
    await browser.close();
    await served.close();
  }

  const environment = {
    cpu: `${cpuModel()} (${os.cpus().length} logical cores)`,
    browser: browser.version(),
    node: process.version,
    loadAverage: { before: loadBefore, after: os.loadavg() },
  };
  process.stdout.write(
    `Chapter 10.1 settings (B=1024, T=32, H=32, lr 4, clip 1), ${epochs} epochs; ${environment.cpu}; ` +
      `Chromium ${environment.browser}, Node ${environment.node}; load average ` +
      `${loadBefore[0].toFixed(1)} before, ${environment.loadAverage.after[0].toFixed(1)} after\n\n` +
      `${report(results, epochs)}\n`,
  );
  if (values.json) {
    mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
    writeFileSync(values.json, JSON.stringify({ environment, epochs, results }, null, 2));
  }
}

main().catch((error) => {
  process.stderr.write(`browser-chapter: ${error.message}\n`);
  process.exit(1);
});

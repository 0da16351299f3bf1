// What the bench runs on and against: the machine, Node, the built package, relaxed SIMD.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIST_ENTRY = path.join(PACKAGE_ROOT, 'dist', 'internal.js');

/** Set in the child process that the bench starts with --experimental-wasm-relaxed-simd. */
const CHILD_MARK = 'LSTM_SIMD_BENCH_CHILD';
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

/** (func (param v128 v128 v128) (result v128) f32x4.relaxed_madd): validates only with relaxed SIMD. */
const RELAXED_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2,
  253, 133, 2, 11,
];

export function engineHasRelaxedSimd() {
  return WebAssembly.validate(new Uint8Array(RELAXED_PROBE));
}

export function cpuModel() {
  if (process.platform === 'linux') {
    try {
      const line = readFileSync('/proc/cpuinfo', 'utf8')
        .split('\n')
        .find((l) => /^model name\s*:/.test(l));
      if (line) return line.split(':').slice(1).join(':').trim();
    } catch {
      // fall through to os.cpus()
    }
  }
  return os.cpus()[0]?.model?.trim() || 'unknown CPU';
}

/** Lines describing the machine and the run, printed above the tables. */
export function describeEnvironment() {
  const cpus = os.cpus().length;
  return {
    cpu: `${cpuModel()} (${cpus} logical core${cpus === 1 ? '' : 's'})`,
    node: `Node ${process.version} (V8 ${process.versions.v8}), ${process.platform}-${process.arch}`,
  };
}

/**
 * Checks that the built package exists; returns a warning when dist/ looks
 * older than the sources it is built from, undefined when it looks current.
 * Exits the process (code 2) when dist/ is missing.
 */
export function checkDist() {
  const wasmFiles = ['simd', 'relaxed'].map((b) => path.join(PACKAGE_ROOT, 'dist', 'wasm', `lstm-simd.${b}.wasm`));
  const missing = [DIST_ENTRY, ...wasmFiles].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    console.error(
      `bench: the built package is missing (${missing.map((f) => path.relative(PACKAGE_ROOT, f)).join(', ')}).\n` +
        'bench: it measures dist/, not src/: run `npm run build` first.',
    );
    process.exit(2);
  }
  const builtAt = Math.min(statSync(DIST_ENTRY).mtimeMs, ...wasmFiles.map((f) => statSync(f).mtimeMs));
  const newer = [...listFiles('src'), ...listFiles('assembly')].filter(
    (f) => !f.includes(`${path.sep}wasm-binary${path.sep}`) && statSync(f).mtimeMs > builtAt + 1000,
  );
  if (newer.length === 0) return undefined;
  const names = newer.slice(0, 3).map((f) => path.relative(PACKAGE_ROOT, f));
  return `dist/ may be stale: ${names.join(', ')}${newer.length > 3 ? ` and ${newer.length - 3} more` : ''} changed after the last build (npm run build)`;
}

function listFiles(dir) {
  const root = path.join(PACKAGE_ROOT, dir);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

/** The built package through its Node entry (the core plus worker_threads for the threaded backends). */
export async function importDist() {
  return import(pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'node', 'entry.js')).href);
}

/**
 * Node 20 validates relaxed SIMD only with --experimental-wasm-relaxed-simd.
 * When this engine lacks it, re-run the bench in a child Node that has the flag
 * (the library itself never needs it; only the bench wants both builds in one run).
 *
 * @returns {Promise<{ relaxed: boolean, note: string }>} in this process; never
 *   returns when a child ran (the process exits with the child's code).
 */
export async function ensureRelaxedSimd({ allowChild }) {
  if (engineHasRelaxedSimd()) {
    const viaFlag = process.env[CHILD_MARK] === '1' || process.execArgv.includes(RELAXED_FLAG);
    return {
      relaxed: true,
      note: viaFlag ? `relaxed SIMD: on (${RELAXED_FLAG}, bench re-ran itself in a child process)` : 'relaxed SIMD: on',
    };
  }
  if (!allowChild || process.env[CHILD_MARK] === '1') {
    return { relaxed: false, note: 'relaxed SIMD: NOT available in this engine; wasm-relaxed is not measured' };
  }

  // Can a Node with the flag start and validate relaxed SIMD at all?
  const probe = spawnSync(
    process.execPath,
    [RELAXED_FLAG, '-e', `process.exit(WebAssembly.validate(new Uint8Array([${RELAXED_PROBE}])) ? 0 : 3)`],
    { stdio: 'ignore', timeout: 30_000 },
  );
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : `exit code ${probe.status}`;
    return {
      relaxed: false,
      note: `relaxed SIMD: NOT available (a child Node with ${RELAXED_FLAG} could not start: ${why}); running without wasm-relaxed`,
    };
  }

  const args = [RELAXED_FLAG, ...process.execArgv, process.argv[1], ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, [CHILD_MARK]: '1' } });
  const outcome = await new Promise((resolve) => {
    child.once('error', (error) => resolve({ error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  if (outcome.error) {
    return {
      relaxed: false,
      note: `relaxed SIMD: NOT available (child process failed to start: ${outcome.error.message}); running without wasm-relaxed`,
    };
  }
  if (outcome.signal) process.kill(process.pid, outcome.signal);
  process.exit(outcome.code ?? 1);
}

// The current backend: setBackend('js' | 'wasm'), then `await ready()`.
// The default is wasm, on as many threads as the machine has cores (at most 4;
// setThreads or ready({ threads }) choose). Nothing silently falls back: if the wasm
// backend cannot load, ready() rejects with the reason; where threads cannot run
// (a page without cross-origin isolation) it runs on one and says so once.

import type { Backend, BackendName } from './backend.js';
import { JsBackend, type JsBackendOptions } from './js/index.js';
import { WasmBackend, type WasmBackendOptions } from './wasm/index.js';
import { checkThreadCount, setDefaultThreads } from './wasm/thread-count.js';

/** createBackend's options: the js backend's and the wasm backend's (each reads its own). */
export type BackendOptions = JsBackendOptions & WasmBackendOptions;

let currentName: BackendName = 'wasm';
let currentOptions: BackendOptions = {};
let pending: Promise<Backend> | undefined;
let current: Backend | undefined;
/** What setThreads asked for last (the backend may run on fewer where threads cannot run). */
let requestedThreads: number | undefined;

/** Creates a backend independent of the current one (tests and benchmarks hold several). */
export async function createBackend(name: BackendName, options: BackendOptions = {}): Promise<Backend> {
  if (name === 'js') return new JsBackend(options);
  if (name === 'wasm') return WasmBackend.create(options);
  throw new RangeError(`lstm-simd: unknown backend '${String(name)}' (expected 'js' or 'wasm')`);
}

/** Chooses the backend that models created from now on use. Await `ready()` before using it. */
export function setBackend(name: BackendName, options: BackendOptions = {}): Promise<Backend> {
  if (name !== 'js' && name !== 'wasm') {
    throw new RangeError(`lstm-simd: unknown backend '${String(name)}' (expected 'js' or 'wasm')`);
  }
  currentName = name;
  currentOptions = options;
  current = undefined;
  const loading = createBackend(name, options).then((backend) => {
    if (pending === loading) current = backend;
    return backend;
  });
  pending = loading;
  return loading;
}

/**
 * Sets the number of threads the wasm kernels run on, for the current backend (which is
 * loaded again, like setBackend: models created before keep the backend they were made on)
 * and for every wasm backend created from now on without `threads`.
 */
export function setThreads(threads: number): Promise<Backend> {
  checkThreadCount(threads);
  setDefaultThreads(threads);
  requestedThreads = threads;
  const options = { ...currentOptions };
  delete options.threads;
  return setBackend(currentName, options);
}

/**
 * Resolves with the current backend once it is loaded (loading the default if none was set).
 * With `threads`, first sets the thread count as setThreads does (unless the current backend
 * already runs on that many).
 */
export function ready(options: { threads?: number } = {}): Promise<Backend> {
  const { threads } = options;
  if (threads !== undefined) {
    checkThreadCount(threads);
    if (pending === undefined || requestedThreads !== threads) return setThreads(threads);
  }
  return pending ?? setBackend(currentName, currentOptions);
}

/** The current backend; throws if `ready()` has not resolved yet. */
export function getBackend(): Backend {
  if (!current) {
    throw new Error(`lstm-simd: the '${currentName}' backend is not loaded yet; await ready() first`);
  }
  return current;
}

// The current backend: setBackend('js' | 'wasm'), then `await ready()`.
// The default is wasm. Nothing silently falls back: if the wasm backend cannot
// load, ready() rejects with the reason.

import type { Backend, BackendName } from './backend.js';
import { JsBackend, type JsBackendOptions } from './js/index.js';
import { WasmBackend, type WasmBackendOptions } from './wasm/index.js';

export type BackendOptions = JsBackendOptions & WasmBackendOptions;

let currentName: BackendName = 'wasm';
let currentOptions: BackendOptions = {};
let pending: Promise<Backend> | undefined;
let current: Backend | undefined;

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

/** Resolves with the current backend once it is loaded (loading the default if none was set). */
export function ready(): Promise<Backend> {
  return pending ?? setBackend(currentName, currentOptions);
}

/** The current backend; throws if `ready()` has not resolved yet. */
export function getBackend(): Backend {
  if (!current) {
    throw new Error(`lstm-simd: the '${currentName}' backend is not loaded yet; await ready() first`);
  }
  return current;
}

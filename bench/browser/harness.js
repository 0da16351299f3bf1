// The bench's page side (bench/lib/browser.js drives it): the bench's own workload modules over the
// built package, run in this page on one wasm build, each call timed here so that the DevTools
// round trip to Node does not count. Exposed as `window.benchHarness`.

import * as lib from '../../dist/internal.js';
import * as workloads from '../lib/workloads.js';

/** @type {Map<string, Promise<import('../../dist/internal.js').Backend>>} by build */
const backends = new Map();
/** @type {Map<string, { workload: any, call: string }>} by id */
const prepared = new Map();

/** @param {'simd' | 'relaxed'} build */
function backendFor(build) {
  if (!backends.has(build)) backends.set(build, lib.createBackend('wasm', { build }));
  return /** @type {Promise<import('../../dist/internal.js').Backend>} */ (backends.get(build));
}

window.benchHarness = {
  hasRelaxedSimd: lib.hasRelaxedSimd(),
  crossOriginIsolated: window.crossOriginIsolated,

  /**
   * Builds `workloads[factory](lib, backend, ...args)` on `build` under `id`; `call` names the
   * method one timed call runs.
   * @param {string} id
   * @param {{ build: 'simd' | 'relaxed', factory: string, args: unknown[], call: string }} spec
   */
  async prepare(id, { build, factory, args, call }) {
    const backend = await backendFor(build);
    const workload = await /** @type {any} */ (workloads)[factory](lib, backend, ...args);
    if (typeof workload[call] !== 'function') throw new Error(`${factory} has no method ${call}`);
    prepared.set(id, { workload, call });
    return backend.variant;
  },

  /** Runs `reps` calls back to back; returns their time in ms. */
  run(/** @type {string} */ id, /** @type {number} */ reps) {
    const { workload, call } = /** @type {{ workload: any, call: string }} */ (prepared.get(id));
    const start = performance.now();
    for (let i = 0; i < reps; i++) workload[call]();
    return performance.now() - start;
  },

  /** Undefined if the workload's output looks right (checkLosses for training steps), else what is wrong. */
  check(/** @type {string} */ id) {
    const { workload } = /** @type {{ workload: any }} */ (prepared.get(id));
    return workload.losses ? workloads.checkLosses(workload.losses) : undefined;
  },

  dispose(/** @type {string} */ id) {
    prepared.get(id)?.workload.dispose?.();
    prepared.delete(id);
  },
};

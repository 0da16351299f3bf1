// Where kernel workers come from. The core knows browsers (module Workers, cross-origin
// isolation); Node's worker_threads live in src/node/threads.ts, which the package's Node
// entry imports and which registers itself here, so that the core imports no `node:` module.

import type { WorkerStart } from './worker-loop.js';

export type { WorkerStart } from './worker-loop.js';

/** A started kernel worker. */
export interface WorkerHandle {
  /** Ends the thread at once (the backend is disposed, or was never finished). */
  terminate(): void;
}

/** What the wasm backend needs from a platform to run kernels on several threads. */
export interface WorkerPlatform {
  /** Logical cores of the machine (the default thread count is derived from it). */
  cores(): number;
  /** Why threads cannot run here (one sentence), or undefined when they can. */
  unavailableReason(): string | undefined;
  /** Whether the thread that calls the kernels may block in Atomics.wait (a page's main thread may not). */
  readonly callerMayBlock: boolean;
  /** Starts a worker that serves kernel calls; resolves once it serves. */
  spawn(start: WorkerStart): Promise<WorkerHandle>;
}

/** Browsers (and any engine with a global module Worker, SharedArrayBuffer and isolation). */
const browserPlatform: WorkerPlatform = {
  cores: () => (typeof navigator === 'object' && navigator.hardwareConcurrency) || 1,
  unavailableReason() {
    if (typeof SharedArrayBuffer === 'undefined' || globalThis.crossOriginIsolated === false) {
      return (
        'the page is not cross-origin isolated, so it has no SharedArrayBuffer (serve it with the headers ' +
        'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
      );
    }
    if (typeof Worker === 'undefined') {
      return typeof process === 'object'
        ? "this Node has no worker platform registered: import 'lstm-simd' (or 'lstm-simd/node'), whose Node entry registers worker_threads"
        : 'this environment has no Worker';
    }
    return undefined;
  },
  // Atomics.wait is allowed in workers, not on a page's main thread.
  callerMayBlock: typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined',
  spawn(start) {
    const worker = new Worker(new URL('./worker-browser.js', import.meta.url), { type: 'module' });
    return new Promise<WorkerHandle>((resolve, reject) => {
      worker.addEventListener('error', (event) => {
        worker.terminate();
        reject(new Error(`lstm-simd: a kernel worker failed to start: ${event.message ?? 'unknown error'}`));
      });
      worker.addEventListener(
        'message',
        (event: MessageEvent<{ ready?: boolean; error?: string }>) => {
          if (event.data.error !== undefined) {
            worker.terminate();
            reject(new Error(`lstm-simd: a kernel worker failed to start: ${event.data.error}`));
          } else resolve({ terminate: () => worker.terminate() });
        },
        { once: true },
      );
      worker.postMessage(start);
    });
  },
};

let platform: WorkerPlatform = browserPlatform;

/** Replaces the platform workers are started on (src/node/threads.ts registers Node's). */
export function setWorkerPlatform(replacement: WorkerPlatform): void {
  platform = replacement;
}

/** The platform kernel workers are started on. */
export function workerPlatform(): WorkerPlatform {
  return platform;
}

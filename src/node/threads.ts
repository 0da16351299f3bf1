// Kernel workers in Node: worker_threads, registered as the wasm backend's worker platform
// when this module is imported (the package's Node entry and lstm-simd/node import it).
// Workers are unref'd: they never keep the process alive, and end when it exits.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { setWorkerPlatform, type WorkerHandle, type WorkerPlatform } from '../backend/wasm/worker-platform.js';

const nodePlatform: WorkerPlatform = {
  cores: () => availableParallelism(),
  unavailableReason: () => undefined,
  callerMayBlock: true,
  spawn(start) {
    // No execArgv: the worker runs plain JavaScript, V8's flags are the process's anyway, and some of
    // the caller's (--input-type with -e) would keep a worker from starting.
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: start, execArgv: [] });
    worker.unref();
    return new Promise<WorkerHandle>((resolve, reject) => {
      const failed = (error: Error) => {
        void worker.terminate();
        reject(new Error(`lstm-simd: a kernel worker failed to start: ${error.message}`));
      };
      worker.once('error', failed);
      worker.once('message', (message: { ready?: boolean; error?: string }) => {
        worker.off('error', failed);
        if (message.error !== undefined) failed(new Error(message.error));
        else resolve({ terminate: () => void worker.terminate() });
      });
    });
  },
};

setWorkerPlatform(nodePlatform);

// The entry of a kernel worker in Node (a worker_threads Worker started by ./threads.ts):
// its workerData starts the loop; the thread ends when the loop does.
import { parentPort, workerData } from 'node:worker_threads';
import { serveKernels } from '../backend/wasm/worker-loop.js';

void serveKernels(workerData, (error) => {
  parentPort?.postMessage(error === undefined ? { ready: true } : { error: String(error) });
});

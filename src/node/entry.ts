// The package's entry in Node ('lstm-simd' under the "node" condition): the browser-safe
// core, with worker_threads registered as the platform of the wasm kernels' threads.

import './threads.js';

export * from '../index.js';

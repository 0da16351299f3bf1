// lstm-simd: the browser-safe core. Imports no node: module.

export type { Backend, BackendName, BackendVariant, Kernels, Ptr } from './backend/backend.js';
export { createBackend, getBackend, ready, setBackend, type BackendOptions } from './backend/registry.js';
export { JsBackend } from './backend/js/index.js';
export { WasmBackend } from './backend/wasm/index.js';
export { hasRelaxedSimd, hasSimd } from './backend/wasm/features.js';
export { WasmUnavailableError, type SimdBuild, type WasmSource } from './backend/wasm/loader.js';
export { clipByGlobalNorm, globalNorm, type Block } from './backend/clip.js';
export { Arena, ArenaSlice } from './memory/arena.js';
export { Heap, OutOfMemoryError } from './memory/heap.js';

// lstm-simd/internal: the machinery under the public API, for the package's own tests and benchmarks
// and for people extending the engine (a new backend, a new op). Nothing here is covered by semver:
// names and signatures may change in any release. Applications should import from 'lstm-simd'.

export * from './index.js';
export { PACK_ROWS, decodeScratchSize, packedRecurrentSize, type Kernels, type Ptr } from './backend/backend.js';
export { clipByGlobalNorm, globalNorm, type Block } from './backend/clip.js';
export { JsBackend, type JsBackendOptions } from './backend/js/index.js';
export { WasmBackend, type WasmBackendOptions } from './backend/wasm/index.js';
export { sha1Hex } from './data/corpus.js';
export { compareCodePoints } from './data/vocab.js';
export { GATE_COUNT, type CellKind } from './layers/cell-kernels.js';
export { embeddingLookup } from './layers/embedding.js';
export { chooseProjection } from './layers/recurrent-layer.js';
export { Arena, ArenaSlice } from './memory/arena.js';
export { Heap, MAX_PAGES } from './memory/heap.js';
export { contiguousRuns, ParameterStore, runPointers, type ParameterRun } from './nn/parameter-store.js';
export { Storage } from './tensor/tensor.js';

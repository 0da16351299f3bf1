// lstm-simd: the browser-safe core. Imports no node: module.

export type { Backend, BackendName, BackendVariant, Kernels, Ptr } from './backend/backend.js';
export { createBackend, getBackend, ready, setBackend, setThreads, type BackendOptions } from './backend/registry.js';
export { JsBackend } from './backend/js/index.js';
export { WasmBackend, type WasmBackendOptions } from './backend/wasm/index.js';
export { defaultThreads, MAX_DEFAULT_THREADS } from './backend/wasm/thread-count.js';
export { hasRelaxedSimd, hasSimd } from './backend/wasm/features.js';
export { WasmUnavailableError, type SimdBuild, type WasmSource } from './backend/wasm/loader.js';
export { clipByGlobalNorm, globalNorm, type Block } from './backend/clip.js';
export { Arena, ArenaSlice } from './memory/arena.js';
export { Heap, OutOfMemoryError } from './memory/heap.js';
export * from './data/index.js';
export { Random } from './util/random.js';
export { Tensor, Storage, empty, zeros, fromArray, endStep, type Shape } from './tensor/tensor.js';
export * as ops from './tensor/ops.js';
export { noGrad } from './tensor/tape.js';
export { Module, type Initializer } from './nn/module.js';
export { SGD } from './optim/sgd.js';
export { clipGradients } from './optim/clip.js';
export { LSTMScratch, type ScratchOptions } from './models/lstm-scratch.js';
export { GRUScratch } from './models/gru-scratch.js';
export { RNNScratch } from './models/rnn-scratch.js';
export { RNNLMScratch, type RNNLMOptions, type TokenVocabulary } from './models/rnnlm-scratch.js';
export type { Recurrent, RecurrentState } from './models/recurrent.js';
export { LSTM } from './layers/lstm.js';
export { GRU } from './layers/gru.js';
export { RNN } from './layers/rnn.js';
export { RecurrentLayer, type RecurrentLayerOptions } from './layers/recurrent-layer.js';
export { RecurrentStepper } from './layers/stepper.js';
export { Linear } from './layers/linear.js';
export { RNNLM } from './models/rnnlm.js';
export { createLanguageModel, MODEL_DEFAULTS, type LanguageModelSpec, type ModelKind } from './models/zoo.js';
export {
  Trainer,
  TrainingDivergedError,
  type History,
  type EpochRecord,
  type TrainerOptions,
} from './train/trainer.js';
export { ProgressBoard, type BoardPoint } from './train/board.js';
export { ProgressBar } from './train/progress-bar.js';
export { boardToSvg } from './train/plot-svg.js';
export { encodeSafetensors, decodeSafetensors, SafetensorsError } from './io/safetensors.js';
export { saveCheckpoint, loadCheckpoint, CheckpointError } from './io/checkpoint.js';

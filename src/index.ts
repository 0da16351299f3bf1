// lstm-simd: the browser-safe core (imports no node: module). What an application needs; the
// machinery underneath (heap, arenas, backend classes, kernels) is in 'lstm-simd/internal'.

// Backends: pick one, await ready(), then build models.
export type { Backend, BackendName, BackendVariant } from './backend/backend.js';
export { createBackend, getBackend, ready, setBackend, type BackendOptions } from './backend/registry.js';
export { hasRelaxedSimd, hasSimd } from './backend/wasm/features.js';
export { WasmUnavailableError, type SimdBuild, type WasmSource } from './backend/wasm/loader.js';
export { OutOfMemoryError } from './memory/heap.js';

// Data: d2l's Time Machine pipeline (and any text), vocabulary, tokenisation.
export {
  buildCorpus,
  D2L_TEXT_FORMAT,
  joinTokens,
  normalizeText,
  textFormat,
  tokenizeText,
  type Charset,
  type TextFormat,
  CorpusChecksumError,
  decodeText,
  fetchVerified,
  loadTimeMachineText,
  preprocess,
  TIME_MACHINE_FILE_NAME,
  TIME_MACHINE_SHA1,
  TIME_MACHINE_URL,
  TimeMachine,
  tokenize,
  tokenizeChars,
  tokenizeWords,
  UNK_TOKEN,
  Vocab,
  type BuiltCorpus,
  type CorpusOptions,
  type FetchFunction,
  type TimeMachineOptions,
  type TimeMachineSource,
  type TokenBatch,
  type TokenFreq,
  type Tokenizer,
  type VocabJSON,
  type VocabOptions,
} from './data/index.js';
export { Random } from './util/random.js';

// Tensors and autograd.
export { Tensor, empty, zeros, fromArray, endStep, type Shape } from './tensor/tensor.js';
export * as ops from './tensor/ops.js';
export { noGrad } from './tensor/tape.js';
export { Module, type Initializer } from './nn/module.js';
export type { Recurrent, RecurrentState } from './nn/recurrent.js';

// Layers and models.
export { LSTM } from './layers/lstm.js';
export { GRU } from './layers/gru.js';
export { RNN } from './layers/rnn.js';
export { RecurrentLayer, type RecurrentLayerOptions } from './layers/recurrent-layer.js';
export type { RecurrentStepper } from './layers/stepper.js';
export { Linear } from './layers/linear.js';
export { Embedding, type EmbeddingOptions, type EmbeddingProjection } from './layers/embedding.js';
export { LSTMScratch, type ScratchOptions } from './models/lstm-scratch.js';
export { GRUScratch } from './models/gru-scratch.js';
export { RNNScratch } from './models/rnn-scratch.js';
export {
  RNNLMScratch,
  type PredictOptions,
  type RNNLMOptions,
  type SampleOptions,
  type StreamOptions,
  type TokenVocabulary,
} from './models/rnnlm-scratch.js';
export type { SamplingOptions } from './models/sampling.js';
export { RNNLM, type ConciseRNNLMOptions } from './models/rnnlm.js';
export {
  createLanguageModel,
  MODEL_DEFAULTS,
  WORD_LEVEL_DEFAULTS,
  wordLevelSpec,
  type ChapterDefaults,
  type LanguageModelSpec,
  type ModelKind,
  type WordLevelDefaults,
} from './models/zoo.js';

// Training.
export { SGD } from './optim/sgd.js';
export { clipGradients } from './optim/clip.js';
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
export { sweepToSvg, type SweepResult } from './train/plot-sweep.js';

// Files.
export { encodeSafetensors, decodeSafetensors, SafetensorsError } from './io/safetensors.js';
export { saveCheckpoint, loadCheckpoint, CheckpointError } from './io/checkpoint.js';

// lstm-simd: the browser-safe core (imports no node: module). What an application needs; the
// machinery underneath (heap, arenas, backend classes, kernels) is in 'lstm-simd/internal'.

/**
 * LSTM, GRU and RNN training and inference with WebAssembly SIMD kernels, following the recurrent
 * chapters of Dive into Deep Learning: the browser-safe core. Node's file and corpus helpers are in
 * `lstm-simd/node`, which re-exports all of this.
 *
 * @module lstm-simd
 */

// Backends: pick one, await ready(), then build models.
export type { Backend, BackendName, BackendVariant } from './backend/backend.js';
export { createBackend, getBackend, ready, setBackend, setThreads, type BackendOptions } from './backend/registry.js';
export { defaultThreads, MAX_DEFAULT_THREADS } from './backend/wasm/thread-count.js';
export type { JsBackendOptions } from './backend/js/index.js';
export type { WasmBackendOptions } from './backend/wasm/index.js';
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

// Time series: CSV, windows, standardisation, forecasts and baselines.
export {
  CsvError,
  forecast,
  forecastErrors,
  forecastOrigins,
  forecastToSvg,
  lastValueForecast,
  parseCsv,
  readCsvSeries,
  seasonalNaiveForecast,
  SeriesData,
  Standardizer,
  windowBatch,
  windowStarts,
  type CsvOptions,
  type CsvSeries,
  type CsvSeriesOptions,
  type CsvTable,
  type DateStep,
  type ForecastErrors,
  type ForecastCurve,
  type ForecastOptions,
  type ForecastPlotOptions,
  type ForecastStrategy,
  type SeriesBatch,
  type SeriesDataOptions,
  type WindowShape,
} from './series/index.js';

// Tensors and autograd.
export { Tensor, empty, zeros, fromArray, endStep, type Shape } from './tensor/tensor.js';
export * as ops from './tensor/ops.js';
export { noGrad } from './tensor/tape.js';
export { Module, type Initializer } from './nn/module.js';
export {
  StateDictError,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type StateDictSource,
} from './nn/state-dict.js';
export type { Recurrent, RecurrentState } from './nn/recurrent.js';

// Layers and models.
export { LSTM } from './layers/lstm.js';
export { GRU } from './layers/gru.js';
export { RNN } from './layers/rnn.js';
export { RecurrentLayer, type RecurrentLayerOptions } from './layers/recurrent-layer.js';
export type { RecurrentStepper } from './layers/stepper.js';
export type { CellKind } from './layers/cell-kernels.js';
export type { DirectionWeights } from './layers/recurrent-op.js';
export { Linear } from './layers/linear.js';
export { Embedding, type EmbeddingOptions, type EmbeddingProjection } from './layers/embedding.js';
export {
  LSTMScratch,
  type LSTMForwardOptions,
  type LSTMScratchOptions,
  type ScratchForwardOptions,
  type ScratchOptions,
  type StepActivations,
} from './models/lstm-scratch.js';
export { GRUScratch, type GRUScratchOptions } from './models/gru-scratch.js';
export { RNNScratch } from './models/rnn-scratch.js';
export {
  SequenceClassifier,
  type SequenceBatch,
  type SequenceClassifierOptions,
} from './models/sequence-classifier.js';
export {
  RNNLMScratch,
  type PredictOptions,
  type RNNLMOptions,
  type SampleOptions,
  type StreamOptions,
  type TokenChooser,
  type TokenVocabulary,
} from './models/rnnlm-scratch.js';
export type { SamplingOptions } from './models/sampling.js';
export { RNNLM, type ConciseRNNLMOptions } from './models/rnnlm.js';
export { SequenceRegressor, type RegressionLoss, type SequenceRegressorOptions } from './models/sequence-regressor.js';
export {
  createLanguageModel,
  describeLanguageModel,
  MODEL_DEFAULTS,
  WORD_LEVEL_DEFAULTS,
  wordLevelSpec,
  type ChapterDefaults,
  type LanguageModelSpec,
  type ModelKind,
  type WordLevelDefaults,
} from './models/zoo.js';

// Training.
export { SGD, type SGDOptions } from './optim/sgd.js';
export { Adam, AdamW, type AdamOptions } from './optim/adam.js';
export { RMSprop, type RMSpropOptions } from './optim/rmsprop.js';
export { createOptimizer, OPTIMIZER_NAMES, type OptimizerOptions } from './optim/create.js';
export {
  isOptimizer,
  type Optimizer,
  type OptimizerLike,
  type OptimizerName,
  type OptimizerState,
  type OptionValue,
} from './optim/optimizer.js';
export {
  StepLR,
  CosineAnnealingLR,
  LinearLR,
  SequentialLR,
  WarmupCosineLR,
  createSchedule,
  type LearningRateSchedule,
  type ScheduleName,
  type ScheduleSpec,
} from './optim/schedules.js';
export { clipGradients } from './optim/clip.js';
export {
  Trainer,
  TrainingDivergedError,
  type BatchEnd,
  type DataModule,
  type EarlyStoppingOptions,
  type FitOptions,
  type History,
  type EpochRecord,
  type StopReason,
  type TrainableModel,
  type TrainerCallbacks,
  type TrainerOptions,
  type TrainerState,
  type ValidationResult,
} from './train/trainer.js';
export { DEFAULT_DIVERGENCE_FACTOR, type DivergenceReason } from './train/divergence.js';
export { trainerStateFromFile, trainerStateToFile } from './train/trainer-state.js';
export { yieldToEventLoop } from './train/yield.js';
export { ProgressBoard, type BoardPoint, type BoardState } from './train/board.js';
export { ProgressBar, type ProgressBarOptions, type ProgressInfo } from './train/progress-bar.js';
export {
  boardToSvg,
  lineChartSvg,
  type ChartBand,
  type ChartMark,
  type ChartOptions,
  type ChartSeries,
  type PlotOptions,
} from './train/plot-svg.js';
export { sweepToSvg, type SweepResult } from './train/plot-sweep.js';

// The vanishing-gradient lab (lstm-simd lab): the same functions the command line runs, for pages too.
export { runLab, LAB_SECTIONS, type LabOptions, type LabReport, type LabSection } from './lab/lab.js';
export { labReportHtml, labSummary } from './lab/report.js';
export {
  labSettings,
  SEED_STREAMS,
  type ChecksumSettings,
  type GateSettings,
  type GradientSettings,
  type LabSettings,
  type TanhSettings,
} from './lab/settings.js';
export type { TrainingSettings } from './lab/train-task.js';
export {
  checksumTask,
  markupTask,
  resetTask,
  SequenceTaskData,
  type SequenceTask,
  type TaskDataOptions,
  type TokenRole,
} from './lab/tasks.js';
export { chronoInit, createLayer, LAB_CELLS, type GateInit, type LabCell } from './lab/cells.js';
export { scratchTwin, type ScratchTwin } from './lab/scratch-twin.js';
export { measureGradientFlow, type GradientProfile } from './lab/gradient-flow.js';
export { runChecksum, type ChecksumResult, type ChecksumRun, type SectionHooks } from './lab/checksum.js';
export { runGradients, type CellGradients, type GradientResult } from './lab/gradients.js';
export { runGates, traceGates, type GateResult, type GateRun, type GateTask } from './lab/gates.js';
export { runOutputTanh, type TanhResult, type TanhRun, type ValueRange } from './lab/output-tanh.js';

// Files.
export {
  encodeSafetensors,
  decodeSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  type NamedTensor,
  type SafetensorsFile,
  type SafetensorsHeader,
  type TensorEntry,
  type TensorLike,
} from './io/safetensors.js';
export {
  saveModel,
  loadModel,
  fetchModel,
  saveCheckpoint,
  loadCheckpoint,
  CheckpointError,
  MODEL_FORMAT,
  type LoadedModel,
  type LoadModelOptions,
  type SaveModelOptions,
  type TrainingState,
} from './io/checkpoint.js';
export {
  ImportError,
  importTorchLanguageModel,
  importTorchStateDict,
  inferTorchLanguageModel,
  vocabularyFrom,
  type ImportedModel,
  type TorchImportOptions,
} from './io/torch.js';
export {
  importKerasLanguageModel,
  type Hdf5Dataset,
  type Hdf5Group,
  type Hdf5Module,
  type KerasImportOptions,
} from './io/keras.js';

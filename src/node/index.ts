// lstm-simd/node: everything in the browser-safe core, plus what needs Node
// (files, the corpus cache, worker_threads for the kernels' threads). The CLI imports from here.

export * from './entry.js';
export {
  CorpusUnavailableError,
  defaultCacheDir,
  resolveTimeMachineText,
  type ResolvedTimeMachineText,
  type ResolveTimeMachineOptions,
} from './corpus.js';
export { loadTimeMachine } from './time-machine.js';
export { checkWritableDirectory, writeFileAtomically } from './files.js';
export { importKerasModelFile, importTorchModelFile, loadModelFile, saveModelFile } from './model-files.js';
export { FileReadError, readCsvSeriesFile } from './csv.js';

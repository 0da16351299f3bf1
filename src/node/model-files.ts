// Model files on disk (Node): saveModelFile writes atomically (a crash mid-write leaves the previous
// file intact), loadModelFile, importTorchModelFile and importKerasModelFile read paths and name them in
// every error.

import { readFileSync } from 'node:fs';
import {
  loadModel,
  saveModel,
  type LoadedModel,
  type LoadModelOptions,
  type SaveModelOptions,
} from '../io/checkpoint.js';
import { importKerasLanguageModel, type KerasImportOptions } from '../io/keras.js';
import { importTorchLanguageModel, type ImportedModel, type TorchImportOptions } from '../io/torch.js';
import type { RNNLMScratch } from '../models/rnnlm-scratch.js';
import { writeFileAtomically } from './files.js';

/** saveModel to `path`, atomically (temporary file + fsync + rename in the same directory). */
export function saveModelFile(path: string, model: RNNLMScratch, options: SaveModelOptions = {}): void {
  writeFileAtomically(path, saveModel(model, options));
}

/**
 * Reads `path` and loads it with loadModel. Errors name the file: one that cannot be read says why
 * (ENOENT, EISDIR, ...); a refused one keeps its type (SafetensorsError, CheckpointError) and message.
 */
export function loadModelFile(path: string, options: LoadModelOptions = {}): LoadedModel {
  const bytes = readModelBytes(path, 'model file');
  return withFileName(path, () => loadModel(bytes, options));
}

/**
 * importTorchLanguageModel from files: the state_dict as safetensors, and the vocabulary as JSON (a token
 * list in index order or a VocabJSON). Errors name the file they are about.
 */
export function importTorchModelFile(
  weightsPath: string,
  vocabPath: string,
  options: Omit<TorchImportOptions, 'vocab'> = {},
): ImportedModel {
  const vocab = new TextDecoder().decode(readModelBytes(vocabPath, 'vocabulary'));
  const bytes = readModelBytes(weightsPath, 'weights');
  return withFileName(weightsPath, () => importTorchLanguageModel(bytes, { ...options, vocab }));
}

/**
 * importKerasLanguageModel from files: a Keras 3 .weights.h5 or .keras file, and the vocabulary as JSON
 * (its size must be the Dense layer's units). Errors name the file they are about.
 */
export async function importKerasModelFile(
  weightsPath: string,
  vocabPath: string,
  options: Omit<KerasImportOptions, 'vocab'> = {},
): Promise<ImportedModel> {
  const vocab = new TextDecoder().decode(readModelBytes(vocabPath, 'vocabulary'));
  const bytes = readModelBytes(weightsPath, 'weights');
  try {
    return await importKerasLanguageModel(bytes, { ...options, vocab });
  } catch (error) {
    if (error instanceof Error) error.message = `${weightsPath}: ${error.message}`;
    throw error;
  }
}

/** Whether the bytes are an HDF5 file or a zip archive: Keras's formats, not safetensors. */
export function isKerasFile(bytes: Uint8Array): boolean {
  const hdf5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return hdf5.every((b, i) => bytes[i] === b) || (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3);
}

/** Runs `load`, putting the file's name in front of the message of whatever it throws (the type stays). */
function withFileName<T>(path: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof Error) error.message = `${path}: ${error.message}`;
    throw error;
  }
}

/** The bytes of `path`; an Error naming `what`, the path and the reason (ENOENT, EISDIR, ...) if unreadable. */
export function readModelBytes(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read ${what} ${path}: ${why}`, { cause: error });
  }
}

// Model files on disk (Node): saveModelFile writes atomically (a crash mid-write leaves the previous
// file intact), loadModelFile and importTorchModelFile read paths and name them in every error.

import { readFileSync } from 'node:fs';
import {
  loadModel,
  saveModel,
  type LoadedModel,
  type LoadModelOptions,
  type SaveModelOptions,
} from '../io/checkpoint.js';
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

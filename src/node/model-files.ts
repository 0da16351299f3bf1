// Model files on disk (Node): saveModelFile writes atomically (a crash mid-write leaves the previous
// file intact), loadModelFile reads a path and names it in every error.

import { readFileSync } from 'node:fs';
import {
  loadModel,
  saveModel,
  type LoadedModel,
  type LoadModelOptions,
  type SaveModelOptions,
} from '../io/checkpoint.js';
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
  try {
    return loadModel(bytes, options);
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

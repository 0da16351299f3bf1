// Model files: a safetensors file with every parameter under its Module name (PyTorch's names for the
// fused layers) and, in the metadata, what is needed to rebuild the model exactly (its spec, which the
// model describes itself), to map text to ids (the vocabulary), a SHA-256 of the data section, and
// optionally the state of a training run (what `lstm-simd train --resume` continues from).
//
// Loading trusts nothing: the safetensors header is checked strictly, then the spec, the vocabulary
// and every tensor's name and shape against the spec, and the checksum, all before a byte of the
// model is allocated; values must be finite. A file that passes builds exactly the model that wrote it.

import type { Backend } from '../backend/backend.js';
import { Vocab } from '../data/vocab.js';
import type { RNNLMScratch } from '../models/rnnlm-scratch.js';
import {
  checkLanguageModelSpec,
  createLanguageModel,
  describeLanguageModel,
  languageModelShapes,
  type LanguageModelSpec,
} from '../models/zoo.js';
import { formatShape, sameShape } from '../tensor/tensor.js';
import {
  encodeSafetensors,
  readSafetensorsHeader,
  readTensor,
  type NamedTensor,
  type SafetensorsHeader,
  type TensorLike,
} from './safetensors.js';
import { sha256Hex } from './sha256.js';

/** The metadata `format` of the files saveModel writes; 'lstm-simd/1' (spec under 'spec') is still read. */
export const MODEL_FORMAT = 'lstm-simd/2';
const LEGACY_FORMAT = 'lstm-simd/1';
/** Names of training-state tensors (optimizer state) start with this; no model parameter's does. */
const TRAINING_PREFIX = 'training.';
const RESERVED_METADATA = new Set(['format', 'model', 'spec', 'vocab', 'sha256', 'training']);

/** A file that is valid safetensors but not a model this package can load (metadata, names, shapes, values). */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** The state of a training run, stored beside the model so that it can be resumed. */
export interface TrainingState {
  /** Any JSON value: epochs done, data seed, history, random generator states, optimizer scalars. */
  state: unknown;
  /** Tensors of the run (e.g. an optimizer's moments, keyed `<slot>.<parameter name>`). */
  tensors?: ReadonlyMap<string, TensorLike>;
}

export interface SaveModelOptions {
  /** The vocabulary the model's token ids index (stored so that the file alone can generate text). */
  vocab?: Vocab;
  /** A training run to resume later (see TrainingState). */
  training?: TrainingState;
  /** Extra metadata strings (the keys format, model, spec, vocab, sha256 and training are the package's). */
  metadata?: Record<string, string>;
}

export interface LoadModelOptions {
  /** Backend of the model (default: the current one). */
  backend?: Backend;
}

export interface LoadedModel {
  model: RNNLMScratch;
  spec: LanguageModelSpec;
  /** The vocabulary saved with the model, or null. */
  vocab: Vocab | null;
  /** The training state saved with the model, or null. */
  training: { state: unknown; tensors: Map<string, NamedTensor> } | null;
  /** All metadata strings of the file. */
  metadata: Record<string, string>;
}

/** The model as a model file: its parameters, its own spec, the vocabulary and a checksum. */
export function saveModel(model: RNNLMScratch, options: SaveModelOptions = {}): Uint8Array {
  const spec = describeLanguageModel(model);
  const { vocab, training, metadata = {} } = options;
  if (vocab !== undefined && vocab.length !== spec.vocabSize) {
    throw new RangeError(`saveModel: the vocabulary has ${vocab.length} tokens but the model ${spec.vocabSize}`);
  }
  for (const key of Object.keys(metadata)) {
    if (RESERVED_METADATA.has(key)) throw new RangeError(`saveModel: metadata key '${key}' is reserved`);
  }
  const tensors = new Map<string, TensorLike>(model.stateDict());
  for (const [name, tensor] of training?.tensors ?? []) tensors.set(TRAINING_PREFIX + name, tensor);
  const fields: Record<string, string> = { ...metadata, format: MODEL_FORMAT, model: JSON.stringify(spec) };
  if (vocab !== undefined) fields.vocab = JSON.stringify(vocab.toJSON());
  if (training !== undefined) fields.training = JSON.stringify(training.state);
  // The checksum covers the data section, which does not depend on the header: encode, hash, encode again.
  const draft = encodeSafetensors(tensors, fields);
  const header = readSafetensorsHeader(draft);
  fields.sha256 = sha256Hex(draft.subarray(header.dataStart));
  return encodeSafetensors(tensors, fields);
}

/** Rebuilds the model a model file describes and loads its parameters (see the file comment for the checks). */
export function loadModel(bytes: Uint8Array, options: LoadModelOptions = {}): LoadedModel {
  const header = readSafetensorsHeader(bytes);
  const { metadata } = header;
  const spec = readSpec(metadata);
  const vocab = metadata.vocab === undefined ? null : readVocab(metadata.vocab, spec);
  const trainingState = metadata.training === undefined ? undefined : parseJson(metadata.training, 'training');
  checkTensorNames(header, spec);
  if (metadata.sha256 !== undefined) {
    const actual = sha256Hex(bytes.subarray(header.dataStart));
    if (actual !== metadata.sha256) {
      throw new CheckpointError(
        `the data does not match its checksum (SHA-256 ${actual}, recorded ${metadata.sha256})`,
      );
    }
  }
  const parameters = new Map<string, NamedTensor>();
  const trainingTensors = new Map<string, NamedTensor>();
  for (const [name, entry] of header.entries) {
    const tensor = readTensor(bytes, header, entry);
    if (name.startsWith(TRAINING_PREFIX)) trainingTensors.set(name.slice(TRAINING_PREFIX.length), tensor);
    else {
      const bad = tensor.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        throw new CheckpointError(`parameter '${name}' has the non-finite value ${tensor.data[bad]} at index ${bad}`);
      parameters.set(name, tensor);
    }
  }
  const model = createLanguageModel(spec, options.backend);
  try {
    model.loadStateDict(parameters);
  } catch (error) {
    model.dispose();
    throw new CheckpointError((error as Error).message);
  }
  const training = trainingState === undefined ? null : { state: trainingState, tensors: trainingTensors };
  return { model, spec, vocab, training, metadata };
}

/** Fetches a model file (browser or Node) and loads it. */
export async function fetchModel(
  url: string | URL,
  options: LoadModelOptions & { fetch?: typeof globalThis.fetch } = {},
): Promise<LoadedModel> {
  const fetchFunction = options.fetch ?? globalThis.fetch;
  if (fetchFunction === undefined) throw new Error('fetchModel: no fetch function is available');
  const response = await fetchFunction(url);
  if (!response.ok) throw new Error(`fetchModel: GET ${String(url)} failed: HTTP ${response.status}`);
  return loadModel(new Uint8Array(await response.arrayBuffer()), options);
}

function readSpec(metadata: Record<string, string>): LanguageModelSpec {
  const format = metadata.format;
  if (format !== MODEL_FORMAT && format !== LEGACY_FORMAT) {
    throw new CheckpointError(
      `not an lstm-simd model file (metadata format is ${format === undefined ? 'missing' : `'${format}'`}; ` +
        `expected '${MODEL_FORMAT}')`,
    );
  }
  const key = format === LEGACY_FORMAT ? 'spec' : 'model';
  if (metadata[key] === undefined) throw new CheckpointError(`the metadata has no '${key}' (the model spec)`);
  const spec = parseJson(metadata[key], key) as LanguageModelSpec;
  try {
    checkLanguageModelSpec(spec);
  } catch (error) {
    throw new CheckpointError(`the model spec is invalid: ${(error as Error).message}`);
  }
  return spec;
}

function readVocab(json: string, spec: LanguageModelSpec): Vocab {
  let vocab: Vocab;
  try {
    vocab = Vocab.fromJSON(parseJson(json, 'vocab'));
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`the vocabulary is invalid: ${(error as Error).message}`);
  }
  if (vocab.length !== spec.vocabSize) {
    throw new CheckpointError(`the vocabulary has ${vocab.length} tokens but the model spec ${spec.vocabSize}`);
  }
  return vocab;
}

function parseJson(text: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`metadata '${key}' is not valid JSON (${(error as Error).message})`);
  }
}

/** Every parameter of the spec present with its exact shape as F32, nothing else but training tensors. */
function checkTensorNames(header: SafetensorsHeader, spec: LanguageModelSpec): void {
  const expected = languageModelShapes(spec);
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const entry = header.entries.get(name);
    if (entry === undefined) problems.push(`missing parameter '${name}' ${formatShape(shape)}`);
    else if (!sameShape(entry.shape, shape)) {
      problems.push(
        `parameter '${name}' has shape ${formatShape(entry.shape)} but the spec needs ${formatShape(shape)}`,
      );
    }
  }
  for (const name of header.entries.keys()) {
    if (!expected.has(name) && !name.startsWith(TRAINING_PREFIX)) problems.push(`unexpected tensor '${name}'`);
  }
  if (problems.length > 0) {
    const shown = problems.length > 4 ? [...problems.slice(0, 3), `and ${problems.length - 3} more`] : problems;
    throw new CheckpointError(`the tensors do not match the model spec: ${shown.join('; ')}`);
  }
}

/** @deprecated Use saveModel(model, { vocab }): the model describes itself, so no spec can disagree with it. */
export function saveCheckpoint(model: RNNLMScratch, _spec: LanguageModelSpec, vocab: Vocab): Uint8Array {
  return saveModel(model, { vocab });
}

/** @deprecated Use loadModel(bytes, { backend }). */
export function loadCheckpoint(
  bytes: Uint8Array,
  backend?: Backend,
): { model: RNNLMScratch; spec: LanguageModelSpec; vocab: Vocab } {
  const { model, spec, vocab } = loadModel(bytes, { backend });
  if (vocab === null) throw new CheckpointError('the model file has no vocabulary');
  return { model, spec, vocab };
}

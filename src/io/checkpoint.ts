// Checkpoints: a safetensors file with every parameter under its Module name
// and, in the metadata, what is needed to rebuild the model (its spec) and to
// map text to ids (the vocabulary).

import type { Backend } from '../backend/backend.js';
import { Vocab } from '../data/vocab.js';
import type { RNNLMScratch } from '../models/rnnlm-scratch.js';
import { createLanguageModel, isModelKind, type LanguageModelSpec } from '../models/zoo.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from './safetensors.js';

const FORMAT = 'lstm-simd/1';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function saveCheckpoint(model: RNNLMScratch, spec: LanguageModelSpec, vocab: Vocab): Uint8Array {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, p] of model.parameters()) {
    tensors.set(name, { shape: [...p.shape], data: Float32Array.from(p.toArray()) });
  }
  return encodeSafetensors(tensors, {
    format: FORMAT,
    spec: JSON.stringify(spec),
    vocab: JSON.stringify(vocab.toJSON()),
  });
}

export function loadCheckpoint(
  bytes: Uint8Array,
  backend?: Backend,
): { model: RNNLMScratch; spec: LanguageModelSpec; vocab: Vocab } {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== FORMAT) {
    throw new CheckpointError(`not an lstm-simd checkpoint (metadata format is '${metadata.format ?? 'missing'}')`);
  }
  let spec: LanguageModelSpec;
  let vocab: Vocab;
  try {
    spec = JSON.parse(metadata.spec);
    vocab = Vocab.fromJSON(JSON.parse(metadata.vocab));
  } catch (error) {
    throw new CheckpointError(`checkpoint metadata is damaged: ${(error as Error).message}`);
  }
  if (!isModelKind(spec.kind)) throw new CheckpointError(`checkpoint has an unknown model kind '${spec.kind}'`);
  const model = createLanguageModel(spec, backend);
  const parameters = model.parameters();
  for (const [name, p] of parameters) {
    const saved = tensors.get(name);
    if (!saved) throw new CheckpointError(`checkpoint lacks parameter '${name}'`);
    if (saved.shape.join() !== p.shape.join()) {
      throw new CheckpointError(`parameter '${name}': checkpoint shape [${saved.shape}] but model shape [${p.shape}]`);
    }
    p.assign(saved.data);
  }
  for (const name of tensors.keys()) {
    if (!parameters.has(name)) throw new CheckpointError(`checkpoint has an unexpected tensor '${name}'`);
  }
  return { model, spec, vocab };
}

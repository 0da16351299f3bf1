// Importing a language model trained in PyTorch: a state_dict of nn.LSTM/GRU/RNN (+ nn.Embedding) +
// nn.Linear saved as safetensors, and its vocabulary as a JSON list of tokens in index order (what
// `json.dump(vocab.idx_to_token, f)` writes) or the package's VocabJSON.
//
// The architecture is read from the names and shapes, never guessed silently: the recurrent layers are
// the `<prefix>weight_hh_l{k}[_reverse]` tensors (the prefix is whatever wraps the torch layer, e.g.
// 'rnn.' or d2l's 'rnn.rnn.'); the gate count is rows / columns of weight_hh (4 LSTM, 3 GRU, 1 RNN),
// the hidden size its columns, the layers the `_l{k}` suffixes, the directions `_reverse`; the output
// layer is the one remaining 2-D `*.weight` (V, D H) with its `*.bias` (V); an embedding is a 2-D
// `*.weight` (V, I) feeding layer 0, otherwise layer 0 must take one-hot tokens (I = V). Anything
// else in the file is an error that says what was expected.

import type { Backend } from '../backend/backend.js';
import { UNK_TOKEN, Vocab, type VocabJSON } from '../data/vocab.js';
import type { CellKind } from '../layers/cell-kernels.js';
import type { RNNLMScratch } from '../models/rnnlm-scratch.js';
import { createLanguageModel, languageModelShapes, type LanguageModelSpec } from '../models/zoo.js';
import { formatShape, sameShape } from '../tensor/tensor.js';
import { decodeSafetensors, type TensorLike } from './safetensors.js';

/** The file does not hold a language model this package can rebuild (names, shapes or vocabulary). */
export class ImportError extends Error {
  override name = 'ImportError';
}

export interface TorchImportOptions {
  /** The vocabulary: a Vocab, a JSON list of tokens in index order, or a VocabJSON (parsed or as text). */
  vocab?: Vocab | readonly string[] | VocabJSON | string;
  /** Learning rate of the imported model if it is trained further (default 1). */
  lr?: number;
  backend?: Backend;
}

export interface ImportedModel {
  model: RNNLMScratch;
  spec: LanguageModelSpec;
  /** The vocabulary, when one was given. */
  vocab: Vocab | null;
  /** package name -> PyTorch name of every parameter. */
  names: Map<string, string>;
}

const CELL_OF_GATES: Record<number, CellKind> = { 4: 'lstm', 3: 'gru', 1: 'rnn' };
const RECURRENT = /^(.*?)(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?$/;

/**
 * The spec of the model a PyTorch state dict describes, and which of its tensors becomes which
 * parameter (package name -> PyTorch name). Throws an ImportError naming what does not fit.
 */
export function inferTorchLanguageModel(
  tensors: ReadonlyMap<string, TensorLike>,
  lr = 1,
): { spec: LanguageModelSpec; names: Map<string, string>; zeroBiases: string[] } {
  const shape = (name: string) => [...tensors.get(name)!.shape];
  const recurrent = [...tensors.keys()].filter((name) => RECURRENT.test(name));
  if (recurrent.length === 0) {
    throw new ImportError(
      `no recurrent layer found: expected nn.LSTM/GRU/RNN weights named '<prefix>weight_hh_l0' ` +
        `(the file has ${describeNames(tensors)})`,
    );
  }
  const prefixes = new Set(recurrent.map((name) => RECURRENT.exec(name)![1]));
  if (prefixes.size > 1) {
    throw new ImportError(
      `more than one recurrent layer: weights under ${[...prefixes]
        .sort()
        .map((p) => `'${p}'`)
        .join(' and ')}`,
    );
  }
  const prefix = [...prefixes][0];
  if (recurrent.some((name) => name.includes('weight_hr_l'))) {
    throw new ImportError(`'${prefix}weight_hr_l0': LSTMs with proj_size are not supported`);
  }
  const hh0 = `${prefix}weight_hh_l0`;
  if (!tensors.has(hh0)) throw new ImportError(`missing '${hh0}' (layer 0's recurrent weights)`);
  const [rows, H] = shape(hh0);
  const cell = CELL_OF_GATES[rows / H];
  if (shape(hh0).length !== 2 || cell === undefined) {
    throw new ImportError(
      `'${hh0}' has shape ${formatShape(shape(hh0))}: expected (G H, H) with G = 4 (LSTM), 3 (GRU) or 1 (RNN)`,
    );
  }
  const layerIndices = recurrent.map((name) => Number(RECURRENT.exec(name)![3]));
  const numLayers = Math.max(...layerIndices) + 1;
  const bidirectional = recurrent.some((name) => name.endsWith('_reverse'));
  const D = bidirectional ? 2 : 1;
  const ih0 = `${prefix}weight_ih_l0`;
  if (!tensors.has(ih0) || shape(ih0).length !== 2)
    throw new ImportError(`missing '${ih0}' (layer 0's input weights, 2-D)`);
  const numInputs = shape(ih0)[1];

  const names = new Map<string, string>();
  const zeroBiases: string[] = [];
  for (let layer = 0; layer < numLayers; layer++) {
    for (let d = 0; d < D; d++) {
      const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
      for (const kind of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) {
        const torchName = `${prefix}${kind}${suffix}`;
        if (tensors.has(torchName)) names.set(`rnn.${kind}${suffix}`, torchName);
        else if (kind.startsWith('bias'))
          zeroBiases.push(`rnn.${kind}${suffix}`); // nn.LSTM(bias=False)
        else throw new ImportError(`missing '${torchName}' (layer ${layer}${d === 1 ? ', reverse direction' : ''})`);
      }
    }
  }

  // The output layer: a (V, D H) weight with a (V) bias, outside the recurrent layer.
  const others = [...tensors.keys()].filter((name) => !RECURRENT.test(name));
  const heads = others.filter(
    (name) =>
      name.endsWith('weight') && shape(name).length === 2 && shape(name)[1] === D * H && tensors.has(biasOf(name)),
  );
  if (heads.length !== 1) {
    throw new ImportError(
      heads.length === 0
        ? `no output layer found: expected an nn.Linear weight (V, ${D * H}) with its bias (V) ` +
            `(the other tensors are ${describeNames(tensors, others)})`
        : `more than one candidate output layer: ${heads.map((n) => `'${n}'`).join(', ')}`,
    );
  }
  const head = heads[0];
  const V = shape(head)[0];
  if (!sameShape(shape(biasOf(head)), [V])) {
    throw new ImportError(`'${biasOf(head)}' has shape ${formatShape(shape(biasOf(head)))}, expected [${V}]`);
  }
  names.set('linear.weight', head);
  names.set('linear.bias', biasOf(head));

  // An embedding (V, I) feeding layer 0, unless layer 0 takes one-hot tokens.
  const rest = others.filter((name) => name !== head && name !== biasOf(head));
  const embeddings = rest.filter((name) => name.endsWith('weight') && sameShape(shape(name), [V, numInputs]));
  let embeddingDim: number | undefined;
  if (embeddings.length === 1) {
    embeddingDim = numInputs;
    names.set('embedding.weight', embeddings[0]);
  } else if (embeddings.length > 1) {
    throw new ImportError(`more than one candidate embedding: ${embeddings.map((n) => `'${n}'`).join(', ')}`);
  } else if (numInputs !== V) {
    throw new ImportError(
      `layer 0 takes ${numInputs} inputs but the vocabulary has ${V} tokens, and there is no embedding ` +
        `(an nn.Embedding weight [${V}, ${numInputs}])`,
    );
  }
  const used = new Set(names.values());
  const unexpected = [...tensors.keys()].filter((name) => !used.has(name));
  if (unexpected.length > 0) {
    throw new ImportError(
      `unexpected tensors ${unexpected.map((n) => `'${n}' ${formatShape(shape(n))}`).join(', ')} ` +
        `(expected one recurrent layer, an optional embedding and a linear output layer)`,
    );
  }
  const spec: LanguageModelSpec = {
    kind: cell,
    vocabSize: V,
    numHiddens: H,
    numLayers,
    bidirectional,
    dropout: 0,
    ...(embeddingDim === undefined ? {} : { embeddingDim }),
    lr,
  };
  // Every shape must be the one the spec implies (e.g. a layer's W_ih after a bidirectional layer).
  const expected = languageModelShapes(spec);
  for (const [name, torchName] of names) {
    const want = expected.get(name)!;
    if (!sameShape(shape(torchName), want)) {
      throw new ImportError(
        `'${torchName}' has shape ${formatShape(shape(torchName))} but a ${cell.toUpperCase()} with H = ${H}, ` +
          `${numLayers} layer(s)${bidirectional ? ', bidirectional' : ''} needs ${formatShape(want)}`,
      );
    }
  }
  return { spec, names, zeroBiases };
}

/** Imports a PyTorch language model from a safetensors file's bytes (see the file comment). */
export function importTorchLanguageModel(bytes: Uint8Array, options: TorchImportOptions = {}): ImportedModel {
  const { tensors } = decodeSafetensors(bytes);
  return importTorchStateDict(tensors, options);
}

/** The same from a state dict already in memory (name -> {shape, data}). */
export function importTorchStateDict(
  tensors: ReadonlyMap<string, TensorLike>,
  options: TorchImportOptions = {},
): ImportedModel {
  const { spec, names, zeroBiases } = inferTorchLanguageModel(tensors, options.lr ?? 1);
  const vocab = options.vocab === undefined ? null : vocabularyFrom(options.vocab);
  if (vocab !== null && vocab.length !== spec.vocabSize) {
    throw new ImportError(`the vocabulary has ${vocab.length} tokens but the model's output layer ${spec.vocabSize}`);
  }
  const state = new Map<string, TensorLike>();
  for (const [name, torchName] of names) state.set(name, tensors.get(torchName)!);
  const expected = languageModelShapes(spec);
  for (const name of zeroBiases)
    state.set(name, { shape: expected.get(name)!, data: new Float32Array(expected.get(name)![0]) });
  const model = createLanguageModel(spec, options.backend);
  try {
    model.loadStateDict(state);
  } catch (error) {
    model.dispose();
    throw new ImportError(
      (error as Error).message.replace(/'(rnn|linear|embedding)\.[^']+'/g, (m) => torchNameOf(m, names)),
    );
  }
  return { model, spec, vocab, names };
}

/** A vocabulary from a Vocab, a token list in index order, or a VocabJSON (object or JSON text). */
export function vocabularyFrom(source: Vocab | readonly string[] | VocabJSON | string): Vocab {
  if (source instanceof Vocab) return source;
  let value: unknown = source;
  if (typeof source === 'string') {
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new ImportError(`the vocabulary is not valid JSON (${(error as Error).message})`);
    }
  }
  try {
    if (Array.isArray(value)) {
      if (!value.every((t) => typeof t === 'string')) throw new TypeError('a token list must hold strings only');
      if (!value.includes(UNK_TOKEN)) {
        throw new TypeError(`the token list has no '${UNK_TOKEN}' (d2l's vocabularies always have it)`);
      }
      return Vocab.fromJSON({ format: 'lstm-simd.vocab', version: 1, idxToToken: value, tokenFreqs: [] });
    }
    return Vocab.fromJSON(value);
  } catch (error) {
    throw new ImportError(
      `the vocabulary must be a JSON list of tokens in index order or an lstm-simd VocabJSON: ${(error as Error).message}`,
    );
  }
}

function biasOf(weight: string): string {
  return `${weight.slice(0, -'weight'.length)}bias`;
}

function torchNameOf(quoted: string, names: Map<string, string>): string {
  const name = quoted.slice(1, -1);
  return names.has(name) ? `'${names.get(name)}'` : quoted;
}

function describeNames(tensors: ReadonlyMap<string, TensorLike>, subset = [...tensors.keys()]): string {
  const shown = subset.slice(0, 8).map((n) => `'${n}' ${formatShape(tensors.get(n)!.shape)}`);
  return subset.length === 0 ? 'no tensors' : shown.join(', ') + (subset.length > 8 ? `, ... (${subset.length})` : '');
}

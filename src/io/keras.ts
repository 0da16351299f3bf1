// Importing a Keras 3 language model: `model.save_weights('m.weights.h5')` (HDF5) or `model.save('m.keras')`
// (a zip of config.json and model.weights.h5) for [Embedding] -> LSTM/GRU/SimpleRNN x L -> Dense(V).
//
// Keras 3 writes one HDF5 group per layer under /layers (embedding, lstm, lstm_1, ..., dense), each
// layer's variables as datasets vars/0, vars/1, ... in creation order, a recurrent layer's under its
// cell (layers/lstm/cell/vars/0..2): kernel (I, G H), recurrent_kernel (H, G H), bias. The conversion
// to PyTorch's layout (and so this package's): W_ih = kernel^T, W_hh = recurrent_kernel^T; the LSTM's
// gates i, f, c, o are PyTorch's i, f, g, o and its one bias becomes bias_ih (bias_hh = 0); the GRU's
// gates z, r, h become r, z, n and its (2, 3H) bias (reset_after=True, Keras's default) the two biases.
// A GRU with reset_after=False (a (3H) bias) applies the reset gate before the recurrent product, which
// neither PyTorch's GRU nor this package's computes: it is refused. Dense: weight = kernel^T.
//
// HDF5 is read with jsfive (a pure-JavaScript HDF5 reader, an optional peer dependency: only this
// import needs it; pass it as `hdf5` or install it). The layer order is config.json's in a .keras
// file and Keras's naming order (lstm, lstm_1, ..., lstm_10) otherwise.

import { importTorchStateDict, ImportError, type ImportedModel, type TorchImportOptions } from './torch.js';
import type { NamedTensor, TensorLike } from './safetensors.js';
import { isZip, readZip } from './zip.js';

/** What the import needs from jsfive (`import * as hdf5 from 'jsfive'`). */
export interface Hdf5Module {
  File: new (buffer: ArrayBuffer, filename: string) => Hdf5Group;
}

interface Hdf5Group {
  keys: string[];
  get(path: string): Hdf5Group | Hdf5Dataset;
}

interface Hdf5Dataset {
  shape: number[];
  dtype: string;
  value: ArrayLike<number>;
}

export interface KerasImportOptions extends TorchImportOptions {
  /** The jsfive module; by default it is imported (an optional peer dependency of this package). */
  hdf5?: Hdf5Module;
}

interface KerasLayer {
  name: string;
  vars: NamedTensor[];
  cellVars: NamedTensor[] | null;
}

/** Imports a Keras 3 language model from a .weights.h5 or .keras file's bytes (see the file comment). */
export async function importKerasLanguageModel(
  bytes: Uint8Array,
  options: KerasImportOptions = {},
): Promise<ImportedModel> {
  let weights = bytes;
  let config: KerasConfigLayer[] | null = null;
  if (isZip(bytes)) {
    const files = await readZip(bytes);
    const h5 = files.get('model.weights.h5');
    if (!h5)
      throw new ImportError(`the .keras archive has no model.weights.h5 (it has ${[...files.keys()].join(', ')})`);
    weights = h5;
    const json = files.get('config.json');
    if (json) config = configLayers(new TextDecoder().decode(json));
  }
  const hdf5 = options.hdf5 ?? (await loadJsfive());
  let file: Hdf5Group;
  try {
    const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
    file = new hdf5.File(buffer, 'model.weights.h5');
  } catch (error) {
    throw new ImportError(`not an HDF5 file (Keras 3 .weights.h5): ${(error as Error).message}`);
  }
  const layers = readLayers(file, config);
  const { state, cell } = toTorchLayout(layers);
  if (config) checkConfig(config, cell);
  return importTorchStateDict(state, options);
}

async function loadJsfive(): Promise<Hdf5Module> {
  try {
    const specifier = 'jsfive'; // a variable: bundlers and tsc need not resolve the optional dependency
    return (await import(specifier)) as Hdf5Module;
  } catch {
    throw new ImportError(
      "the Keras import reads HDF5 with the optional dependency 'jsfive': npm install jsfive (or pass it as options.hdf5)",
    );
  }
}

function readLayers(file: Hdf5Group, config: KerasConfigLayer[] | null): KerasLayer[] {
  let names: string[];
  try {
    names = (file.get('layers') as Hdf5Group).keys;
  } catch {
    throw new ImportError("no /layers group: not a Keras 3 weights file (Keras 2's .h5 layout is not read)");
  }
  const datasets = (path: string): NamedTensor[] => {
    let group: Hdf5Group;
    try {
      group = file.get(path) as Hdf5Group;
    } catch {
      return [];
    }
    if (!group || !Array.isArray(group.keys)) return [];
    const keys = group.keys.filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
    return keys.map((k) => {
      const d = group.get(k) as Hdf5Dataset;
      if (!Array.isArray(d.shape) || d.value == null || !/^[<>]?f[48]$/.test(String(d.dtype))) {
        throw new ImportError(`'${path}/${k}' is not a float dataset (dtype ${String(d.dtype)})`);
      }
      return { shape: [...d.shape], data: Float32Array.from(d.value as ArrayLike<number>) };
    });
  };
  const layers = names.map((name) => ({
    name,
    vars: datasets(`layers/${name}/vars`),
    cellVars: hasGroup(file, `layers/${name}/cell`) ? datasets(`layers/${name}/cell/vars`) : null,
  }));
  for (const layer of layers) {
    if (hasGroup(file, `layers/${layer.name}/forward_layer`)) {
      throw new ImportError(`layer '${layer.name}': Bidirectional Keras layers are not supported by this import`);
    }
  }
  const order = config?.map((l) => l.name) ?? null;
  const rank = (name: string) => {
    if (order) return order.indexOf(name);
    const match = /^(.*?)(?:_(\d+))?$/.exec(name)!;
    return Number(match[2] ?? 0);
  };
  return layers
    .filter((l) => l.vars.length > 0 || (l.cellVars?.length ?? 0) > 0)
    .sort((a, b) => rank(a.name) - rank(b.name));
}

function hasGroup(file: Hdf5Group, path: string): boolean {
  try {
    const group = file.get(path) as Hdf5Group | undefined;
    return group !== undefined && group !== null && Array.isArray(group.keys);
  } catch {
    return false;
  }
}

/** PyTorch's names and layouts for the Keras layers (see the file comment). */
function toTorchLayout(layers: KerasLayer[]): { state: Map<string, TensorLike>; cell: string } {
  const recurrent = layers.filter((l) => l.cellVars !== null);
  const dense = layers.filter((l) => l.cellVars === null && l.vars.length === 2);
  const embedding = layers.filter((l) => l.cellVars === null && l.vars.length === 1 && l.vars[0].shape.length === 2);
  const other = layers.filter((l) => !recurrent.includes(l) && !dense.includes(l) && !embedding.includes(l));
  if (other.length > 0) {
    throw new ImportError(
      `unsupported layers ${other.map((l) => `'${l.name}'`).join(', ')} (expected [Embedding], LSTM/GRU/SimpleRNN layers, Dense)`,
    );
  }
  if (recurrent.length === 0) throw new ImportError('no LSTM, GRU or SimpleRNN layer (layers/<name>/cell/vars)');
  if (dense.length !== 1) throw new ImportError(`expected one Dense output layer, found ${dense.length}`);
  if (embedding.length > 1) throw new ImportError(`expected at most one Embedding, found ${embedding.length}`);
  const state = new Map<string, TensorLike>();
  let cell = '';
  recurrent.forEach((layer, index) => {
    const vars = layer.cellVars!;
    if (vars.length !== 3 || vars[0].shape.length !== 2 || vars[1].shape.length !== 2) {
      throw new ImportError(`layer '${layer.name}': expected kernel, recurrent_kernel and bias (use_bias=True)`);
    }
    const [kernel, recurrentKernel, bias] = vars;
    const [H, width] = recurrentKernel.shape;
    const gates = width / H;
    const kind = gates === 4 ? 'lstm' : gates === 3 ? 'gru' : gates === 1 ? 'rnn' : null;
    if (kind === null) {
      throw new ImportError(
        `layer '${layer.name}': recurrent_kernel [${recurrentKernel.shape}] is not (H, G H) with G = 4, 3 or 1`,
      );
    }
    if (cell && kind !== cell) throw new ImportError(`layer '${layer.name}' is a ${kind} after ${cell} layers`);
    cell = kind;
    const order = kind === 'gru' ? [1, 0, 2] : null; // Keras z, r, h <-> PyTorch r, z, n
    const suffix = `_l${index}`;
    state.set(`rnn.weight_ih${suffix}`, transposeGates(kernel, H, order));
    state.set(`rnn.weight_hh${suffix}`, transposeGates(recurrentKernel, H, order));
    const G = gates * H;
    if (kind === 'gru') {
      if (bias.shape.length === 1) {
        throw new ImportError(
          `layer '${layer.name}': a GRU with reset_after=False (bias [${bias.shape}]) applies the reset gate before ` +
            'the recurrent product, which PyTorch and this package do not compute; train it with reset_after=True ' +
            "(Keras's default), whose bias is (2, 3H)",
        );
      }
      if (bias.shape[0] !== 2 || bias.shape[1] !== G) {
        throw new ImportError(`layer '${layer.name}': GRU bias [${bias.shape}] is not (2, ${G})`);
      }
      state.set(`rnn.bias_ih${suffix}`, {
        shape: [G],
        data: permuteBlocks(bias.data.subarray(0, G), H, order!),
      });
      state.set(`rnn.bias_hh${suffix}`, {
        shape: [G],
        data: permuteBlocks(bias.data.subarray(G), H, order!),
      });
    } else {
      if (bias.shape.length !== 1 || bias.shape[0] !== G) {
        throw new ImportError(`layer '${layer.name}': bias [${bias.shape}] is not (${G})`);
      }
      state.set(`rnn.bias_ih${suffix}`, bias);
      state.set(`rnn.bias_hh${suffix}`, { shape: [G], data: new Float32Array(G) });
    }
  });
  const [kernel, bias] = dense[0].vars;
  state.set('linear.weight', transposeGates(kernel, kernel.shape[1], null));
  state.set('linear.bias', bias);
  if (embedding.length === 1) state.set('embedding.weight', embedding[0].vars[0]);
  return { state, cell };
}

/** (rows, cols) -> (cols, rows), then the blocks of H rows put in `order` (null: as they are). */
function transposeGates(matrix: TensorLike, H: number, order: number[] | null): TensorLike {
  const [rows, cols] = matrix.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = matrix.data[r * cols + c];
  if (order === null) return { shape: [cols, rows], data: out };
  const blocks = new Float32Array(out.length);
  order.forEach((from, to) => blocks.set(out.subarray(from * H * rows, (from + 1) * H * rows), to * H * rows));
  return { shape: [cols, rows], data: blocks };
}

function permuteBlocks(values: Float32Array, H: number, order: number[]): Float32Array {
  const out = new Float32Array(values.length);
  order.forEach((from, to) => out.set(values.subarray(from * H, (from + 1) * H), to * H));
  return out;
}

interface KerasConfigLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

/** The layers of a Sequential model's config.json, in order. */
function configLayers(json: string): KerasConfigLayer[] {
  try {
    const parsed = JSON.parse(json) as {
      config?: { layers?: { class_name: string; config: Record<string, unknown> }[] };
    };
    const layers = parsed.config?.layers;
    if (!Array.isArray(layers)) throw new Error('no config.layers list (a Sequential model is expected)');
    return layers.map((l) => ({ className: l.class_name, name: String(l.config?.name), config: l.config ?? {} }));
  } catch (error) {
    throw new ImportError(`config.json: ${(error as Error).message}`);
  }
}

/** What the weights cannot tell: activations and the kind of each layer. */
function checkConfig(layers: KerasConfigLayer[], cell: string): void {
  for (const { className, name, config } of layers) {
    if (['LSTM', 'GRU', 'SimpleRNN'].includes(className)) {
      const activation = config.activation ?? 'tanh';
      const recurrent = config.recurrent_activation ?? 'sigmoid';
      if (activation !== 'tanh' || (className !== 'SimpleRNN' && recurrent !== 'sigmoid')) {
        throw new ImportError(
          `layer '${name}': activation '${String(activation)}', recurrent_activation '${String(recurrent)}' ` +
            "(only Keras's defaults tanh and sigmoid are computed)",
        );
      }
      if (config.go_backwards === true) throw new ImportError(`layer '${name}': go_backwards is not supported`);
    } else if (className === 'Dense') {
      const activation = config.activation ?? 'linear';
      // softmax leaves the argmax and the sampled distribution as the logits give them.
      if (activation !== 'linear' && activation !== 'softmax') {
        throw new ImportError(
          `layer '${name}': a Dense output with activation '${String(activation)}' is not a language model head`,
        );
      }
    } else if (!['InputLayer', 'Embedding'].includes(className)) {
      throw new ImportError(`layer '${name}': ${className} is not supported`);
    }
  }
  if (cell === '') throw new ImportError('no recurrent layer');
}

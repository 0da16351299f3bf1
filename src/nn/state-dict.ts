// State dicts: a module's parameters by name, as PyTorch's state_dict(), and loading them back with
// the checks of torch.nn.Module.load_state_dict(strict=True): every parameter present with exactly
// its shape (a transposed matrix of the same size is refused), no unknown keys, and here also no
// NaN or infinity. Everything is checked before the first value is written, so a refused load leaves
// the module as it was.

import type { NamedTensor, TensorLike } from '../io/safetensors.js';
import { formatShape, sameShape, type Tensor } from '../tensor/tensor.js';

export type { NamedTensor, TensorLike } from '../io/safetensors.js';

/** A state dict to load: a Map (what stateDict() returns) or a plain object of tensor-likes. */
export type StateDictSource = ReadonlyMap<string, TensorLike> | Readonly<Record<string, TensorLike>>;

export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (default true, as PyTorch). Shapes and values are always checked. */
  strict?: boolean;
  /**
   * Read parameter `name` from key `prefix + name` (e.g. 'rnn.' for a layer inside a saved language
   * model); keys that do not start with the prefix are not this module's and are ignored.
   */
  prefix?: string;
}

/** What was not matched (non-strict loads report it, as PyTorch's load_state_dict returns it). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export class StateDictError extends Error {
  override name = 'StateDictError';

  constructor(
    readonly missingKeys: readonly string[],
    readonly unexpectedKeys: readonly string[],
    /** One line per tensor that cannot be loaded: wrong shape, wrong size, non-finite value, not a tensor. */
    readonly problems: readonly string[],
  ) {
    const parts = [...problems];
    if (missingKeys.length > 0) parts.push(`missing keys: ${missingKeys.map((k) => `'${k}'`).join(', ')}`);
    if (unexpectedKeys.length > 0) parts.push(`unexpected keys: ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}`);
    super(`loadStateDict: ${parts.join('; ')}`);
  }
}

/** Copies of the parameters' values as float32 (what safetensors stores). */
export function stateDictOf(parameters: ReadonlyMap<string, Tensor>): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const [name, p] of parameters) out.set(name, { shape: [...p.shape], data: Float32Array.from(p.toArray()) });
  return out;
}

/** Checks `source` against `parameters` completely, then assigns every matched tensor. */
export function loadStateDictInto(
  parameters: ReadonlyMap<string, Tensor>,
  source: StateDictSource,
  options: LoadStateDictOptions = {},
): LoadStateDictResult {
  const { strict = true, prefix = '' } = options;
  if (source === null || typeof source !== 'object') {
    throw new TypeError(`loadStateDict: expected a Map or an object of {shape, data}, got ${String(source)}`);
  }
  const entries: ReadonlyMap<string, TensorLike> =
    source instanceof Map ? source : new Map(Object.entries(source as Record<string, TensorLike>));
  const missingKeys: string[] = [];
  const problems: string[] = [];
  const matched: [Tensor, ArrayLike<number>][] = [];
  for (const [name, parameter] of parameters) {
    const key = prefix + name;
    const given = entries.get(key);
    if (given === undefined) {
      missingKeys.push(key);
      continue;
    }
    const problem = tensorProblem(given, parameter);
    if (problem === null) matched.push([parameter, given.data]);
    else problems.push(`'${key}': ${problem}`);
  }
  const unexpectedKeys = [...entries.keys()].filter(
    (key) => key.startsWith(prefix) && !parameters.has(key.slice(prefix.length)),
  );
  if (problems.length > 0 || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
    throw new StateDictError(missingKeys, unexpectedKeys, problems);
  }
  for (const [parameter, data] of matched) parameter.assign(data);
  return { missingKeys, unexpectedKeys };
}

/** Why `given` cannot be loaded into `parameter`, or null when it can. */
function tensorProblem(given: TensorLike, parameter: Tensor): string | null {
  if (given === null || typeof given !== 'object' || !Array.isArray(given.shape) || given.data == null) {
    return 'not a tensor {shape, data}';
  }
  if (!sameShape(given.shape, parameter.shape)) {
    return `shape ${formatShape(given.shape)} in the state dict but ${formatShape(parameter.shape)} in the model`;
  }
  const { data } = given;
  if (typeof data.length !== 'number' || data.length !== parameter.size) {
    return `${String(data.length)} values for shape ${formatShape(parameter.shape)}`;
  }
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (typeof value !== 'number' || !Number.isFinite(value))
      return `value ${String(value)} at index ${i} is not finite`;
  }
  return null;
}

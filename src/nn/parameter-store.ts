// Parameters and their gradients live in two long-lived arenas per backend,
// allocated in lockstep so that a parameter and its gradient sit at the same
// offset in their arenas. Parameters created one after another therefore form
// contiguous runs, and an optimizer step or a gradient norm is one kernel call
// per run (usually one per model).

import type { Backend, Ptr } from '../backend/backend.js';
import type { Arena } from '../memory/arena.js';
import { Storage, Tensor, checkShape, type Shape } from '../tensor/tensor.js';

const stores = new WeakMap<Backend, ParameterStore>();

export class ParameterStore {
  readonly values: Arena;
  readonly grads: Arena;

  private constructor(readonly backend: Backend) {
    this.values = backend.createArena('parameters');
    this.grads = backend.createArena('gradients');
  }

  static of(backend: Backend): ParameterStore {
    let store = stores.get(backend);
    if (!store) {
      store = new ParameterStore(backend);
      stores.set(backend, store);
    }
    return store;
  }

  /** A new parameter of `shape`, zero-filled, with a zeroed gradient. */
  create(shape: Shape): Tensor {
    checkShape(shape);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = this.values.allocate(size);
    const grad = this.grads.allocate(size);
    if (values.offset !== grad.offset) throw new Error('ParameterStore: value and gradient arenas out of step');
    // Zero the padding too: runs span it, and a norm over a run must not see garbage.
    const padded = paddedLength(values.offset, size, this.values);
    this.backend.fill(values.ptr, 0, padded);
    this.backend.fill(grad.ptr, 0, padded);
    const storage = new Storage(this.backend, values, this.grads, null);
    storage.adoptGrad(grad);
    return new Tensor(storage, shape, 0, true);
  }
}

function paddedLength(offset: number, size: number, arena: Arena): number {
  return Math.min(Math.ceil(size / 16) * 16, arena.capacityElements - offset);
}

/** A contiguous range of parameters (values and gradients at matching offsets). */
export interface ParameterRun {
  backend: Backend;
  store: ParameterStore;
  /** Offset of the run in both arenas (elements). */
  offset: number;
  /** Elements, padding between parameters included. */
  length: number;
}

export function runPointers(run: ParameterRun): { values: Ptr; grads: Ptr } {
  return { values: run.store.values.base + run.offset, grads: run.store.grads.base + run.offset };
}

/** Groups parameters into maximal contiguous runs (in arena order). */
export function contiguousRuns(parameters: Iterable<Tensor>): ParameterRun[] {
  const slices = [...new Set(parameters)]
    .map((p) => {
      if (p.storage.step !== null) throw new Error('contiguousRuns: not a parameter (a scratch tensor was given)');
      return { tensor: p, offset: p.storage.data.offset, length: Math.ceil(p.storage.data.length / 16) * 16 };
    })
    .sort((a, b) => a.offset - b.offset || (a.tensor.backend === b.tensor.backend ? 0 : 1));
  const runs: ParameterRun[] = [];
  for (const s of slices) {
    const backend = s.tensor.backend;
    const last = runs[runs.length - 1];
    if (last && last.backend === backend && last.offset + last.length === s.offset) last.length += s.length;
    else if (last && last.backend === backend && s.offset < last.offset + last.length)
      continue; // shared
    else runs.push({ backend, store: ParameterStore.of(backend), offset: s.offset, length: s.length });
  }
  return runs;
}

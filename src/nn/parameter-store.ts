// Parameters and their gradients live in two long-lived arenas per backend,
// allocated in lockstep so that a parameter and its gradient sit at the same
// offset in their arenas. Parameters created one after another therefore form
// contiguous runs, and an optimizer step or a gradient norm is one kernel call
// per run (usually one per model).
//
// A disposed module hands its ranges back (release). Freed ranges are kept
// sorted and coalesced and are reused first-fit, starting where the previous
// parameter ended when that range is free: a model built after another was
// disposed takes the same range in the same order, so its run stays contiguous.
// A free range at the top of the arenas shrinks them, and when no parameter is
// left the arenas return their regions to the heap.

import type { Backend, Ptr } from '../backend/backend.js';
import { ArenaSlice, type Arena } from '../memory/arena.js';
import { Storage, Tensor, checkShape, type Shape } from '../tensor/tensor.js';

/** Elements a parameter of `size` takes in the arenas (slices are 16-element aligned). */
function footprint(size: number): number {
  return Math.ceil(size / 16) * 16;
}

interface FreeRange {
  offset: number;
  length: number;
}

const stores = new WeakMap<Backend, ParameterStore>();

export class ParameterStore {
  readonly values: Arena;
  readonly grads: Arena;
  private readonly free: FreeRange[] = []; // sorted by offset, coalesced
  private nextOffset = 0; // where the last parameter created ended

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
    const reused = this.takeFreeRange(footprint(size));
    const values = reused === null ? this.values.allocate(size) : new ArenaSlice(this.values, reused, size);
    const grad = reused === null ? this.grads.allocate(size) : new ArenaSlice(this.grads, reused, size);
    if (values.offset !== grad.offset) throw new Error('ParameterStore: value and gradient arenas out of step');
    this.nextOffset = values.offset + footprint(size);
    // Zero the padding too: runs span it, and a norm over a run must not see garbage.
    const padded = paddedLength(values.offset, size, this.values);
    this.backend.fill(values.ptr, 0, padded);
    this.backend.fill(grad.ptr, 0, padded);
    const storage = new Storage(this.backend, values, this.grads, null);
    storage.adoptGrad(grad);
    return new Tensor(storage, shape, 0, true);
  }

  /** Hands a parameter's range back; the tensor is dead afterwards (its use throws). Idempotent. */
  release(parameter: Tensor): void {
    const storage = parameter.storage;
    if (storage.data.arena !== this.values) throw new Error('ParameterStore.release: not a parameter of this store');
    if (storage.disposed) return;
    storage.disposed = true;
    const range = { offset: storage.data.offset, length: footprint(storage.data.length) };
    if (range.length > 0) this.insertFree(range);
    // The top of the arenas comes back to them; an empty store gives its regions back to the heap.
    const last = this.free[this.free.length - 1];
    if (last && last.offset + last.length === this.values.usedElements) {
      this.free.pop();
      this.values.truncate(last.offset);
      this.grads.truncate(last.offset);
    }
    if (this.values.usedElements === 0) {
      this.values.dispose();
      this.grads.dispose();
      this.nextOffset = 0;
    }
  }

  /** Elements in use by live parameters (padding included): what dispose gives back. */
  get liveElements(): number {
    return this.values.usedElements - this.free.reduce((sum, r) => sum + r.length, 0);
  }

  /** The offset of a free range of `length` elements, removed from the free list; null if none fits. */
  private takeFreeRange(length: number): number | null {
    if (length === 0) return null;
    // Continue the previous parameter's run when its end is free, else first fit.
    let index = this.free.findIndex((r) => r.offset === this.nextOffset && r.length >= length);
    if (index < 0) index = this.free.findIndex((r) => r.length >= length);
    if (index < 0) return null;
    const range = this.free[index];
    const offset = range.offset;
    if (range.length === length) this.free.splice(index, 1);
    else {
      range.offset += length;
      range.length -= length;
    }
    return offset;
  }

  private insertFree(range: FreeRange): void {
    let i = 0;
    while (i < this.free.length && this.free[i].offset < range.offset) i++;
    this.free.splice(i, 0, range);
    if (i + 1 < this.free.length && range.offset + range.length === this.free[i + 1].offset) {
      range.length += this.free[i + 1].length;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].offset + this.free[i - 1].length === range.offset) {
      this.free[i - 1].length += range.length;
      this.free.splice(i, 1);
    }
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
  /** The parameters in the run (checked to be alive before each use). */
  parameters: Tensor[];
}

/** The run's value and gradient pointers; throws if a parameter in it was disposed since. */
export function runPointers(run: ParameterRun): { values: Ptr; grads: Ptr } {
  for (const p of run.parameters) p.storage.checkAlive();
  return { values: run.store.values.base + run.offset, grads: run.store.grads.base + run.offset };
}

/** Groups parameters into maximal contiguous runs (in arena order). */
export function contiguousRuns(parameters: Iterable<Tensor>): ParameterRun[] {
  const slices = [...new Set(parameters)]
    .map((p) => {
      if (p.storage.step !== null) throw new Error('contiguousRuns: not a parameter (a scratch tensor was given)');
      p.storage.checkAlive();
      return { tensor: p, offset: p.storage.data.offset, length: footprint(p.storage.data.length) };
    })
    .sort((a, b) => a.offset - b.offset || (a.tensor.backend === b.tensor.backend ? 0 : 1));
  const runs: ParameterRun[] = [];
  for (const s of slices) {
    const backend = s.tensor.backend;
    const last = runs[runs.length - 1];
    if (last && last.backend === backend && last.offset + last.length === s.offset) {
      last.length += s.length;
      last.parameters.push(s.tensor);
    } else if (last && last.backend === backend && s.offset < last.offset + last.length)
      continue; // shared
    else
      runs.push({
        backend,
        store: ParameterStore.of(backend),
        offset: s.offset,
        length: s.length,
        parameters: [s.tensor],
      });
  }
  return runs;
}

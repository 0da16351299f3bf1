// Tensor: float data on a backend, a shape, and (optionally) a gradient.
//
// A tensor is a window (offset, shape) onto a Storage. Views such as reshape
// and the time step `at(t)` share their base's storage, values and gradient
// alike, so a gradient written through a view lands in the base. Values and
// gradients are arena slices: parameters live in long-lived arenas, everything
// else in the backend's scratch arena until the step ends.

import type { Backend, Ptr } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import type { Arena, ArenaSlice } from '../memory/arena.js';
import { clearTape, runBackward, tapeGeneration } from './tape.js';

export type Shape = readonly number[];

export class Storage {
  private gradSlice: ArenaSlice | null = null;
  /** Set by ParameterStore.release: the memory is no longer this storage's. */
  disposed = false;
  /** The tape generation in which an op recorded this storage as its output (-1: none); see Tensor.backward. */
  recordedIn = -1;

  constructor(
    readonly backend: Backend,
    readonly data: ArenaSlice,
    /** Where the gradient is allocated when first needed. */
    private readonly gradArena: Arena,
    /** For scratch storage, the scratch arena's reset count when it was made; null when long-lived. */
    readonly step: number | null,
  ) {}

  get hasGrad(): boolean {
    return this.gradSlice !== null;
  }

  /** The gradient, allocated and zeroed on first use. */
  grad(): ArenaSlice {
    this.checkAlive();
    if (!this.gradSlice) {
      this.gradSlice = this.gradArena.allocate(this.data.length);
      this.backend.fill(this.gradSlice.ptr, 0, this.data.length);
    }
    return this.gradSlice;
  }

  /**
   * Makes `slice` the gradient as it is (no zero fill): parameters provide theirs up front (a gradient
   * arena mirrors them); an op hands a scratch tensor the slice it wrote (see Tensor.canAdoptGrad).
   */
  adoptGrad(slice: ArenaSlice): void {
    this.gradSlice = slice;
  }

  checkAlive(): void {
    if (this.disposed) {
      throw new Error("lstm-simd: this parameter's module was disposed (dispose() returned its memory)");
    }
    if (this.step !== null && this.step !== this.data.arena.resets) {
      throw new Error(
        'lstm-simd: this tensor was a temporary of an earlier step and its memory has been reused ' +
          '(copy what you need with toArray() before endStep())',
      );
    }
  }
}

export class Tensor {
  readonly size: number;
  /** Set by ops: whether gradients flow to this tensor. */
  requiresGrad: boolean;

  constructor(
    readonly storage: Storage,
    readonly shape: Shape,
    readonly offset = 0,
    requiresGrad = false,
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
    this.requiresGrad = requiresGrad;
    if (offset + this.size > storage.data.length) {
      throw new RangeError(
        `Tensor: view [${offset}, ${offset + this.size}) exceeds its storage of ${storage.data.length}`,
      );
    }
  }

  get backend(): Backend {
    return this.storage.backend;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Element offset of the first value in the backend heap (recompute after allocating). */
  get ptr(): Ptr {
    this.storage.checkAlive();
    return this.storage.data.ptr + this.offset;
  }

  /** Element offset of the gradient (allocated and zeroed on first use). */
  get gradPtr(): Ptr {
    return this.storage.grad().ptr + this.offset;
  }

  get hasGrad(): boolean {
    return this.storage.hasGrad;
  }

  /**
   * True when this tensor is the whole of a scratch storage that has no gradient yet: an op's backward
   * may then write the input gradient into a fresh slice and adopt it instead of adding into zeros.
   */
  get canAdoptGrad(): boolean {
    const storage = this.storage;
    return !storage.hasGrad && storage.step !== null && this.offset === 0 && this.size === storage.data.length;
  }

  /** A copy of the values. */
  toArray(): Float64Array {
    return Float64Array.from(this.valuesView());
  }

  /** A copy of the gradient, or null if none has been computed. */
  gradToArray(): Float64Array | null {
    if (!this.storage.hasGrad) return null;
    const grad = this.storage.grad();
    const floats = this.backend.heap.floats;
    return Float64Array.from(floats.subarray(grad.ptr + this.offset, grad.ptr + this.offset + this.size));
  }

  /**
   * Overwrites the values: from an array of exactly `size` values, or from a tensor-like {shape, data}
   * whose shape must be this tensor's (a transposed matrix of the same size is refused).
   */
  assign(values: ArrayLike<number> | { readonly shape: readonly number[]; readonly data: ArrayLike<number> }): this {
    const data = 'shape' in values && 'data' in values ? values.data : (values as ArrayLike<number>);
    if ('shape' in values && 'data' in values && !sameShape(values.shape, this.shape)) {
      throw new RangeError(`Tensor.assign: got shape [${values.shape}] for a tensor of shape [${this.shape}]`);
    }
    if (data.length !== this.size) {
      throw new RangeError(`Tensor.assign: got ${data.length} values for shape [${this.shape}]`);
    }
    this.valuesView().set(data);
    return this;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`Tensor.item: tensor has shape [${this.shape}], not one element`);
    return this.valuesView()[0];
  }

  /** Backpropagates from this scalar: d(this)/d(this) = 1, then every recorded op in reverse. */
  backward(): void {
    if (this.size !== 1) throw new RangeError(`Tensor.backward: needs a scalar, got shape [${this.shape}]`);
    if (!this.requiresGrad) throw new Error('Tensor.backward: this tensor does not depend on any parameter');
    if (this.storage.step !== null && this.storage.recordedIn !== tapeGeneration()) {
      throw new Error(
        'Tensor.backward: the graph of this tensor is gone: backward() already ran on it (or endStep() or ' +
          'another backward() came after the forward pass); run the forward pass again',
      );
    }
    this.backend.fill(this.gradPtr, 1, 1);
    runBackward();
  }

  toString(): string {
    return `Tensor([${this.shape}], ${this.backend.variant})`;
  }

  private valuesView(): Float32Array | Float64Array {
    const ptr = this.ptr;
    return this.backend.heap.floats.subarray(ptr, ptr + this.size);
  }
}

/** A fresh scratch tensor of `shape` on `backend` (values uninitialised). */
export function empty(shape: Shape, backend: Backend = getBackend(), requiresGrad = false): Tensor {
  checkShape(shape);
  const size = shape.reduce((a, b) => a * b, 1);
  const storage = new Storage(backend, backend.scratch.allocate(size), backend.scratch, backend.scratch.resets);
  return new Tensor(storage, shape, 0, requiresGrad);
}

export function zeros(shape: Shape, backend: Backend = getBackend()): Tensor {
  const t = empty(shape, backend);
  backend.fill(t.ptr, 0, t.size);
  return t;
}

export function fromArray(values: ArrayLike<number>, shape: Shape, backend: Backend = getBackend()): Tensor {
  return empty(shape, backend).assign(values);
}

/**
 * Ends a step on `backend`: the autograd tape is forgotten and the scratch
 * arena reset, so memory does not grow from step to step.
 */
export function endStep(backend: Backend = getBackend()): void {
  clearTape();
  backend.scratch.reset();
}

/**
 * Throws a TypeError unless `value` is a Tensor, and an Error unless it lives on `backend`: a kernel
 * given another backend's pointer would read unrelated memory of its own heap.
 */
export function checkTensorArgument(name: string, value: unknown, backend: Backend): Tensor {
  if (!(value instanceof Tensor)) {
    throw new TypeError(`${name} must be a Tensor, got ${value === null ? 'null' : typeof value}`);
  }
  if (value.backend !== backend) {
    throw new Error(`${name} lives on another backend (${value.backend.variant}) than the module (${backend.variant})`);
  }
  return value;
}

/** A shape as messages print it: [4, 8]. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Whether two shapes are equal, dimension by dimension. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`invalid shape [${String(shape)}]: dimensions must be non-negative integers`);
  }
}

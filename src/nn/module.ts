// Module: a named tree of parameters and submodules, as in d2l / PyTorch.

import type { Backend } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import type { Shape, Tensor } from '../tensor/tensor.js';
import type { Random } from '../util/random.js';
import { contiguousRuns, ParameterStore, runPointers } from './parameter-store.js';
import {
  loadStateDictInto,
  stateDictOf,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type NamedTensor,
  type StateDictSource,
} from './state-dict.js';

/** Fills a parameter's values (a view valid only during the call). */
export type Initializer = (values: Float32Array | Float64Array, shape: Shape) => void;

export abstract class Module {
  /** Training mode (dropout etc.); switched by train() and eval(). */
  training = true;
  readonly backend: Backend;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();
  private readonly ownGenerators = new Map<string, Random>();
  private isDisposed = false;

  constructor(backend?: Backend) {
    this.backend = backend ?? getBackend();
  }

  /** Creates a parameter in the backend's parameter arena and registers it under `name`. */
  protected parameter(name: string, shape: Shape, init?: Initializer): Tensor {
    if (this.ownParameters.has(name) || this.children.has(name)) {
      throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    }
    const tensor = ParameterStore.of(this.backend).create(shape);
    if (init) {
      const floats = this.backend.heap.floats;
      init(floats.subarray(tensor.ptr, tensor.ptr + tensor.size), shape);
    }
    this.ownParameters.set(name, tensor);
    return tensor;
  }

  /** Registers a submodule; its parameters appear as `name.child`. */
  protected module<M extends Module>(name: string, child: M): M {
    if (this.ownParameters.has(name) || this.children.has(name)) {
      throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    }
    if (child.backend !== this.backend) throw new Error(`${this.constructor.name}: '${name}' is on another backend`);
    this.children.set(name, child);
    return child;
  }

  /**
   * Registers a random generator that the module draws from while training (dropout masks), so that a
   * checkpoint can save its state and a resumed run continue the same stream (see randomGenerators).
   */
  protected randomGenerator(name: string, random: Random): Random {
    this.ownGenerators.set(name, random);
    return random;
  }

  /** name -> random generator used in training, submodules' prefixed with their name. */
  randomGenerators(): Map<string, Random> {
    const all = new Map<string, Random>(this.ownGenerators);
    for (const [childName, child] of this.children) {
      for (const [name, random] of child.randomGenerators()) all.set(`${childName}.${name}`, random);
    }
    return all;
  }

  /** name -> parameter, submodules' parameters prefixed with their name. */
  parameters(): Map<string, Tensor> {
    const all = new Map<string, Tensor>(this.ownParameters);
    for (const [childName, child] of this.children) {
      for (const [name, tensor] of child.parameters()) all.set(`${childName}.${name}`, tensor);
    }
    return all;
  }

  /** Copies of every parameter by name (PyTorch's state_dict names for the layers that follow PyTorch). */
  stateDict(): Map<string, NamedTensor> {
    return stateDictOf(this.parameters());
  }

  /**
   * Loads parameters by name, as torch.nn.Module.load_state_dict: with `strict` (the default) every
   * parameter must be present and no other key; shapes must match exactly and values be finite.
   * Everything is checked first: on a StateDictError (which lists every problem) nothing was written.
   */
  loadStateDict(source: StateDictSource, options: LoadStateDictOptions = {}): LoadStateDictResult {
    return loadStateDictInto(this.parameters(), source, options);
  }

  /** Whether dispose() was called. */
  get disposed(): boolean {
    return this.isDisposed;
  }

  /**
   * Returns the memory of every parameter and gradient (submodules' too) to the backend, for the next
   * model to reuse. The module must not be used afterwards: reading a parameter throws.
   */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    for (const child of this.children.values()) child.dispose();
    const store = ParameterStore.of(this.backend);
    for (const parameter of this.ownParameters.values()) store.release(parameter);
  }

  /** Total number of parameter values. */
  numParameters(): number {
    let n = 0;
    for (const p of this.parameters().values()) n += p.size;
    return n;
  }

  zeroGrad(): void {
    for (const run of contiguousRuns(this.parameters().values())) {
      run.backend.fill(runPointers(run).grads, 0, run.length);
    }
  }

  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }
}

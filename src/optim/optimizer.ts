// The optimiser contract and the base every optimiser of the package builds on.
//
// An optimiser updates the parameters in place from their gradients, one kernel
// call per contiguous run of parameters. Its per-parameter state (momentum,
// Adam's moments) lives in an arena of its own that mirrors those runs
// (ParameterLayout), so the state of a step is as contiguous as the parameters.
// `state()` exports everything a later run needs to continue the same
// trajectory (step count, learning rate, options, buffers under parameter
// names); `loadState()` puts it back. The update formulas are PyTorch's
// (torch.optim); the kernels say which, in src/backend/backend.ts.

import type { Backend, Ptr } from '../backend/backend.js';
import type { NamedTensor } from '../io/safetensors.js';
import type { Arena } from '../memory/arena.js';
import { runPointers } from '../nn/parameter-store.js';
import type { Tensor } from '../tensor/tensor.js';
import { ParameterLayout, type RunBuffer } from './parameter-layout.js';

/** The optimisers the package implements (createOptimizer's names). */
export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop';

/** What the Trainer needs of any optimiser: d2l's `configure_optimizers()` returns one. */
export interface OptimizerLike {
  step(): void;
  zeroGrad(): void;
}

/** An option value: numbers, flags, and Adam's betas pair. */
export type OptionValue = number | boolean | readonly number[];

/**
 * Everything an optimiser needs to continue where it stopped, in plain data (a file can carry it:
 * the buffers as tensors, the rest as JSON).
 */
export interface OptimizerState {
  name: OptimizerName;
  /** Steps taken (PyTorch's state['step']): Adam's bias correction and SGD's first momentum step read it. */
  step: number;
  /** The learning rate of the next step (a schedule may have moved it away from options.lr). */
  lr: number;
  /** The complete options, defaults filled in: `createOptimizer(name, parameters, options)` rebuilds it. */
  options: Record<string, OptionValue>;
  /**
   * Per-parameter buffers under `<slot>.<parameter name>`, each of its parameter's shape, with PyTorch's slot
   * names: 'momentum_buffer' (SGD with momentum, RMSprop with momentum), 'exp_avg' and 'exp_avg_sq' (Adam,
   * AdamW), 'square_avg' and 'grad_avg' (RMSprop; grad_avg only when centered).
   */
  buffers: Map<string, NamedTensor>;
}

/** An optimiser of this package: OptimizerLike plus a learning rate a schedule can move, and its state. */
export interface Optimizer extends OptimizerLike {
  readonly name: OptimizerName;
  /** The learning rate of the next step; a schedule (Trainer's lrSchedule) sets it. */
  lr: number;
  /** The learning rate given at construction (PyTorch's initial_lr): what a schedule scales. */
  readonly initialLr: number;
  /** Steps taken so far. */
  readonly stepCount: number;
  /** The complete options, defaults filled in. */
  readonly options: Readonly<Record<string, OptionValue>>;
  /** A copy of the state (see OptimizerState). */
  state(): OptimizerState;
  /** Restores a state exported by an optimiser of the same kind, options and parameter shapes. */
  loadState(state: OptimizerState): void;
  /** Returns the state's memory to the heap; the optimiser cannot step afterwards. */
  dispose(): void;
}

/** True when `optimizer` offers the whole Optimizer interface (a learning rate and a state). */
export function isOptimizer(optimizer: OptimizerLike): optimizer is Optimizer {
  const o = optimizer as Partial<Optimizer>;
  return typeof o.lr === 'number' && typeof o.state === 'function' && typeof o.loadState === 'function';
}

/** The base of SGD, Adam, AdamW, RMSprop: parameters, state arena, step counting, state export. */
export abstract class ArenaOptimizer implements Optimizer {
  abstract readonly name: OptimizerName;
  lr: number;
  readonly initialLr: number;
  readonly options: Readonly<Record<string, OptionValue>>;
  private readonly layout: ParameterLayout;
  private readonly arena: Arena | null;
  private readonly slots = new Map<string, RunBuffer>();
  private steps = 0;
  private disposed = false;

  /** `options` are complete and validated (lr > 0 included); `title` names the class in errors. */
  protected constructor(
    parameters: Map<string, Tensor> | Iterable<Tensor>,
    private readonly title: string,
    options: Record<string, OptionValue> & { lr: number },
  ) {
    this.layout = new ParameterLayout(parameters, title);
    this.arena = this.layout.backend?.createArena(`optimizer ${title}`) ?? null;
    this.options = Object.freeze({ ...options });
    this.lr = options.lr;
    this.initialLr = options.lr;
  }

  get stepCount(): number {
    return this.steps;
  }

  /** A zeroed per-parameter buffer named after PyTorch's state key; allocate every slot in the constructor. */
  protected slot(name: string): RunBuffer {
    const buffer = this.arena ? this.layout.allocate(this.arena) : [];
    this.slots.set(name, buffer);
    return buffer;
  }

  /**
   * Updates run `index` (values, grads: `length` elements) for step `step` (1 for the first).
   * Slot pointers are read here, after every allocation.
   */
  protected abstract updateRun(
    backend: Backend,
    index: number,
    values: Ptr,
    grads: Ptr,
    length: number,
    step: number,
  ): void;

  step(): void {
    if (this.disposed) throw new Error(`${this.title}: step() after dispose()`);
    if (!(this.lr >= 0) || !Number.isFinite(this.lr)) {
      throw new RangeError(`${this.title}: lr must be a finite number >= 0, got ${this.lr}`);
    }
    this.steps++;
    this.layout.runs.forEach((run, index) => {
      const { values, grads } = runPointers(run);
      this.updateRun(run.backend, index, values, grads, run.length, this.steps);
    });
  }

  zeroGrad(): void {
    for (const run of this.layout.runs) run.backend.fill(runPointers(run).grads, 0, run.length);
  }

  state(): OptimizerState {
    const buffers = new Map<string, NamedTensor>();
    for (const [slot, buffer] of this.slots) {
      for (const [key, tensor] of this.layout.exportBuffer(buffer, `${slot}.`)) buffers.set(key, tensor);
    }
    return { name: this.name, step: this.steps, lr: this.lr, options: { ...this.options }, buffers };
  }

  loadState(state: OptimizerState): void {
    const what = `${this.title}.loadState`;
    if (state.name !== this.name) throw new Error(`${what}: the state is of a '${state.name}' optimiser`);
    const keys = new Set([...Object.keys(this.options), ...Object.keys(state.options)]);
    for (const key of keys) {
      const mine = JSON.stringify(this.options[key]);
      const saved = JSON.stringify(state.options[key]);
      if (mine !== saved) {
        throw new Error(
          `${what}: option ${key} is ${saved} in the state but ${mine} here ` +
            '(rebuild the optimiser with createOptimizer(state.name, parameters, state.options))',
        );
      }
    }
    if (!Number.isSafeInteger(state.step) || state.step < 0) {
      throw new RangeError(`${what}: step must be an integer >= 0, got ${state.step}`);
    }
    if (!(state.lr >= 0) || !Number.isFinite(state.lr)) {
      throw new RangeError(`${what}: lr must be a finite number >= 0, got ${state.lr}`);
    }
    const expected = new Set<string>();
    for (const slot of this.slots.keys()) for (const name of this.layout.names) expected.add(`${slot}.${name}`);
    for (const key of state.buffers.keys()) {
      if (!expected.has(key)) throw new Error(`${what}: unexpected buffer '${key}' in the state`);
    }
    for (const [slot, buffer] of this.slots) this.layout.importBuffer(buffer, state.buffers, `${slot}.`, what);
    this.steps = state.step;
    this.lr = state.lr;
  }

  dispose(): void {
    this.arena?.dispose();
    this.disposed = true;
  }
}

/** The range a numeric option must lie in. */
export interface OptionRange {
  min: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/** The range of a learning rate: (0, infinity). */
export const POSITIVE: OptionRange = { min: 0, minExclusive: true };

/**
 * Checks that every number in `options` lies in its range and every flag is a boolean. Other keys are
 * errors, except `checkedByCaller` and the PyTorch options this package does not implement, which are
 * accepted as false. `title` names the class in errors.
 */
export function checkOptions(
  title: string,
  options: object,
  ranges: Record<string, OptionRange>,
  flags: string[] = [],
  checkedByCaller: string[] = [],
): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key in ranges) {
      const { min, max = Infinity, minExclusive = false, maxExclusive = false } = ranges[key];
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (minExclusive ? value > min : value >= min) &&
        (maxExclusive ? value < max : value <= max);
      if (!ok) {
        const interval = `${minExclusive ? '(' : '['}${min}, ${max}${maxExclusive || max === Infinity ? ')' : ']'}`;
        throw new RangeError(`${title}: ${key} must be a number in ${interval}, got ${String(value)}`);
      }
    } else if (flags.includes(key)) {
      if (typeof value !== 'boolean') throw new TypeError(`${title}: ${key} must be true or false, got ${value}`);
    } else if (NOT_IMPLEMENTED.includes(key)) {
      if (value !== false) throw new Error(`${title}: PyTorch's ${key} option is not implemented (only false)`);
    } else if (!checkedByCaller.includes(key)) {
      const known = [...Object.keys(ranges), ...flags, ...checkedByCaller].join(', ');
      throw new Error(`${title}: unknown option '${key}' (known: ${known})`);
    }
  }
}

/** torch.optim options that this package does not implement: accepted only as false. */
const NOT_IMPLEMENTED = ['amsgrad', 'maximize', 'foreach', 'capturable', 'differentiable', 'fused'];

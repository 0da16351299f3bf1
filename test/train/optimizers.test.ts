// The optimiser classes around the kernels: d2l's plain SGD unchanged, one kernel
// call per contiguous run, state export and import (continuing bit for bit),
// and clear errors for bad options and mismatched states. The update formulas
// themselves are checked against PyTorch in test/kernels/optim-pytorch.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adam,
  AdamW,
  createBackend,
  createOptimizer,
  RMSprop,
  SGD,
  type Backend,
  type Optimizer,
  type Tensor,
} from '../../src/index.js';
import { ParameterStore } from '../../src/nn/parameter-store.js';
import { randomArray } from '../support/backends.js';

/** Parameters of the given shapes with seeded values; `gap` puts a foreign allocation between them (two runs). */
function makeParameters(backend: Backend, shapes: number[][], seed: number, gap = false): Map<string, Tensor> {
  const store = ParameterStore.of(backend);
  const out = new Map<string, Tensor>();
  shapes.forEach((shape, i) => {
    if (gap && i === 1) store.create([5]); // not in the map: the map's parameters form two runs
    const tensor = store.create(shape);
    out.set(`p${i}`, tensor.assign(randomArray(seed + i, tensor.size)));
  });
  return out;
}

function setGradients(parameters: Map<string, Tensor>, seed: number): void {
  let i = 0;
  for (const p of parameters.values()) p.backend.heap.floats.set(randomArray(seed + i++, p.size, -2, 2), p.gradPtr);
}

const values = (parameters: Map<string, Tensor>) => [...parameters.values()].map((p) => [...p.toArray()]);

const FACTORIES: [string, (p: Map<string, Tensor>) => Optimizer][] = [
  [
    'SGD, momentum, nesterov, weight decay',
    (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  ],
  ['Adam', (p) => new Adam(p, { lr: 0.01 })],
  ['AdamW', (p) => new AdamW(p, { lr: 0.01, weightDecay: 0.1 })],
  ['RMSprop, centered, momentum', (p) => new RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 })],
];

describe('optimisers', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend('wasm', { build: 'simd' });
  });

  it("new SGD(parameters, lr) is d2l's p -= lr * grad, bit for bit the sgdStep kernel", () => {
    const parameters = makeParameters(backend, [[3, 5], [7]], 1);
    const expected = makeParameters(backend, [[3, 5], [7]], 1);
    const optimizer = new SGD(parameters, 0.5);
    for (let step = 0; step < 3; step++) {
      setGradients(parameters, 10 * step);
      setGradients(expected, 10 * step);
      optimizer.step();
      for (const p of expected.values()) backend.sgdStep(p.ptr, p.gradPtr, p.size, 0.5);
    }
    expect(values(parameters)).toEqual(values(expected));
    expect(optimizer.state().buffers.size).toBe(0);
    expect(optimizer.state().options).toEqual({ lr: 0.5, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });
  });

  it.each(FACTORIES)('%s: parameters in two runs update as in one (one kernel call per run)', (_name, make) => {
    const split = makeParameters(backend, [[4, 9], [13], [2, 3]], 5, true);
    const joined = makeParameters(backend, [[4, 9], [13], [2, 3]], 5);
    const a = make(split);
    const b = make(joined);
    for (let step = 0; step < 4; step++) {
      setGradients(split, 100 * step);
      setGradients(joined, 100 * step);
      a.step();
      b.step();
    }
    expect(values(split)).toEqual(values(joined));
  });

  it.each(FACTORIES)('%s: state() then loadState() into a new optimiser continues bit for bit', (_name, make) => {
    const straight = makeParameters(backend, [[6, 5], [11]], 9);
    const resumed = makeParameters(backend, [[6, 5], [11]], 9);
    const first = make(straight);
    const second = make(resumed);
    for (let step = 0; step < 3; step++) {
      setGradients(straight, step);
      setGradients(resumed, step);
      first.step();
      second.step();
    }
    const state = second.state();
    second.dispose();
    expect(() => second.step()).toThrow(/after dispose/);
    state.lr *= 0.5; // a schedule moved it: the state carries it
    first.lr *= 0.5;
    const third = make(resumed);
    third.loadState(state);
    expect(third.stepCount).toBe(3);
    for (let step = 3; step < 6; step++) {
      setGradients(straight, step);
      setGradients(resumed, step);
      first.step();
      third.step();
    }
    expect(values(resumed)).toEqual(values(straight));
  });

  it('exports its buffers under PyTorch slot names and parameter names, with shapes', () => {
    const parameters = makeParameters(backend, [[2, 3], [4]], 3);
    const adam = new Adam(parameters, { lr: 0.1 });
    setGradients(parameters, 1);
    adam.step();
    const state = adam.state();
    expect([...state.buffers.keys()]).toEqual(['exp_avg.p0', 'exp_avg.p1', 'exp_avg_sq.p0', 'exp_avg_sq.p1']);
    expect(state.buffers.get('exp_avg.p0')!.shape).toEqual([2, 3]);
    // After one step from zero, m = (1 - beta1) g.
    const grad = randomArray(1, 6, -2, 2);
    state.buffers.get('exp_avg.p0')!.data.forEach((m, i) => expect(m).toBeCloseTo(0.1 * grad[i], 6));
    expect(state).toMatchObject({ name: 'adam', step: 1, lr: 0.1, options: { betas: [0.9, 0.999], eps: 1e-8 } });
    expect([...new SGD(parameters, { lr: 1, momentum: 0.5 }).state().buffers.keys()]).toEqual([
      'momentum_buffer.p0',
      'momentum_buffer.p1',
    ]);
    const rmsprop = new RMSprop(parameters, { centered: true }).state();
    expect([...rmsprop.buffers.keys()].map((k) => k.split('.')[0])).toEqual([
      'square_avg',
      'square_avg',
      'grad_avg',
      'grad_avg',
    ]);
  });

  it('loadState refuses a state of another kind, other options, other shapes or extra buffers', () => {
    const parameters = makeParameters(backend, [[2, 3], [4]], 3);
    const state = new Adam(parameters, { lr: 0.1 }).state();
    expect(() => new AdamW(parameters, { lr: 0.1 }).loadState(state)).toThrow(/state is of a 'adam' optimiser/);
    expect(() => new Adam(parameters, { lr: 0.2 }).loadState(state)).toThrow(
      /option lr is 0.1 in the state but 0.2 here .*createOptimizer/,
    );
    const other = makeParameters(backend, [[3, 2], [4]], 3);
    expect(() => new Adam(other, { lr: 0.1 }).loadState(state)).toThrow(/'exp_avg.p0' has shape \[2,3\].*\[3,2\]/);
    const extra = { ...state, buffers: new Map([...state.buffers, ['exp_avg.q', state.buffers.get('exp_avg.p1')!]]) };
    expect(() => new Adam(parameters, { lr: 0.1 }).loadState(extra)).toThrow(/unexpected buffer 'exp_avg.q'/);
    const missing = { ...state, buffers: new Map([...state.buffers].slice(1)) };
    expect(() => new Adam(parameters, { lr: 0.1 }).loadState(missing)).toThrow(/lacks 'exp_avg.p0'/);
  });

  it('validates options with messages that name them; unimplemented PyTorch options are refused', () => {
    const parameters = makeParameters(backend, [[2]], 1);
    expect(() => new SGD(parameters, -1)).toThrow(/SGD: lr must be a number in \(0, Infinity\), got -1/);
    expect(() => new SGD(parameters, { lr: 1, momentum: -0.1 })).toThrow(/momentum must be a number in \[0/);
    expect(() => new SGD(parameters, { lr: 1, nesterov: true })).toThrow(/nesterov momentum needs momentum > 0/);
    expect(() => new SGD(parameters, { lr: 1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/dampening 0/);
    expect(() => new Adam(parameters, { betas: [0.9, 1] })).toThrow(
      /betas must be two numbers in \[0, 1\), got \[0.9,1\]/,
    );
    expect(() => new Adam(parameters, { eps: NaN })).toThrow(/eps must be a number/);
    expect(() => new Adam(parameters, { amsgrad: true } as object)).toThrow(/amsgrad option is not implemented/);
    expect(() => new Adam(parameters, { amsgrad: false } as object)).not.toThrow();
    expect(() => new RMSprop(parameters, { alpha: 1.5 })).toThrow(/alpha must be a number in \[0, 1\]/);
    expect(() => new RMSprop(parameters, { centered: 1 } as object)).toThrow(/centered must be true or false/);
    expect(() => createOptimizer('adam', parameters, { momentum: 0.9 })).toThrow(/Adam: unknown option 'momentum'/);
    expect(() => createOptimizer('sgd', parameters, {})).toThrow(/'sgd' needs an lr/);
    expect(() => createOptimizer('lbfgs' as never, parameters)).toThrow(/unknown optimiser 'lbfgs'/);
    const sgd = new SGD(parameters, 1);
    sgd.lr = NaN;
    expect(() => sgd.step()).toThrow(/lr must be a finite number >= 0, got NaN/);
  });

  it('createOptimizer builds each kind with its defaults (PyTorch defaults)', () => {
    const parameters = makeParameters(backend, [[2]], 1);
    expect(createOptimizer('adam', parameters).options).toEqual({
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
    });
    expect(createOptimizer('adamw', parameters).options).toMatchObject({ lr: 1e-3, weightDecay: 1e-2 });
    expect(createOptimizer('rmsprop', parameters).options).toEqual({
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
    });
    expect(createOptimizer('sgd', parameters, { lr: 2 }).name).toBe('sgd');
  });
});

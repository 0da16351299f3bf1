// The optimisers and schedules against real PyTorch (torch.optim, 1.13): the fixture
// test/fixtures/torch/optimizers.json holds fixed parameters and gradients, and what
// torch computed from them in float32 and in float64 (scripts/torch-golden/optimizers.py
// wrote it; CI has no torch). Every float32 variant must land within 1e-6 of torch's
// float32 run after every step; the float64 js backend within 1e-12 of torch's float64
// run, which shows the formulas are the same operation for operation, not only close.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createOptimizer,
  createSchedule,
  type Backend,
  type OptimizerName,
  type OptimizerOptions,
  type ScheduleName,
  type Tensor,
} from '../../src/index.js';
import { ParameterStore } from '../../src/nn/parameter-store.js';
import { float64Reference, kernelVariants, type VariantCase } from '../support/backends.js';

interface Run {
  parameters: Record<string, number[]>[];
  state: Record<string, Record<string, number[]> | number>;
}
interface Fixture {
  torch: string;
  steps: number;
  parameters: Record<string, { shape: number[]; data: number[] }>;
  gradients: Record<string, number[]>[];
  optimizers: { optimizer: OptimizerName; label: string; options: OptimizerOptions; float32: Run; float64: Run }[];
  schedules: {
    schedule: ScheduleName;
    options: Record<string, unknown>;
    baseLr: number;
    torch: string;
    lrs: number[];
  }[];
  scheduled: {
    optimizer: OptimizerName;
    options: OptimizerOptions;
    schedule: ScheduleName;
    scheduleOptions: Record<string, unknown>;
    float32: Run;
    float64: Run;
  }[];
}

const fixture: Fixture = JSON.parse(
  readFileSync(new URL('../fixtures/torch/optimizers.json', import.meta.url), 'utf8'),
);

/** Fresh parameters a and b on the backend, holding the fixture's initial values. */
function parameters(backend: Backend): Map<string, Tensor> {
  const store = ParameterStore.of(backend);
  const tensors = new Map<string, Tensor>();
  for (const [name, { shape, data }] of Object.entries(fixture.parameters)) {
    tensors.set(name, store.create(shape).assign(data));
  }
  return tensors;
}

function setGradients(tensors: Map<string, Tensor>, step: number): void {
  for (const [name, tensor] of tensors) tensor.backend.heap.floats.set(fixture.gradients[step][name], tensor.gradPtr);
}

/** Largest |got - want| / scale over every element of every parameter. */
function worst(tensors: Map<string, Tensor>, want: Record<string, number[]>, relative: boolean): number {
  let error = 0;
  for (const [name, tensor] of tensors) {
    const got = tensor.toArray();
    want[name].forEach((w, i) => {
      error = Math.max(error, Math.abs(got[i] - w) / (relative ? Math.max(Math.abs(w), 1e-3) : 1));
    });
  }
  return error;
}

const variants: VariantCase[] = [...kernelVariants(), { variant: 'js-f64', create: float64Reference }];

describe.each(variants)(`$variant: optimisers against PyTorch ${fixture.torch}`, ({ variant, create }) => {
  const float64 = variant === 'js-f64';
  // float32: rounding only (about 1e-7 here); float64: the same formulas to a few ulps.
  const tolerance = float64 ? 1e-12 : 1e-6;
  let backend: Backend;
  beforeAll(async () => {
    backend = await create();
  });

  it.each(fixture.optimizers.map((c) => [`${c.optimizer}: ${c.label}`, c] as const))('%s', (_name, c) => {
    const run = float64 ? c.float64 : c.float32;
    const tensors = parameters(backend);
    const optimizer = createOptimizer(c.optimizer, tensors, c.options);
    for (let step = 0; step < fixture.steps; step++) {
      setGradients(tensors, step);
      optimizer.step();
      expect(worst(tensors, run.parameters[step], float64), `step ${step + 1}`).toBeLessThanOrEqual(tolerance);
    }
    // The state after the last step, under PyTorch's names (exported as float32).
    const state = optimizer.state();
    expect(state.step).toBe(run.state.step ?? fixture.steps); // torch.optim.SGD counts no steps
    const torchSlots = Object.keys(run.state).filter((key) => key !== 'step');
    const slots = new Set([...state.buffers.keys()].map((key) => key.slice(0, key.indexOf('.'))));
    expect([...slots].sort()).toEqual(torchSlots.sort());
    for (const slot of torchSlots) {
      for (const [name, want] of Object.entries(run.state[slot] as Record<string, number[]>)) {
        const got = state.buffers.get(`${slot}.${name}`)!.data;
        want.forEach((w, i) => {
          expect(Math.abs(got[i] - w) / Math.max(1, Math.abs(w)), `${slot}.${name}[${i}]`).toBeLessThanOrEqual(1e-6);
        });
      }
    }
    optimizer.dispose();
  });

  it.each(fixture.scheduled.map((c) => [`${c.optimizer} with the ${c.schedule} schedule`, c] as const))(
    '%s, the rate set before every step',
    (_name, c) => {
      const run = float64 ? c.float64 : c.float32;
      const tensors = parameters(backend);
      const optimizer = createOptimizer(c.optimizer, tensors, c.options);
      const schedule = createSchedule(c.schedule, c.scheduleOptions);
      for (let step = 0; step < fixture.steps; step++) {
        optimizer.lr = schedule.lrAt(step, optimizer.initialLr);
        setGradients(tensors, step);
        optimizer.step();
        expect(worst(tensors, run.parameters[step], float64), `step ${step + 1}`).toBeLessThanOrEqual(tolerance);
      }
      optimizer.dispose();
    },
  );
});

describe('schedules against PyTorch', () => {
  it.each(fixture.schedules.map((c) => [c.torch, c] as const))('%s', (_name, c) => {
    const schedule = createSchedule(c.schedule, c.options);
    // PyTorch updates most rates multiplicatively step by step; the closed forms agree to rounding.
    c.lrs.forEach((want, step) => {
      const got = schedule.lrAt(step, c.baseLr);
      expect(Math.abs(got - want) / want, `step ${step}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-12);
    });
  });
});

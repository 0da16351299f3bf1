// Learning-rate schedules: the closed forms at their landmarks, composition,
// the plain-data round trip createSchedule(toJSON()), and argument errors.
// PyTorch's own numbers are compared in test/kernels/optim-pytorch.test.ts.
import { describe, expect, it } from 'vitest';
import {
  CosineAnnealingLR,
  createSchedule,
  LinearLR,
  SequentialLR,
  StepLR,
  WarmupCosineLR,
  type LearningRateSchedule,
} from '../../src/index.js';

const rates = (schedule: LearningRateSchedule, n: number, base = 1) =>
  Array.from({ length: n }, (_, t) => schedule.lrAt(t, base));

describe('learning-rate schedules', () => {
  it('StepLR multiplies by gamma every stepSize steps', () => {
    expect(rates(new StepLR({ stepSize: 2, gamma: 0.5 }), 6, 4)).toEqual([4, 4, 2, 2, 1, 1]);
    expect(new StepLR({ stepSize: 1 }).lrAt(2, 1)).toBeCloseTo(0.01, 15); // PyTorch's default gamma 0.1
  });

  it('CosineAnnealingLR goes from the base rate to etaMin in tMax steps, then rises again', () => {
    const cosine = new CosineAnnealingLR({ tMax: 4, etaMin: 0.1 });
    expect(cosine.lrAt(0, 1)).toBe(1);
    expect(cosine.lrAt(2, 1)).toBeCloseTo(0.55, 15);
    expect(cosine.lrAt(4, 1)).toBeCloseTo(0.1, 15);
    expect(cosine.lrAt(6, 1)).toBeCloseTo(0.55, 15);
  });

  it('LinearLR warms up linearly and then holds', () => {
    expect(rates(new LinearLR({ startFactor: 0.25, totalIters: 3 }), 5, 8)).toEqual([2, 4, 6, 8, 8]);
  });

  it('SequentialLR counts each schedule from its milestone; WarmupCosineLR is warm-up then cosine', () => {
    const warmup = new LinearLR({ startFactor: 0.5, totalIters: 2 });
    const sequence = new SequentialLR([warmup, new StepLR({ stepSize: 1, gamma: 0.5 })], [2]);
    expect(rates(sequence, 5)).toEqual([0.5, 0.75, 1, 0.5, 0.25]);
    const recipe = new WarmupCosineLR({ warmupSteps: 2, totalSteps: 6, startFactor: 0.5 });
    expect(rates(recipe, 7).map((x) => +x.toFixed(12))).toEqual([0.5, 0.75, 1, 0.853553390593, 0.5, 0.146446609407, 0]);
    expect(rates(new WarmupCosineLR({ warmupSteps: 0, totalSteps: 4 }), 5)).toEqual(
      rates(new CosineAnnealingLR({ tMax: 4 }), 5),
    );
  });

  it.each([
    new StepLR({ stepSize: 3, gamma: 0.7 }),
    new CosineAnnealingLR({ tMax: 9, etaMin: 0.01 }),
    new LinearLR({ startFactor: 0.2, endFactor: 0.9, totalIters: 4 }),
    new WarmupCosineLR({ warmupSteps: 3, totalSteps: 10, startFactor: 0.05, etaMin: 0.001 }),
    new SequentialLR([new LinearLR(), new CosineAnnealingLR({ tMax: 5 })], [5]),
  ])('%o survives createSchedule(JSON.parse(JSON.stringify(schedule)))', (schedule) => {
    const spec = JSON.parse(JSON.stringify(schedule));
    expect(rates(createSchedule(spec.name, spec.options), 15, 0.3)).toEqual(rates(schedule, 15, 0.3));
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => new StepLR({ stepSize: 0 })).toThrow(/StepLR: stepSize must be a positive integer, got 0/);
    expect(() => new CosineAnnealingLR({ tMax: 10, etaMin: -1 })).toThrow(/etaMin must be a number >= 0/);
    expect(() => new LinearLR({ startFactor: 0 })).toThrow(/startFactor must be in \(0, 1\]/);
    expect(() => new SequentialLR([new LinearLR()], [3])).toThrow(/1 schedules need 0 milestones, got 1/);
    expect(() => new SequentialLR([new LinearLR(), new LinearLR(), new LinearLR()], [4, 2])).toThrow(/increasing/);
    expect(() => new WarmupCosineLR({ warmupSteps: 5, totalSteps: 5 })).toThrow(
      /totalSteps must be an integer > warmupSteps/,
    );
    expect(() => new WarmupCosineLR({ warmupSteps: 0, totalSteps: 3, startFactor: 2 })).toThrow(
      /WarmupCosineLR: startFactor must be in \(0, 1\], got 2/,
    );
    expect(() => new StepLR({ stepSize: 2 }).lrAt(-1, 1)).toThrow(/step must be an integer >= 0, got -1/);
    expect(() => createSchedule('cosine', { tmax: 3 })).toThrow(
      /'cosine' has no option 'tmax' \(known: tMax, etaMin\)/,
    );
    expect(() => createSchedule('exponential' as never)).toThrow(/unknown schedule 'exponential'/);
  });
});

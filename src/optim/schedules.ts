// Learning-rate schedules with torch.optim.lr_scheduler's numbers, written as
// pure functions of the position: the rate at step t depends on t and the
// optimiser's initial rate only. So a schedule has no state to save: a resumed
// run that knows its epoch (or batch count) is at the same point of it.
//
// "Step" is the scheduler's unit: an epoch by default (PyTorch's usual loop,
// scheduler.step() after each epoch), or an optimiser step when the Trainer's
// lrScheduleInterval is 'batch'. lrAt(t) is PyTorch's get_last_lr() after t calls
// of scheduler.step(), in PyTorch's closed forms (its chained updates agree to
// rounding; test/train/torch-optimizers.test.ts compares them).

/** The names createSchedule accepts. */
export type ScheduleName = 'step' | 'cosine' | 'linear' | 'warmup-cosine' | 'sequential';

/** A schedule as plain data: createSchedule(spec.name, spec.options) rebuilds it. */
export interface ScheduleSpec {
  name: ScheduleName;
  options: Record<string, unknown>;
}

/** A learning-rate schedule: the rate of each step as a function of the step and the initial rate. */
export interface LearningRateSchedule {
  /** The learning rate of step `step` (0-based; an epoch or an optimiser step) for initial rate `baseLr`. */
  lrAt(step: number, baseLr: number): number;
  /** The schedule as plain data (JSON-safe). */
  toJSON(): ScheduleSpec;
}

function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`lrAt: step must be an integer >= 0, got ${step}`);
}

function checked(title: string, name: string, value: unknown, ok: (v: number) => boolean, range: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new RangeError(`${title}: ${name} must be ${range}, got ${String(value)}`);
  }
  return value;
}

const isPositiveInteger = (v: number) => Number.isInteger(v) && v > 0;

/**
 * torch.optim.lr_scheduler.StepLR: the rate times gamma every stepSize steps,
 * lr = baseLr gamma^floor(t / stepSize).
 *
 * @example
 * new StepLR({ stepSize: 10, gamma: 0.5 })   // halve the rate every 10 epochs
 */
export class StepLR implements LearningRateSchedule {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(options: { stepSize: number; gamma?: number }) {
    this.stepSize = checked('StepLR', 'stepSize', options.stepSize, isPositiveInteger, 'a positive integer');
    this.gamma = checked('StepLR', 'gamma', options.gamma ?? 0.1, (v) => v > 0, 'a positive number');
  }

  lrAt(step: number, baseLr: number): number {
    checkStep(step);
    return baseLr * this.gamma ** Math.floor(step / this.stepSize);
  }

  toJSON(): ScheduleSpec {
    return { name: 'step', options: { stepSize: this.stepSize, gamma: this.gamma } };
  }
}

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR (without restarts): from baseLr down to etaMin over tMax
 * steps along half a cosine, lr = etaMin + (baseLr - etaMin) (1 + cos(pi t / tMax)) / 2. Past tMax the
 * cosine continues (the rate rises again), as in PyTorch: set tMax to the run's length.
 *
 * @example
 * new CosineAnnealingLR({ tMax: 50 })   // over the chapter's 50 epochs
 */
export class CosineAnnealingLR implements LearningRateSchedule {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(options: { tMax: number; etaMin?: number }) {
    this.tMax = checked('CosineAnnealingLR', 'tMax', options.tMax, isPositiveInteger, 'a positive integer');
    this.etaMin = checked('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0, (v) => v >= 0, 'a number >= 0');
  }

  lrAt(step: number, baseLr: number): number {
    checkStep(step);
    return this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * step) / this.tMax))) / 2;
  }

  toJSON(): ScheduleSpec {
    return { name: 'cosine', options: { tMax: this.tMax, etaMin: this.etaMin } };
  }
}

/**
 * torch.optim.lr_scheduler.LinearLR: the factor moves linearly from startFactor to endFactor over
 * totalIters steps and stays there, lr = baseLr (start + (end - start) min(t, totalIters) / totalIters).
 * With endFactor 1 it is a linear warm-up.
 *
 * @example
 * new LinearLR({ startFactor: 0.1, totalIters: 5 })   // warm up over 5 steps
 */
export class LinearLR implements LearningRateSchedule {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(options: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    const inUnit = (v: number) => v > 0 && v <= 1;
    this.startFactor = checked('LinearLR', 'startFactor', options.startFactor ?? 1 / 3, inUnit, 'in (0, 1]');
    this.endFactor = checked('LinearLR', 'endFactor', options.endFactor ?? 1, (v) => v >= 0 && v <= 1, 'in [0, 1]');
    this.totalIters = checked(
      'LinearLR',
      'totalIters',
      options.totalIters ?? 5,
      isPositiveInteger,
      'a positive integer',
    );
  }

  lrAt(step: number, baseLr: number): number {
    checkStep(step);
    const progress = Math.min(this.totalIters, step) / this.totalIters;
    return baseLr * (this.startFactor + (this.endFactor - this.startFactor) * progress);
  }

  toJSON(): ScheduleSpec {
    const { startFactor, endFactor, totalIters } = this;
    return { name: 'linear', options: { startFactor, endFactor, totalIters } };
  }
}

/**
 * torch.optim.lr_scheduler.SequentialLR: schedules[0] until milestones[0], then schedules[1] counted from
 * its milestone (its step 0 is the milestone), and so on. milestones: increasing, one fewer than schedules.
 *
 * @example
 * new SequentialLR([new LinearLR({ startFactor: 0.1, totalIters: 3 }), new StepLR({ stepSize: 10 })], [3])
 */
export class SequentialLR implements LearningRateSchedule {
  constructor(
    readonly schedules: readonly LearningRateSchedule[],
    readonly milestones: readonly number[],
  ) {
    if (schedules.length === 0) throw new RangeError('SequentialLR: needs at least one schedule');
    if (milestones.length !== schedules.length - 1) {
      throw new RangeError(
        `SequentialLR: ${schedules.length} schedules need ${schedules.length - 1} milestones, got ${milestones.length}`,
      );
    }
    milestones.forEach((m, i) => {
      if (!isPositiveInteger(m) || (i > 0 && m <= milestones[i - 1])) {
        throw new RangeError(`SequentialLR: milestones must be increasing positive integers, got [${milestones}]`);
      }
    });
  }

  lrAt(step: number, baseLr: number): number {
    checkStep(step);
    let index = 0;
    while (index < this.milestones.length && step >= this.milestones[index]) index++;
    const start = index === 0 ? 0 : this.milestones[index - 1];
    return this.schedules[index].lrAt(step - start, baseLr);
  }

  toJSON(): ScheduleSpec {
    return {
      name: 'sequential',
      options: { schedules: this.schedules.map((s) => s.toJSON()), milestones: [...this.milestones] },
    };
  }
}

/**
 * Linear warm-up then cosine decay, the common recipe for Adam: the factor rises from startFactor to 1
 * over warmupSteps steps, then the rate follows CosineAnnealingLR down to etaMin at totalSteps. Exactly
 * PyTorch's SequentialLR([LinearLR(startFactor, 1, warmupSteps), CosineAnnealingLR(totalSteps -
 * warmupSteps, etaMin)], [warmupSteps]).
 *
 * @example
 * new WarmupCosineLR({ warmupSteps: 2, totalSteps: 50 })   // per epoch, over the chapter's 50 epochs
 */
export class WarmupCosineLR implements LearningRateSchedule {
  readonly warmupSteps: number;
  readonly totalSteps: number;
  readonly startFactor: number;
  readonly etaMin: number;
  private readonly sequence: LearningRateSchedule;

  constructor(options: { warmupSteps: number; totalSteps: number; startFactor?: number; etaMin?: number }) {
    const title = 'WarmupCosineLR';
    this.warmupSteps = checked(
      title,
      'warmupSteps',
      options.warmupSteps,
      (v) => Number.isInteger(v) && v >= 0,
      'an integer >= 0',
    );
    this.totalSteps = checked(
      title,
      'totalSteps',
      options.totalSteps,
      (v) => Number.isInteger(v) && v > this.warmupSteps,
      'an integer > warmupSteps',
    );
    this.startFactor = checked(title, 'startFactor', options.startFactor ?? 0.1, (v) => v > 0 && v <= 1, 'in (0, 1]');
    this.etaMin = checked(title, 'etaMin', options.etaMin ?? 0, (v) => v >= 0, 'a number >= 0');
    const cosine = new CosineAnnealingLR({ tMax: this.totalSteps - this.warmupSteps, etaMin: this.etaMin });
    this.sequence =
      this.warmupSteps === 0
        ? cosine
        : new SequentialLR(
            [new LinearLR({ startFactor: this.startFactor, endFactor: 1, totalIters: this.warmupSteps }), cosine],
            [this.warmupSteps],
          );
  }

  lrAt(step: number, baseLr: number): number {
    return this.sequence.lrAt(step, baseLr);
  }

  toJSON(): ScheduleSpec {
    const { warmupSteps, totalSteps, startFactor, etaMin } = this;
    return { name: 'warmup-cosine', options: { warmupSteps, totalSteps, startFactor, etaMin } };
  }
}

/**
 * A schedule by name, with its class's options: 'step' (StepLR), 'cosine' (CosineAnnealingLR), 'linear'
 * (LinearLR), 'warmup-cosine' (WarmupCosineLR), 'sequential' ({ schedules: ScheduleSpec[], milestones }).
 * `createSchedule(spec.name, spec.options)` rebuilds a schedule from its toJSON().
 *
 * @example
 * const schedule = createSchedule('cosine', { tMax: maxEpochs });
 */
export function createSchedule(name: ScheduleName, options: Record<string, unknown> = {}): LearningRateSchedule {
  const known: Record<ScheduleName, string[]> = {
    step: ['stepSize', 'gamma'],
    cosine: ['tMax', 'etaMin'],
    linear: ['startFactor', 'endFactor', 'totalIters'],
    'warmup-cosine': ['warmupSteps', 'totalSteps', 'startFactor', 'etaMin'],
    sequential: ['schedules', 'milestones'],
  };
  if (!(name in known)) {
    throw new RangeError(`createSchedule: unknown schedule '${name}' (known: ${Object.keys(known).join(', ')})`);
  }
  for (const key of Object.keys(options)) {
    if (!known[name].includes(key)) {
      throw new RangeError(`createSchedule: '${name}' has no option '${key}' (known: ${known[name].join(', ')})`);
    }
  }
  const o = options as never;
  switch (name) {
    case 'step':
      return new StepLR(o);
    case 'cosine':
      return new CosineAnnealingLR(o);
    case 'linear':
      return new LinearLR(o);
    case 'warmup-cosine':
      return new WarmupCosineLR(o);
    case 'sequential': {
      const { schedules, milestones } = options as { schedules: ScheduleSpec[]; milestones: number[] };
      if (!Array.isArray(schedules) || !Array.isArray(milestones)) {
        throw new TypeError("createSchedule: 'sequential' needs schedules (specs) and milestones (arrays)");
      }
      return new SequentialLR(
        schedules.map((s) => createSchedule(s.name, s.options)),
        milestones,
      );
    }
  }
}

// The Trainer's contract: the book's step order, per-epoch history, board
// points as d2l's ProgressBoard computes them, callbacks, a clear stop on a
// non-finite loss; an optimiser and a schedule other than the model's,
// early stopping and keep-best on the validation loss.
import { describe, expect, it } from 'vitest';
import {
  Adam,
  CosineAnnealingLR,
  createBackend,
  SGD,
  WarmupCosineLR,
  type BatchEnd,
  type EpochRecord,
} from '../../src/index.js';
import { ProgressBoard } from '../../src/train/board.js';
import { boardToSvg } from '../../src/train/plot-svg.js';
import { Trainer, TrainingDivergedError } from '../../src/train/trainer.js';
import { parameterValues, patternData, patternModel } from '../support/training.js';

describe('Trainer', async () => {
  const backend = await createBackend('wasm', { build: 'simd' });

  it('learns a pattern, returns per-epoch history and calls back', async () => {
    const batches: number[] = [];
    const epochs: number[] = [];
    const trainer = new Trainer({
      maxEpochs: 30,
      gradientClipVal: 1,
      progress: false,
      callbacks: [{ onBatchEnd: (b) => batches.push(b.loss), onEpochEnd: (e) => epochs.push(e.epoch) }],
    });
    const history = trainer.fit(patternModel(backend), patternData(10, 5));
    expect(history.epochs).toHaveLength(30);
    expect(epochs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(batches).toHaveLength(300);
    const first = history.epochs[0];
    const last = history.epochs[29];
    expect(first.trainPerplexity).toBeGreaterThan(3); // near uniform (4) at the start
    expect(last.valPerplexity).toBeLessThan(1.5); // the pattern is deterministic after one token
    // Book definition: the epoch's perplexity is the mean of per-batch exp(loss).
    const epochLosses = batches.slice(290);
    expect(last.trainPerplexity).toBeCloseTo(epochLosses.reduce((s, l) => s + Math.exp(l), 0) / 10, 10);
  });

  it('draws 2 training points and 1 validation point per epoch, like d2l (10 and 5 batches)', () => {
    const trainer = new Trainer({ maxEpochs: 3, gradientClipVal: 1, progress: false });
    const { board } = trainer.fit(patternModel(backend), patternData(10, 5));
    const train = board.curves.get('train_ppl')!;
    const val = board.curves.get('val_ppl')!;
    expect(train.map((p) => p.x)).toEqual([0.2, 0.7, 1.2, 1.7, 2.2, 2.7].map((x) => expect.closeTo(x, 12)));
    expect(val.map((p) => p.x)).toEqual([1, 2, 3]);
    const svg = boardToSvg(board.curves, { xMax: 3 });
    expect(svg.match(/<path /g)).toHaveLength(2);
  });

  it('stops with a clear error naming epoch and batch when the loss is not finite', () => {
    const m = patternModel(backend);
    // Poison one weight after the third batch of the second epoch: the next loss is NaN.
    const poison = {
      onBatchEnd: (b: { epoch: number; batch: number }) => {
        if (b.epoch === 1 && b.batch === 2) m.W_hq.assign(new Array(m.W_hq.size).fill(NaN));
      },
    };
    const trainer = new Trainer({ maxEpochs: 5, gradientClipVal: 1, progress: false, callbacks: [poison] });
    let error: unknown;
    try {
      trainer.fit(m, patternData(4, 1));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as Error).message).toMatch(/the loss is NaN at epoch 2, batch 4/);
  });

  it('validates its options', () => {
    expect(() => new Trainer({ maxEpochs: -1 })).toThrow(/maxEpochs/);
    expect(() => new Trainer({ maxEpochs: 1, gradientClipVal: -1 })).toThrow(/gradientClipVal/);
    expect(() => new Trainer({ maxEpochs: 1, divergenceFactor: 1 })).toThrow(/divergenceFactor must be a number > 1/);
    expect(() => new Trainer({ maxEpochs: 1, earlyStopping: { patience: 0 } })).toThrow(/patience must be a positive/);
    expect(() => new Trainer({ maxEpochs: 1, lrScheduleInterval: 'step' as never })).toThrow(/'epoch' or 'batch'/);
    const noValidation = patternData(2, 0);
    expect(() =>
      new Trainer({ maxEpochs: 1, keepBest: true, progress: false }).fit(patternModel(backend), noValidation),
    ).toThrow(/earlyStopping and keepBest need validation batches/);
    const trainer = new Trainer({ maxEpochs: 2, progress: false });
    expect(() => trainer.fit(patternModel(backend), patternData(2, 1), { startEpoch: 3 })).toThrow(
      /start epoch must be an integer in \[0, 2\], got 3/,
    );
    expect(() => trainer.state()).toThrow(/no fit has started/);
  });

  it("uses the model's configureOptimizers() by default, else the optimizer option (factory or instance)", () => {
    const run = (optimizer?: ConstructorParameters<typeof Trainer>[0]['optimizer']) => {
      const m = patternModel(backend);
      const trainer = new Trainer({ maxEpochs: 3, gradientClipVal: 1, progress: false, optimizer });
      return trainer.fit(m, patternData(4, 1)).epochs.map((e) => e.trainLoss);
    };
    const book = run();
    expect(run((p) => new SGD(p, 2))).toEqual(book); // the model's lr is 2
    expect(run((p) => new Adam(p, { lr: 0.05 }))).not.toEqual(book);
    const m = patternModel(backend);
    const adam = new Adam(m.parameters(), { lr: 0.05 });
    new Trainer({ maxEpochs: 2, progress: false, optimizer: adam }).fit(m, patternData(4, 1));
    expect(adam.stepCount).toBe(8); // an instance is used as it is, and kept
  });

  it.each(['epoch', 'batch'] as const)('sets the learning rate from the schedule every %s', (interval) => {
    const batches: BatchEnd[] = [];
    const records: EpochRecord[] = [];
    const schedule = new WarmupCosineLR({ warmupSteps: 2, totalSteps: 12, startFactor: 0.25 });
    const trainer = new Trainer({
      maxEpochs: 3,
      progress: false,
      optimizer: (p) => new Adam(p, { lr: 0.04 }),
      lrSchedule: schedule,
      lrScheduleInterval: interval,
      callbacks: [{ onBatchEnd: (b) => batches.push(b), onEpochEnd: (r) => records.push(r) }],
    });
    trainer.fit(patternModel(backend), patternData(4, 1));
    batches.forEach((b, i) => {
      expect(b.lr).toBe(schedule.lrAt(interval === 'epoch' ? b.epoch : i, 0.04));
    });
    expect(records.map((r) => r.lr)).toEqual([3, 7, 11].map((i) => batches[i].lr));
    const bare = patternModel(backend);
    bare.configureOptimizers = () => ({ step() {}, zeroGrad() {} }) as never;
    const scheduled = new Trainer({ maxEpochs: 1, progress: false, lrSchedule: new CosineAnnealingLR({ tMax: 2 }) });
    expect(() => scheduled.fit(bare, patternData(1, 1))).toThrow(/lrSchedule needs an optimiser with lr/);
  });

  /** The pattern model with a scripted validation loss per epoch (one validation batch). */
  function scriptedValidation(losses: number[]) {
    const m = patternModel(backend);
    let epoch = 0;
    m.validationStep = () => losses[epoch++];
    return m;
  }

  it('early stopping: stops when the validation loss has not improved for `patience` epochs', () => {
    const trainer = new Trainer({ maxEpochs: 10, progress: false, earlyStopping: { patience: 2 } });
    const history = trainer.fit(scriptedValidation([3, 2, 2.5, 1.9, 1.95, 2, 1]), patternData(2, 1));
    expect(history.epochs.map((e) => e.valLoss)).toEqual([3, 2, 2.5, 1.9, 1.95, 2]);
    expect(history.stopReason).toBe('early-stopping');
    expect(history.best).toEqual({ epoch: 4, valLoss: 1.9 });
    // minDelta: an improvement must beat the best by more than minDelta.
    const strict = new Trainer({ maxEpochs: 10, progress: false, earlyStopping: { patience: 2, minDelta: 0.2 } });
    const short = strict.fit(scriptedValidation([3, 2, 1.9, 1.85, 1.5]), patternData(2, 1));
    expect(short.epochs).toHaveLength(4);
    expect(short.best).toEqual({ epoch: 2, valLoss: 2 });
    const full = new Trainer({ maxEpochs: 3, progress: false }).fit(patternModel(backend), patternData(2, 1));
    expect(full.stopReason).toBe('max-epochs');
  });

  it('keepBest: fit ends with the parameters of the best validation epoch', () => {
    const m = scriptedValidation([3, 1, 2, 2.5, 2.2]);
    let atBest: Record<string, number[]> = {};
    const trainer = new Trainer({
      maxEpochs: 5,
      gradientClipVal: 1,
      progress: false,
      keepBest: true,
      callbacks: [{ onEpochEnd: (r) => r.epoch === 2 && (atBest = parameterValues(m.parameters())) }],
    });
    const history = trainer.fit(m, patternData(3, 1));
    expect(history.best).toEqual({ epoch: 2, valLoss: 1 });
    expect(parameterValues(m.parameters())).toEqual(atBest);
    expect(trainer.state().bestParameters!.get('W_hq')!.data).toEqual(Float32Array.from(atBest.W_hq));
  });

  it('ProgressBoard averages every n raw points into one', () => {
    const board = new ProgressBoard();
    for (let i = 0; i < 10; i++) board.draw(i, i * 2, 'a', 5);
    expect(board.curves.get('a')).toEqual([
      { x: 2, y: 4 },
      { x: 7, y: 14 },
    ]);
  });
});

// Training never hands back a diverged model: on the chapter's setup (a slice of
// the real corpus), lr 1e6 stops with TrainingDivergedError naming epoch and
// batch, with the model back at its last good epoch and trainer.state() saying
// which; non-finite parameters and validation losses are caught after the epoch;
// and the chapter's own runs (every model at its book learning rate, and Adam,
// AdamW, RMSprop at usual rates) never trip the check.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createBackend,
  createLanguageModel,
  createOptimizer,
  MODEL_DEFAULTS,
  Trainer,
  TrainingDivergedError,
  type Backend,
  type LearningRateSchedule,
  type ModelKind,
  type OptimizerName,
} from '../../src/index.js';
import { chapterData, parameterValues } from '../support/training.js';

function chapterModel(backend: Backend, kind: ModelKind = 'lstm-scratch', lr = MODEL_DEFAULTS[kind].lr) {
  return createLanguageModel({ kind, vocabSize: 28, numHiddens: 32, lr, seed: 11 }, backend);
}

function catchError(run: () => unknown): TrainingDivergedError {
  try {
    run();
  } catch (error) {
    if (error instanceof TrainingDivergedError) return error;
    throw error;
  }
  throw new Error('training did not diverge');
}

describe('divergence', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend('wasm', { build: 'simd' });
  });

  it('lr 1e6 on the chapter setup: stops at the exploding batch, the model back at its starting point', () => {
    const model = chapterModel(backend, 'lstm-scratch', 1e6);
    const before = parameterValues(model.parameters());
    const trainer = new Trainer({ maxEpochs: 3, gradientClipVal: 1, progress: false });
    const error = catchError(() => trainer.fit(model, chapterData()));
    // Batch 1 is ln 28 = 3.33; the step of norm 1e6 sends batch 2 to about 1e5: over 100 times batch 1.
    expect(error).toMatchObject({ epoch: 0, batch: 1, reason: 'exploding-loss', lastGoodEpoch: 0 });
    expect(error.loss).toBeGreaterThan(1e3);
    expect(error.message).toMatch(
      /^training diverged: the loss is [0-9.e+]+ at epoch 1, batch 2, far above the run's first loss .*; the model is back at the state training started from$/,
    );
    expect(parameterValues(model.parameters())).toEqual(before);
    expect(trainer.state()).toMatchObject({ epoch: 0, batches: 0 });
    expect(error.state!.epoch).toBe(0);
  });

  it('an explosion in epoch 3 leaves the model and optimiser as they were after epoch 2', () => {
    const model = chapterModel(backend);
    const jump: LearningRateSchedule = {
      lrAt: (epoch, base) => (epoch < 2 ? base : 1e6),
      toJSON: () => ({ name: 'step', options: {} }),
    };
    let afterEpoch2: Record<string, number[]> = {};
    const trainer = new Trainer({
      maxEpochs: 4,
      gradientClipVal: 1,
      progress: false,
      optimizer: (p) => createOptimizer('sgd', p, { lr: 4, momentum: 0.5 }),
      lrSchedule: jump,
      callbacks: [{ onEpochEnd: (r) => r.epoch === 2 && (afterEpoch2 = parameterValues(model.parameters())) }],
    });
    const data = chapterData();
    const error = catchError(() => trainer.fit(model, data));
    expect(error).toMatchObject({ epoch: 2, lastGoodEpoch: 2 });
    expect(error.message).toMatch(/at epoch 3, batch \d.*the model is back at its state after epoch 2$/);
    expect(parameterValues(model.parameters())).toEqual(afterEpoch2);
    const state = trainer.state();
    expect(state).toMatchObject({ epoch: 2, batches: 2 * data.numTrainBatches });
    expect(state.history.map((r) => r.epoch)).toEqual([1, 2]);
    expect(state.optimizer).toMatchObject({ name: 'sgd', step: 2 * data.numTrainBatches, lr: 4 });
  });

  it('non-finite parameters after an epoch: caught before the next one, the model restored', () => {
    const model = chapterModel(backend);
    const data = chapterData();
    let afterEpoch1: Record<string, number[]> = {};
    const poison = {
      onBatchEnd: (b: { epoch: number; batch: number; numBatches: number }) => {
        if (b.epoch === 1 && b.batch === b.numBatches - 1) model.b_q.assign(new Array(model.b_q.size).fill(Infinity));
      },
      onEpochEnd: (r: { epoch: number }) => r.epoch === 1 && (afterEpoch1 = parameterValues(model.parameters())),
    };
    const trainer = new Trainer({ maxEpochs: 3, gradientClipVal: 1, progress: false, callbacks: [poison] });
    const error = catchError(() => trainer.fit(model, data));
    expect(error).toMatchObject({ epoch: 1, batch: data.numTrainBatches - 1, reason: 'parameters', lastGoodEpoch: 1 });
    expect(error.message).toMatch(/the parameters are no longer finite after epoch 2 \(batch 4 was its last\)/);
    expect(parameterValues(model.parameters())).toEqual(afterEpoch1);
  });

  it('a non-finite validation loss is divergence too', () => {
    const model = chapterModel(backend);
    const validationStep = model.validationStep.bind(model);
    let calls = 0;
    model.validationStep = (batch) => (++calls === 2 ? NaN : validationStep(batch));
    const trainer = new Trainer({ maxEpochs: 3, gradientClipVal: 1, progress: false });
    const error = catchError(() => trainer.fit(model, chapterData()));
    expect(error).toMatchObject({ epoch: 1, reason: 'validation', lastGoodEpoch: 1 });
    expect(error.message).toMatch(/the validation loss is NaN after epoch 2/);
  });

  const healthy: [string, ModelKind, OptimizerName | null, number][] = [
    ...(['lstm-scratch', 'gru-scratch', 'rnn-scratch', 'lstm', 'gru', 'rnn'] as ModelKind[]).map(
      (kind) =>
        [`${kind}, the book's SGD at lr ${MODEL_DEFAULTS[kind].lr}`, kind, null, 0] as [
          string,
          ModelKind,
          null,
          number,
        ],
    ),
    ['lstm, Adam lr 0.01', 'lstm', 'adam', 0.01],
    ['lstm, AdamW lr 0.1', 'lstm', 'adamw', 0.1],
    ['lstm-scratch, RMSprop lr 0.01', 'lstm-scratch', 'rmsprop', 0.01],
  ];

  it.each(healthy)('%s: 3 epochs never trip the check (losses stay far below the limit)', (_name, kind, name, lr) => {
    const model = chapterModel(backend, kind);
    const losses: number[] = [];
    const trainer = new Trainer({
      maxEpochs: 3,
      gradientClipVal: 1,
      progress: false,
      optimizer: name ? (p) => createOptimizer(name, p, { lr }) : undefined,
      callbacks: [{ onBatchEnd: (b) => losses.push(b.loss) }],
    });
    const history = trainer.fit(model, chapterData({ batchSize: 512 }));
    expect(history.epochs).toHaveLength(3);
    // The check fires at 100 times the first loss; these runs stay within 3 times it.
    expect(Math.max(...losses) / losses[0]).toBeLessThan(3);
  });
});

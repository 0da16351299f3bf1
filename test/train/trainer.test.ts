// The Trainer's contract: the book's step order, per-epoch history, board
// points as d2l's ProgressBoard computes them, callbacks, and a clear stop on
// a non-finite loss.
import { describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src/index.js';
import { LSTMScratch } from '../../src/models/lstm-scratch.js';
import { RNNLMScratch } from '../../src/models/rnnlm-scratch.js';
import { ProgressBoard } from '../../src/train/board.js';
import { boardToSvg } from '../../src/train/plot-svg.js';
import { Trainer, TrainingDivergedError } from '../../src/train/trainer.js';
import type { TokenBatch } from '../../src/data/time-machine.js';
import { randomFill } from '../support/backends.js';

/** A tiny data module: a repeating pattern the model can learn. */
function patternData(numTrainBatches: number, numValBatches: number, batchSize = 8, numSteps = 6) {
  const rand = randomFill(1);
  const make = (): TokenBatch => {
    const X = new Int32Array(batchSize * numSteps);
    const Y = new Int32Array(batchSize * numSteps);
    for (let b = 0; b < batchSize; b++) {
      const start = Math.floor(rand(0, 4));
      for (let t = 0; t < numSteps; t++) {
        X[b * numSteps + t] = (start + t) % 4;
        Y[b * numSteps + t] = (start + t + 1) % 4;
      }
    }
    return { X, Y, batchSize, numSteps };
  };
  const train = Array.from({ length: numTrainBatches }, make);
  const val = Array.from({ length: numValBatches }, make);
  return { trainBatches: () => train, valBatches: () => val, numTrainBatches, numValBatches };
}

function model(backend: Backend, lr = 2) {
  return new RNNLMScratch(new LSTMScratch(4, 8, 0.3, { seed: 1, backend }), { vocabSize: 4, lr, seed: 2 });
}

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
    const history = trainer.fit(model(backend), patternData(10, 5));
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
    const { board } = trainer.fit(model(backend), patternData(10, 5));
    const train = board.curves.get('train_ppl')!;
    const val = board.curves.get('val_ppl')!;
    expect(train.map((p) => p.x)).toEqual([0.2, 0.7, 1.2, 1.7, 2.2, 2.7].map((x) => expect.closeTo(x, 12)));
    expect(val.map((p) => p.x)).toEqual([1, 2, 3]);
    const svg = boardToSvg(board.curves, { xMax: 3 });
    expect(svg.match(/<path /g)).toHaveLength(2);
  });

  it('stops with a clear error naming epoch and batch when the loss is not finite', () => {
    const m = model(backend);
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

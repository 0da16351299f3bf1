// fitAsync: the same numbers as fit, but the event loop keeps running (timers
// fire between batches, which is what keeps a page responsive), progress
// arrives through the callbacks, and stop() or an AbortSignal ends training
// after the current batch with the history so far.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createBackend,
  createOptimizer,
  Trainer,
  yieldToEventLoop,
  type Backend,
  type BatchEnd,
} from '../../src/index.js';
import { chapterData, parameterValues, patternData, patternModel } from '../support/training.js';
import { createLanguageModel } from '../../src/models/zoo.js';

describe('fitAsync', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend('wasm', { build: 'simd' });
  });

  const chapterSetup = () => ({
    model: createLanguageModel({ kind: 'lstm', vocabSize: 28, numHiddens: 32, lr: 4, seed: 3 }, backend),
    data: chapterData({ batchSize: 256, numTrain: 2048, numVal: 256 }),
    trainer: new Trainer({
      maxEpochs: 2,
      gradientClipVal: 1,
      progress: false,
      optimizer: (p) => createOptimizer('adam', p, { lr: 0.01 }),
    }),
  });

  it('computes what fit computes: the same history and parameters, bit for bit', async () => {
    const sync = chapterSetup();
    const history = sync.trainer.fit(sync.model, sync.data);
    const async = chapterSetup();
    const asyncHistory = await async.trainer.fitAsync(async.model, async.data);
    const numbers = (h: typeof history) => h.epochs.map((e) => [e.trainLoss, e.valLoss, e.lr]);
    expect(numbers(asyncHistory)).toEqual(numbers(history));
    expect(asyncHistory.board.curves).toEqual(history.board.curves);
    expect(parameterValues(async.model.parameters())).toEqual(parameterValues(sync.model.parameters()));
  });

  it('lets timers fire between batches (fit lets none fire)', async () => {
    const countTicks = async (run: () => unknown) => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const start = performance.now();
      await run();
      const seconds = (performance.now() - start) / 1000;
      clearInterval(timer);
      return { ticks, seconds };
    };
    const sync = chapterSetup();
    const blocked = await countTicks(() => sync.trainer.fit(sync.model, sync.data));
    const responsive = chapterSetup();
    const batches: number[] = [];
    const free = await countTicks(() =>
      responsive.trainer.fitAsync(responsive.model, responsive.data, {
        callbacks: [{ onBatchEnd: (b) => batches.push(b.batch) }],
      }),
    );
    expect(blocked.ticks).toBe(0);
    // One yield per training and per validation batch: at least one timer turn for most of them.
    expect(batches).toHaveLength(16);
    expect(free.ticks).toBeGreaterThanOrEqual(12);
    // Yielding costs little: well under a millisecond per batch on top of the training.
    expect(free.seconds).toBeLessThan(blocked.seconds * 1.5 + 0.5);
  });

  it('stop() from a callback ends after the current batch, with the epochs completed so far', async () => {
    const trainer = new Trainer({ maxEpochs: 5, progress: false });
    const seen: BatchEnd[] = [];
    const stopper = {
      onBatchEnd: (b: BatchEnd) => {
        seen.push(b);
        if (b.epoch === 1 && b.batch === 1) trainer.stop();
      },
    };
    const history = await trainer.fitAsync(patternModel(backend), patternData(4, 1), { callbacks: [stopper] });
    expect(history.stopReason).toBe('stopped');
    expect(history.epochs).toHaveLength(1);
    expect(seen).toHaveLength(6);
    expect(trainer.state().epoch).toBe(1);
    // The next fit runs again (stop applies to the fit running when it is called).
    expect((await trainer.fitAsync(patternModel(backend), patternData(4, 1))).stopReason).toBe('max-epochs');
  });

  it('an AbortSignal aborted from outside (a page button) stops it too; fit honours it as well', async () => {
    const controller = new AbortController();
    const trainer = new Trainer({ maxEpochs: 200, progress: false });
    let batches = 0;
    setTimeout(() => controller.abort(), 30);
    const history = await trainer.fitAsync(patternModel(backend), patternData(4, 1), {
      signal: controller.signal,
      callbacks: [{ onBatchEnd: () => batches++ }],
    });
    expect(history.stopReason).toBe('stopped');
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(800);
    const aborted = AbortSignal.abort();
    const sync = new Trainer({ maxEpochs: 3, progress: false }).fit(patternModel(backend), patternData(4, 1), {
      signal: aborted,
    });
    expect(sync).toMatchObject({ stopReason: 'stopped', epochs: [] });
    expect(sync.board.curves.size).toBe(0); // not one batch ran
  });

  it('rejects with TrainingDivergedError like fit throws it', async () => {
    const trainer = new Trainer({
      maxEpochs: 2,
      progress: false,
      optimizer: (p) => createOptimizer('sgd', p, { lr: 1e6 }),
    });
    await expect(trainer.fitAsync(patternModel(backend), patternData(4, 1))).rejects.toThrow(/training diverged/);
  });
});

describe('yieldToEventLoop', () => {
  // Node takes setImmediate (the loop's timers phase comes round on every turn); hide it, and then
  // MessageChannel too, to run the browser paths.
  it.each([[['setImmediate']], [['setImmediate', 'MessageChannel']]])(
    'without %j (as in browsers): a timer that is due runs before the yield returns',
    async (missing: string[]) => {
      const global = globalThis as Record<string, unknown>;
      const saved = missing.map((name) => global[name]);
      for (const name of missing) global[name] = undefined;
      try {
        let fired = false;
        setTimeout(() => (fired = true), 0);
        const start = Date.now();
        while (Date.now() - start < 3); // the timer is due before the yield starts
        await yieldToEventLoop();
        expect(fired).toBe(true);
      } finally {
        missing.forEach((name, i) => (global[name] = saved[i]));
      }
    },
  );
});

// SequenceRegressor: gradients of the whole model (recurrent layer, head, MSE/MAE) against finite
// differences in float64, the float32 backends against that reference, the batch layouts, and the
// direct and recursive forecasts.
import { describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, Trainer, type Backend } from '../../src/index.js';
import { LSTMScratch } from '../../src/models/lstm-scratch.js';
import { SequenceRegressor } from '../../src/models/sequence-regressor.js';
import { forecast } from '../../src/series/forecast.js';
import { SeriesData } from '../../src/series/series-data.js';
import { windowBatch, type SeriesBatch } from '../../src/series/windows.js';
import { endStep } from '../../src/tensor/tensor.js';
import { float64Reference, kernelVariants, randomArray } from '../support/backends.js';
import { checkGradients } from '../support/gradcheck.js';

const T = 4;
const B = 3;

/** Random windows (B, T, 1) with targets far from the untrained predictions (MAE stays off its kink). */
function randomBatch(seed: number, numOutputs: number, everyStep: boolean): SeriesBatch {
  const X = randomArray(seed, B * T, -1, 1);
  const Y = randomArray(seed + 1, B * (everyStep ? T : 1) * numOutputs, 2, 3);
  Y.forEach((y, i) => (Y[i] = i % 2 ? y : -y));
  return { X, Y, batchSize: B, numSteps: T, numOutputs, everyStep };
}

function makeModel(
  backend: Backend,
  cell: 'lstm' | 'gru' | 'rnn',
  options: { numOutputs: number; everyStep: boolean; loss: 'mse' | 'mae' },
): SequenceRegressor {
  const Layer = { lstm: LSTM, gru: GRU, rnn: RNN }[cell];
  const rnn = new Layer({ numInputs: 1, numHiddens: 3, seed: 7, backend });
  return new SequenceRegressor(rnn, { ...options, seed: 8, lr: 0.1 });
}

describe('SequenceRegressor gradients against finite differences (float64 js)', async () => {
  const backend = await float64Reference();
  const combos: ['lstm' | 'gru' | 'rnn', boolean, 'mse' | 'mae'][] = [
    ['lstm', false, 'mse'],
    ['lstm', true, 'mae'],
    ['gru', true, 'mse'],
    ['rnn', false, 'mae'],
  ];

  it.each(combos)('%s everyStep=%s loss=%s', (cell, everyStep, loss) => {
    const model = makeModel(backend, cell, { numOutputs: 2, everyStep, loss });
    const batch = randomBatch(3, 2, everyStep);
    checkGradients(backend, [...model.parameters().values()], () => model.trainingStep(batch));
    endStep(backend);
  });

  it('around a scratch cell (outputs as a list of steps)', () => {
    const rnn = new LSTMScratch(1, 3, 0.3, { seed: 9, backend });
    const model = new SequenceRegressor(rnn, { numOutputs: 2, seed: 10 });
    const batch = randomBatch(4, 2, false);
    checkGradients(backend, [...model.parameters().values()], () => model.trainingStep(batch));
    endStep(backend);
  });
});

describe.each(kernelVariants())('$variant: SequenceRegressor matches the float64 reference', ({ variant, create }) => {
  it.each([false, true])('loss and gradients, everyStep=%s', async (everyStep) => {
    const backend = await create();
    const reference = await float64Reference();
    const results = [backend, reference].map((b) => {
      const model = makeModel(b, 'lstm', { numOutputs: 3, everyStep, loss: 'mse' });
      // Both start from the same float32-rounded weights.
      for (const p of model.parameters().values()) p.assign(p.toArray().map(Math.fround));
      model.zeroGrad();
      const loss = model.trainingStep(randomBatch(5, 3, everyStep));
      loss.backward();
      const value = loss.item();
      const grads = [...model.parameters().values()].map((p) => p.gradToArray()!);
      endStep(b);
      return { value, grads };
    });
    const [got, want] = results;
    expect(Math.abs(got.value - want.value), variant).toBeLessThanOrEqual(1e-5 * want.value);
    want.grads.forEach((g, k) =>
      g.forEach((x, i) => expect(Math.abs(got.grads[k][i] - x), `${variant} parameter ${k}[${i}]`).toBeLessThan(2e-5)),
    );
  });
});

describe('SequenceRegressor batches, predictions and forecasts', async () => {
  const backend = await float64Reference();
  const series = Float64Array.from({ length: 60 }, (_, i) => Math.sin((2 * Math.PI * i) / 12) + 0.01 * i);

  it('predicts (B, numOutputs) from the last step, also for an everyStep model', () => {
    const model = makeModel(backend, 'gru', { numOutputs: 2, everyStep: true, loss: 'mse' });
    const batch = windowBatch(series, [0, 5, 9], T, 2, true);
    const predictions = model.predict(batch.X, 3, T);
    expect(predictions.length).toBe(3 * 2);
    const all = model.forward(model.inputsOf(batch.X, 3, T)).toArray(); // (T, B, 2)
    expect([...predictions]).toEqual([...all.subarray((T - 1) * 3 * 2)]);
    endStep(backend);
  });

  it('rejects batches of another kind or size, naming what it expected', () => {
    const model = makeModel(backend, 'lstm', { numOutputs: 2, everyStep: false, loss: 'mse' });
    expect(() => model.trainingStep(windowBatch(series, [0], T, 2, true))).toThrow(
      /the batch has 2 targets per step, the model predicts 2 targets per window/,
    );
    expect(() => model.trainingStep(windowBatch(series, [0], T, 3))).toThrow(/the batch has 3 targets per window/);
    expect(() => model.predict([1, 2, 3], 1, T)).toThrow(/inputs must be \(1, 4, 1\) = 4 values, got 3/);
    expect(() => new SequenceRegressor(model.rnn, { numOutputs: 0 })).toThrow(/numOutputs must be a positive integer/);
    endStep(backend);
  });

  it('forecasts directly in one pass, and recursively by feeding each prediction back', () => {
    const direct = makeModel(backend, 'lstm', { numOutputs: 3, everyStep: false, loss: 'mse' });
    const origins = [T, 20, 60];
    const out = forecast(direct, series, origins, { lookback: T, horizon: 3, strategy: 'direct', batchSize: 2 });
    origins.forEach((o, i) => {
      const window = Float32Array.from(series.subarray(o - T, o));
      const want = direct.predict(window, 1, T);
      expect([...out.subarray(i * 3, i * 3 + 3)]).toEqual([...want]);
    });

    const oneStep = makeModel(backend, 'lstm', { numOutputs: 1, everyStep: false, loss: 'mse' });
    const recursive = forecast(oneStep, series, origins, { lookback: T, horizon: 3, strategy: 'recursive' });
    origins.forEach((o, i) => {
      const window = Array.from(series.subarray(o - T, o));
      for (let h = 0; h < 3; h++) {
        const next = oneStep.predict(Float32Array.from(window.slice(-T)), 1, T)[0];
        expect(recursive[i * 3 + h]).toBe(next);
        window.push(next);
      }
    });
    endStep(backend);
    expect(() => forecast(oneStep, series, [10], { lookback: T, horizon: 3, strategy: 'direct' })).toThrow(
      /a direct forecast of 3 steps needs a model with at least 3 outputs, this one has 1/,
    );
    expect(() => forecast(oneStep, series, [2], { lookback: T, horizon: 1, strategy: 'direct' })).toThrow(
      /origin 2 is outside \[lookback = 4, 60\]/,
    );
  });

  it('learns a seasonal series with the Trainer (validation MSE falls tenfold)', async () => {
    const wasm = await kernelVariants()[1].create();
    const data = new SeriesData(series, { lookback: 12, horizon: 2, valSize: 12, batchSize: 8, seed: 1 });
    const rnn = new LSTM({ numInputs: 1, numHiddens: 16, seed: 2, backend: wasm });
    const model = new SequenceRegressor(rnn, { numOutputs: 2, seed: 3, lr: 0.2 });
    const history = new Trainer({ maxEpochs: 150, gradientClipVal: 1, progress: false }).fit(model, data);
    const first = history.epochs[0].valLoss;
    const last = history.epochs.at(-1)!.valLoss;
    expect(last).toBeLessThan(first / 10);
  });
});

// SequenceClassifier: many-to-one softmax cross-entropy over the fused layers and the scratch cells.
// Gradients against finite differences (float64) for token and dense inputs, one and two directions;
// what "last" means for a bidirectional layer; accuracy in the Trainer's validation; learning a task.
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/index.js';
import { SequenceTaskData, markupTask } from '../../src/lab/tasks.js';
import { LSTM } from '../../src/layers/lstm.js';
import { GRU } from '../../src/layers/gru.js';
import { RNN } from '../../src/layers/rnn.js';
import { LSTMScratch } from '../../src/models/lstm-scratch.js';
import { SequenceClassifier, type SequenceBatch } from '../../src/models/sequence-classifier.js';
import { at, concatLast } from '../../src/tensor/ops.js';
import { noGrad } from '../../src/tensor/tape.js';
import { endStep } from '../../src/tensor/tensor.js';
import { Trainer } from '../../src/train/trainer.js';
import { float64Reference, randomArray, randomIds } from '../support/backends.js';
import { checkGradients } from '../support/gradcheck.js';

const B = 3;
const T = 4;
const V = 5;
const C = 3;

function tokenBatch(seed: number): SequenceBatch {
  return { X: randomIds(seed, B * T, V), Y: randomIds(seed + 1, B, C), batchSize: B, numSteps: T };
}

describe('SequenceClassifier gradients against finite differences (float64 js)', async () => {
  const backend = await float64Reference();
  const layers = {
    LSTM: () => new LSTM({ numInputs: V, numHiddens: 3, seed: 1, backend }),
    'GRU, bidirectional': () => new GRU({ numInputs: V, numHiddens: 3, bidirectional: true, seed: 2, backend }),
    'RNN, two layers': () => new RNN({ numInputs: V, numHiddens: 3, numLayers: 2, seed: 3, backend }),
    'LSTM, bidirectional, batch-first': () =>
      new LSTM({ numInputs: V, numHiddens: 2, bidirectional: true, batchFirst: true, seed: 4, backend }),
    LSTMScratch: () => new LSTMScratch(V, 3, 0.5, { seed: 5, backend }),
  };

  it.each(Object.entries(layers))('%s from token ids', (_name, makeLayer) => {
    const model = new SequenceClassifier(makeLayer(), { numClasses: C, seed: 6 });
    const batch = tokenBatch(7);
    checkGradients(backend, [...model.parameters().values()], () => model.trainingStep(batch));
    endStep(backend);
  });

  it.each(Object.entries(layers))('%s from dense inputs', (_name, makeLayer) => {
    const model = new SequenceClassifier(makeLayer(), { numClasses: C, inputs: 'dense', seed: 8 });
    const batch = { ...tokenBatch(9), X: randomArray(10, B * T * V) };
    checkGradients(backend, [...model.parameters().values()], () => model.trainingStep(batch));
    endStep(backend);
  });
});

describe('SequenceClassifier semantics', async () => {
  const backend = await float64Reference();

  it('token ids and their one-hot rows as dense inputs give the same logits (fused and scratch)', () => {
    for (const rnn of [
      new GRU({ numInputs: V, numHiddens: 4, seed: 11, backend }),
      new LSTMScratch(V, 4, 0.5, { seed: 11, backend }),
    ]) {
      const tokens = new SequenceClassifier(rnn, { numClasses: C, seed: 12 });
      const dense = new SequenceClassifier(rnn, { numClasses: C, inputs: 'dense', seed: 12 });
      const batch = tokenBatch(13);
      const oneHot = new Float64Array(B * T * V);
      for (let i = 0; i < B * T; i++) oneHot[i * V + batch.X[i]] = 1;
      const a = noGrad(() => tokens.forward(batch).toArray());
      const b = noGrad(() => dense.forward({ ...batch, X: oneHot }).toArray());
      a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 12));
      endStep(backend);
    }
  });

  it("a bidirectional layer's head reads the forward direction at the last step and the reverse one at the first", () => {
    const H = 3;
    const layer = new LSTM({ numInputs: V, numHiddens: H, bidirectional: true, seed: 14, backend });
    const model = new SequenceClassifier(layer, { numClasses: C, seed: 15 });
    const batch = tokenBatch(16);
    noGrad(() => {
      const [outputs] = layer.forwardTokens(batch.X, B, T);
      const last = at(outputs, T - 1).toArray(); // (B, 2H): [forward h_{T-1}, reverse h after reading x_{T-1} only]
      const first = at(outputs, 0).toArray(); // (B, 2H): the reverse half has read the whole sequence
      const [, state] = layer.forwardTokens(batch.X, B, T);
      const read = model.lastHidden(outputs, state).toArray();
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          expect(read[b * 2 * H + j]).toBeCloseTo(last[b * 2 * H + j], 14);
          expect(read[b * 2 * H + H + j]).toBeCloseTo(first[b * 2 * H + H + j], 14);
        }
      }
      // ... which is not output[-1]: its reverse half differs.
      const outputLast = concatLast([at(outputs, T - 1)]).toArray();
      expect(Math.max(...read.map((v, i) => Math.abs(v - outputLast[i])))).toBeGreaterThan(1e-6);
    });
    endStep(backend);
  });

  it('validationStep returns the loss and the accuracy of its argmax predictions', () => {
    const model = new SequenceClassifier(new RNN({ numInputs: V, numHiddens: 4, seed: 17, backend }), {
      numClasses: C,
      seed: 18,
    });
    const batch = tokenBatch(19);
    const predicted = model.predict(batch);
    const result = model.validationStep(batch);
    const correct = Array.from(predicted).filter((p, b) => p === batch.Y[b]).length;
    expect(result.metrics!.accuracy).toBe(correct / B);
    expect(result.count).toBe(B);
    expect(result.loss).toBeCloseTo(
      noGrad(() => model.trainingStep(batch).item()),
      14,
    );
    endStep(backend);
  });

  it('rejects bad options and inputs with messages that name them', () => {
    const rnn = new RNN({ numInputs: V, numHiddens: 2, seed: 1, backend });
    expect(() => new SequenceClassifier(rnn, { numClasses: 1 })).toThrow(/numClasses must be an integer >= 2/);
    expect(() => new SequenceClassifier(rnn, { numClasses: 2, lr: 0 })).toThrow(/lr must be positive/);
    const model = new SequenceClassifier(rnn, { numClasses: 2, inputs: 'dense' });
    expect(() => model.forward({ ...tokenBatch(1), X: new Float64Array(7) })).toThrow(
      /expected 3 x 4 x 5 = 60 input values, got 7/,
    );
    const tokens = new SequenceClassifier(rnn, { numClasses: 2 });
    expect(() => tokens.forward({ ...tokenBatch(1), X: [0, 1] })).toThrow(/expected 3 x 4 = 12 token ids/);
    expect(() => tokens.forward({ ...tokenBatch(1), X: new Int32Array(12).fill(9) })).toThrow(/outside \[0, 5\)/);
    expect(() => tokens.trainingStep({ ...tokenBatch(1), Y: [0, 1, 7] })).toThrow(/target 7 at row 2/);
    endStep(backend);
  });
});

describe('SequenceClassifier with the Trainer', () => {
  it('learns the markup task (accuracy >= 0.95 in the validation metrics) on wasm', async () => {
    const backend = await createBackend('wasm', { build: 'simd' });
    const task = markupTask(12, 3);
    const data = new SequenceTaskData(task, { batchSize: 64, numTrainBatches: 100, numValBatches: 4, seed: 3 });
    const model = new SequenceClassifier(new GRU({ numInputs: task.tokens.length, numHiddens: 16, seed: 4, backend }), {
      numClasses: 2,
      lr: 0.01,
      seed: 5,
    });
    const history = new Trainer({ maxEpochs: 3, gradientClipVal: 1, progress: false }).fit(model, data);
    const accuracy = history.epochs.map((e) => e.valMetrics.accuracy);
    expect(accuracy[0]).toBeGreaterThan(0); // a metric, counted over all validation sequences
    expect(accuracy[2]).toBeGreaterThanOrEqual(0.95);
    expect(history.epochs[2].valLoss).toBeLessThan(history.epochs[0].valLoss);
  });

  it("weights each batch's metrics by its count (a short last batch counts less)", async () => {
    const backend = await createBackend('js');
    const model = new SequenceClassifier(new RNN({ numInputs: 2, numHiddens: 2, seed: 1, backend }), {
      numClasses: 2,
      lr: 0.1,
      seed: 1,
    });
    // validationStep results stand in for the model's, so the weighting alone is under test.
    const results = [
      { loss: 1, metrics: { accuracy: 1 }, count: 3 },
      { loss: 1, metrics: { accuracy: 0 }, count: 1 },
    ];
    let i = 0;
    model.validationStep = () => results[i++ % 2];
    const batch: SequenceBatch = { X: [0, 1], Y: [1], batchSize: 1, numSteps: 2 };
    const history = new Trainer({ maxEpochs: 1, progress: false }).fit(model, {
      trainBatches: () => [batch],
      valBatches: () => [batch, batch],
      numTrainBatches: 1,
      numValBatches: 2,
    });
    expect(history.epochs[0].valMetrics.accuracy).toBe(0.75);
  });
});

// The sequence-regression training step (exercise 5's forecaster), written twice: with the package
// (SequenceRegressor around the fused LSTM) and with TensorFlow.js (tf.layers), the same model:
//
//   windows (B, T, 1) -> LSTM(H), last step -> dense(O) -> mean squared error against (B, O)
//
// A step is what the Trainer runs: forward, loss, zeroGrad, backward, global-norm clipping at
// CLIP, SGD, endStep; the loss is read back. The package copies the batch-first windows
// time-major into the step's memory (SequenceRegressor.inputsOf), as every real step does; tfjs
// takes them batch-first. tfjs's LSTM uses the logistic sigmoid gate (recurrentActivation:
// 'sigmoid', its default is hardSigmoid), glorotUniform weights, and the same hand-written
// global-norm clipping as the language-model step (bench/lib/tfjs-models.js).

import { randomFloats } from './fixtures.js';
import { clippedStep } from './tfjs-models.js';
import { inputFlops, recordLoss, recurrentFlops, trainerStep } from './workloads.js';

/** SGD learning rate of the regression steps (the cost of a step does not depend on it). */
export const REGRESSION_LR = 0.01;

/**
 * R1: the forecast command's model (H = 32, lookback 24, a 6-step direct head) on a 256-window batch;
 * R2: a wider, longer one (H = 96, lookback 48, a 12-step head; tfjs-cpu takes some 10 s a step).
 */
export const REGRESSION_SHAPES = {
  R1: { B: 256, T: 24, H: 32, O: 6 },
  R2: { B: 128, T: 48, H: 96, O: 12 },
};

/** Nominal matmul flops of one training step: 3x the forward's input projection, recurrence and head. */
export function regressionTrainingFlops({ B, T, H, O }) {
  return 3 * (B * T * (inputFlops('lstm', 1, H) + recurrentFlops('lstm', H)) + B * 2 * H * O);
}

/** Windows of a noisy seasonal series, standardised-looking (values about N(0, 1)): X (B, T, 1), Y (B, O). */
function windows(rows, { T, O }, seed) {
  const noise = randomFloats(rows * (T + O), seed, -0.3, 0.3);
  const X = new Float32Array(rows * T);
  const Y = new Float32Array(rows * O);
  for (let b = 0; b < rows; b++) {
    const phase = (b * 7) % 12;
    const value = (t) => Math.SQRT2 * Math.sin((2 * Math.PI * (t + phase)) / 12) + noise[b * (T + O) + t];
    for (let t = 0; t < T; t++) X[b * T + t] = value(t);
    for (let h = 0; h < O; h++) Y[b * O + h] = value(T + h);
  }
  return { X, Y };
}

/** The package's step: SequenceRegressor(LSTM) with a head of O outputs, MSE, SGD, clipping. */
export function regressionWorkload(lib, backend, { B, T, H, O }, seed = 31) {
  const rnn = new lib.LSTM({ numInputs: 1, numHiddens: H, seed, backend });
  const model = new lib.SequenceRegressor(rnn, { numOutputs: O, lr: REGRESSION_LR, seed: seed + 1 });
  const step = trainerStep(lib, backend, model);
  const batchOf = (rows) => ({
    ...windows(rows, { T, O }, seed + 2),
    batchSize: rows,
    numSteps: T,
    numOutputs: O,
    everyStep: false,
  });
  const batch = batchOf(B);
  const small = batchOf(Math.min(B, 4));
  const losses = [];
  return { trainingStep: () => recordLoss(losses, step(batch)), smallTrainingStep: () => step(small), losses };
}

/** The same step in TensorFlow.js. */
export function tfRegressionWorkload(tf, { B, T, H, O }, seed = 31) {
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({
        units: H,
        inputShape: [T, 1],
        recurrentActivation: 'sigmoid',
        kernelInitializer: 'glorotUniform',
        recurrentInitializer: 'glorotUniform',
      }),
      tf.layers.dense({ units: O, kernelInitializer: 'glorotUniform' }),
    ],
  });
  const vars = model.trainableWeights.map((w) => w.read());
  const optimizer = tf.train.sgd(REGRESSION_LR);
  const batchOf = (rows) => {
    const { X, Y } = windows(rows, { T, O }, seed + 2);
    return { x: tf.tensor3d(X, [rows, T, 1]), y: tf.tensor2d(Y, [rows, O]) };
  };
  const batch = batchOf(B);
  const small = batchOf(Math.min(B, 4));
  const losses = [];
  const step = ({ x, y }) =>
    clippedStep(tf, optimizer, vars, () => tf.losses.meanSquaredError(y, model.apply(x, { training: true })));
  return {
    trainingStep: () => recordLoss(losses, step(batch)),
    smallTrainingStep: () => step(small),
    losses,
    dispose: () => {
      for (const t of [batch.x, batch.y, small.x, small.y]) t.dispose();
      optimizer.dispose();
      model.dispose();
    },
  };
}

/**
 * Undefined when the losses look right, else what is wrong: all finite, and the first near the
 * untrained model's (predictions near 0 against targets of mean square about 1: between 0.3 and 3).
 */
export function checkRegressionLosses(losses) {
  if (losses.length === 0) return 'no training step ran';
  const bad = losses.find((l) => !Number.isFinite(l));
  if (bad !== undefined) return `loss ${bad}`;
  if (!(losses[0] > 0.3 && losses[0] < 3)) return `first loss ${losses[0].toFixed(3)}, expected about 1`;
  return undefined;
}

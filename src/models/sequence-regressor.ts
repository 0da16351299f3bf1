// Sequence regression: a recurrent network (a fused LSTM, GRU or RNN, or a
// scratch cell) with a dense head that maps hidden states to real numbers.
// Many-to-one, the head reads the last step's output: (B, W) -> (B, numOutputs),
// e.g. the next `numOutputs` values of a series at once (a direct multi-step
// forecast). Many-to-many (`everyStep`), it reads every step: (T, B, W) ->
// (T, B, numOutputs), each step predicting the values after it. The loss is
// the mean squared or mean absolute error over all predicted values.
//
// Batches are batch-first, as windows are held ((B, T, I) inputs); the model
// copies them time-major into the step's memory, as the recurrent layers want.

import { Linear } from '../layers/linear.js';
import { freshSeed } from '../nn/init.js';
import { Module } from '../nn/module.js';
import type { Recurrent } from '../nn/recurrent.js';
import { SGD } from '../optim/sgd.js';
import type { SeriesBatch } from '../series/windows.js';
import { at, maeLoss, mseLoss, reshape, stack } from '../tensor/ops.js';
import { noGrad } from '../tensor/tape.js';
import { empty, type Tensor } from '../tensor/tensor.js';

/** The regression losses: mean squared error or mean absolute error. */
export type RegressionLoss = 'mse' | 'mae';

/** The head's width, many-to-one or many-to-many, the loss, and the lr of the default optimiser. */
export interface SequenceRegressorOptions {
  /** Values predicted per output row (default 1): the horizon of a direct multi-step forecast. */
  numOutputs?: number;
  /** Many-to-many: a prediction after every step, trained on all of them (default false: the last step only). */
  everyStep?: boolean;
  /** 'mse' (default) or 'mae'. */
  loss?: RegressionLoss;
  /**
   * Learning rate of configureOptimizers' SGD (default 0.1). Another optimiser is the Trainer's
   * `optimizer` option, e.g. `new Trainer({ maxEpochs: 100, optimizer: (p) => new Adam(p, { lr: 0.01 }) })`.
   */
  lr?: number;
  /** Seed of the head's initial weights (default: a fresh random seed). */
  seed?: number;
}

/**
 * A recurrent network with a linear head for real-valued targets, trainable with the Trainer on
 * SeriesData batches (or any SeriesBatch source).
 *
 * @example
 * const lstm = new LSTM({ numInputs: 1, numHiddens: 32, seed: 1 });
 * const model = new SequenceRegressor(lstm, { numOutputs: 6, loss: 'mse', lr: 0.05, seed: 2 });
 * new Trainer({ maxEpochs: 50, gradientClipVal: 1 }).fit(model, data);
 * const next6 = model.predict(window, 1, 24); // (1, 6), in the units the model was trained in
 */
export class SequenceRegressor extends Module {
  /** Values predicted per output row. */
  readonly numOutputs: number;
  /** Whether every step is predicted (many-to-many) or the last (many-to-one). */
  readonly everyStep: boolean;
  /** The training loss. */
  readonly lossKind: RegressionLoss;
  /** configureOptimizers' learning rate. */
  readonly lr: number;
  /** The dense head, (rnn.numHiddens) -> (numOutputs), PyTorch's nn.Linear layout (parameters 'head.weight', 'head.bias'). */
  readonly head: Linear;

  /**
   * Wraps `rnn` (its parameters appear as 'rnn.*'), adds the head. A bidirectional layer's last step
   * holds the reverse direction after one input only; use everyStep or a unidirectional layer.
   */
  constructor(
    /** The recurrent network: inputs (T, B, numInputs), outputs (T, B, numHiddens). */
    readonly rnn: Recurrent,
    options: SequenceRegressorOptions = {},
  ) {
    super(rnn.backend);
    const { numOutputs = 1, everyStep = false, loss = 'mse', lr = 0.1 } = options;
    if (!Number.isInteger(numOutputs) || numOutputs < 1) {
      throw new RangeError(`SequenceRegressor: numOutputs must be a positive integer, got ${numOutputs}`);
    }
    if (loss !== 'mse' && loss !== 'mae') {
      throw new RangeError(`SequenceRegressor: loss must be 'mse' or 'mae', got '${String(loss)}'`);
    }
    if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`SequenceRegressor: lr must be positive, got ${lr}`);
    this.numOutputs = numOutputs;
    this.everyStep = everyStep;
    this.lossKind = loss;
    this.lr = lr;
    this.module('rnn', rnn);
    this.head = this.module(
      'head',
      new Linear(rnn.numHiddens, numOutputs, { seed: options.seed ?? freshSeed(), backend: this.backend }),
    );
  }

  /** Inputs per step (the recurrent network's numInputs). */
  get numInputs(): number {
    return this.rnn.numInputs;
  }

  /**
   * Time-major inputs (T, B, numInputs) -> predictions (B, numOutputs) from the last step, or
   * (T, B, numOutputs) from every step when everyStep.
   */
  forward(inputs: Tensor): Tensor {
    const [outputs] = this.rnn.forward(inputs);
    const H = Array.isArray(outputs) ? stack(outputs) : outputs;
    const [T, B, width] = H.shape;
    if (!this.everyStep) return this.head.forward(at(H, T - 1));
    return reshape(this.head.forward(reshape(H, [T * B, width])), [T, B, this.numOutputs]);
  }

  /** Batch-first windows X (B, T, numInputs) row-major, copied time-major into a (T, B, numInputs) tensor. */
  inputsOf(X: ArrayLike<number>, batchSize: number, numSteps: number): Tensor {
    const I = this.numInputs;
    checkBatch('inputs', X.length, batchSize, numSteps, I);
    const x = empty([numSteps, batchSize, I], this.backend);
    const floats = this.backend.heap.floats;
    const base = x.ptr;
    for (let b = 0; b < batchSize; b++) {
      for (let t = 0; t < numSteps; t++) {
        for (let i = 0; i < I; i++) floats[base + (t * batchSize + b) * I + i] = X[(b * numSteps + t) * I + i];
      }
    }
    return x;
  }

  /**
   * The loss of predictions from `forward` against batch-first targets Y: (B, numOutputs), or
   * (B, T, numOutputs) when everyStep (reordered time-major to match the predictions).
   */
  loss(predictions: Tensor, Y: ArrayLike<number>): Tensor {
    const O = this.numOutputs;
    let targets: ArrayLike<number> = Y;
    if (this.everyStep) {
      const [T, B] = predictions.shape;
      checkBatch('targets', Y.length, B, T, O);
      const timeMajor = new Float64Array(Y.length);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          for (let o = 0; o < O; o++) timeMajor[(t * B + b) * O + o] = Y[(b * T + t) * O + o];
        }
      }
      targets = timeMajor;
    } else {
      checkBatch('targets', Y.length, predictions.shape[0], 1, O);
    }
    return this.lossKind === 'mse' ? mseLoss(predictions, targets) : maeLoss(predictions, targets);
  }

  /** The loss of a batch (recorded for backward): what the Trainer minimises. */
  trainingStep(batch: SeriesBatch): Tensor {
    this.checkBatchKind(batch);
    return this.loss(this.forward(this.inputsOf(batch.X, batch.batchSize, batch.numSteps)), batch.Y);
  }

  /** The mean loss on a batch, without recording gradients. */
  validationStep(batch: SeriesBatch): number {
    return noGrad(() => this.trainingStep(batch).item());
  }

  /** d2l's choice: plain SGD over all parameters at the model's lr. */
  configureOptimizers(): SGD {
    return new SGD(this.parameters(), this.lr);
  }

  /**
   * Predictions for batch-first windows X (B, T, numInputs), without gradients: (B, numOutputs)
   * row-major, from the last step (also for an everyStep model). The step's temporaries stay in
   * the scratch arena until the caller's endStep.
   */
  predict(X: ArrayLike<number>, batchSize: number, numSteps: number): Float64Array {
    return noGrad(() => {
      const predictions = this.forward(this.inputsOf(X, batchSize, numSteps));
      return (this.everyStep ? at(predictions, numSteps - 1) : predictions).toArray();
    });
  }

  private checkBatchKind(batch: SeriesBatch): void {
    if (batch.everyStep !== this.everyStep || batch.numOutputs !== this.numOutputs) {
      const describe = (everyStep: boolean, outputs: number) =>
        `${outputs} target${outputs === 1 ? '' : 's'} ${everyStep ? 'per step' : 'per window'}`;
      throw new RangeError(
        `SequenceRegressor: the batch has ${describe(batch.everyStep, batch.numOutputs)}, ` +
          `the model predicts ${describe(this.everyStep, this.numOutputs)}`,
      );
    }
  }
}

function checkBatch(what: string, length: number, batch: number, steps: number, width: number): void {
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(steps) || steps < 1) {
    throw new RangeError(
      `SequenceRegressor: batchSize and numSteps must be positive integers, got ${batch} and ${steps}`,
    );
  }
  if (length !== batch * steps * width) {
    const shape = steps === 1 ? `(${batch}, ${width})` : `(${batch}, ${steps}, ${width})`;
    throw new RangeError(
      `SequenceRegressor: ${what} must be ${shape} = ${batch * steps * width} values, got ${length}`,
    );
  }
}

// SequenceClassifier: many-to-one classification over any recurrent network of the package. The
// network reads the whole sequence; a linear head maps its last hidden state to class logits; the
// loss is the mean softmax cross-entropy against one class per sequence. Trainable with the Trainer
// (trainingStep, validationStep with accuracy), like d2l's language models.
//
// "Last hidden state": for a fused layer (LSTM, GRU, RNN) the top layer's final state h_n of every
// direction, concatenated: forward in time that is the state after the last step; for the reverse
// direction of a bidirectional layer it is the state after reading back to the first step, so both
// halves have seen the whole sequence (PyTorch's h_n[-2:], not output[-1], whose reverse half has seen
// only the last token). For a scratch cell it is its output at the last step.
//
// Inputs: token ids (B, T) row-major as one-hot rows (a fused layer whose numInputs is the vocabulary
// reads the ids directly), or dense features (B, T, numInputs) row-major.

import { Linear } from '../layers/linear.js';
import { RecurrentLayer } from '../layers/recurrent-layer.js';
import { checkIds, oneHotTimeMajor } from '../layers/sequence-ops.js';
import { Module } from '../nn/module.js';
import type { Recurrent, RecurrentState } from '../nn/recurrent.js';
import { createOptimizer, type OptimizerOptions } from '../optim/create.js';
import type { Optimizer, OptimizerName } from '../optim/optimizer.js';
import { at, concatLast, crossEntropy } from '../tensor/ops.js';
import { noGrad } from '../tensor/tape.js';
import { empty, type Tensor } from '../tensor/tensor.js';
import type { ValidationResult } from '../train/trainer.js';
import { freshSeed } from '../nn/init.js';
import { argmax } from './rnnlm-scratch.js';

/** A minibatch of labelled sequences, row-major. */
export interface SequenceBatch {
  /** Token ids (batchSize, numSteps), or dense features (batchSize, numSteps, numInputs). */
  X: ArrayLike<number>;
  /** The class of each sequence, (batchSize), each in [0, numClasses). */
  Y: ArrayLike<number>;
  batchSize: number;
  numSteps: number;
}

/** SequenceClassifier's options. */
export interface SequenceClassifierOptions {
  numClasses: number;
  /** 'tokens' (default): X holds ids in [0, rnn.numInputs), fed as one-hot rows; 'dense': rnn.numInputs features per step. */
  inputs?: 'tokens' | 'dense';
  /** The optimiser configureOptimizers builds (default 'adam'). */
  optimizer?: OptimizerName;
  /** Its learning rate (default 1e-3, PyTorch's Adam default; 'sgd' needs one). */
  lr?: number;
  /** Its other options (betas, momentum, weightDecay, ...). */
  optimizerOptions?: Omit<OptimizerOptions, 'lr'>;
  /** Seed of the head's initial weights (default: a fresh random seed). */
  seed?: number;
}

/** Many-to-one classifier: recurrent network, linear head on the last hidden state, softmax cross-entropy. */
export class SequenceClassifier extends Module {
  readonly numClasses: number;
  readonly inputs: 'tokens' | 'dense';
  readonly head: Linear;
  readonly optimizerName: OptimizerName;
  readonly lr: number;
  private readonly optimizerOptions: Omit<OptimizerOptions, 'lr'>;
  private optimizer: Optimizer | null = null;

  constructor(
    readonly rnn: Recurrent,
    options: SequenceClassifierOptions,
  ) {
    super(rnn.backend);
    const { numClasses, inputs = 'tokens', optimizer = 'adam', lr = 1e-3 } = options;
    if (!Number.isInteger(numClasses) || numClasses < 2) {
      throw new RangeError(`SequenceClassifier: numClasses must be an integer >= 2, got ${numClasses}`);
    }
    if (inputs !== 'tokens' && inputs !== 'dense') {
      throw new RangeError(`SequenceClassifier: inputs must be 'tokens' or 'dense', got '${String(inputs)}'`);
    }
    if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`SequenceClassifier: lr must be positive, got ${lr}`);
    this.numClasses = numClasses;
    this.inputs = inputs;
    this.optimizerName = optimizer;
    this.lr = lr;
    this.optimizerOptions = options.optimizerOptions ?? {};
    this.module('rnn', rnn);
    const seed = options.seed ?? freshSeed();
    this.head = this.module('head', new Linear(rnn.numHiddens, numClasses, { seed, backend: this.backend }));
  }

  /** Logits (B, numClasses) for a batch. */
  forward(batch: SequenceBatch): Tensor {
    const { X, batchSize, numSteps } = batch;
    const rnn = this.rnn;
    if (this.inputs === 'tokens') {
      checkIds(X, batchSize, numSteps, rnn.numInputs);
      if (rnn instanceof RecurrentLayer) {
        // One-hot rows times W_ih^T are rows of W_ih^T: the fused layer reads them by id.
        const [outputs, state] = rnn.forwardTokens(X, batchSize, numSteps);
        return this.head.forward(this.lastHidden(outputs, state));
      }
      return this.forwardInputs(oneHotTimeMajor(this.backend, X, batchSize, numSteps, rnn.numInputs));
    }
    return this.forwardInputs(this.denseInputs(X, batchSize, numSteps));
  }

  /**
   * Logits (B, numClasses) for inputs laid out as the network reads them: (T, B, numInputs), or
   * (B, T, numInputs) for a batch-first fused layer; `state` is the network's initial state. A dense input
   * tensor that requires a gradient gets dL/dx for every step (what the vanishing-gradient lab reads).
   */
  forwardInputs(inputs: Tensor, state?: RecurrentState): Tensor {
    const [outputs, finalState] = this.rnn.forward(inputs, state);
    return this.head.forward(this.lastHidden(outputs, finalState));
  }

  /** The hidden state the head reads (see the file header), (B, rnn.numHiddens). */
  lastHidden(outputs: Tensor[] | Tensor, state: RecurrentState): Tensor {
    const rnn = this.rnn;
    if (rnn instanceof RecurrentLayer) {
      const hN = Array.isArray(state) ? (state as readonly Tensor[])[0] : (state as Tensor);
      const top = (rnn.numLayers - 1) * rnn.numDirections;
      return rnn.bidirectional ? concatLast([at(hN, top), at(hN, top + 1)]) : at(hN, top);
    }
    return Array.isArray(outputs) ? outputs[outputs.length - 1] : at(outputs, outputs.shape[0] - 1);
  }

  /** Mean cross-entropy of logits (B, numClasses) against the classes Y (B). */
  loss(logits: Tensor, Y: ArrayLike<number>): Tensor {
    return crossEntropy(logits, Y);
  }

  trainingStep(batch: SequenceBatch): Tensor {
    return this.loss(this.forward(batch), batch.Y);
  }

  /** Mean loss and accuracy on a batch, without recording gradients. */
  validationStep(batch: SequenceBatch): ValidationResult {
    return noGrad(() => {
      const logits = this.forward(batch);
      const loss = this.loss(logits, batch.Y).item();
      return {
        loss,
        metrics: { accuracy: accuracyOf(logits.toArray(), batch.Y, this.numClasses) },
        count: batch.batchSize,
      };
    });
  }

  /** The most likely class of each sequence, (B). */
  predict(batch: SequenceBatch): Int32Array {
    return noGrad(() => argmaxRows(this.forward(batch).toArray(), this.numClasses));
  }

  /** The optimiser of the options over all parameters (a new one per call; the previous one is released). */
  configureOptimizers(): Optimizer {
    this.optimizer?.dispose();
    this.optimizer = createOptimizer(this.optimizerName, this.parameters(), { ...this.optimizerOptions, lr: this.lr });
    return this.optimizer;
  }

  /** Dense features (B, T, I) row-major -> the tensor the network reads (time-major unless batch-first). */
  private denseInputs(X: ArrayLike<number>, batchSize: number, numSteps: number): Tensor {
    const I = this.rnn.numInputs;
    if (!Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(numSteps) || numSteps < 1) {
      throw new RangeError(`batchSize and numSteps must be positive integers, got ${batchSize} and ${numSteps}`);
    }
    if (X.length !== batchSize * numSteps * I) {
      throw new RangeError(
        `SequenceClassifier: expected ${batchSize} x ${numSteps} x ${I} = ${batchSize * numSteps * I} input values, got ${X.length}`,
      );
    }
    const batchFirst = this.rnn instanceof RecurrentLayer && this.rnn.batchFirst;
    const x = empty(batchFirst ? [batchSize, numSteps, I] : [numSteps, batchSize, I], this.backend);
    const values = this.backend.heap.floats.subarray(x.ptr, x.ptr + x.size);
    if (batchFirst) values.set(X);
    else {
      for (let b = 0; b < batchSize; b++) {
        for (let t = 0; t < numSteps; t++) {
          const from = (b * numSteps + t) * I;
          const to = (t * batchSize + b) * I;
          for (let i = 0; i < I; i++) values[to + i] = X[from + i];
        }
      }
    }
    return x;
  }
}

/** The argmax of each row of logits (rows, numClasses). */
function argmaxRows(logits: Float64Array, numClasses: number): Int32Array {
  const rows = logits.length / numClasses;
  const classes = new Int32Array(rows);
  for (let r = 0; r < rows; r++) classes[r] = argmax(logits.subarray(r * numClasses, (r + 1) * numClasses));
  return classes;
}

/** The share of rows whose argmax is the target. */
export function accuracyOf(logits: Float64Array, targets: ArrayLike<number>, numClasses: number): number {
  const predicted = argmaxRows(logits, numClasses);
  let correct = 0;
  for (let r = 0; r < predicted.length; r++) if (predicted[r] === targets[r]) correct++;
  return correct / predicted.length;
}

// Trainer (d2l 3.4): for each epoch, every training batch runs the book's
// step order (forward and loss, zero grads, backward, clip by global norm,
// SGD step), then the validation batches run without gradients. Perplexity
// per epoch is the mean of the per-batch exp(loss), as d2l's board plots it.

import type { Backend } from '../backend/backend.js';
import { clipGradients } from '../optim/clip.js';
import { endStep, type Tensor } from '../tensor/tensor.js';
import { ProgressBoard } from './board.js';
import { ProgressBar } from './progress-bar.js';

/**
 * What validationStep may return instead of the bare loss: the loss and metrics (e.g. accuracy) of a batch
 * of `count` examples (default 1). The Trainer reports each metric's count-weighted mean per epoch.
 */
export interface ValidationResult {
  loss: number;
  metrics?: Readonly<Record<string, number>>;
  count?: number;
}

export interface TrainableModel<B> {
  readonly backend: Backend;
  parameters(): Map<string, Tensor>;
  trainingStep(batch: B): Tensor;
  validationStep(batch: B): number | ValidationResult;
  configureOptimizers(): { step(): void; zeroGrad(): void };
  train(mode?: boolean): unknown;
  eval(): unknown;
}

export interface DataModule<B> {
  trainBatches(): Iterable<B>;
  valBatches(): Iterable<B>;
  readonly numTrainBatches: number;
  readonly numValBatches: number;
}

export interface BatchEnd {
  epoch: number; // 0-based
  batch: number; // 0-based within the epoch
  numBatches: number;
  loss: number;
  tokens: number;
  seconds: number;
}

export interface EpochRecord {
  epoch: number; // 1-based, as printed
  trainLoss: number;
  trainPerplexity: number;
  valLoss: number;
  valPerplexity: number;
  /** Count-weighted means of the metrics validationStep returned (empty when it returns a bare loss). */
  valMetrics: Record<string, number>;
  seconds: number;
  tokensPerSecond: number;
}

export interface History {
  epochs: EpochRecord[];
  /** d2l's ProgressBoard points: 'train_ppl' (2 per epoch) and 'val_ppl' (1 per epoch). */
  board: ProgressBoard;
  seconds: number;
}

export interface TrainerCallbacks {
  onBatchEnd?(info: BatchEnd): void;
  onEpochEnd?(record: EpochRecord): void;
}

export interface TrainerOptions {
  maxEpochs: number;
  /** Global-norm clipping threshold; 0 disables clipping. */
  gradientClipVal?: number;
  /** Terminal progress bar: default on when stderr is a TTY (Node), off elsewhere. */
  progress?: boolean | ProgressBar;
  callbacks?: TrainerCallbacks[];
}

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
  constructor(
    readonly epoch: number,
    readonly batch: number,
    readonly loss: number,
  ) {
    super(
      `training diverged: the loss is ${loss} at epoch ${epoch + 1}, batch ${batch + 1}` +
        ' (try a smaller learning rate or gradient clipping)',
    );
  }
}

export class Trainer {
  readonly maxEpochs: number;
  readonly gradientClipVal: number;
  readonly callbacks: TrainerCallbacks[];
  private readonly progress: ProgressBar | null;

  constructor(options: TrainerOptions) {
    const { maxEpochs, gradientClipVal = 0 } = options;
    if (!Number.isInteger(maxEpochs) || maxEpochs < 0) {
      throw new RangeError(`Trainer: maxEpochs must be a non-negative integer, got ${maxEpochs}`);
    }
    if (!(gradientClipVal >= 0)) throw new RangeError(`Trainer: gradientClipVal must be >= 0, got ${gradientClipVal}`);
    this.maxEpochs = maxEpochs;
    this.gradientClipVal = gradientClipVal;
    this.callbacks = [...(options.callbacks ?? [])];
    this.progress = makeProgressBar(options.progress);
  }

  fit<B extends { X: ArrayLike<number> }>(model: TrainableModel<B>, data: DataModule<B>): History {
    const backend = model.backend;
    const optimizer = model.configureOptimizers();
    const parameters = [...model.parameters().values()];
    const board = new ProgressBoard();
    const trainEvery = Math.max(1, Math.floor(data.numTrainBatches / 2));
    const valEvery = Math.max(1, Math.floor(data.numValBatches / 1));
    const epochs: EpochRecord[] = [];
    const fitStart = now();
    let trainBatchIndex = 0;

    for (let epoch = 0; epoch < this.maxEpochs; epoch++) {
      const epochStart = now();
      let tokens = 0;
      let lossSum = 0;
      let pplSum = 0;
      let batches = 0;
      model.train();
      for (const batch of data.trainBatches()) {
        const stepStart = now();
        const loss = model.trainingStep(batch);
        optimizer.zeroGrad();
        loss.backward();
        if (this.gradientClipVal > 0) clipGradients(parameters, this.gradientClipVal);
        optimizer.step();
        const value = loss.item();
        endStep(backend);
        if (!Number.isFinite(value)) throw new TrainingDivergedError(epoch, batches, value);

        board.draw(trainBatchIndex / data.numTrainBatches, Math.exp(value), 'train_ppl', trainEvery);
        trainBatchIndex++;
        batches++;
        tokens += batch.X.length;
        lossSum += value;
        pplSum += Math.exp(value);
        const info: BatchEnd = {
          epoch,
          batch: batches - 1,
          numBatches: data.numTrainBatches,
          loss: value,
          tokens: batch.X.length,
          seconds: (now() - stepStart) / 1000,
        };
        for (const c of this.callbacks) c.onBatchEnd?.(info);
        if (this.progress) {
          const elapsed = (now() - fitStart) / 1000;
          const totalBatches = this.maxEpochs * data.numTrainBatches;
          this.progress.update({
            epoch: epoch + 1,
            maxEpochs: this.maxEpochs,
            batch: batches,
            numBatches: data.numTrainBatches,
            loss: value,
            tokensPerSecond: tokens / ((now() - epochStart) / 1000),
            etaSeconds: (elapsed / trainBatchIndex) * (totalBatches - trainBatchIndex),
          });
        }
      }

      model.eval();
      let valLossSum = 0;
      let valPplSum = 0;
      let valBatches = 0;
      const metricSums = new Map<string, number>();
      let metricCount = 0;
      for (const batch of data.valBatches()) {
        const result = model.validationStep(batch);
        endStep(backend);
        const value = typeof result === 'number' ? result : result.loss;
        if (typeof result !== 'number' && result.metrics) {
          const count = result.count ?? 1;
          for (const [name, metric] of Object.entries(result.metrics)) {
            metricSums.set(name, (metricSums.get(name) ?? 0) + metric * count);
          }
          metricCount += count;
        }
        board.draw(epoch + 1, Math.exp(value), 'val_ppl', valEvery);
        valLossSum += value;
        valPplSum += Math.exp(value);
        valBatches++;
      }

      const seconds = (now() - epochStart) / 1000;
      const record: EpochRecord = {
        epoch: epoch + 1,
        trainLoss: lossSum / Math.max(batches, 1),
        trainPerplexity: pplSum / Math.max(batches, 1),
        valLoss: valBatches ? valLossSum / valBatches : NaN,
        valPerplexity: valBatches ? valPplSum / valBatches : NaN,
        valMetrics: Object.fromEntries([...metricSums].map(([name, sum]) => [name, sum / metricCount])),
        seconds,
        tokensPerSecond: tokens / seconds,
      };
      epochs.push(record);
      this.progress?.clear();
      for (const c of this.callbacks) c.onEpochEnd?.(record);
    }
    return { epochs, board, seconds: (now() - fitStart) / 1000 };
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function makeProgressBar(option: boolean | ProgressBar | undefined): ProgressBar | null {
  if (option instanceof ProgressBar) return option;
  const stderr = (
    globalThis as { process?: { stderr?: { isTTY?: boolean; columns?: number; write(s: string): void } } }
  ).process?.stderr;
  const enabled = option ?? Boolean(stderr?.isTTY);
  if (!enabled || !stderr) return null;
  return new ProgressBar({ write: (s) => stderr.write(s), width: stderr.columns });
}

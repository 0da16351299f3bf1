// Trainer (d2l 3.4): for each epoch, every training batch runs the book's
// step order (forward and loss, zero grads, backward, clip by global norm,
// optimiser step), then the validation batches run without gradients.
// Perplexity per epoch is the mean of the per-batch exp(loss), as d2l's board
// plots it.
//
// Around the book's loop: an optimiser and a learning-rate schedule other than
// the model's configureOptimizers() (d2l's SGD), early stopping and keep-best on
// the validation loss, divergence checks that leave the model at its last good
// epoch, a state to resume from, and fitAsync, which runs the same loop but
// hands the event loop a turn after every batch (a page stays responsive).
// fit and fitAsync share one generator, so they compute the same numbers.

import type { Backend } from '../backend/backend.js';
import { globalNorm } from '../backend/clip.js';
import { contiguousRuns, runPointers } from '../nn/parameter-store.js';
import { clipGradients } from '../optim/clip.js';
import { isOptimizer, type OptimizerLike } from '../optim/optimizer.js';
import type { LearningRateSchedule } from '../optim/schedules.js';
import { endStep, type Tensor } from '../tensor/tensor.js';
import { ProgressBoard } from './board.js';
import { DEFAULT_DIVERGENCE_FACTOR, lossProblem, TrainingDivergedError, type DivergenceReason } from './divergence.js';
import { ProgressBar } from './progress-bar.js';
import { ParameterSnapshot } from './snapshot.js';
import type { EpochRecord, TrainerState } from './trainer-state.js';
import { yieldToEventLoop } from './yield.js';

export { TrainingDivergedError } from './divergence.js';
export type { EpochRecord, TrainerState } from './trainer-state.js';

/**
 * What validationStep may return instead of the bare loss: the loss and metrics (e.g. accuracy) of a batch
 * of `count` examples (default 1). The Trainer reports each metric's count-weighted mean per epoch.
 */
export interface ValidationResult {
  loss: number;
  metrics?: Readonly<Record<string, number>>;
  count?: number;
}

/** What Trainer.fit trains: d2l's Module contract (a training step's loss, a validation loss, an optimiser). */
export interface TrainableModel<B> {
  readonly backend: Backend;
  parameters(): Map<string, Tensor>;
  trainingStep(batch: B): Tensor;
  validationStep(batch: B): number | ValidationResult;
  configureOptimizers(): OptimizerLike;
  train(mode?: boolean): unknown;
  eval(): unknown;
}

/** What Trainer.fit reads batches from: d2l's DataModule (TimeMachine is one). */
export interface DataModule<B> {
  trainBatches(): Iterable<B>;
  valBatches(): Iterable<B>;
  readonly numTrainBatches: number;
  readonly numValBatches: number;
  /** The epoch the next trainBatches() serves (TimeMachine has it); a resumed fit sets it. */
  epoch?: number;
}

/** The progress event after each training step (TrainerCallbacks.onBatchEnd). */
export interface BatchEnd {
  epoch: number; // 0-based
  batch: number; // 0-based within the epoch
  numBatches: number;
  loss: number;
  /** The learning rate of this step. */
  lr: number;
  tokens: number;
  seconds: number;
}

/** Why fit returned. */
export type StopReason = 'max-epochs' | 'early-stopping' | 'stopped';

/** What fit returns. */
export interface History {
  epochs: EpochRecord[];
  /** d2l's ProgressBoard points: 'train_ppl' (2 per epoch) and 'val_ppl' (1 per epoch). */
  board: ProgressBoard;
  seconds: number;
  /** 'max-epochs', 'early-stopping' (patience ran out), or 'stopped' (stop() or the abort signal). */
  stopReason: StopReason;
  /** The epoch (1-based) with the best validation loss, and that loss; null without validation. */
  best: { epoch: number; valLoss: number } | null;
}

/** Progress events; fitAsync delivers them between batches too. */
export interface TrainerCallbacks {
  /** After every training step (fitAsync: before it yields). */
  onBatchEnd?(info: BatchEnd): void;
  /** After every epoch's validation; trainer.state() is then the state after this epoch. */
  onEpochEnd?(record: EpochRecord): void;
}

/** Stop when the validation loss has not improved for `patience` epochs. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping (>= 1). */
  patience: number;
  /** An improvement must lower the best validation loss by more than this (default 0). */
  minDelta?: number;
}

/** Trainer settings; only maxEpochs is required (the rest defaults to d2l's behaviour). */
export interface TrainerOptions {
  maxEpochs: number;
  /** Global-norm clipping threshold; 0 disables clipping. */
  gradientClipVal?: number;
  /** Terminal progress bar: default on when stderr is a TTY (Node), off elsewhere. */
  progress?: boolean | ProgressBar;
  callbacks?: TrainerCallbacks[];
  /**
   * The optimiser: a factory called with the model's named parameters at each fit (e.g.
   * `(p) => new Adam(p, { lr: 1e-2 })`), or an instance. Default: `model.configureOptimizers()`, d2l's
   * SGD at the model's lr.
   */
  optimizer?: OptimizerLike | ((parameters: Map<string, Tensor>) => OptimizerLike);
  /** Sets the optimiser's lr from its initial lr at each step of the schedule. */
  lrSchedule?: LearningRateSchedule;
  /** The schedule's step: 'epoch' (default, PyTorch's usual loop) or 'batch' (every optimiser step). */
  lrScheduleInterval?: 'epoch' | 'batch';
  /** Stop when the validation loss stops improving. */
  earlyStopping?: EarlyStoppingOptions;
  /** When fit ends, put back the parameters of the epoch with the best validation loss. */
  keepBest?: boolean;
  /**
   * A training or validation loss over this many times the run's first training loss is divergence
   * (default 100; Infinity checks only for NaN and infinity).
   */
  divergenceFactor?: number;
}

/** Per-fit options: resuming, stopping from outside, extra callbacks. */
export interface FitOptions {
  /** Continue from a state saved by trainer.state() (the model must hold that moment's parameters). */
  resume?: TrainerState;
  /**
   * Start at this epoch (0-based) without a saved state: exact only when the optimiser keeps no state,
   * as d2l's plain SGD (use `resume` otherwise).
   */
  startEpoch?: number;
  /** Aborting stops training after the current batch, as stop() does. */
  signal?: AbortSignal;
  /** Called besides the trainer's callbacks, for this fit only. */
  callbacks?: TrainerCallbacks[];
}

/**
 * d2l's Trainer: `new Trainer({ maxEpochs: 50, gradientClipVal: 1 }).fit(model, data)` runs the book's loop;
 * the other options add an optimiser, a schedule, early stopping and keep-best (see TrainerOptions).
 */
export class Trainer {
  readonly maxEpochs: number;
  readonly gradientClipVal: number;
  readonly callbacks: TrainerCallbacks[];
  readonly lrSchedule: LearningRateSchedule | null;
  readonly lrScheduleInterval: 'epoch' | 'batch';
  readonly earlyStopping: Required<EarlyStoppingOptions> | null;
  readonly keepBest: boolean;
  readonly divergenceFactor: number;
  private readonly optimizerOption: TrainerOptions['optimizer'];
  private readonly progress: ProgressBar | null;
  private stopRequested = false;
  private lastGood: TrainerState | null = null;

  constructor(options: TrainerOptions) {
    const { maxEpochs, gradientClipVal = 0, divergenceFactor = DEFAULT_DIVERGENCE_FACTOR } = options;
    if (!Number.isInteger(maxEpochs) || maxEpochs < 0) {
      throw new RangeError(`Trainer: maxEpochs must be a non-negative integer, got ${maxEpochs}`);
    }
    if (!(gradientClipVal >= 0)) throw new RangeError(`Trainer: gradientClipVal must be >= 0, got ${gradientClipVal}`);
    if (!(divergenceFactor > 1)) {
      throw new RangeError(`Trainer: divergenceFactor must be a number > 1, got ${divergenceFactor}`);
    }
    const interval = options.lrScheduleInterval ?? 'epoch';
    if (interval !== 'epoch' && interval !== 'batch') {
      throw new RangeError(`Trainer: lrScheduleInterval must be 'epoch' or 'batch', got '${interval}'`);
    }
    const early = options.earlyStopping;
    if (early) {
      if (!Number.isInteger(early.patience) || early.patience < 1) {
        throw new RangeError(`Trainer: earlyStopping.patience must be a positive integer, got ${early.patience}`);
      }
      if (!((early.minDelta ?? 0) >= 0)) {
        throw new RangeError(`Trainer: earlyStopping.minDelta must be >= 0, got ${early.minDelta}`);
      }
    }
    this.maxEpochs = maxEpochs;
    this.gradientClipVal = gradientClipVal;
    this.callbacks = [...(options.callbacks ?? [])];
    this.lrSchedule = options.lrSchedule ?? null;
    this.lrScheduleInterval = interval;
    this.earlyStopping = early ? { patience: early.patience, minDelta: early.minDelta ?? 0 } : null;
    this.keepBest = options.keepBest ?? false;
    this.divergenceFactor = divergenceFactor;
    this.optimizerOption = options.optimizer;
    this.progress = makeProgressBar(options.progress);
  }

  /** Trains synchronously (the book's fit). Returns the history; throws TrainingDivergedError on divergence. */
  fit<B extends { X: ArrayLike<number> }>(
    model: TrainableModel<B>,
    data: DataModule<B>,
    options?: FitOptions,
  ): History {
    const run = this.run(model, data, options ?? {});
    for (;;) {
      const next = run.next();
      if (next.done) return next.value;
    }
  }

  /**
   * Trains like fit, with the same numbers, but yields to the event loop after every batch (timers,
   * input and rendering run; stop() or an aborted signal then ends training after that batch).
   */
  async fitAsync<B extends { X: ArrayLike<number> }>(
    model: TrainableModel<B>,
    data: DataModule<B>,
    options?: FitOptions,
  ): Promise<History> {
    const run = this.run(model, data, options ?? {});
    for (;;) {
      const next = run.next();
      if (next.done) return next.value;
      await yieldToEventLoop();
    }
  }

  /** Ends the running fit after its current batch (from a callback, or from a page while fitAsync runs). */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * The run's state after its last good epoch: what `fit(model, data, { resume })` continues from.
   * Inside onEpochEnd it is the state after that epoch; after a TrainingDivergedError, the state the
   * model was put back to. Fresh containers each call; the float arrays inside are shared (read them,
   * do not write them). Throws before the first fit.
   */
  state(): TrainerState {
    if (!this.lastGood) throw new Error('Trainer.state: no fit has started yet');
    return copyState(this.lastGood);
  }

  /** The loop, yielding after every batch; fit and fitAsync drive it. */
  private *run<B extends { X: ArrayLike<number> }>(
    model: TrainableModel<B>,
    data: DataModule<B>,
    options: FitOptions,
  ): Generator<void, History, void> {
    const { resume, signal } = options;
    if (resume && options.startEpoch !== undefined) throw new Error('Trainer.fit: give resume or startEpoch, not both');
    const startEpoch = resume?.epoch ?? options.startEpoch ?? 0;
    if (!Number.isInteger(startEpoch) || startEpoch < 0 || startEpoch > this.maxEpochs) {
      throw new RangeError(
        `Trainer.fit: the start epoch must be an integer in [0, ${this.maxEpochs}], got ${startEpoch}`,
      );
    }
    if ((this.earlyStopping || this.keepBest) && data.numValBatches === 0) {
      throw new Error('Trainer.fit: earlyStopping and keepBest need validation batches (numValBatches is 0)');
    }
    const callbacks = [...this.callbacks, ...(options.callbacks ?? [])];
    const backend = model.backend;
    const parameters = model.parameters();
    const runs = contiguousRuns(parameters.values());
    const ownsOptimizer = typeof this.optimizerOption === 'function';
    const optimizer =
      typeof this.optimizerOption === 'function'
        ? this.optimizerOption(parameters)
        : (this.optimizerOption ?? model.configureOptimizers());
    const stateful = isOptimizer(optimizer) ? optimizer : null;
    // Snapshots in arenas: the last good epoch (restored on divergence) and the best one (keepBest).
    let lastGood: ParameterSnapshot | null = null;
    let bestSnapshot: ParameterSnapshot | null = null;
    try {
      if (this.lrSchedule && !stateful) {
        throw new Error('Trainer.fit: lrSchedule needs an optimiser with lr and initialLr (SGD, Adam, AdamW, RMSprop)');
      }
      if (resume?.optimizer) {
        if (!stateful) throw new Error('Trainer.fit: the optimiser cannot load the saved optimiser state');
        stateful.loadState(resume.optimizer);
      }
      if ((resume || options.startEpoch !== undefined) && data.epoch !== undefined) data.epoch = startEpoch;
      lastGood = new ParameterSnapshot(parameters);
      bestSnapshot = this.keepBest ? new ParameterSnapshot(parameters) : null;
      if (bestSnapshot) {
        if (resume?.bestParameters) bestSnapshot.load(resume.bestParameters, 'Trainer.fit: the saved best parameters');
        else bestSnapshot.capture();
      }

      const board = resume ? ProgressBoard.fromJSON(resume.board) : new ProgressBoard();
      const epochs: EpochRecord[] = resume ? resume.history.map((r) => ({ ...r })) : [];
      let firstLoss = resume?.firstLoss ?? null;
      let best = resume?.best ? { ...resume.best } : null;
      let epochsWithoutImprovement = resume?.epochsWithoutImprovement ?? 0;
      let trainBatchIndex = resume?.batches ?? startEpoch * data.numTrainBatches;
      const markGood = (epoch: number) => {
        lastGood!.capture();
        this.lastGood = {
          epoch,
          batches: trainBatchIndex,
          optimizer: stateful ? stateful.state() : null,
          firstLoss,
          best: best && { ...best },
          epochsWithoutImprovement,
          bestParameters: bestSnapshot && best ? bestSnapshot.export() : null,
          history: epochs.map((r) => ({ ...r })),
          board: board.toJSON(),
        };
      };
      const diverge = (epoch: number, batch: number, value: number, reason: DivergenceReason): never => {
        lastGood!.restore();
        const good = this.lastGood!;
        if (stateful && good.optimizer) stateful.loadState(good.optimizer);
        throw new TrainingDivergedError(epoch, batch, value, reason, good.epoch, copyState(good));
      };
      const setLr = (position: number) => {
        if (this.lrSchedule && stateful) stateful.lr = this.lrSchedule.lrAt(position, stateful.initialLr);
      };
      const currentLr = () => (stateful ? stateful.lr : NaN);
      const stopped = () => this.stopRequested || signal?.aborted === true;

      this.stopRequested = false;
      let stopReason: StopReason = 'max-epochs';
      const trainEvery = Math.max(1, Math.floor(data.numTrainBatches / 2));
      const valEvery = Math.max(1, Math.floor(data.numValBatches / 1));
      const fitStart = now();
      markGood(startEpoch);
      if (stopped()) stopReason = 'stopped'; // a signal aborted before the start
      for (let epoch = startEpoch; epoch < this.maxEpochs && stopReason === 'max-epochs'; epoch++) {
        if (this.lrScheduleInterval === 'epoch') setLr(epoch);
        const epochStart = now();
        let tokens = 0;
        let trainSeconds = 0;
        let lossSum = 0;
        let pplSum = 0;
        let batches = 0;
        model.train();
        for (const batch of data.trainBatches()) {
          const stepStart = now();
          if (this.lrScheduleInterval === 'batch') setLr(trainBatchIndex);
          const loss = model.trainingStep(batch);
          const value = loss.item();
          const problem = lossProblem(value, firstLoss, this.divergenceFactor);
          if (problem) {
            endStep(backend);
            diverge(epoch, batches, value, problem);
          }
          firstLoss ??= value;
          optimizer.zeroGrad();
          loss.backward();
          if (this.gradientClipVal > 0) {
            const norm = clipGradients(parameters.values(), this.gradientClipVal);
            if (!Number.isFinite(norm)) {
              endStep(backend);
              diverge(epoch, batches, norm, 'gradients');
            }
          }
          optimizer.step();
          endStep(backend);
          trainSeconds += (now() - stepStart) / 1000;

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
            lr: currentLr(),
            tokens: batch.X.length,
            seconds: (now() - stepStart) / 1000,
          };
          for (const c of callbacks) c.onBatchEnd?.(info);
          if (this.progress) {
            const elapsed = (now() - fitStart) / 1000;
            const done = trainBatchIndex - startEpoch * data.numTrainBatches;
            const remaining = (this.maxEpochs - epoch) * data.numTrainBatches - batches;
            this.progress.update({
              epoch: epoch + 1,
              maxEpochs: this.maxEpochs,
              batch: batches,
              numBatches: data.numTrainBatches,
              loss: value,
              tokensPerSecond: tokens / trainSeconds,
              etaSeconds: (elapsed / Math.max(done, 1)) * remaining,
            });
          }
          yield;
          if (stopped()) break;
        }
        if (stopped()) {
          stopReason = 'stopped';
          break;
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
          yield;
        }
        const valLoss = valBatches ? valLossSum / valBatches : NaN;
        const parameterNorm = globalNorm(
          backend,
          runs.map((run) => ({ ptr: runPointers(run).values, length: run.length })),
        );
        if (!Number.isFinite(parameterNorm)) diverge(epoch, batches - 1, parameterNorm, 'parameters');
        if (valBatches && lossProblem(valLoss, firstLoss, this.divergenceFactor)) {
          diverge(epoch, batches - 1, valLoss, 'validation');
        }

        const seconds = (now() - epochStart) / 1000;
        const record: EpochRecord = {
          epoch: epoch + 1,
          trainLoss: lossSum / Math.max(batches, 1),
          trainPerplexity: pplSum / Math.max(batches, 1),
          valLoss,
          valPerplexity: valBatches ? valPplSum / valBatches : NaN,
          valMetrics: Object.fromEntries([...metricSums].map(([name, sum]) => [name, sum / metricCount])),
          lr: currentLr(),
          seconds,
          tokensPerSecond: tokens / trainSeconds,
        };
        epochs.push(record);
        if (valBatches) {
          const minDelta = this.earlyStopping?.minDelta ?? 0;
          if (best === null || valLoss < best.valLoss - minDelta) {
            best = { epoch: epoch + 1, valLoss };
            epochsWithoutImprovement = 0;
            bestSnapshot?.capture();
          } else {
            epochsWithoutImprovement++;
          }
        }
        if (this.earlyStopping && epochsWithoutImprovement >= this.earlyStopping.patience) {
          stopReason = 'early-stopping';
        }
        markGood(epoch + 1);
        this.progress?.clear();
        for (const c of callbacks) c.onEpochEnd?.(record);
        if (stopReason === 'max-epochs' && stopped()) stopReason = 'stopped';
      }
      if (bestSnapshot && best) bestSnapshot.restore();
      return {
        epochs,
        board,
        seconds: (now() - fitStart) / 1000,
        stopReason,
        best: best && { ...best },
      };
    } finally {
      this.progress?.clear();
      lastGood?.dispose();
      bestSnapshot?.dispose();
      if (ownsOptimizer && stateful) stateful.dispose();
    }
  }
}

function copyState(state: TrainerState): TrainerState {
  return {
    ...state,
    optimizer: state.optimizer && { ...state.optimizer, buffers: new Map(state.optimizer.buffers) },
    best: state.best && { ...state.best },
    bestParameters: state.bestParameters && new Map(state.bestParameters),
    history: state.history.map((r) => ({ ...r })),
    board: ProgressBoard.fromJSON(state.board).toJSON(),
  };
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

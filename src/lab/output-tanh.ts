// Exercise 4 of the chapter (d2l 10.1): C~ is already in (-1, 1), so why H = O * tanh(C) and not H = O * C?
// Because C is not bounded: C_t = F_t * C_{t-1} + I_t * C~_t can add up to |C| > 1 over steps when the
// forget gate stays open, and without the tanh those values reach H, the output layer and the next
// step's gates. The lab trains the chapter's LSTM language model both ways (d2l 10.1's settings) and
// reports the perplexity and the range of H and C on the validation windows.

import type { Backend } from '../backend/backend.js';
import { TimeMachine } from '../data/time-machine.js';
import { LSTMScratch } from '../models/lstm-scratch.js';
import { RNNLMScratch } from '../models/rnnlm-scratch.js';
import { noGrad } from '../tensor/tape.js';
import { endStep } from '../tensor/tensor.js';
import { Trainer, TrainingDivergedError, type EpochRecord } from '../train/trainer.js';
import { Random } from '../util/random.js';
import type { SectionHooks } from './checksum.js';
import { SEED_STREAMS, type TanhSettings } from './settings.js';

/** Summary statistics of a state's values. */
export interface ValueRange {
  min: number;
  max: number;
  /** Mean of |value|. */
  meanAbs: number;
  /** Share of the values with |value| > 1. */
  outsideUnit: number;
}

/** One language model. */
export interface TanhRun {
  outputTanh: boolean;
  /** Per epoch. */
  trainPerplexity: number[];
  valPerplexity: number[];
  /** H and C over the validation windows, after training. */
  hidden: ValueRange;
  cell: ValueRange;
  /** Set when training diverged (the epoch records stop there). */
  diverged?: string;
  seconds: number;
}

/** The section's numbers. */
export interface TanhResult {
  runs: TanhRun[];
}

/** Trains the chapter's LSTM LM on `text` (the Time Machine) with and without the output tanh. */
export async function runOutputTanh(
  settings: TanhSettings,
  seed: number,
  text: string,
  backend: Backend,
  hooks: SectionHooks = {},
): Promise<TanhResult> {
  const runs: TanhRun[] = [];
  for (const outputTanh of [true, false]) {
    await hooks.pause?.();
    const data = new TimeMachine({
      text,
      batchSize: settings.batchSize,
      numSteps: settings.numSteps,
      seed: Random.deriveSeed(seed, SEED_STREAMS.languageData),
    });
    const V = data.vocab.length;
    const modelSeed = Random.deriveSeed(seed, SEED_STREAMS.languageWeights);
    const lstm = new LSTMScratch(V, settings.hidden, 0.01, { seed: modelSeed, backend, outputTanh });
    const model = new RNNLMScratch(lstm, { vocabSize: V, lr: settings.lr, seed: modelSeed });
    const epochs: EpochRecord[] = [];
    const trainer = new Trainer({
      maxEpochs: settings.epochs,
      gradientClipVal: settings.clip,
      progress: false,
      callbacks: [{ onEpochEnd: (record) => epochs.push(record) }],
    });
    const start = now();
    let diverged: string | undefined;
    try {
      trainer.fit(model, data);
    } catch (error) {
      if (!(error instanceof TrainingDivergedError)) throw error;
      endStep(backend);
      diverged = error.message;
    }
    const [hidden, cell] = stateRanges(lstm, model, data);
    const run: TanhRun = {
      outputTanh,
      trainPerplexity: epochs.map((e) => e.trainPerplexity),
      valPerplexity: epochs.map((e) => e.valPerplexity),
      hidden,
      cell,
      seconds: (now() - start) / 1000,
    };
    if (diverged) run.diverged = diverged;
    runs.push(run);
    const last = run.valPerplexity[run.valPerplexity.length - 1];
    hooks.onProgress?.(
      `tanh: H = O * ${outputTanh ? 'tanh(C)' : 'C'}: val perplexity ${last?.toFixed(2) ?? '-'}, ` +
        `H in [${hidden.min.toFixed(2)}, ${hidden.max.toFixed(2)}]${diverged ? ' (diverged)' : ''}`,
    );
  }
  return { runs };
}

/** The range of H and of C over every validation window and step. */
function stateRanges(lstm: LSTMScratch, model: RNNLMScratch, data: TimeMachine): [ValueRange, ValueRange] {
  const hidden = new RangeAccumulator();
  const cell = new RangeAccumulator();
  for (const batch of data.valBatches()) {
    noGrad(() =>
      lstm.forward(model.oneHot(batch.X, batch.batchSize, batch.numSteps), undefined, {
        onStep: (_t, { H, C }) => {
          hidden.add(H.toArray());
          cell.add(C.toArray());
        },
      }),
    );
    endStep(lstm.backend);
  }
  return [hidden.range(), cell.range()];
}

class RangeAccumulator {
  private min = Infinity;
  private max = -Infinity;
  private absSum = 0;
  private outside = 0;
  private count = 0;

  add(values: Float64Array): void {
    for (const v of values) {
      this.min = Math.min(this.min, v);
      this.max = Math.max(this.max, v);
      this.absSum += Math.abs(v);
      if (Math.abs(v) > 1) this.outside++;
    }
    this.count += values.length;
  }

  range(): ValueRange {
    return { min: this.min, max: this.max, meanAbs: this.absSum / this.count, outsideUnit: this.outside / this.count };
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

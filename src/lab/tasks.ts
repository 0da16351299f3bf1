// The lab's synthetic tasks, one for each situation the chapter motivates gates with, and the data
// module the Trainer reads them through. Every task draws its sequences from a seeded generator, so a
// seed reproduces every batch; labels follow from the tokens by the rule each task states.
//
// - checksum: an early observation decides the end. Random digits; the label says whether the last
//   digit is greater than the first. The last digit and the label are drawn first and the first digit
//   given them, so P(label | last digit) = 1/2 for every last digit: a model that has forgotten the
//   first token is at chance, 0.5, whatever else it saw.
// - markup: tokens that carry nothing. A few digits among markup tags; the label is whether most
//   digits are high (5-9). The tags must be skipped.
// - reset: a logical break. Digits and reset markers '|'; the label is whether most digits after the
//   last marker are high. Whatever came before the last marker must be forgotten there.

import type { SequenceBatch } from '../models/sequence-classifier.js';
import type { DataModule } from '../train/trainer.js';
import { Random } from '../util/random.js';

/** What each token of a task is to the task: informative, filler to skip, or a marker to reset at. */
export type TokenRole = 'digit' | 'filler' | 'marker';

/** A labelled-sequence task: its tokens, sizes and a seeded batch generator. */
export interface SequenceTask {
  readonly name: string;
  /** The rule, in one sentence, for reports. */
  readonly description: string;
  /** Token id -> how a report prints it. */
  readonly tokens: readonly string[];
  /** Token id -> its role (what the gate plots mark). */
  readonly roles: readonly TokenRole[];
  readonly numClasses: number;
  readonly numSteps: number;
  /** batchSize labelled sequences drawn from `random`. */
  batch(random: Random, batchSize: number): SequenceBatch;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const DIGIT_ROLES: TokenRole[] = DIGITS.map(() => 'digit');

/** A batch whose rows `fillRow` writes (its tokens into `row`, one sequence) and labels (its return value). */
function batchOf(batchSize: number, numSteps: number, fillRow: (row: Int32Array) => number): SequenceBatch {
  const X = new Int32Array(batchSize * numSteps);
  const Y = new Int32Array(batchSize);
  for (let b = 0; b < batchSize; b++) Y[b] = fillRow(X.subarray(b * numSteps, (b + 1) * numSteps));
  return { X, Y, batchSize, numSteps };
}

function checkLength(task: string, numSteps: number, min: number): void {
  if (!Number.isInteger(numSteps) || numSteps < min) {
    throw new RangeError(`${task}: numSteps must be an integer >= ${min}, got ${numSteps}`);
  }
}

/** The checksum task: is the last of numSteps random digits greater than the first? (See the file header.) */
export function checksumTask(numSteps: number): SequenceTask {
  checkLength('checksumTask', numSteps, 2);
  return {
    name: 'checksum',
    description:
      'random digits; label 1 when the last digit is greater than the first (the last digit alone says nothing: P(label | last) = 1/2)',
    tokens: DIGITS,
    roles: DIGIT_ROLES,
    numClasses: 2,
    numSteps,
    batch: (random, batchSize) =>
      batchOf(batchSize, numSteps, (row) => {
        for (let t = 1; t < numSteps - 1; t++) row[t] = random.int(10);
        const last = 1 + random.int(8); // 1..8: both answers stay possible
        const greater = random.uniform() < 0.5;
        row[0] = greater ? random.int(last) : last + 1 + random.int(9 - last);
        row[numSteps - 1] = last;
        return greater ? 1 : 0;
      }),
  };
}

const TAGS = ['<p>', '</p>', '<b>', '</b>', '<br>', '&nbsp;'];

/**
 * The markup task: `numDigits` (odd) digits at random places among markup tags, numSteps tokens in all;
 * label 1 when most digits are high (5-9).
 */
export function markupTask(numSteps: number, numDigits = 5): SequenceTask {
  if (!Number.isInteger(numDigits) || numDigits < 1 || numDigits % 2 === 0) {
    throw new RangeError(`markupTask: numDigits must be an odd positive integer, got ${numDigits}`);
  }
  checkLength('markupTask', numSteps, numDigits);
  return {
    name: 'markup',
    description: `${numDigits} digits among markup tags; label 1 when most digits are high (5-9)`,
    tokens: [...DIGITS, ...TAGS],
    roles: [...DIGIT_ROLES, ...TAGS.map((): TokenRole => 'filler')],
    numClasses: 2,
    numSteps,
    batch(random, batchSize) {
      const positions = Array.from({ length: numSteps }, (_, t) => t);
      return batchOf(batchSize, numSteps, (row) => {
        for (let t = 0; t < numSteps; t++) row[t] = 10 + random.int(TAGS.length);
        random.shuffle(positions);
        let high = 0;
        for (let k = 0; k < numDigits; k++) {
          const digit = random.int(10);
          row[positions[k]] = digit;
          if (digit >= 5) high++;
        }
        return 2 * high > numDigits ? 1 : 0;
      });
    },
  };
}

const MARKER = '|';

/**
 * The reset task: digits and reset markers '|', numSteps tokens; the last marker is followed by an odd
 * number of digits (3 up to about a third of the sequence); label 1 when most of those are high (5-9).
 */
export function resetTask(numSteps: number): SequenceTask {
  checkLength('resetTask', numSteps, 8);
  const maxTail = Math.max(3, Math.floor(numSteps / 3));
  const markerId = 10;
  return {
    name: 'reset',
    description: "digits and reset markers '|'; label 1 when most digits after the last marker are high (5-9)",
    tokens: [...DIGITS, MARKER],
    roles: [...DIGIT_ROLES, 'marker'],
    numClasses: 2,
    numSteps,
    batch: (random, batchSize) =>
      batchOf(batchSize, numSteps, (row) => {
        const tail = 3 + 2 * random.int(Math.floor((maxTail - 3) / 2) + 1); // odd, 3..maxTail
        const lastMarker = numSteps - 1 - tail;
        for (let t = 0; t < numSteps; t++) row[t] = random.int(10);
        row[lastMarker] = markerId;
        // Up to two earlier markers: earlier segments are there to be forgotten.
        for (let m = random.int(3); m > 0; m--) if (lastMarker > 1) row[random.int(lastMarker)] = markerId;
        let high = 0;
        for (let t = lastMarker + 1; t < numSteps; t++) if (row[t] >= 5) high++;
        return 2 * high > tail ? 1 : 0;
      }),
  };
}

/** SequenceTaskData's options. */
export interface TaskDataOptions {
  batchSize: number;
  /** Training batches per epoch, fresh ones every epoch. */
  numTrainBatches: number;
  /** Validation batches, the same every epoch. */
  numValBatches: number;
  seed: number;
}

/**
 * A task as the Trainer's data module: every epoch draws new training batches (stream `epoch + 1` of
 * the seed); the validation batches are drawn once (stream 0) and reused, so epochs are compared on
 * the same sequences.
 */
export class SequenceTaskData implements DataModule<SequenceBatch> {
  readonly numTrainBatches: number;
  readonly numValBatches: number;
  readonly batchSize: number;
  readonly seed: number;
  /** The epoch the next trainBatches() serves (0-based); the Trainer sets it when it resumes a run. */
  epoch = 0;
  private readonly validation: SequenceBatch[];

  constructor(
    readonly task: SequenceTask,
    options: TaskDataOptions,
  ) {
    const { batchSize, numTrainBatches, numValBatches, seed } = options;
    for (const [key, value] of [
      ['batchSize', batchSize],
      ['numTrainBatches', numTrainBatches],
      ['numValBatches', numValBatches],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`SequenceTaskData: ${key} must be a positive integer, got ${value}`);
      }
    }
    this.batchSize = batchSize;
    this.numTrainBatches = numTrainBatches;
    this.numValBatches = numValBatches;
    this.seed = seed;
    const random = new Random(Random.deriveSeed(seed, 0));
    this.validation = Array.from({ length: numValBatches }, () => task.batch(random, batchSize));
  }

  *trainBatches(): Iterable<SequenceBatch> {
    const random = new Random(Random.deriveSeed(this.seed, ++this.epoch));
    for (let i = 0; i < this.numTrainBatches; i++) yield this.task.batch(random, this.batchSize);
  }

  valBatches(): Iterable<SequenceBatch> {
    return this.validation;
  }
}

// Small training setups the trainer suites share: a pattern a tiny model learns
// in a few epochs, and a slice of the chapter's setup on the real corpus.
import { LSTMScratch } from '../../src/models/lstm-scratch.js';
import { RNNLMScratch } from '../../src/models/rnnlm-scratch.js';
import { TimeMachine, type Backend, type TokenBatch } from '../../src/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { randomFill } from './backends.js';
import { readCorpusText } from './corpus.js';

/** A tiny data module: a repeating pattern of 4 tokens that a model can learn (same batches every epoch). */
export function patternData(numTrainBatches: number, numValBatches: number, batchSize = 8, numSteps = 6) {
  const rand = randomFill(1);
  const make = (): TokenBatch => {
    const X = new Int32Array(batchSize * numSteps);
    const Y = new Int32Array(batchSize * numSteps);
    for (let b = 0; b < batchSize; b++) {
      const start = Math.floor(rand(0, 4));
      for (let t = 0; t < numSteps; t++) {
        X[b * numSteps + t] = (start + t) % 4;
        Y[b * numSteps + t] = (start + t + 1) % 4;
      }
    }
    return { X, Y, batchSize, numSteps };
  };
  const train = Array.from({ length: numTrainBatches }, make);
  const val = Array.from({ length: numValBatches }, make);
  return { trainBatches: () => train, valBatches: () => val, numTrainBatches, numValBatches };
}

/** An LSTMScratch language model over the pattern's 4 tokens (seeded). */
export function patternModel(backend: Backend, lr = 2): RNNLMScratch {
  return new RNNLMScratch(new LSTMScratch(4, 8, 0.3, { seed: 1, backend }), { vocabSize: 4, lr, seed: 2 });
}

/**
 * The chapter's data on a slice of the real corpus: d2l's batch of 1024 windows of 32 steps, but 4096
 * training and 1024 validation windows (4 and 1 batches per epoch), seeded shuffles.
 */
export function chapterData(options: { batchSize?: number; numTrain?: number; numVal?: number } = {}): TimeMachine {
  const { batchSize = 1024, numTrain = 4096, numVal = 1024 } = options;
  return new TimeMachine({ text: readCorpusText(), batchSize, numSteps: 32, numTrain, numVal, seed: 7 });
}

/** Copies of every parameter's values, by name. */
export function parameterValues(parameters: Map<string, Tensor>): Record<string, number[]> {
  return Object.fromEntries([...parameters].map(([name, p]) => [name, [...p.toArray()]]));
}

// The model-level workloads, on this package's backends: the fused layers (LSTM, GRU, RNN)
// alone, the concise language model RNNLM around them, and the chapter's scratch model.
// Every workload is built once per backend and called many times; one call is one
// forward, one forward+backward, one training step, or one generated sequence.

import { randomFloats } from './fixtures.js';

/** Vocabulary size of the workloads: the chapter's character vocabulary (26 letters, space, <unk>). */
export const VOCAB = 28;
/** SGD learning rate of every training step (the cost of a step does not depend on it). */
export const LEARNING_RATE = 1;
/** Global-norm clipping threshold, as the chapter trains. */
export const CLIP = 1;

/** The workloads of the issue: C1 the chapter's LSTM, C2 a wider one; C3 (generation) is B = 1, H = 256. */
export const SHAPES = {
  C1: { B: 1024, T: 32, H: 32 },
  C2: { B: 64, T: 64, H: 256 },
};

export const CELLS = ['rnn', 'gru', 'lstm'];
/** Gate blocks per hidden unit. */
export const GATES = { lstm: 4, gru: 3, rnn: 1 };
export const CELL_TITLES = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' };

// ---- nominal flops (matmuls only; elementwise work is not counted) ------------------------------

/** Per token (one row of one time step) of the recurrent product h W_hh^T. */
export function recurrentFlops(cell, H) {
  return 2 * H * GATES[cell] * H;
}
/** Per token of a dense input projection x W_ih^T (I inputs). */
export function inputFlops(cell, I, H) {
  return 2 * I * GATES[cell] * H;
}
/** Per token of the dense output layer (H -> V). */
export function outputFlops(H, V = VOCAB) {
  return 2 * H * V;
}

/** Nominal flops of one call of each workload kind, for B x T tokens. */
export const NOMINAL_FLOPS = {
  /** Layer on dense inputs (I wide): input projection and recurrence. */
  layerForward: (cell, { B, T, H }, I = VOCAB) => B * T * (inputFlops(cell, I, H) + recurrentFlops(cell, H)),
  /** ... and backward without an input gradient: dW_ih (1x input), dW_hh and dh (2x recurrence). */
  layerForwardBackward: (cell, { B, T, H }, I = VOCAB) =>
    B * T * (2 * inputFlops(cell, I, H) + 3 * recurrentFlops(cell, H)),
  /** Language model on token ids: the input projection is a gather (no flops), then recurrence and output layer. */
  lmForward: (cell, { B, T, H }) => B * T * (recurrentFlops(cell, H) + outputFlops(H)),
  /** Training step: forward, then both gradients of the recurrence and of the output layer. */
  lmTraining: (cell, { B, T, H }) => 3 * B * T * (recurrentFlops(cell, H) + outputFlops(H)),
};

// ---- data ---------------------------------------------------------------------------------------

/** Deterministic token ids in [0, VOCAB), (B, T) row-major. */
export function tokenIds(count, seed) {
  const u = randomFloats(count, seed, 0, 1);
  return Int32Array.from(u, (v) => Math.min(VOCAB - 1, Math.floor(v * VOCAB)));
}

/** A vocabulary of VOCAB one-character tokens, what predict needs. */
export function benchVocab() {
  const idxToToken = [...'abcdefghijklmnopqrstuvwxyz ', '#'];
  return {
    length: idxToToken.length,
    idxToToken,
    indexOf: (token) => {
      const i = idxToToken.indexOf(token);
      return i < 0 ? idxToToken.length - 1 : i;
    },
  };
}

/** The package's fused layer class for a cell name of the suites ('lstm', 'gru', 'rnn'). */
function layerClass(lib, cell) {
  return { lstm: lib.LSTM, gru: lib.GRU, rnn: lib.RNN }[cell];
}

/** A long-lived tensor (T, B, I) of `data`, outside the scratch arena, so it survives endStep. */
export function persistentTensor(lib, backend, data, shape) {
  const arena = backend.createArena('bench-input', data.length);
  const slice = arena.allocate(data.length);
  slice.view().set(data);
  const storage = new lib.Storage(backend, slice, arena, null);
  return { tensor: new lib.Tensor(storage, shape), dispose: () => arena.dispose() };
}

// ---- workloads ----------------------------------------------------------------------------------

/**
 * A fused layer on dense inputs x (T, B, I): `forward()` under noGrad, or `forwardBackward()`:
 * loss = sum(out * R) for a fixed random R, backward into the layer's weights.
 */
export async function layerWorkload(lib, backend, cell, { B, T, H }, I = VOCAB, seed = 11) {
  const Layer = layerClass(lib, cell);
  const { ops } = lib;
  const layer = new Layer({ numInputs: I, numHiddens: H, seed, backend });
  const x = persistentTensor(lib, backend, randomFloats(T * B * I, seed + 1), [T, B, I]);
  const r = persistentTensor(lib, backend, randomFloats(T * B * H, seed + 2), [T, B, H]);
  let lastOutput;
  const forward = () => {
    lib.noGrad(() => layer.forward(x.tensor));
    lib.endStep(backend);
  };
  const forwardBackward = () => {
    layer.zeroGrad();
    const [out] = layer.forward(x.tensor);
    ops.sum(ops.mul(out, r.tensor)).backward();
    lib.endStep(backend);
  };
  /** The outputs' last row, for checks. */
  const sampleOutput = () => {
    const values = lib.noGrad(() => layer.forward(x.tensor)[0].toArray());
    lib.endStep(backend);
    lastOutput = values.subarray(values.length - B * H);
    return lastOutput;
  };
  const gradientNorm = () => {
    let sum = 0;
    for (const p of layer.parameters().values()) for (const g of p.gradToArray() ?? []) sum += g * g;
    return Math.sqrt(sum);
  };
  return {
    forward,
    forwardBackward,
    sampleOutput,
    gradientNorm,
    dispose: () => {
      x.dispose();
      r.dispose();
    },
  };
}

/**
 * RNNLM around a fused layer (token ids in), or the chapter's scratch model (RNNLMScratch
 * around LSTMScratch, one-hot inputs): `trainingStep()` is the Trainer's step (forward, loss,
 * zeroGrad, backward, clip at CLIP, SGD step, endStep); `forward()` is the logits under noGrad.
 */
export async function languageModelWorkload(lib, backend, cell, { B, T, H }, { scratch = false, seed = 21 } = {}) {
  let model;
  if (scratch) {
    if (cell !== 'lstm') throw new Error('only the LSTM scratch model is benchmarked');
    model = new lib.RNNLMScratch(new lib.LSTMScratch(VOCAB, H, 0.01, { seed, backend }), {
      vocabSize: VOCAB,
      lr: LEARNING_RATE,
      seed: seed + 1,
    });
  } else {
    const Layer = layerClass(lib, cell);
    model = new lib.RNNLM(new Layer({ numInputs: VOCAB, numHiddens: H, seed, backend }), {
      vocabSize: VOCAB,
      lr: LEARNING_RATE,
      seed: seed + 1,
    });
  }
  const step = trainerStep(lib, backend, model);
  const batchOf = (rows) => ({
    X: tokenIds(rows * T, seed + 2),
    Y: tokenIds(rows * T, seed + 3),
    batchSize: rows,
    numSteps: T,
  });
  const batch = batchOf(B);
  const small = batchOf(Math.min(B, 4));
  const losses = [];
  return {
    model,
    trainingStep: () => recordLoss(losses, step(batch)),
    /** The same step on a 4-row batch: warms up the code without the full cost. */
    smallTrainingStep: () => step(small),
    forward: () => {
      lib.noGrad(() => model.forward(batch.X, B, T));
      lib.endStep(backend);
    },
    smallForward: () => {
      lib.noGrad(() => model.forward(small.X, small.batchSize, T));
      lib.endStep(backend);
    },
    losses,
    /** Mean loss of the full batch under noGrad (for checks). */
    evaluate: () => {
      const value = lib.noGrad(() => model.trainingStep(batch).item());
      lib.endStep(backend);
      return value;
    },
  };
}

/**
 * The Trainer's step on `model` (forward and loss via trainingStep, zeroGrad, backward, global-norm
 * clipping at CLIP, the model's optimiser, endStep): a function of the batch returning the loss.
 */
export function trainerStep(lib, backend, model) {
  const optimizer = model.configureOptimizers();
  const parameters = [...model.parameters().values()];
  return (batch) => {
    const loss = model.trainingStep(batch);
    optimizer.zeroGrad();
    loss.backward();
    lib.clipGradients(parameters, CLIP);
    optimizer.step();
    const value = loss.item();
    lib.endStep(backend);
    return value;
  };
}

/** Appends a step's loss, keeping the first and the recent ones (a long run must not grow the list). */
export function recordLoss(losses, value) {
  losses.push(value);
  if (losses.length > 64) losses.splice(1, losses.length - 32);
}

/** Undefined when the losses of a training run look right, else what is wrong. */
export function checkLosses(losses) {
  if (losses.length === 0) return 'no training step ran';
  const bad = losses.find((l) => !Number.isFinite(l));
  if (bad !== undefined) return `loss ${bad}`;
  // Untrained, the model predicts about uniformly over VOCAB tokens: loss ~ ln VOCAB.
  const expected = Math.log(VOCAB);
  if (Math.abs(losses[0] - expected) > 0.7)
    return `first loss ${losses[0].toFixed(3)}, expected about ln ${VOCAB} = ${expected.toFixed(3)}`;
  return undefined;
}

/** Undefined when recurrent outputs (all |h| <= 1, tanh-bounded) look right. */
export function checkHidden(values) {
  let nonZero = 0;
  for (const v of values) {
    if (!(Math.abs(v) <= 1)) return `hidden value ${v}, outside [-1, 1]`;
    if (v !== 0) nonZero++;
  }
  return nonZero === 0 ? 'every hidden value is 0' : undefined;
}

// Gradient flow through time, measured: for a classifier whose loss sits at the last step, the norm of
// dL/dh_t and dL/dx_t at every lag k = T - 1 - t, averaged over a batch, beside what the mathematics
// predicts for each cell:
//
//   RNN   h_t = tanh(a_t), a_t = x_t W_xh + h_{t-1} W_hh + b:
//         dL/dh_{t-1} = (dL/dh_t * tanh'(a_t)) W_hh^T, so
//         |dL/dh_t| <= |dL/dh_{T-1}| prod_{s=t+1}^{T-1} sigma_max(W_hh) max_j tanh'(a_{s,j})
//   LSTM  c_t = f_t * c_{t-1} + i_t * c~_t: along the cell path alone dc_T/dc_t = diag(prod_{s=t+1}^{T} f_s),
//         a product of numbers in (0, 1) that stays near 1 only where the forget gates stay open
//   GRU   h_t = z_t * h_{t-1} + (1 - z_t) * h~_t: the same with the update gate z in the role of f
//
// The model's weights are copied to a float64 backend (no underflow at long lags): dL/dx_t comes from the
// fused layer's backward (BPTT kernels) and from the scratch twin's autograd, whose per-step tensors also
// give dL/dh_t and dL/dc_t; the two dL/dx_t must agree (their largest difference is reported).

import type { Backend } from '../backend/backend.js';
import { RecurrentLayer } from '../layers/recurrent-layer.js';
import { oneHotTimeMajor } from '../layers/sequence-ops.js';
import type { Module } from '../nn/module.js';
import { SequenceClassifier, accuracyOf, type SequenceBatch } from '../models/sequence-classifier.js';
import { crossEntropy } from '../tensor/ops.js';
import { endStep, type Tensor } from '../tensor/tensor.js';
import { createLayer } from './cells.js';
import { scratchTwin } from './scratch-twin.js';

/** Per-lag measurements of one model on one batch; every array is indexed by lag k = T - 1 - t. */
export interface GradientProfile {
  /** Mean over the batch of |dL_b/dh_t| (per-example loss L_b), from the scratch twin's autograd. */
  hidden: number[];
  /** Mean over the batch of |dL_b/dx_t|, from the fused layer's backward. */
  input: number[];
  /** The same from the scratch twin. */
  inputScratch: number[];
  /** The largest |fused - scratch| over every dL/dx_t value, relative to the largest |dL/dx_t|. */
  fusedScratchDifference: number;
  /** LSTM: mean over the batch of |dL_b/dc_t|. */
  cell?: number[];
  /** LSTM: prod_{s=t+1}^{T-1} f_s, the mean over the batch and the units. */
  forgetProductMean?: number[];
  /** LSTM: the same product averaged over the batch, for the unit where it is largest. */
  forgetProductMax?: number[];
  /** GRU: prod_{s=t+1}^{T-1} z_s (the update gate's keep share), the mean over the batch and the units. */
  updateProductMean?: number[];
  /** GRU: the same for the unit where it is largest. */
  updateProductMax?: number[];
  /** RNN: the largest singular value of W_hh. */
  spectralNorm?: number;
  /** RNN: the mean over the batch of the bound |dL/dh_{T-1}| prod_{s=t+1}^{T-1} sigma_max max_j tanh'(a_{s,j}). */
  bound?: number[];
  /** Mean cross-entropy and accuracy of the model on the batch. */
  loss: number;
  accuracy: number;
}

/**
 * Measures the gradient flow of `model` (a SequenceClassifier over a one-layer, one-direction fused layer
 * reading token ids) on `batch`, on `backend` (use a float64 js backend), and releases that backend's
 * scratch memory afterwards.
 */
export function measureGradientFlow(
  model: SequenceClassifier,
  batch: SequenceBatch,
  backend: Backend,
): GradientProfile {
  const layer = model.rnn;
  if (!(layer instanceof RecurrentLayer)) throw new TypeError('measureGradientFlow: the model must wrap a fused layer');
  const { X, Y, batchSize: B, numSteps: T } = batch;
  const V = layer.numInputs;

  // The fused layer on the measuring backend, with the model's weights.
  const fused = new SequenceClassifier(createLayer(layer.cell, V, layer.hiddenSize, 0, backend), {
    numClasses: model.numClasses,
    seed: 0,
  });
  copyParameters(model, fused);
  const x = oneHotTimeMajor(backend, X, B, T, V);
  x.requiresGrad = true;
  const fusedLogits = fused.forwardInputs(x);
  const fusedLoss = crossEntropy(fusedLogits, Y);
  const loss = fusedLoss.item();
  const accuracy = accuracyOf(fusedLogits.toArray(), Y, model.numClasses);
  fusedLoss.backward();
  // The loss is a mean over the batch: B times its gradient is each example's own.
  const dxFused = scaled(x.gradToArray()!, B);

  // The scratch twin: one tensor per gate and step.
  const twin = scratchTwin(layer, backend);
  const head = fused.head;
  const xTwin = oneHotTimeMajor(backend, X, B, T, V);
  xTwin.requiresGrad = true;
  const steps: Record<string, Tensor>[] = [];
  const [outputs] = twin.forward(xTwin, undefined, { onStep: (_t, activations) => steps.push({ ...activations }) });
  crossEntropy(head.forward(outputs[T - 1]), Y).backward();
  const dxScratch = scaled(xTwin.gradToArray()!, B);

  const H = layer.hiddenSize;
  const perLag = (perStep: (t: number) => number) => Array.from({ length: T }, (_, k) => perStep(T - 1 - k));
  const gradNorms = (name: string) => {
    const grads = steps.map((s) => scaled(s[name].gradToArray() ?? new Float64Array(B * H), B));
    return perLag((t) => meanRowNorm(grads[t], B, H));
  };
  const profile: GradientProfile = {
    hidden: gradNorms('H'),
    input: perLag((t) => meanRowNorm(dxFused.subarray(t * B * V, (t + 1) * B * V), B, V)),
    inputScratch: perLag((t) => meanRowNorm(dxScratch.subarray(t * B * V, (t + 1) * B * V), B, V)),
    fusedScratchDifference: maxAbsDifference(dxFused, dxScratch) / Math.max(maxAbs(dxFused), Number.MIN_VALUE),
    loss,
    accuracy,
  };
  if (layer.cell === 'lstm') {
    profile.cell = gradNorms('C');
    [profile.forgetProductMean, profile.forgetProductMax] = gateProducts(
      steps.map((s) => s.F.toArray()),
      B,
      H,
    );
  } else if (layer.cell === 'gru') {
    [profile.updateProductMean, profile.updateProductMax] = gateProducts(
      steps.map((s) => s.Z.toArray()),
      B,
      H,
    );
  } else {
    const sigma = largestSingularValue(layer.weights[0][0].weightHh.toArray(), H);
    profile.spectralNorm = sigma;
    const hiddens = steps.map((s) => s.H.toArray());
    const last = scaled(steps[T - 1].H.gradToArray()!, B);
    profile.bound = rnnBound(hiddens, last, sigma, B, H);
  }
  endStep(backend);
  return profile;
}

/**
 * Products of a gate along time, for every lag: P_k[b, j] = prod_{s=T-k}^{T-1} gate_s[b, j] (P_0 = 1).
 * Returns [mean over b and j, max over j of the mean over b], each indexed by lag.
 */
export function gateProducts(gates: readonly Float64Array[], batch: number, hidden: number): [number[], number[]] {
  const T = gates.length;
  const product = new Float64Array(batch * hidden).fill(1);
  const means: number[] = [];
  const maxima: number[] = [];
  for (let k = 0; k < T; k++) {
    if (k > 0) {
      const gate = gates[T - k];
      for (let i = 0; i < product.length; i++) product[i] *= gate[i];
    }
    let total = 0;
    let best = 0;
    for (let j = 0; j < hidden; j++) {
      let unit = 0;
      for (let b = 0; b < batch; b++) unit += product[b * hidden + j];
      total += unit;
      best = Math.max(best, unit / batch);
    }
    means.push(total / (batch * hidden));
    maxima.push(best);
  }
  return [means, maxima];
}

/**
 * The RNN's bound per lag, averaged over the batch: |dL_b/dh_{T-1}| prod_{s=t+1}^{T-1} sigma max_j (1 - h_{s,b,j}^2),
 * from the hidden states h_s (B, H) of every step and dL_b/dh_{T-1} (B, H).
 */
export function rnnBound(
  hiddens: readonly Float64Array[],
  lastGradient: Float64Array,
  sigma: number,
  batch: number,
  hidden: number,
): number[] {
  const T = hiddens.length;
  const factor = Float64Array.from({ length: batch }, (_, b) => rowNorm(lastGradient, b, hidden));
  const bound: number[] = [];
  for (let k = 0; k < T; k++) {
    if (k > 0) {
      const h = hiddens[T - k];
      for (let b = 0; b < batch; b++) {
        let steepest = 0;
        for (let j = 0; j < hidden; j++) steepest = Math.max(steepest, 1 - h[b * hidden + j] ** 2);
        factor[b] *= sigma * steepest;
      }
    }
    bound.push(factor.reduce((a, v) => a + v, 0) / batch);
  }
  return bound;
}

/** The largest singular value of a square (n, n) matrix, by power iteration on M^T M. */
export function largestSingularValue(matrix: ArrayLike<number>, n: number, iterations = 500): number {
  let v = new Float64Array(n).fill(1 / Math.sqrt(n));
  let sigma = 0;
  for (let it = 0; it < iterations; it++) {
    const mv = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mv[i] += matrix[i * n + j] * v[j];
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) next[j] += matrix[i * n + j] * mv[i];
    const norm = Math.hypot(...next);
    if (norm === 0) return 0;
    const estimate = Math.sqrt(norm);
    v = next.map((value) => value / norm);
    if (Math.abs(estimate - sigma) <= 1e-12 * estimate) return estimate;
    sigma = estimate;
  }
  return sigma;
}

/** Copies every parameter of `from` into the parameter of the same name of `to` (any backends). */
export function copyParameters(from: Module, to: Module): void {
  const target = to.parameters();
  for (const [name, tensor] of from.parameters()) {
    const into = target.get(name);
    if (!into || into.size !== tensor.size) throw new Error(`copyParameters: no parameter '${name}' of that size`);
    into.assign(tensor.toArray());
  }
}

function scaled(values: Float64Array, factor: number): Float64Array {
  return values.map((v) => v * factor);
}

function rowNorm(values: ArrayLike<number>, row: number, width: number): number {
  let sum = 0;
  for (let j = 0; j < width; j++) sum += values[row * width + j] ** 2;
  return Math.sqrt(sum);
}

function meanRowNorm(values: ArrayLike<number>, rows: number, width: number): number {
  let total = 0;
  for (let r = 0; r < rows; r++) total += rowNorm(values, r, width);
  return total / rows;
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// Differentiable ops. Each forward computes its output with backend kernels
// and, when recording and an input needs gradients, records a node whose
// backward (written right below the forward) accumulates into the inputs'
// gradients with backend kernels only.
//
// Pointer discipline: allocating may move the scratch arena, so every op
// allocates first (outputs, gradients, temporaries) and reads `.ptr` after.

import type { Backend } from '../backend/backend.js';
import type { ArenaSlice } from '../memory/arena.js';
import { isRecording } from './tape.js';
import { checkShape, empty, Storage, Tensor, type Shape } from './tensor.js';
import { gradsOf, track } from './track.js';

function sameBackend(a: Tensor, b: Tensor, op: string): Backend {
  if (a.backend !== b.backend) {
    throw new Error(`${op}: tensors live on different backends (${a.backend.variant} and ${b.backend.variant})`);
  }
  return a.backend;
}

function sameShape(a: Tensor, b: Tensor, op: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new RangeError(`${op}: shapes [${a.shape}] and [${b.shape}] differ`);
  }
}

// ---- linear algebra -----------------------------------------------------------

/** (m, k) @ (k, n) -> (m, n). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const backend = sameBackend(a, b, 'matmul');
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new RangeError(`matmul: cannot multiply [${a.shape}] by [${b.shape}] (need (m, k) and (k, n))`);
  }
  const [m, k] = a.shape;
  const n = b.shape[1];
  const out = empty([m, n], backend);
  backend.gemm(false, false, m, n, k, 1, a.ptr, k, b.ptr, n, 0, out.ptr, n);
  return track(out, [a, b], () => {
    gradsOf(a, b);
    // dA += dOut B^T ; dB += A^T dOut
    if (a.requiresGrad) backend.gemm(false, true, m, k, n, 1, out.gradPtr, n, b.ptr, n, 1, a.gradPtr, k);
    if (b.requiresGrad) backend.gemm(true, false, k, n, m, 1, a.ptr, k, out.gradPtr, n, 1, b.gradPtr, n);
  });
}

// ---- elementwise ----------------------------------------------------------------

/**
 * a + b. Either the same shape, or b is a bias: a row of a's last dimension,
 * shape (h) or (1, h), broadcast over every row of a (the 1 x h bias over n x h).
 */
export function add(a: Tensor, b: Tensor): Tensor {
  const backend = sameBackend(a, b, 'add');
  const cols = a.shape[a.rank - 1];
  const same = a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);
  const isBias = !same && b.size === cols && b.shape.every((d, i) => i === b.rank - 1 || d === 1);
  if (!same && !isBias) sameShape(a, b, 'add');
  const rows = a.size / Math.max(cols, 1);
  const out = empty(a.shape, backend);
  if (isBias) backend.addBias(a.ptr, b.ptr, out.ptr, rows, cols);
  else backend.add(a.ptr, b.ptr, out.ptr, a.size);
  return track(out, [a, b], () => {
    gradsOf(a, b);
    if (a.requiresGrad) backend.axpy(1, out.gradPtr, a.gradPtr, a.size);
    if (b.requiresGrad) {
      if (isBias) backend.columnSums(out.gradPtr, rows, cols, b.gradPtr, true);
      else backend.axpy(1, out.gradPtr, b.gradPtr, b.size);
    }
  });
}

/** a - b (same shape). */
export function sub(a: Tensor, b: Tensor): Tensor {
  const backend = sameBackend(a, b, 'sub');
  sameShape(a, b, 'sub');
  const out = empty(a.shape, backend);
  backend.sub(a.ptr, b.ptr, out.ptr, a.size);
  return track(out, [a, b], () => {
    gradsOf(a, b);
    if (a.requiresGrad) backend.axpy(1, out.gradPtr, a.gradPtr, a.size);
    if (b.requiresGrad) backend.axpy(-1, out.gradPtr, b.gradPtr, b.size);
  });
}

/** a * b elementwise (same shape). */
export function mul(a: Tensor, b: Tensor): Tensor {
  const backend = sameBackend(a, b, 'mul');
  sameShape(a, b, 'mul');
  const out = empty(a.shape, backend);
  backend.mul(a.ptr, b.ptr, out.ptr, a.size);
  return track(out, [a, b], () => {
    gradsOf(a, b);
    const product = empty(a.shape, backend);
    if (a.requiresGrad) {
      backend.mul(out.gradPtr, b.ptr, product.ptr, a.size);
      backend.axpy(1, product.ptr, a.gradPtr, a.size);
    }
    if (b.requiresGrad) {
      backend.mul(out.gradPtr, a.ptr, product.ptr, a.size);
      backend.axpy(1, product.ptr, b.gradPtr, b.size);
    }
  });
}

/** alpha * a. */
export function scale(a: Tensor, alpha: number): Tensor {
  const backend = a.backend;
  const out = empty(a.shape, backend);
  backend.scale(a.ptr, alpha, out.ptr, a.size);
  return track(out, [a], () => {
    gradsOf(a);
    backend.axpy(alpha, out.gradPtr, a.gradPtr, a.size);
  });
}

export function sigmoid(a: Tensor): Tensor {
  const backend = a.backend;
  const out = empty(a.shape, backend);
  backend.sigmoid(a.ptr, out.ptr, a.size);
  return track(out, [a], () => {
    gradsOf(a);
    backend.sigmoidBackward(out.ptr, out.gradPtr, a.gradPtr, a.size);
  });
}

export function tanh(a: Tensor): Tensor {
  const backend = a.backend;
  const out = empty(a.shape, backend);
  backend.tanh(a.ptr, out.ptr, a.size);
  return track(out, [a], () => {
    gradsOf(a);
    backend.tanhBackward(out.ptr, out.gradPtr, a.gradPtr, a.size);
  });
}

// ---- shape ------------------------------------------------------------------------

/** The same values seen with another shape (shares values and gradient). */
export function reshape(a: Tensor, shape: Shape): Tensor {
  checkShape(shape);
  const size = shape.reduce((x, y) => x * y, 1);
  if (size !== a.size) throw new RangeError(`reshape: cannot view [${a.shape}] (${a.size} values) as [${shape}]`);
  return new Tensor(a.storage, shape, a.offset, a.requiresGrad);
}

/** Index `i` of the first axis, e.g. time step t of a (T, B, d) tensor (shares values and gradient). */
export function at(a: Tensor, i: number): Tensor {
  if (a.rank < 1 || !Number.isInteger(i) || i < 0 || i >= a.shape[0]) {
    throw new RangeError(`at: index ${i} is outside the first axis of [${a.shape}]`);
  }
  const inner = a.size / a.shape[0];
  return new Tensor(a.storage, a.shape.slice(1), a.offset + i * inner, a.requiresGrad);
}

/**
 * The same values cut from the graph (PyTorch's detach): no gradient flows back through the result.
 * Shares the values; nothing is copied.
 */
export function detach(a: Tensor): Tensor {
  return new Tensor(a.storage, a.shape, a.offset, false);
}

/** Stacks same-shaped tensors along a new first axis: n x (d...) -> (n, d...). */
export function stack(parts: readonly Tensor[]): Tensor {
  if (parts.length === 0) throw new RangeError('stack: needs at least one tensor');
  const first = parts[0];
  for (const p of parts) {
    sameBackend(first, p, 'stack');
    sameShape(first, p, 'stack');
  }
  const backend = first.backend;
  const inner = first.size;
  const out = empty([parts.length, ...first.shape], backend);
  parts.forEach((p, i) => backend.copy(p.ptr, out.ptr + i * inner, inner));
  return track(out, [...parts], () => {
    gradsOf(...parts);
    parts.forEach((p, i) => {
      if (p.requiresGrad) backend.axpy(1, out.gradPtr + i * inner, p.gradPtr, inner);
    });
  });
}

/** Concatenates tensors along their last axis: (..., a) and (..., b) -> (..., a + b). */
export function concatLast(parts: readonly Tensor[]): Tensor {
  if (parts.length === 0) throw new RangeError('concatLast: needs at least one tensor');
  const first = parts[0];
  const lead = first.shape.slice(0, -1);
  const rows = lead.reduce((x, y) => x * y, 1);
  for (const p of parts) {
    sameBackend(first, p, 'concatLast');
    if (p.rank !== first.rank || p.shape.slice(0, -1).some((d, i) => d !== lead[i])) {
      throw new RangeError(`concatLast: shapes [${first.shape}] and [${p.shape}] differ before the last axis`);
    }
  }
  const widths = parts.map((p) => p.shape[p.rank - 1]);
  const total = widths.reduce((x, y) => x + y, 0);
  const backend = first.backend;
  const out = empty([...lead, total], backend);
  let column = 0;
  parts.forEach((p, j) => {
    for (let r = 0; r < rows; r++) backend.copy(p.ptr + r * widths[j], out.ptr + r * total + column, widths[j]);
    column += widths[j];
  });
  return track(out, [...parts], () => {
    gradsOf(...parts);
    let col = 0;
    parts.forEach((p, j) => {
      if (p.requiresGrad) {
        for (let r = 0; r < rows; r++) {
          backend.axpy(1, out.gradPtr + r * total + col, p.gradPtr + r * widths[j], widths[j]);
        }
      }
      col += widths[j];
    });
  });
}

// ---- reductions and loss ----------------------------------------------------------

/** Sum of all values, as a one-element tensor. */
export function sum(a: Tensor): Tensor {
  const backend = a.backend;
  const out = empty([1], backend);
  backend.rowSums(a.ptr, 1, a.size, out.ptr, false);
  return track(out, [a], () => {
    gradsOf(a);
    broadcastScalarGrad(backend, out, a, 1);
  });
}

/** Mean of all values, as a one-element tensor. */
export function mean(a: Tensor): Tensor {
  const backend = a.backend;
  const out = empty([1], backend);
  backend.rowSums(a.ptr, 1, a.size, out.ptr, false);
  backend.scale(out.ptr, 1 / a.size, out.ptr, 1);
  return track(out, [a], () => {
    gradsOf(a);
    broadcastScalarGrad(backend, out, a, 1 / a.size);
  });
}

/** a.grad += factor * out.grad[0] everywhere. */
function broadcastScalarGrad(backend: Backend, out: Tensor, a: Tensor, factor: number): void {
  const ones = empty(a.shape, backend);
  backend.fill(ones.ptr, 1, a.size);
  const g = backend.heap.floats[out.gradPtr];
  backend.axpy(factor * g, ones.ptr, a.gradPtr, a.size);
}

/** One-hot rows: ids (n) -> (n, numClasses). Not differentiable (ids are integers). */
export function oneHot(ids: ArrayLike<number>, numClasses: number, backend: Backend): Tensor {
  const out = empty([ids.length, numClasses], backend);
  backend.fill(out.ptr, 0, out.size);
  const floats = backend.heap.floats;
  const base = out.ptr;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= numClasses) {
      throw new RangeError(`oneHot: id ${id} at position ${i} is outside [0, ${numClasses})`);
    }
    floats[base + i * numClasses + id] = 1;
  }
  return out;
}

/** Integer targets copied into the heap (for crossEntropy). */
function targetsInHeap(backend: Backend, targets: ArrayLike<number>, numClasses: number): Storage {
  const slice = backend.scratch.allocate(targets.length);
  const ints = slice.intView();
  // An Int32Array holds integers already: one range check per target instead of Number.isInteger.
  const integral = targets instanceof Int32Array;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (!(t >= 0 && t < numClasses) || (!integral && !Number.isInteger(t))) {
      throw new RangeError(`crossEntropy: target ${t} at row ${i} is outside [0, ${numClasses})`);
    }
    ints[i] = t;
  }
  return new Storage(backend, slice, backend.scratch, backend.scratch.resets);
}

/**
 * Mean softmax cross-entropy of logits (n, V) against integer targets (n), as a one-element tensor.
 * When it records for backward, one kernel computes the loss and the gradient for dLoss = 1 at
 * once; the backward then scales that gradient (or, when the logits have no gradient yet, adopts
 * it as theirs) instead of running a second pass over the logits.
 */
export function crossEntropy(logits: Tensor, targets: ArrayLike<number>): Tensor {
  if (logits.rank !== 2) throw new RangeError(`crossEntropy: logits must be (n, V), got [${logits.shape}]`);
  const [rows, cols] = logits.shape;
  if (targets.length !== rows) {
    throw new RangeError(`crossEntropy: ${targets.length} targets for ${rows} rows of logits`);
  }
  const backend = logits.backend;
  const targetStorage = targetsInHeap(backend, targets, cols);
  const out = empty([1], backend);
  if (!(isRecording() && logits.requiresGrad)) {
    backend.fill(out.ptr, backend.crossEntropyForward(logits.ptr, targetStorage.data.ptr, rows, cols), 1);
    return out;
  }
  const size = rows * cols;
  const gradient = backend.scratch.allocate(size);
  const loss = backend.crossEntropyWithGradient(logits.ptr, targetStorage.data.ptr, rows, cols, gradient.ptr);
  backend.fill(out.ptr, loss, 1);
  return track(out, [logits], () => addLossGradient(logits, gradient, backend.heap.floats[out.gradPtr]));
}

/**
 * input.grad += dLoss * gradient, where `gradient` is a fused loss kernel's gradient for dLoss = 1
 * (a scratch slice of input.size). When nothing else has written a gradient into a scratch input,
 * the slice (scaled in place) becomes its gradient instead: no zero fill, no second pass.
 */
function addLossGradient(input: Tensor, gradient: ArenaSlice, dLoss: number): void {
  const backend = input.backend;
  if (input.canAdoptGrad) {
    input.storage.adoptGrad(gradient);
    if (dLoss !== 1) backend.scale(gradient.ptr, dLoss, gradient.ptr, input.size);
  } else {
    gradsOf(input);
    backend.axpy(dLoss, gradient.ptr, input.gradPtr, input.size);
  }
}

/**
 * Mean squared error between predictions and targets of the same size, as a one-element tensor
 * (PyTorch's mse_loss with reduction 'mean'). `target` is a tensor (gradients flow to it too when it
 * requires them) or plain numbers, copied into the step's scratch memory. As crossEntropy, one kernel
 * computes the loss and its gradient when the call records for backward.
 *
 * @example
 * const loss = ops.mseLoss(model.forward(x), [0.5, -1.25]);
 */
export function mseLoss(prediction: Tensor, target: Tensor | ArrayLike<number>): Tensor {
  return regressionLoss('mseLoss', prediction, target);
}

/**
 * Mean absolute error, mean |prediction - target|, as a one-element tensor (PyTorch's l1_loss with
 * reduction 'mean'); arguments as mseLoss. Its gradient is sign(prediction - target) / n, 0 where the
 * two are equal (the subgradient torch uses at the kink).
 */
export function maeLoss(prediction: Tensor, target: Tensor | ArrayLike<number>): Tensor {
  return regressionLoss('maeLoss', prediction, target);
}

function regressionLoss(op: 'mseLoss' | 'maeLoss', prediction: Tensor, target: Tensor | ArrayLike<number>): Tensor {
  const backend = prediction.backend;
  const n = prediction.size;
  if (n === 0) throw new RangeError(`${op}: the prediction [${prediction.shape}] is empty`);
  let targetTensor: Tensor;
  if (target instanceof Tensor) {
    sameBackend(prediction, target, op);
    sameShape(prediction, target, op);
    targetTensor = target;
  } else {
    if (target.length !== n) {
      throw new RangeError(`${op}: ${target.length} targets for a prediction of shape [${prediction.shape}]`);
    }
    targetTensor = empty(prediction.shape, backend).assign(target);
  }
  const squared = op === 'mseLoss';
  const out = empty([1], backend);
  const needsGrad = isRecording() && (prediction.requiresGrad || targetTensor.requiresGrad);
  if (!needsGrad) {
    const loss = squared
      ? backend.mseForward(prediction.ptr, targetTensor.ptr, n)
      : backend.maeForward(prediction.ptr, targetTensor.ptr, n);
    backend.fill(out.ptr, loss, 1);
    return out;
  }
  const gradient = backend.scratch.allocate(n);
  const loss = squared
    ? backend.mseWithGradient(prediction.ptr, targetTensor.ptr, n, gradient.ptr)
    : backend.maeWithGradient(prediction.ptr, targetTensor.ptr, n, gradient.ptr);
  backend.fill(out.ptr, loss, 1);
  return track(out, [prediction, targetTensor], () => {
    const dLoss = backend.heap.floats[out.gradPtr];
    if (targetTensor.requiresGrad) {
      gradsOf(targetTensor);
      backend.axpy(-dLoss, gradient.ptr, targetTensor.gradPtr, n);
    }
    if (prediction.requiresGrad) addLossGradient(prediction, gradient, dLoss);
  });
}

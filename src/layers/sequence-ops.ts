// Differentiable ops the recurrent layers and the concise language model need
// besides the fused layer itself: a dense layer with PyTorch's weight layout,
// dropout with a seeded mask, and swapping the batch and time axes.

import type { Backend, Ptr } from '../backend/backend.js';
import { oneHot, reshape } from '../tensor/ops.js';
import { empty, type Tensor } from '../tensor/tensor.js';
import { gradsOf, track } from '../tensor/track.js';
import type { Random } from '../util/random.js';

/** x (n, in) W^T + b with W: (out, in) and b: (out), as PyTorch's nn.Linear. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor): Tensor {
  const backend = x.backend;
  const [rows, numIn] = x.shape;
  const numOut = weight.shape[0];
  if (x.rank !== 2 || weight.rank !== 2 || weight.shape[1] !== numIn || bias.size !== numOut) {
    throw new RangeError(`linear: cannot apply weight [${weight.shape}] and bias [${bias.shape}] to [${x.shape}]`);
  }
  const out = empty([rows, numOut], backend);
  linearInto(backend, x.ptr, rows, numIn, weight.ptr, bias.ptr, numOut, out.ptr);
  return track(out, [x, weight, bias], () => {
    // A scratch x without a gradient yet gets dy W written into a fresh slice (no zero fill, no read-back).
    const freshGrad = x.requiresGrad && x.canAdoptGrad;
    if (freshGrad) x.storage.adoptGrad(backend.scratch.allocate(x.size));
    gradsOf(x, weight, bias);
    // dx += dy W ; dW += dy^T x ; db += column sums of dy
    if (x.requiresGrad) {
      backend.gemm(
        false,
        false,
        rows,
        numIn,
        numOut,
        1,
        out.gradPtr,
        numOut,
        weight.ptr,
        numIn,
        freshGrad ? 0 : 1,
        x.gradPtr,
        numIn,
      );
    }
    if (weight.requiresGrad) {
      backend.gemm(true, false, numOut, numIn, rows, 1, out.gradPtr, numOut, x.ptr, numIn, 1, weight.gradPtr, numIn);
    }
    if (bias.requiresGrad) backend.columnSums(out.gradPtr, rows, numOut, bias.gradPtr, true);
  });
}

/**
 * The forward of `linear` on heap buffers, recording nothing (inference):
 * out (rows, numOut) = x (rows, numIn) W^T + b, W: (numOut, numIn), b: (numOut).
 */
export function linearInto(
  backend: Backend,
  x: Ptr,
  rows: number,
  numIn: number,
  weight: Ptr,
  bias: Ptr,
  numOut: number,
  out: Ptr,
): void {
  backend.gemm(false, true, rows, numOut, numIn, 1, x, numIn, weight, numIn, 0, out, numOut);
  backend.addBias(out, bias, out, rows, numOut);
}

/** Inverted dropout: each value is zeroed with probability p, the others scaled by 1 / (1 - p). */
export function dropout(x: Tensor, p: number, random: Random): Tensor {
  const backend = x.backend;
  const mask = empty(x.shape, backend);
  const out = empty(x.shape, backend);
  const keep = 1 / (1 - p);
  const values = backend.heap.floats.subarray(mask.ptr, mask.ptr + mask.size);
  for (let i = 0; i < values.length; i++) values[i] = random.uniform() < p ? 0 : keep;
  backend.mul(x.ptr, mask.ptr, out.ptr, x.size);
  return track(out, [x], () => {
    gradsOf(x);
    const product = empty(x.shape, backend);
    backend.mul(out.gradPtr, mask.ptr, product.ptr, x.size);
    backend.axpy(1, product.ptr, x.gradPtr, x.size);
  });
}

/**
 * Throws unless `ids` holds batchSize x numSteps integers in [0, vocabSize). Checked before the ids are
 * copied into an Int32Array, which would turn NaN into 0 and 2^32 + 1 into 1.
 */
export function checkIds(
  ids: ArrayLike<number>,
  batchSize: number,
  numSteps: number,
  vocabSize: number,
  what = 'token id',
): void {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
    throw new TypeError(`expected ${what}s as an array or typed array, got ${ids === null ? 'null' : typeof ids}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(numSteps) || numSteps < 1) {
    throw new RangeError(`batchSize and numSteps must be positive integers, got ${batchSize} and ${numSteps}`);
  }
  if (ids.length !== batchSize * numSteps) {
    throw new RangeError(`expected ${batchSize} x ${numSteps} = ${batchSize * numSteps} ${what}s, got ${ids.length}`);
  }
  // An Int32Array holds integers already: one range check per id instead of Number.isInteger.
  const integral = ids instanceof Int32Array;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < vocabSize) || (!integral && !Number.isInteger(id))) {
      throw new RangeError(
        `${what} ${id} at (${Math.floor(i / numSteps)}, ${i % numSteps}) is outside [0, ${vocabSize})`,
      );
    }
  }
}

/** Token ids (B, T) row-major -> one-hot rows, time-major (T, B, numClasses). Not differentiable. */
export function oneHotTimeMajor(
  backend: Backend,
  ids: ArrayLike<number>,
  batchSize: number,
  numSteps: number,
  numClasses: number,
): Tensor {
  checkIds(ids, batchSize, numSteps, numClasses);
  const timeMajor = new Int32Array(batchSize * numSteps);
  for (let b = 0; b < batchSize; b++) {
    for (let t = 0; t < numSteps; t++) timeMajor[t * batchSize + b] = ids[b * numSteps + t];
  }
  return reshape(oneHot(timeMajor, numClasses, backend), [numSteps, batchSize, numClasses]);
}

/** (a, b, ...rest) -> (b, a, ...rest): batch-first to time-major and back. */
export function swapLeadingAxes(x: Tensor): Tensor {
  if (x.rank < 2) throw new RangeError(`swapLeadingAxes: needs at least two axes, got [${x.shape}]`);
  const backend = x.backend;
  const [a, b] = x.shape;
  const inner = x.size / (a * b);
  const out = empty([b, a, ...x.shape.slice(2)], backend);
  permuteRows(backend, x.ptr, out.ptr, a, b, inner, false);
  return track(out, [x], () => {
    gradsOf(x);
    permuteRows(backend, out.gradPtr, x.gradPtr, b, a, inner, true);
  });
}

/** dst[j, i, :] (+)= src[i, j, :] for src (a, b, inner). */
function permuteRows(
  backend: Backend,
  src: number,
  dst: number,
  a: number,
  b: number,
  inner: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      const from = src + (i * b + j) * inner;
      const to = dst + (j * a + i) * inner;
      if (accumulate) backend.axpy(1, from, to, inner);
      else backend.copy(from, to, inner);
    }
  }
}

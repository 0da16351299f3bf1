// The backend interface: the only way the rest of the library touches numbers.
//
// Every method is a flat kernel over element offsets (`Ptr`) into the
// backend's heap. The js backend implements each one in plain TypeScript (the
// readable reference); the wasm backend calls the AssemblyScript kernel of the
// same name. Shapes are row-major; "rows x cols" means `cols` is contiguous.
// Unless a kernel says otherwise, an output may alias an input of the same size.

import type { Arena } from '../memory/arena.js';
import type { Heap, Ptr } from '../memory/heap.js';

export type { Ptr } from '../memory/heap.js';

export type BackendName = 'js' | 'wasm';

/** Which implementation runs: 'js' (float32), 'js-f64' (float64 reference), 'wasm-simd', 'wasm-relaxed'. */
export type BackendVariant = 'js' | 'js-f64' | 'wasm-simd' | 'wasm-relaxed';

export interface Kernels {
  // ---- matrix multiply -----------------------------------------------------
  /**
   * C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
   * op(A): (m, k), op(B): (k, n), C: (m, n).
   * A is stored (m, k) with row stride lda, or (k, m) when transA; likewise B.
   * When beta is 0, C is written without being read (NaN in C does not leak).
   * C must not alias A or B.
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: Ptr, lda: number, b: Ptr, ldb: number,
    beta: number, c: Ptr, ldc: number,
  ): void;

  // ---- elementwise (n elements) -------------------------------------------
  /** y = 1 / (1 + exp(-x)) */
  sigmoid(x: Ptr, y: Ptr, n: number): void;
  /** y = tanh(x) */
  tanh(x: Ptr, y: Ptr, n: number): void;
  /** dx += dy * y * (1 - y), from the forward output y. */
  sigmoidBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void;
  /** dx += dy * (1 - y^2), from the forward output y. */
  tanhBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void;
  /** out = a + b */
  add(a: Ptr, b: Ptr, out: Ptr, n: number): void;
  /** out = a - b */
  sub(a: Ptr, b: Ptr, out: Ptr, n: number): void;
  /** out = a * b */
  mul(a: Ptr, b: Ptr, out: Ptr, n: number): void;
  /** out = alpha * x */
  scale(x: Ptr, alpha: number, out: Ptr, n: number): void;
  /** y += alpha * x */
  axpy(alpha: number, x: Ptr, y: Ptr, n: number): void;
  /** x[i] = value */
  fill(x: Ptr, value: number, n: number): void;
  /** dst = src (regions may overlap) */
  copy(src: Ptr, dst: Ptr, n: number): void;

  // ---- broadcasting and reductions over a (rows, cols) matrix --------------
  /** out[r, c] = x[r, c] + bias[c]; x, out: (rows, cols), bias: (cols) — the 1 x h bias over n x h. */
  addBias(x: Ptr, bias: Ptr, out: Ptr, rows: number, cols: number): void;
  /** out[c] (+)= sum_r x[r, c]; x: (rows, cols), out: (cols) — a bias gradient. */
  columnSums(x: Ptr, rows: number, cols: number, out: Ptr, accumulate: boolean): void;
  /** out[r] (+)= sum_c x[r, c]; x: (rows, cols), out: (rows). */
  rowSums(x: Ptr, rows: number, cols: number, out: Ptr, accumulate: boolean): void;

  // ---- loss ------------------------------------------------------------------
  /**
   * Mean over rows of -log softmax(logits[r])[targets[r]].
   * logits: (rows, cols) floats; targets: (rows) int32 in [0, cols) (caller validates).
   * Stable for large logits (max subtracted before exp).
   */
  crossEntropyForward(logits: Ptr, targets: Ptr, rows: number, cols: number): number;
  /** dlogits += dLoss / rows * (softmax(logits) - onehot(targets)); shapes as in forward. */
  crossEntropyBackward(logits: Ptr, targets: Ptr, rows: number, cols: number, dLoss: number, dlogits: Ptr): void;

  // ---- optimizers over one contiguous block of n parameters ---------------
  /** param -= lr * grad */
  sgdStep(param: Ptr, grad: Ptr, n: number, lr: number): void;
  /**
   * Adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
   * param -= lr * (m / correction1) / (sqrt(v / correction2) + eps), correction_i = 1 - b_i^t.
   */
  adamStep(
    param: Ptr, grad: Ptr, m: Ptr, v: Ptr, n: number,
    lr: number, beta1: number, beta2: number, eps: number, correction1: number, correction2: number,
  ): void;
  /** sum_i x[i]^2 (accumulated so that blocks of 1e7 elements keep float32 accuracy). */
  sumOfSquares(x: Ptr, n: number): number;
}

export interface Backend extends Kernels {
  readonly name: BackendName;
  readonly variant: BackendVariant;
  /** The memory every Ptr points into. */
  readonly heap: Heap;
  /** Temporaries of one step; reset by the trainer (or the caller) after each step. */
  readonly scratch: Arena;
  /** A new long-lived arena (parameters, gradients, optimizer state). */
  createArena(name: string, initialElements?: number): Arena;
}

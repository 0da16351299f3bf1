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

/** The two kinds of backend: the plain-TypeScript reference ('js') and the WebAssembly kernels ('wasm'). */
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
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Ptr,
    lda: number,
    b: Ptr,
    ldb: number,
    beta: number,
    c: Ptr,
    ldc: number,
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
  /**
   * Forward and backward in one pass (what a training step needs): returns the mean loss as
   * crossEntropyForward and writes gradient = (softmax(logits) - onehot(targets)) / rows, the
   * gradient for dLoss = 1 (written, not accumulated). gradient: (rows, cols), must not alias logits.
   */
  crossEntropyWithGradient(logits: Ptr, targets: Ptr, rows: number, cols: number, gradient: Ptr): number;
  /**
   * Mean squared error, mean_i (prediction[i] - target[i])^2 (PyTorch's mse_loss); prediction, target: (n),
   * n >= 1. Each difference is rounded once to float32; squares are summed in float64.
   */
  mseForward(prediction: Ptr, target: Ptr, n: number): number;
  /**
   * mseForward, and gradient: (n) = 2 (prediction - target) / n written, the gradient for dLoss = 1
   * (with respect to the prediction; the target's is its negative).
   */
  mseWithGradient(prediction: Ptr, target: Ptr, n: number, gradient: Ptr): number;
  /** Mean absolute error, mean_i |prediction[i] - target[i]| (PyTorch's l1_loss); shapes as mseForward. */
  maeForward(prediction: Ptr, target: Ptr, n: number): number;
  /**
   * maeForward, and gradient: (n) = sign(prediction - target) / n written (dLoss = 1), 0 where they are
   * equal (torch.sign's subgradient at the kink).
   */
  maeWithGradient(prediction: Ptr, target: Ptr, n: number, gradient: Ptr): number;

  // ---- optimizers over one contiguous block of n parameters ---------------
  // PyTorch's update formulas (torch.optim, single-tensor path), operation for operation;
  // hyperparameters are float64 numbers, applied to float32 data as PyTorch applies a Python float.
  /** param -= lr * grad (d2l's plain SGD). */
  sgdStep(param: Ptr, grad: Ptr, n: number, lr: number): void;
  /**
   * torch.optim.SGD. d = grad + weightDecay param; when momentum != 0:
   * velocity = firstStep ? d : momentum velocity + (1 - dampening) d, then d = nesterov ? d + momentum velocity
   * : velocity; finally param -= lr d. param, grad, velocity: (n); with momentum 0 velocity is neither read
   * nor written (-1 allowed).
   */
  sgdMomentumStep(
    param: Ptr,
    grad: Ptr,
    velocity: Ptr,
    n: number,
    lr: number,
    weightDecay: number,
    momentum: number,
    dampening: number,
    nesterov: boolean,
    firstStep: boolean,
  ): void;
  /**
   * torch.optim.Adam (decoupled false: g = grad + weightDecay param) and torch.optim.AdamW (decoupled true:
   * param *= 1 - lr weightDecay first, g = grad). m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
   * param -= (lr / correction1) m / (sqrt(v) / sqrt(correction2) + eps), correction_i = 1 - b_i^t at step t >= 1.
   * param, grad, m, v: (n).
   */
  adamStep(
    param: Ptr,
    grad: Ptr,
    m: Ptr,
    v: Ptr,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    correction1: number,
    correction2: number,
    weightDecay: number,
    decoupled: boolean,
  ): void;
  /**
   * torch.optim.RMSprop. g = grad + weightDecay param; squareAvg = alpha squareAvg + (1 - alpha) g^2;
   * centered: gradAvg = alpha gradAvg + (1 - alpha) g and avg = sqrt(squareAvg - gradAvg^2) + eps, else
   * avg = sqrt(squareAvg) + eps; momentum > 0: velocity = momentum velocity + g / avg, param -= lr velocity,
   * else param -= lr g / avg. param, grad, squareAvg, gradAvg, velocity: (n); gradAvg is used only when
   * centered, velocity only when momentum > 0 (-1 allowed otherwise).
   */
  rmspropStep(
    param: Ptr,
    grad: Ptr,
    squareAvg: Ptr,
    gradAvg: Ptr,
    velocity: Ptr,
    n: number,
    lr: number,
    alpha: number,
    eps: number,
    weightDecay: number,
    momentum: number,
    centered: boolean,
  ): void;
  /** sum_i x[i]^2 (accumulated so that blocks of 1e7 elements keep float32 accuracy). */
  sumOfSquares(x: Ptr, n: number): number;

  // ---- embedding: rows of a (V, width) table by token id ---------------------
  /**
   * out[r, :] = table[ids[r], :]: an embedding lookup (the forward of Embedding).
   * table: (V, width); ids: (n) int32 in [0, V) (caller validates); out: (n, ldOut), ldOut >= width.
   */
  gatherRows(table: Ptr, width: number, ids: Ptr, n: number, out: Ptr, ldOut: number): void;
  /**
   * table[ids[r], :] += src[r, :], in order of r (repeated ids add up): the embedding's weight gradient.
   * src: (n, ldSrc), ldSrc >= width; ids: (n) int32 in [0, V) (caller validates); table: (V, width);
   * table must not alias src.
   */
  scatterAddRows(src: Ptr, ldSrc: number, ids: Ptr, n: number, width: number, table: Ptr): void;

  // ---- fused recurrent layers (LSTM, GRU, RNN tanh) --------------------------
  // One direction of one layer over a whole sequence: T steps, B rows, H hidden
  // units, G gates per unit (LSTM 4: i, f, g, o; GRU 3: r, z, n; RNN 1), weights
  // in PyTorch's layout (W_ih (G H, I), W_hh (G H, H), two biases (G H)).
  // Before the call the caller puts the input projection x W_ih^T (no bias) of
  // all T x B rows into `gates` with one gemm; or, for token ids (the one-hot
  // input), passes the (V, G H) table W_ih^T as `inputRows` and the (T, B) int32
  // ids as `ids`: row (t, b)'s projection is then inputRows[ids[t, b]], read
  // inside the time loop, and the forward only writes `gates` (-1 for both when
  // `gates` holds the projection; the caller validates the ids).
  // Inside the time loop: one gemm h_{t-1} W_hh^T, then one fused pass (biases,
  // activations, cell update, output) that leaves the activated gates in `gates`.
  // `reverse` runs t = T-1 .. 0: the state entering step t is then h_{t+1}.
  // h_t goes to columns [0, H) of row (t, b) of `out`, whose rows are ldOut
  // apart, so both directions of a bidirectional layer write into one (T, B, 2H)
  // buffer (the caller offsets `out` by H for the reverse direction). dOut has
  // the same layout as out. Backward (BPTT) runs back in time, writes the gate
  // pre-activation gradients of every step and the initial-state gradients;
  // the weight gradients are gemms over all T x B rows, done by the caller.
  // Every buffer is provided by the caller; T, B, H >= 1; no buffer aliases another.
  // In the forwards, h0 (and c0) may be -1 for the zero state: the first step's
  // product with W_hh is then skipped. The backwards take initialGradient: false
  // when the caller does not need dh0 (the last step's product dGates_0 W_hh is
  // skipped and dh0 is left unspecified; dc0 is still written). For token inputs
  // the backwards also take inputRowsGrad, a (V, G H) table, and the ids: each
  // row (t, b) of the input-side gate gradients (dGates; GRU: dGatesIh) is added
  // into inputRowsGrad[ids[t, b]], the gradient of W_ih^T (-1 for both: none).
  // packedHh: optional (-1 for none) copy of W_hh made by packRecurrentWeights; with one
  // batch row the step's product reads it instead of weightHh (the same numbers in an order
  // that streams through one pointer); the js backend ignores it.
  /**
   * LSTM forward. gates: (T, B, 4H) in x W_ih^T (unless inputRows), out the activated i, f, g, o;
   * weightHh: (4H, H); biasIh, biasHh: (4H); h0, c0: (B, H) or -1 (zeros); out: (T, B, ldOut);
   * cells: (T, B, H) out c_t; tanhCells: (T, B, H) out tanh(c_t) (so BPTT need not recompute it);
   * hN, cN: (B, H) out, the final state.
   */
  lstmForward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    weightHh: Ptr,
    biasIh: Ptr,
    biasHh: Ptr,
    h0: Ptr,
    c0: Ptr,
    out: Ptr,
    ldOut: number,
    cells: Ptr,
    tanhCells: Ptr,
    hN: Ptr,
    cN: Ptr,
    packedHh: Ptr,
    inputRows: Ptr,
    ids: Ptr,
  ): void;
  /**
   * LSTM backward. gates, cells, tanhCells: from lstmForward; c0: (B, H); weightHh: (4H, H);
   * dOut: (T, B, ldOut) gradient of the outputs; dhN, dcN: (B, H) gradient of the final state;
   * dGates: (T, B, 4H) out; dh0, dc0: (B, H) out (written, not accumulated).
   */
  lstmBackward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    cells: Ptr,
    tanhCells: Ptr,
    c0: Ptr,
    weightHh: Ptr,
    dOut: Ptr,
    ldOut: number,
    dhN: Ptr,
    dcN: Ptr,
    dGates: Ptr,
    dh0: Ptr,
    dc0: Ptr,
    initialGradient: boolean,
    inputRowsGrad: Ptr,
    ids: Ptr,
  ): void;
  /**
   * GRU forward (PyTorch form, n = tanh(x_n + b_in + r (h W_hn^T + b_hn))).
   * gates: (T, B, 3H) in x W_ih^T (unless inputRows), out the activated r, z, n; weightHh: (3H, H); biases: (3H);
   * h0: (B, H) or -1 (zeros); out: (T, B, ldOut); hiddenN: (T, B, H) out h_{t-1} W_hn^T + b_hn;
   * work: (B, 3H) scratch; hN: (B, H) out.
   */
  gruForward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    weightHh: Ptr,
    biasIh: Ptr,
    biasHh: Ptr,
    h0: Ptr,
    out: Ptr,
    ldOut: number,
    hiddenN: Ptr,
    work: Ptr,
    hN: Ptr,
    packedHh: Ptr,
    inputRows: Ptr,
    ids: Ptr,
  ): void;
  /**
   * GRU backward. gates, hiddenN, out: from gruForward; h0: (B, H); weightHh: (3H, H);
   * dOut: (T, B, ldOut); dhN: (B, H); dGatesIh: (T, B, 3H) out, gradient of x W_ih^T + b_ih;
   * dGatesHh: (T, B, 3H) out, gradient of h W_hh^T + b_hh; dh0: (B, H) out.
   */
  gruBackward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    hiddenN: Ptr,
    h0: Ptr,
    out: Ptr,
    ldOut: number,
    weightHh: Ptr,
    dOut: Ptr,
    dhN: Ptr,
    dGatesIh: Ptr,
    dGatesHh: Ptr,
    dh0: Ptr,
    initialGradient: boolean,
    inputRowsGrad: Ptr,
    ids: Ptr,
  ): void;
  /**
   * RNN (tanh) forward. gates: (T, B, H) in x W_ih^T (unless inputRows), out h_t; weightHh: (H, H); biases: (H);
   * h0: (B, H) or -1 (zeros); out: (T, B, ldOut); hN: (B, H) out.
   */
  rnnForward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    weightHh: Ptr,
    biasIh: Ptr,
    biasHh: Ptr,
    h0: Ptr,
    out: Ptr,
    ldOut: number,
    hN: Ptr,
    packedHh: Ptr,
    inputRows: Ptr,
    ids: Ptr,
  ): void;
  /**
   * RNN backward. gates: from rnnForward; weightHh: (H, H); dOut: (T, B, ldOut); dhN: (B, H);
   * dGates: (T, B, H) out; dh0: (B, H) out.
   */
  rnnBackward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    weightHh: Ptr,
    dOut: Ptr,
    ldOut: number,
    dhN: Ptr,
    dGates: Ptr,
    dh0: Ptr,
    initialGradient: boolean,
    inputRowsGrad: Ptr,
    ids: Ptr,
  ): void;
  /**
   * packed = W (rows, cols) in blocks of PACK_ROWS (7) rows, interleaved by 4 columns: element (r, c)
   * goes to ((r / 7) * ceil(cols / 4) + c / 4) * 28 + (r % 7) * 4 + c % 4 (integer division); padding is 0.
   * packed: packedRecurrentSize(rows, cols) elements.
   */
  packRecurrentWeights(weightHh: Ptr, rows: number, cols: number, packed: Ptr): void;
  /**
   * Greedy decoding (d2l's predict after the prefix) of a one-layer, one-direction recurrent
   * language model on token inputs, at B = 1: for t = 0 .. tokens - 1, one step of the cell on
   * token ids[t] (as the forwards with inputRows and steps 1), then ids[t + 1] = the index of the
   * largest of W_out h_t + b_out other than `exclude` (-1: none), the first one on ties, never a NaN
   * (if every logit is NaN or excluded: the first index not excluded).
   * weightHh, biasIh, biasHh, packedHh, inputRows: as in the forwards, packedHh required (V, G H);
   * h, c: (H) the state entering token 0, overwritten with the state after the last token (c: the
   * LSTM's, else -1); outWeight: (outputs, H); packedOut: its packRecurrentWeights copy (the js backend
   * reads outWeight, the wasm backend packedOut); outBias: (outputs); ids: (tokens + 1) int32, ids[0]
   * given, in [0, V) (the caller validates); scratch: decodeScratchSize(cell, hidden, outputs) elements.
   */
  decodeGreedy(
    cell: CellKind,
    tokens: number,
    hidden: number,
    outputs: number,
    weightHh: Ptr,
    biasIh: Ptr,
    biasHh: Ptr,
    packedHh: Ptr,
    inputRows: Ptr,
    h: Ptr,
    c: Ptr,
    outWeight: Ptr,
    packedOut: Ptr,
    outBias: Ptr,
    ids: Ptr,
    exclude: number,
    scratch: Ptr,
  ): void;
  /** dst (+)= src^T; src: (rows, cols), dst: (cols, rows); must not alias. */
  transpose(src: Ptr, rows: number, cols: number, dst: Ptr, accumulate: boolean): void;
}

/** The recurrent cell a layer runs: LSTM, GRU or tanh RNN. */
export type CellKind = 'lstm' | 'gru' | 'rnn';

/** Gates per hidden unit: LSTM i, f, g, o; GRU r, z, n; RNN one. */
export const GATE_COUNT: Record<CellKind, number> = { lstm: 4, gru: 3, rnn: 1 };

/**
 * Where decodeGreedy's logits start in its scratch (elements): after the gates and the GRU's product
 * (G H each), a spare state row and two banks each of h_t and c_t (H each).
 */
export function decodeLogitsOffset(cell: CellKind, hidden: number): number {
  return 2 * GATE_COUNT[cell] * hidden + 5 * hidden;
}

/** Elements of decodeGreedy's logits: the outputs rounded up to a 64-byte line. */
export function decodeLogitsSize(outputs: number): number {
  return Math.ceil(outputs / 16) * 16;
}

/** Elements of decodeGreedy's scratch: the state rows (decodeLogitsOffset), then the logits. */
export function decodeScratchSize(cell: CellKind, hidden: number, outputs: number): number {
  return decodeLogitsOffset(cell, hidden) + decodeLogitsSize(outputs);
}

/** Rows per block of packRecurrentWeights' layout (the wasm kernel's register budget sets it). */
export const PACK_ROWS = 7;

/** Elements of packRecurrentWeights' output for a (rows, cols) matrix. */
export function packedRecurrentSize(rows: number, cols: number): number {
  return Math.ceil(rows / PACK_ROWS) * PACK_ROWS * Math.ceil(cols / 4) * 4;
}

/**
 * Where tensors live and kernels run: the js reference or the WebAssembly SIMD kernels. Models and
 * layers call only this interface. Get one with `createBackend` or `ready()`/`getBackend()`.
 */
export interface Backend extends Kernels {
  /** 'js' or 'wasm'. */
  readonly name: BackendName;
  /** Which kernels exactly: 'js', 'js-f64', 'wasm-simd' or 'wasm-relaxed'. */
  readonly variant: BackendVariant;
  /** The memory every Ptr points into. @internal */
  readonly heap: Heap;
  /** Temporaries of one step; reset by the trainer (or the caller) after each step. @internal */
  readonly scratch: Arena;
  /** A new long-lived arena (parameters, gradients, optimizer state). @internal */
  createArena(name: string, initialElements?: number): Arena;
  /** Threads the kernels run on (1 but for a threaded wasm backend). */
  readonly threads: number;
  /** Ends the backend's worker threads, if any; the backend must not be used afterwards. */
  dispose(): void;
}

// Reference fused recurrent kernels (LSTM, GRU, RNN tanh): one direction of one
// layer over a whole sequence; see "fused recurrent layers" in ../backend.ts.
//
// Notation: T steps, B rows of the batch, H hidden units, G gates (LSTM 4: i, f, g, o;
// GRU 3: r, z, n; RNN 1). `gates` arrives holding the input projection x W_ih^T of
// every step (no bias) and leaves holding the activated gates, which is what the
// backward pass needs. Step s of the loop handles time t = s (forward) or
// t = T - 1 - s (reverse); the state entering time t comes from the step before it
// in loop order, or from the initial state h0 (c0) for the first step; h0 (c0) = -1
// is the zero state. A backward with initialGradient false skips dh0's last product.

import type { FloatArray, Ptr } from '../../memory/heap.js';
import { gemm } from './gemm.js';
import { PACK_ROWS, packedRecurrentSize } from '../backend.js';

function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** Time index of loop step s. */
function timeAt(s: number, steps: number, reverse: boolean): number {
  return reverse ? steps - 1 - s : s;
}

/** state (B, H) = the rows of step t of seq (T, B, ld), columns [0, H): the final h or c. */
function copyState(f: FloatArray, seq: Ptr, t: number, batch: number, H: number, ld: number, state: Ptr): void {
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < H; j++) f[state + b * H + j] = f[seq + (t * batch + b) * ld + j];
  }
}

/**
 * The (B, width) rows entering loop step s (at time t): `initial` at the first step, else the
 * rows of the previous time (t - 1, or t + 1 in reverse) of the (T, B, width) buffer `seq`.
 */
function enteringRows(
  s: number,
  t: number,
  reverse: boolean,
  initial: Ptr,
  seq: Ptr,
  batch: number,
  width: number,
): Ptr {
  return s === 0 ? initial : seq + (reverse ? t + 1 : t - 1) * batch * width;
}

// ---- LSTM ---------------------------------------------------------------------------
//   i = sigma(.) f = sigma(.) g = tanh(.) o = sigma(.), each of x W_ih^T + b_ih + h W_hh^T + b_hh
//   c_t = f c_{t-1} + i g    h_t = o tanh(c_t)

export function lstmForward(
  f: FloatArray,
  steps: number,
  batch: number,
  hidden: number,
  reverse: boolean,
  gates: Ptr, // (T, B, 4H) in: x W_ih^T; out: activated i, f, g, o
  weightHh: Ptr, // (4H, H)
  biasIh: Ptr,
  biasHh: Ptr, // (4H) each
  h0: Ptr,
  c0: Ptr, // (B, H)
  out: Ptr,
  ldOut: number, // (T, B, ldOut): h_t in columns [0, H)
  cells: Ptr, // (T, B, H) out: c_t
  tanhCells: Ptr, // (T, B, H) out: tanh(c_t)
  hN: Ptr,
  cN: Ptr, // (B, H) out: final state
): void {
  const H = hidden;
  const G = 4 * H;
  for (let s = 0; s < steps; s++) {
    const t = timeAt(s, steps, reverse);
    const hPrev = enteringRows(s, t, reverse, h0, out, batch, ldOut);
    const ldPrev = s === 0 ? H : ldOut;
    const cPrev = enteringRows(s, t, reverse, c0, cells, batch, H); // -1: zeros
    const gt = gates + t * batch * G;
    if (hPrev >= 0) gemm(f, false, true, batch, G, H, 1, hPrev, ldPrev, weightHh, H, 1, gt, G);
    for (let b = 0; b < batch; b++) {
      const row = gt + b * G;
      for (let j = 0; j < H; j++) {
        const i = sigmoid(f[row + j] + f[biasIh + j] + f[biasHh + j]);
        const fg = sigmoid(f[row + H + j] + f[biasIh + H + j] + f[biasHh + H + j]);
        const g = Math.tanh(f[row + 2 * H + j] + f[biasIh + 2 * H + j] + f[biasHh + 2 * H + j]);
        const o = sigmoid(f[row + 3 * H + j] + f[biasIh + 3 * H + j] + f[biasHh + 3 * H + j]);
        const c = fg * (cPrev < 0 ? 0 : f[cPrev + b * H + j]) + i * g;
        f[row + j] = i;
        f[row + H + j] = fg;
        f[row + 2 * H + j] = g;
        f[row + 3 * H + j] = o;
        const tc = Math.tanh(c);
        f[cells + (t * batch + b) * H + j] = c;
        f[tanhCells + (t * batch + b) * H + j] = tc;
        f[out + (t * batch + b) * ldOut + j] = o * tc;
      }
    }
  }
  const last = timeAt(steps - 1, steps, reverse);
  copyState(f, out, last, batch, H, ldOut, hN);
  copyState(f, cells, last, batch, H, H, cN);
}

export function lstmBackward(
  f: FloatArray,
  steps: number,
  batch: number,
  hidden: number,
  reverse: boolean,
  gates: Ptr, // (T, B, 4H) activated gates from the forward pass
  cells: Ptr, // (T, B, H) c_t from the forward pass
  tanhCells: Ptr, // (T, B, H) tanh(c_t) from the forward pass
  c0: Ptr, // (B, H)
  weightHh: Ptr, // (4H, H)
  dOut: Ptr,
  ldOut: number, // (T, B, ldOut): gradient of h_t in columns [0, H)
  dhN: Ptr,
  dcN: Ptr, // (B, H) gradient of the final state
  dGates: Ptr, // (T, B, 4H) out: gradient of the gate pre-activations
  dh0: Ptr,
  dc0: Ptr, // (B, H) out: gradient of the initial state (also the running dh, dc)
  initialGradient: boolean, // false: dh0 is not wanted (left unspecified)
): void {
  const H = hidden;
  const G = 4 * H;
  const dh = dh0; // gradient w.r.t. h_t arriving from step t + 1 (in loop order)
  const dc = dc0;
  f.copyWithin(dh, dhN, dhN + batch * H);
  f.copyWithin(dc, dcN, dcN + batch * H);
  for (let s = steps - 1; s >= 0; s--) {
    const t = timeAt(s, steps, reverse);
    const cPrev = enteringRows(s, t, reverse, c0, cells, batch, H);
    const gt = gates + t * batch * G;
    const dgt = dGates + t * batch * G;
    for (let b = 0; b < batch; b++) {
      const row = gt + b * G;
      const drow = dgt + b * G;
      for (let j = 0; j < H; j++) {
        const i = f[row + j];
        const fg = f[row + H + j];
        const g = f[row + 2 * H + j];
        const o = f[row + 3 * H + j];
        const tc = f[tanhCells + (t * batch + b) * H + j];
        const dhv = f[dOut + (t * batch + b) * ldOut + j] + f[dh + b * H + j];
        const dcv = f[dc + b * H + j] + dhv * o * (1 - tc * tc);
        f[drow + j] = dcv * g * i * (1 - i);
        f[drow + H + j] = dcv * f[cPrev + b * H + j] * fg * (1 - fg);
        f[drow + 2 * H + j] = dcv * i * (1 - g * g);
        f[drow + 3 * H + j] = dhv * tc * o * (1 - o);
        f[dc + b * H + j] = dcv * fg;
      }
    }
    // dh_{t-1} = dGates_t W_hh
    if (s > 0 || initialGradient) gemm(f, false, false, batch, H, G, 1, dgt, G, weightHh, H, 0, dh, H);
  }
}

// ---- GRU (PyTorch form: the reset gate multiplies the recurrent product) --------------
//   r = sigma(x_r + b_ir + h_r + b_hr)   z = sigma(x_z + b_iz + h_z + b_hz)
//   n = tanh(x_n + b_in + r (h_n + b_hn))   h_t = (1 - z) n + z h_{t-1}
// where x_* = x W_i*^T and h_* = h_{t-1} W_h*^T.

export function gruForward(
  f: FloatArray,
  steps: number,
  batch: number,
  hidden: number,
  reverse: boolean,
  gates: Ptr, // (T, B, 3H) in: x W_ih^T; out: activated r, z, n
  weightHh: Ptr, // (3H, H)
  biasIh: Ptr,
  biasHh: Ptr, // (3H) each
  h0: Ptr, // (B, H)
  out: Ptr,
  ldOut: number, // (T, B, ldOut): h_t in columns [0, H)
  hiddenN: Ptr, // (T, B, H) out: h_{t-1} W_hn^T + b_hn (what r multiplied)
  work: Ptr, // (B, 3H) the recurrent product of one step
  hN: Ptr, // (B, H) out: final state
): void {
  const H = hidden;
  const G = 3 * H;
  for (let s = 0; s < steps; s++) {
    const t = timeAt(s, steps, reverse);
    const hPrev = enteringRows(s, t, reverse, h0, out, batch, ldOut);
    const ldPrev = s === 0 ? H : ldOut;
    const gt = gates + t * batch * G;
    if (hPrev >= 0) gemm(f, false, true, batch, G, H, 1, hPrev, ldPrev, weightHh, H, 0, work, G);
    else f.fill(0, work, work + batch * G);
    for (let b = 0; b < batch; b++) {
      const row = gt + b * G;
      const rec = work + b * G;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(f[row + j] + f[biasIh + j] + f[rec + j] + f[biasHh + j]);
        const z = sigmoid(f[row + H + j] + f[biasIh + H + j] + f[rec + H + j] + f[biasHh + H + j]);
        const hn = f[rec + 2 * H + j] + f[biasHh + 2 * H + j];
        const n = Math.tanh(f[row + 2 * H + j] + f[biasIh + 2 * H + j] + r * hn);
        const h = hPrev < 0 ? 0 : f[hPrev + b * ldPrev + j];
        f[row + j] = r;
        f[row + H + j] = z;
        f[row + 2 * H + j] = n;
        f[hiddenN + (t * batch + b) * H + j] = hn;
        f[out + (t * batch + b) * ldOut + j] = n + z * (h - n);
      }
    }
  }
  copyState(f, out, timeAt(steps - 1, steps, reverse), batch, H, ldOut, hN);
}

export function gruBackward(
  f: FloatArray,
  steps: number,
  batch: number,
  hidden: number,
  reverse: boolean,
  gates: Ptr, // (T, B, 3H) activated r, z, n from the forward pass
  hiddenN: Ptr, // (T, B, H) h_{t-1} W_hn^T + b_hn from the forward pass
  h0: Ptr, // (B, H)
  out: Ptr,
  ldOut: number, // (T, B, ldOut) forward outputs (the previous states)
  weightHh: Ptr, // (3H, H)
  dOut: Ptr, // (T, B, ldOut) gradient of h_t in columns [0, H)
  dhN: Ptr, // (B, H) gradient of the final state
  dGatesIh: Ptr, // (T, B, 3H) out: gradient of x W_ih^T + b_ih (r, z, n parts)
  dGatesHh: Ptr, // (T, B, 3H) out: gradient of h W_hh^T + b_hh (r, z, n parts)
  dh0: Ptr, // (B, H) out: gradient of the initial state (also the running dh)
  initialGradient: boolean, // false: dh0 is not wanted (left unspecified)
): void {
  const H = hidden;
  const G = 3 * H;
  const dh = dh0;
  f.copyWithin(dh, dhN, dhN + batch * H);
  for (let s = steps - 1; s >= 0; s--) {
    const t = timeAt(s, steps, reverse);
    const hPrev = enteringRows(s, t, reverse, h0, out, batch, ldOut);
    const ldPrev = s === 0 ? H : ldOut;
    const gt = gates + t * batch * G;
    const dgi = dGatesIh + t * batch * G;
    const dgh = dGatesHh + t * batch * G;
    for (let b = 0; b < batch; b++) {
      const row = gt + b * G;
      for (let j = 0; j < H; j++) {
        const r = f[row + j];
        const z = f[row + H + j];
        const n = f[row + 2 * H + j];
        const hn = f[hiddenN + (t * batch + b) * H + j];
        const h = f[hPrev + b * ldPrev + j];
        const dhv = f[dOut + (t * batch + b) * ldOut + j] + f[dh + b * H + j];
        const dnPre = dhv * (1 - z) * (1 - n * n);
        const drPre = dnPre * hn * r * (1 - r);
        const dzPre = dhv * (h - n) * z * (1 - z);
        f[dgi + b * G + j] = drPre;
        f[dgi + b * G + H + j] = dzPre;
        f[dgi + b * G + 2 * H + j] = dnPre;
        f[dgh + b * G + j] = drPre;
        f[dgh + b * G + H + j] = dzPre;
        f[dgh + b * G + 2 * H + j] = dnPre * r;
        f[dh + b * H + j] = dhv * z;
      }
    }
    // dh_{t-1} = dh_t z + dGatesHh_t W_hh
    if (s > 0 || initialGradient) gemm(f, false, false, batch, H, G, 1, dgh, G, weightHh, H, 1, dh, H);
  }
}

// ---- RNN (tanh) ---------------------------------------------------------------------
//   h_t = tanh(x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)

export function rnnForward(
  f: FloatArray,
  steps: number,
  batch: number,
  hidden: number,
  reverse: boolean,
  gates: Ptr, // (T, B, H) in: x W_ih^T; out: h_t
  weightHh: Ptr, // (H, H)
  biasIh: Ptr,
  biasHh: Ptr, // (H) each
  h0: Ptr, // (B, H)
  out: Ptr,
  ldOut: number, // (T, B, ldOut): h_t in columns [0, H)
  hN: Ptr, // (B, H) out: final state
): void {
  const H = hidden;
  for (let s = 0; s < steps; s++) {
    const t = timeAt(s, steps, reverse);
    const hPrev = enteringRows(s, t, reverse, h0, out, batch, ldOut);
    const ldPrev = s === 0 ? H : ldOut;
    const gt = gates + t * batch * H;
    if (hPrev >= 0) gemm(f, false, true, batch, H, H, 1, hPrev, ldPrev, weightHh, H, 1, gt, H);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < H; j++) {
        const h = Math.tanh(f[gt + b * H + j] + f[biasIh + j] + f[biasHh + j]);
        f[gt + b * H + j] = h;
        f[out + (t * batch + b) * ldOut + j] = h;
      }
    }
  }
  copyState(f, out, timeAt(steps - 1, steps, reverse), batch, H, ldOut, hN);
}

export function rnnBackward(
  f: FloatArray,
  steps: number,
  batch: number,
  hidden: number,
  reverse: boolean,
  gates: Ptr, // (T, B, H) h_t from the forward pass
  weightHh: Ptr, // (H, H)
  dOut: Ptr,
  ldOut: number, // (T, B, ldOut): gradient of h_t in columns [0, H)
  dhN: Ptr, // (B, H) gradient of the final state
  dGates: Ptr, // (T, B, H) out: gradient of the pre-activation
  dh0: Ptr, // (B, H) out: gradient of the initial state (also the running dh)
  initialGradient: boolean, // false: dh0 is not wanted (left unspecified)
): void {
  const H = hidden;
  const dh = dh0;
  f.copyWithin(dh, dhN, dhN + batch * H);
  for (let s = steps - 1; s >= 0; s--) {
    const t = timeAt(s, steps, reverse);
    const gt = gates + t * batch * H;
    const dgt = dGates + t * batch * H;
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < H; j++) {
        const h = f[gt + b * H + j];
        const dhv = f[dOut + (t * batch + b) * ldOut + j] + f[dh + b * H + j];
        f[dgt + b * H + j] = dhv * (1 - h * h);
      }
    }
    if (s > 0 || initialGradient) gemm(f, false, false, batch, H, H, 1, dgt, H, weightHh, H, 0, dh, H);
  }
}

// ---- W_hh packed for one-row steps (the wasm kernels read it; here only the layout) ---------

/** packed[((r / 7) ceil(cols / 4) + c / 4) 28 + (r % 7) 4 + c % 4] = W[r, c]; zeros elsewhere (PACK_ROWS = 7). */
export function packRecurrentWeights(f: FloatArray, weightHh: Ptr, rows: number, cols: number, packed: Ptr): void {
  const chunks = Math.ceil(cols / 4);
  f.fill(0, packed, packed + packedRecurrentSize(rows, cols));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const block = Math.floor(r / PACK_ROWS);
      const index = (block * chunks + Math.floor(c / 4)) * PACK_ROWS * 4 + (r % PACK_ROWS) * 4 + (c % 4);
      f[packed + index] = f[weightHh + r * cols + c];
    }
  }
}

/** dst (+)= src^T; src: (rows, cols), dst: (cols, rows); must not alias. */
export function transpose(f: FloatArray, src: Ptr, rows: number, cols: number, dst: Ptr, accumulate: boolean): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = f[src + r * cols + c];
      f[dst + c * rows + r] = accumulate ? f[dst + c * rows + r] + v : v;
    }
  }
}

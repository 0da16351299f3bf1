// Fused recurrent kernels (LSTM, GRU, RNN tanh): one direction of one layer over
// a whole sequence, forward and backward side by side. The contract (shapes,
// what the caller computes) is "fused recurrent layers" in src/backend/backend.ts;
// the readable twin is src/backend/js/recurrent.ts.
//
// Pointers are byte addresses; every buffer comes from JS. T steps, B rows,
// H hidden units, G gates (LSTM 4: i, f, g, o; GRU 3: r, z, n; RNN 1). `gates`
// arrives holding x W_ih^T for every step (or, for token inputs, the forward reads
// row ids[t, b] of W_ih^T instead) and leaves holding the activated gates.
// Each time step is one matrix product with W_hh (the shared gemm, or for one
// batch row over a packed W_hh, packedRowProduct) plus one SIMD pass over the
// gates; `work` is the gemm's packing workspace (gemmWorkspaceBytes for the
// shapes of these calls).
//
// Threads (the threads builds) split a call two ways. By batch rows: rows never meet
// in the recurrence, so each thread runs `rows` of the `batch` rows on its own, given
// pointers that start at its first row (`batch` stays the row count of every time step
// in the (T, B, ...) buffers) and its own `work`. By hidden units, for one batch row over
// a packed W_hh (generation, a long sequence at B = 1): every thread of a `team` runs the
// whole call with the same arguments, computes the gate rows of its units of W_hh (its
// share of the weights, which stays in its core's cache) and their gate pass, and the
// team meets at a barrier after every step, before anyone reads the new state.

import { gemm, gemmReusingB, scaleRows } from './gemm';
import { add, fill } from './elementwise';
import { sigmoid4, tanh4 } from './math';
import { madd } from './simd';
import { NO_TEAM, barrier, unitStart } from './team';
import { packedRowProduct } from './packed-product';

// ---- the recurrent product ------------------------------------------------------------

/** `packedHh` value meaning "no packed copy of W_hh" (the JS side passes -1). */
const NO_PACKED: usize = <usize>-1;
/** `inputRows` value meaning "gates already hold the input projection" (the JS side passes -1). */
const NO_INPUT_ROWS: usize = <usize>-1;
/** `h0` / `c0` value meaning the zero state (the JS side passes -1): the first step's product is skipped. */
const ZERO_STATE: usize = <usize>-1;

/**
 * c (+)= a w^T for loop step `step` of the time loop: a: (rows, H) with row stride lda, or
 * ZERO_STATE (then c = 0, or unchanged when accumulating); w: (G H, H) (W_hh, gateCount blocks
 * of H rows); c: (rows, G H) with row stride ldc. One row with a packed copy of W_hh:
 * packedRowProduct, in alternating directions; otherwise the shared gemm, which picks its path by
 * shape (for a few rows, dot products against W_hh in place, no packing; for many, packed panels
 * of W_hh^T, packed by the loop's first product, at step `firstStep`, and reused after it, see
 * gemmReusingB). Only the columns of units [j0, j1) of each gate are computed; anything but all
 * units needs one row and a packed W_hh.
 */
function recurrentProduct(
  rows: i32, gateCount: i32, hidden: i32, j0: i32, j1: i32, a: usize, lda: i32, w: usize, packed: usize,
  c: usize, ldc: i32, accumulate: bool, work: usize, step: i32, firstStep: i32,
): void {
  const n = gateCount * hidden;
  if (j0 == 0 && j1 == hidden) {
    if (a == ZERO_STATE) {
      if (!accumulate) scaleRows(c, ldc, rows, n, 0);
    } else if (rows == 1 && packed != NO_PACKED) packedRowProduct(0, n, hidden, a, packed, c, accumulate, (step & 1) != 0);
    else gemmReusingB(0, 1, rows, n, hidden, 1.0, a, lda, w, hidden, accumulate ? 1.0 : 0.0, c, ldc, work, step > firstStep);
    return;
  }
  for (let g = 0; g < gateCount; g++) {
    const first = g * hidden + j0;
    if (a == ZERO_STATE) {
      if (!accumulate) fill(c + (<usize>first << 2), 0, j1 - j0);
    } else packedRowProduct(first, first + j1 - j0, hidden, a, packed, c, accumulate, (step & 1) != 0);
  }
}

// ---- helpers ------------------------------------------------------------------------

/** Four lanes at p, or (tail) one value splatted. `full` is a constant after inlining. */
// @ts-ignore: decorator
@inline function ld(p: usize, full: bool): v128 {
  return full ? v128.load(p) : v128.load32_splat(p);
}

// @ts-ignore: decorator
@inline function st(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}

// @ts-ignore: decorator
@inline function one(): v128 {
  return f32x4.splat(1.0);
}

/** Byte address of row (t, b) of a (T, B, width) buffer whose rows are `rowBytes` apart. */
// @ts-ignore: decorator
@inline function rowAt(base: usize, t: i32, batch: i32, b: i32, rowBytes: usize): usize {
  return base + (<usize>t * batch + b) * rowBytes;
}

/** The time of loop step s: s, or steps - 1 - s when the direction runs in reverse. */
// @ts-ignore: decorator
@inline function timeAt(s: i32, steps: i32, reverse: i32): i32 {
  return reverse ? steps - 1 - s : s;
}

/**
 * The rows b0.. of the state entering loop step s (at time t): `initial` (already at row b0)
 * at the first step, else rows (t - 1, b0..), or (t + 1, b0..) in reverse, of the (T, B, width)
 * buffer `seq`.
 */
// @ts-ignore: decorator
@inline function enteringRows(
  s: i32, t: i32, reverse: i32, initial: usize, seq: usize, batch: i32, b0: i32, rowBytes: usize,
): usize {
  return s == 0 ? initial : rowAt(seq, reverse ? t + 1 : t - 1, batch, b0, rowBytes);
}

/**
 * Copies units [j0, j1) of the first `rows` rows of step t of a strided (T, B, ldSrc) buffer into
 * a dense (rows, H) state.
 */
function copyState(src: usize, t: i32, batch: i32, rows: i32, ldSrc: i32, dst: usize, hidden: i32, j0: i32, j1: i32): void {
  const hBytes = <usize>hidden << 2;
  const o = <usize>j0 << 2;
  for (let b = 0; b < rows; b++) {
    memory.copy(dst + <usize>b * hBytes + o, rowAt(src, t, batch, b, <usize>ldSrc << 2) + o, <usize>(j1 - j0) << 2);
  }
}

/** Zeroes units [j0, j1) of the first `rows` rows of a dense (rows, H) state. */
function zeroState(x: usize, rows: i32, hidden: i32, j0: i32, j1: i32): void {
  for (let b = 0; b < rows; b++) fill(x + ((<usize>b * hidden + j0) << 2), 0, j1 - j0);
}

/** The first unit past member's share: unitStart of the next member, or all units without a team. */
// @ts-ignore: decorator
@inline function unitEnd(hidden: i32, team: usize, member: i32, members: i32): i32 {
  return team == NO_TEAM ? hidden : unitStart(hidden, member + 1, members);
}

/** The first unit of member's share, 0 without a team. */
// @ts-ignore: decorator
@inline function firstUnit(hidden: i32, team: usize, member: i32, members: i32): i32 {
  return team == NO_TEAM ? 0 : unitStart(hidden, member, members);
}

/** Bytes of one time step's rows that a time loop should keep in L2 (half of it, 1 MiB on Zen 4). */
const CHUNK_BYTES = 256 << 10;
/** Fewest rows per chunk: fewer would give the recurrent product too little reuse of W_hh. */
const MIN_CHUNK_ROWS = 64;

/**
 * Rows of the batch each run of a backward time loop takes. The rows of a batch never meet in
 * the recurrence, so a big batch is run in chunks, each over all the steps: a step then touches
 * a chunk's rows of gates, gradients and states, which stay in L2 from the gate pass to the
 * product, instead of the whole batch's, which do not (measured: lstmBackward at B = 1024,
 * H = 32, 8.8-9.3 -> 8.5-8.7 ms; the forward, which touches 40% fewer bytes per row, measured
 * no faster in chunks, so it runs whole). Every row's arithmetic is the same either way.
 * bytesPerRow: what one row of one step reads and writes.
 */
function rowsPerChunk(rows: i32, bytesPerRow: i32): i32 {
  const total = <i64>rows * bytesPerRow;
  if (total <= 2 * CHUNK_BYTES) return rows;
  const chunks = <i32>((total + CHUNK_BYTES - 1) / CHUNK_BYTES);
  const perChunk = ((rows + chunks - 1) / chunks + 3) & ~3;
  return min(rows, max(perChunk, MIN_CHUNK_ROWS));
}

// ---- LSTM ----------------------------------------------------------------------------

/**
 * The pre-activation's input part at byte offset o of a gate row: what the row holds (x W_ih^T
 * plus the product), plus the token's row of W_ih^T at `x` when `withRows`. Both flags are
 * constants after inlining.
 */
// @ts-ignore: decorator
@inline function gateInput(gate: usize, x: usize, o: usize, full: bool, withRows: bool): v128 {
  const v = ld(gate + o, full);
  return withRows ? f32x4.add(v, ld(x + o, full)) : v;
}

/**
 * Pre-activation of gate `index` at 4 lanes (or one, splatted, when not `full`): x W_ih^T + h W_hh^T
 * (in gate, plus the token's row x when withRows) plus both biases.
 */
// @ts-ignore: decorator
@inline function preActivation(
  full: bool, withRows: bool, gate: usize, x: usize, biasIh: usize, biasHh: usize, hBytes: usize, index: i32,
): v128 {
  const o = <usize>index * hBytes;
  return f32x4.add(f32x4.add(gateInput(gate, x, o, full, withRows), ld(biasIh + o, full)), ld(biasHh + o, full));
}

// @ts-ignore: decorator
@inline function lstmLanes(
  full: bool, withRows: bool, gate: usize, x: usize, hBytes: usize, biasIh: usize, biasHh: usize,
  cPrev: usize, cell: usize, tanhCell: usize, h: usize,
): void {
  const i = sigmoid4(preActivation(full, withRows, gate, x, biasIh, biasHh, hBytes, 0));
  const f = sigmoid4(preActivation(full, withRows, gate, x, biasIh, biasHh, hBytes, 1));
  const g = tanh4(preActivation(full, withRows, gate, x, biasIh, biasHh, hBytes, 2));
  const o = sigmoid4(preActivation(full, withRows, gate, x, biasIh, biasHh, hBytes, 3));
  const c = madd(f, ld(cPrev, full), f32x4.mul(i, g));
  st(gate, i, full);
  st(gate + hBytes, f, full);
  st(gate + 2 * hBytes, g, full);
  st(gate + 3 * hBytes, o, full);
  const tc = tanh4(c);
  st(cell, c, full);
  st(tanhCell, tc, full);
  st(h, f32x4.mul(o, tc), full);
}

/**
 * lstmLanes for two groups of four units (byte offsets `a` and `b`) at once, the two computations
 * interleaved: each activation is a long chain of dependent operations (a division at its end), and
 * the cell's tanh waits for three of them; two independent chains side by side keep the core busy
 * where one would leave it waiting (measured: lstmForward at B = 1024, H = 32 about 13% faster in all, its gate pass about 20%).
 */
// @ts-ignore: decorator
@inline function lstmLanesTwice(
  withRows: bool, gate: usize, x: usize, hBytes: usize, biasIh: usize, biasHh: usize,
  cPrev: usize, cell: usize, tanhCell: usize, h: usize, a: usize, b: usize,
): void {
  const iA = sigmoid4(preActivation(true, withRows, gate + a, x + a, biasIh + a, biasHh + a, hBytes, 0));
  const iB = sigmoid4(preActivation(true, withRows, gate + b, x + b, biasIh + b, biasHh + b, hBytes, 0));
  const gA = tanh4(preActivation(true, withRows, gate + a, x + a, biasIh + a, biasHh + a, hBytes, 2));
  const gB = tanh4(preActivation(true, withRows, gate + b, x + b, biasIh + b, biasHh + b, hBytes, 2));
  const fA = sigmoid4(preActivation(true, withRows, gate + a, x + a, biasIh + a, biasHh + a, hBytes, 1));
  const fB = sigmoid4(preActivation(true, withRows, gate + b, x + b, biasIh + b, biasHh + b, hBytes, 1));
  const cA = madd(fA, v128.load(cPrev + a), f32x4.mul(iA, gA));
  const cB = madd(fB, v128.load(cPrev + b), f32x4.mul(iB, gB));
  v128.store(gate + a, iA);
  v128.store(gate + b, iB);
  v128.store(gate + a + hBytes, fA);
  v128.store(gate + b + hBytes, fB);
  v128.store(gate + a + 2 * hBytes, gA);
  v128.store(gate + b + 2 * hBytes, gB);
  const tcA = tanh4(cA);
  const oA = sigmoid4(preActivation(true, withRows, gate + a, x + a, biasIh + a, biasHh + a, hBytes, 3));
  const tcB = tanh4(cB);
  const oB = sigmoid4(preActivation(true, withRows, gate + b, x + b, biasIh + b, biasHh + b, hBytes, 3));
  v128.store(gate + a + 3 * hBytes, oA);
  v128.store(gate + b + 3 * hBytes, oB);
  v128.store(cell + a, cA);
  v128.store(cell + b, cB);
  v128.store(tanhCell + a, tcA);
  v128.store(tanhCell + b, tcB);
  v128.store(h + a, f32x4.mul(oA, tcA));
  v128.store(h + b, f32x4.mul(oB, tcB));
}

/**
 * The byte address of token (t, b)'s row of the (V, width) table `inputRows`; ids: (T, B) i32.
 */
// @ts-ignore: decorator
@inline function tokenRow(inputRows: usize, ids: usize, t: i32, batch: i32, b: i32, rowBytes: usize): usize {
  return inputRows + <usize>load<i32>(ids + ((<usize>t * batch + b) << 2)) * rowBytes;
}

/**
 * Adds a gate-gradient row (width floats) into its token's row of the input table's gradient,
 * while the row is still in L1 (instead of a scatter over all T x B rows after the loop).
 */
// @ts-ignore: decorator
@inline function addIntoTokenRow(inputRowsGrad: usize, ids: usize, t: i32, batch: i32, b: i32, row: usize, width: i32): void {
  const tokenGrad = tokenRow(inputRowsGrad, ids, t, batch, b, <usize>width << 2);
  add(tokenGrad, row, tokenGrad, width);
}

/**
 * gates: (T, B, 4H); weightHh: (4H, H); biasIh, biasHh: (4H); h0, c0: (B, H) or ZERO_STATE; out: (T, B, ldOut);
 * cells, tanhCells: (T, B, H); hN, cN: (B, H); packedHh: packed W_hh or NO_PACKED; work: gemm workspace;
 * inputRows: (V, 4H) W_ih^T for token inputs, or NO_INPUT_ROWS; ids: (T, B) i32 token ids (with inputRows).
 * rows: the rows of the batch this call runs (batch when one thread runs them all); team, member,
 * members: the team this thread runs its share of the units with (one row, packedHh), or NO_TEAM.
 */
export function lstmForward(
  steps: i32, batch: i32, rows: i32, hidden: i32, reverse: i32,
  gates: usize, weightHh: usize, biasIh: usize, biasHh: usize, h0: usize, c0: usize,
  out: usize, ldOut: i32, cells: usize, tanhCells: usize, hN: usize, cN: usize, packedHh: usize, work: usize,
  inputRows: usize, ids: usize, team: usize, member: i32, members: i32,
): void {
  if (inputRows == NO_INPUT_ROWS) {
    lstmForwardWith(false, steps, batch, rows, hidden, reverse, gates, weightHh, biasIh, biasHh, h0, c0, out, ldOut,
      cells, tanhCells, hN, cN, packedHh, work, inputRows, ids, team, member, members);
  } else {
    lstmForwardWith(true, steps, batch, rows, hidden, reverse, gates, weightHh, biasIh, biasHh, h0, c0, out, ldOut,
      cells, tanhCells, hN, cN, packedHh, work, inputRows, ids, team, member, members);
  }
}

/**
 * lstmForward, compiled once per input kind. withRows (a constant after inlining): the input
 * projection comes from token rows of inputRows, so the product writes the gates instead of
 * adding to them, and the gate pass adds the token's row.
 */
// @ts-ignore: decorator
@inline function lstmForwardWith(
  withRows: bool, steps: i32, batch: i32, rows: i32, hidden: i32, reverse: i32,
  gates: usize, weightHh: usize, biasIh: usize, biasHh: usize, h0: usize, c0: usize,
  out: usize, ldOut: i32, cells: usize, tanhCells: usize, hN: usize, cN: usize, packedHh: usize, work: usize,
  inputRows: usize, ids: usize, team: usize, member: i32, members: i32,
): void {
  const G = hidden * 4;
  const hBytes = <usize>hidden << 2;
  const gBytes = <usize>G << 2;
  const outBytes = <usize>ldOut << 2;
  const j0 = firstUnit(hidden, team, member, members);
  const j1 = unitEnd(hidden, team, member, members);
  const vectorEnd = j0 + ((j1 - j0) & ~3);
  // A zero c0 is read from cN, zeroed here (it is written only after the loop).
  if (c0 == ZERO_STATE) {
    zeroState(cN, rows, hidden, j0, j1);
    c0 = cN;
  }
  const firstProduct = h0 == ZERO_STATE ? 1 : 0;
  for (let s = 0; s < steps; s++) {
    const t = timeAt(s, steps, reverse);
    const hPrev = enteringRows(s, t, reverse, h0, out, batch, 0, outBytes); // ZERO_STATE passes through
    const cPrev = enteringRows(s, t, reverse, c0, cells, batch, 0, hBytes);
    recurrentProduct(
      rows, 4, hidden, j0, j1, hPrev, s == 0 ? hidden : ldOut, weightHh, packedHh, rowAt(gates, t, batch, 0, gBytes), G,
      !withRows, work, s, firstProduct,
    );
    for (let b = 0; b < rows; b++) {
      const gate = rowAt(gates, t, batch, b, gBytes);
      const x = withRows ? tokenRow(inputRows, ids, t, batch, b, gBytes) : gate;
      const cp = cPrev + <usize>b * hBytes;
      const cell = rowAt(cells, t, batch, b, hBytes);
      const tanhCell = rowAt(tanhCells, t, batch, b, hBytes);
      const h = rowAt(out, t, batch, b, outBytes);
      let j = j0;
      for (; j + 8 <= vectorEnd; j += 8) {
        const o = <usize>j << 2;
        lstmLanesTwice(withRows, gate, x, hBytes, biasIh, biasHh, cp, cell, tanhCell, h, o, o + 16);
      }
      for (; j < vectorEnd; j += 4) {
        const o = <usize>j << 2;
        lstmLanes(true, withRows, gate + o, x + o, hBytes, biasIh + o, biasHh + o, cp + o, cell + o, tanhCell + o, h + o);
      }
      for (; j < j1; j++) {
        const o = <usize>j << 2;
        lstmLanes(false, withRows, gate + o, x + o, hBytes, biasIh + o, biasHh + o, cp + o, cell + o, tanhCell + o, h + o);
      }
    }
    // The next step's product reads every unit of h_t (after the last step, the caller's join waits).
    if (team != NO_TEAM && s + 1 < steps) barrier(team, member, members);
  }
  const last = reverse ? 0 : steps - 1;
  copyState(out, last, batch, rows, ldOut, hN, hidden, j0, j1);
  copyState(cells, last, batch, rows, hidden, cN, hidden, j0, j1);
}

// @ts-ignore: decorator
@inline function lstmBackLanes(
  full: bool, gate: usize, dGate: usize, hBytes: usize, tanhCell: usize, cPrev: usize, dOut: usize, dh: usize, dc: usize,
): void {
  const i = ld(gate, full);
  const f = ld(gate + hBytes, full);
  const g = ld(gate + 2 * hBytes, full);
  const o = ld(gate + 3 * hBytes, full);
  const tc = ld(tanhCell, full);
  const dhv = f32x4.add(ld(dOut, full), ld(dh, full));
  const dcv = madd(f32x4.mul(dhv, o), f32x4.sub(one(), f32x4.mul(tc, tc)), ld(dc, full));
  st(dGate, f32x4.mul(f32x4.mul(dcv, g), f32x4.mul(i, f32x4.sub(one(), i))), full);
  st(dGate + hBytes, f32x4.mul(f32x4.mul(dcv, ld(cPrev, full)), f32x4.mul(f, f32x4.sub(one(), f))), full);
  st(dGate + 2 * hBytes, f32x4.mul(f32x4.mul(dcv, i), f32x4.sub(one(), f32x4.mul(g, g))), full);
  st(dGate + 3 * hBytes, f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(o, f32x4.sub(one(), o))), full);
  st(dc, f32x4.mul(dcv, f), full);
}

/**
 * gates, cells, tanhCells: from lstmForward; c0: (B, H); weightHh: (4H, H); dOut: (T, B, ldOut);
 * dhN, dcN: (B, H); dGates: (T, B, 4H) out; dh0, dc0: (B, H) out; initialGradient: 0 when dh0 is
 * not wanted (the last step's product, dGates_0 W_hh, is skipped; dh0 is left unspecified);
 * inputRowsGrad: (V, 4H), for token inputs, += each dGates row at its token's row, or NO_INPUT_ROWS;
 * ids: (T, B) i32 (with inputRowsGrad); rows: the rows of the batch this call runs, as in lstmForward.
 */
export function lstmBackward(
  steps: i32, batch: i32, rows: i32, hidden: i32, reverse: i32,
  gates: usize, cells: usize, tanhCells: usize, c0: usize, weightHh: usize, dOut: usize, ldOut: i32,
  dhN: usize, dcN: usize, dGates: usize, dh0: usize, dc0: usize, work: usize, initialGradient: i32,
  inputRowsGrad: usize, ids: usize,
): void {
  const G = hidden * 4;
  const hBytes = <usize>hidden << 2;
  const gBytes = <usize>G << 2;
  const outBytes = <usize>ldOut << 2;
  const hVec = hidden & ~3;
  // dh0 and dc0 carry the running gradients of h and c back through time.
  memory.copy(dh0, dhN, <usize>rows * hBytes);
  memory.copy(dc0, dcN, <usize>rows * hBytes);
  const chunk = rowsPerChunk(rows, hidden * 52); // gates and their gradients, tanh c_t, c_{t-1}, dh_t, dh, dc
  for (let b0 = 0; b0 < rows; b0 += chunk) {
    const chunkRows = min(chunk, rows - b0);
    const dhRows = dh0 + <usize>b0 * hBytes;
    const dcRows = dc0 + <usize>b0 * hBytes;
    for (let s = steps - 1; s >= 0; s--) {
      const t = timeAt(s, steps, reverse);
      const cPrev = enteringRows(s, t, reverse, c0 + <usize>b0 * hBytes, cells, batch, b0, hBytes);
      for (let b = 0; b < chunkRows; b++) {
        const gate = rowAt(gates, t, batch, b0 + b, gBytes);
        const dGate = rowAt(dGates, t, batch, b0 + b, gBytes);
        const tanhCell = rowAt(tanhCells, t, batch, b0 + b, hBytes);
        const cp = cPrev + <usize>b * hBytes;
        const dO = rowAt(dOut, t, batch, b0 + b, outBytes);
        const dh = dhRows + <usize>b * hBytes;
        const dc = dcRows + <usize>b * hBytes;
        for (let j = 0; j < hVec; j += 4) {
          const o = <usize>j << 2;
          lstmBackLanes(true, gate + o, dGate + o, hBytes, tanhCell + o, cp + o, dO + o, dh + o, dc + o);
        }
        for (let j = hVec; j < hidden; j++) {
          const o = <usize>j << 2;
          lstmBackLanes(false, gate + o, dGate + o, hBytes, tanhCell + o, cp + o, dO + o, dh + o, dc + o);
        }
        if (inputRowsGrad != NO_INPUT_ROWS) addIntoTokenRow(inputRowsGrad, ids, t, batch, b0 + b, dGate, G);
      }
      // dh_{t-1} = dGates_t W_hh
      if (s > 0 || initialGradient) {
        gemm(0, 0, chunkRows, hidden, G, 1.0, rowAt(dGates, t, batch, b0, gBytes), G, weightHh, hidden, 0.0, dhRows, hidden, work);
      }
    }
  }
}

// ---- GRU (PyTorch form) ------------------------------------------------------------------

// @ts-ignore: decorator
@inline function gruLanes(
  full: bool, gate: usize, x: usize, rec: usize, hBytes: usize, biasIh: usize, biasHh: usize, hPrev: usize,
  hiddenN: usize, h: usize,
): void {
  const r = sigmoid4(f32x4.add(f32x4.add(ld(x, full), ld(biasIh, full)), f32x4.add(ld(rec, full), ld(biasHh, full))));
  const z = sigmoid4(
    f32x4.add(
      f32x4.add(ld(x + hBytes, full), ld(biasIh + hBytes, full)),
      f32x4.add(ld(rec + hBytes, full), ld(biasHh + hBytes, full)),
    ),
  );
  const hn = f32x4.add(ld(rec + 2 * hBytes, full), ld(biasHh + 2 * hBytes, full));
  const n = tanh4(madd(r, hn, f32x4.add(ld(x + 2 * hBytes, full), ld(biasIh + 2 * hBytes, full))));
  st(gate, r, full);
  st(gate + hBytes, z, full);
  st(gate + 2 * hBytes, n, full);
  st(hiddenN, hn, full);
  st(h, madd(z, f32x4.sub(ld(hPrev, full), n), n), full);
}

/**
 * gates: (T, B, 3H); weightHh: (3H, H); biases: (3H); h0: (B, H) or ZERO_STATE; out: (T, B, ldOut); hiddenN: (T, B, H);
 * rec: (B, 3H) scratch; hN: (B, H); packedHh: packed W_hh or NO_PACKED; work: gemm workspace;
 * inputRows: (V, 3H) W_ih^T for token inputs, or NO_INPUT_ROWS; ids: (T, B) i32 token ids (with inputRows);
 * rows, team, member, members: as in lstmForward.
 */
export function gruForward(
  steps: i32, batch: i32, rows: i32, hidden: i32, reverse: i32,
  gates: usize, weightHh: usize, biasIh: usize, biasHh: usize, h0: usize,
  out: usize, ldOut: i32, hiddenN: usize, rec: usize, hN: usize, packedHh: usize, work: usize,
  inputRows: usize, ids: usize, team: usize, member: i32, members: i32,
): void {
  const G = hidden * 3;
  const hBytes = <usize>hidden << 2;
  const gBytes = <usize>G << 2;
  const outBytes = <usize>ldOut << 2;
  const j0 = firstUnit(hidden, team, member, members);
  const j1 = unitEnd(hidden, team, member, members);
  const vectorEnd = j0 + ((j1 - j0) & ~3);
  // The product goes to rec, not into the gates: the gate pass reads the input part from the
  // gate row or, for tokens, from the token's row of inputRows.
  const withRows = inputRows != NO_INPUT_ROWS;
  // A zero h0 skips the first product; the gate pass reads it from hN, zeroed here (it is
  // written only after the loop).
  const zeroStart = h0 == ZERO_STATE;
  if (zeroStart) zeroState(hN, rows, hidden, j0, j1);
  for (let s = 0; s < steps; s++) {
    const t = timeAt(s, steps, reverse);
    const hPrev = enteringRows(s, t, reverse, zeroStart ? hN : h0, out, batch, 0, outBytes);
    const prevBytes = s == 0 ? hBytes : outBytes;
    const product = s == 0 && zeroStart ? ZERO_STATE : hPrev;
    recurrentProduct(
      rows, 3, hidden, j0, j1, product, s == 0 ? hidden : ldOut, weightHh, packedHh, rec, G, false, work, s,
      zeroStart ? 1 : 0,
    );
    for (let b = 0; b < rows; b++) {
      const gate = rowAt(gates, t, batch, b, gBytes);
      const x = withRows ? tokenRow(inputRows, ids, t, batch, b, gBytes) : gate;
      const rb = rec + <usize>b * gBytes;
      const hp = hPrev + <usize>b * prevBytes;
      const hn = rowAt(hiddenN, t, batch, b, hBytes);
      const h = rowAt(out, t, batch, b, outBytes);
      let j = j0;
      for (; j < vectorEnd; j += 4) {
        const o = <usize>j << 2;
        gruLanes(true, gate + o, x + o, rb + o, hBytes, biasIh + o, biasHh + o, hp + o, hn + o, h + o);
      }
      for (; j < j1; j++) {
        const o = <usize>j << 2;
        gruLanes(false, gate + o, x + o, rb + o, hBytes, biasIh + o, biasHh + o, hp + o, hn + o, h + o);
      }
    }
    // The next step's product reads every unit of h_t (after the last step, the caller's join waits).
    if (team != NO_TEAM && s + 1 < steps) barrier(team, member, members);
  }
  copyState(out, reverse ? 0 : steps - 1, batch, rows, ldOut, hN, hidden, j0, j1);
}

// @ts-ignore: decorator
@inline function gruBackLanes(
  full: bool, gate: usize, hBytes: usize, hiddenN: usize, hPrev: usize, dOut: usize, dh: usize, dgi: usize, dgh: usize,
): void {
  const r = ld(gate, full);
  const z = ld(gate + hBytes, full);
  const n = ld(gate + 2 * hBytes, full);
  const dhv = f32x4.add(ld(dOut, full), ld(dh, full));
  const dnPre = f32x4.mul(f32x4.mul(dhv, f32x4.sub(one(), z)), f32x4.sub(one(), f32x4.mul(n, n)));
  const drPre = f32x4.mul(f32x4.mul(dnPre, ld(hiddenN, full)), f32x4.mul(r, f32x4.sub(one(), r)));
  const dzPre = f32x4.mul(f32x4.mul(dhv, f32x4.sub(ld(hPrev, full), n)), f32x4.mul(z, f32x4.sub(one(), z)));
  st(dgi, drPre, full);
  st(dgi + hBytes, dzPre, full);
  st(dgi + 2 * hBytes, dnPre, full);
  st(dgh, drPre, full);
  st(dgh + hBytes, dzPre, full);
  st(dgh + 2 * hBytes, f32x4.mul(dnPre, r), full);
  st(dh, f32x4.mul(dhv, z), full);
}

/**
 * gates, hiddenN, out: from gruForward; h0: (B, H); weightHh: (3H, H); dOut: (T, B, ldOut); dhN: (B, H);
 * dGatesIh, dGatesHh: (T, B, 3H) out; dh0: (B, H) out; initialGradient, inputRowsGrad (+= rows of
 * dGatesIh), ids, rows: as in lstmBackward.
 */
export function gruBackward(
  steps: i32, batch: i32, rows: i32, hidden: i32, reverse: i32,
  gates: usize, hiddenN: usize, h0: usize, out: usize, ldOut: i32, weightHh: usize, dOut: usize,
  dhN: usize, dGatesIh: usize, dGatesHh: usize, dh0: usize, work: usize, initialGradient: i32,
  inputRowsGrad: usize, ids: usize,
): void {
  const G = hidden * 3;
  const hBytes = <usize>hidden << 2;
  const gBytes = <usize>G << 2;
  const outBytes = <usize>ldOut << 2;
  const hVec = hidden & ~3;
  memory.copy(dh0, dhN, <usize>rows * hBytes);
  const chunk = rowsPerChunk(rows, hidden * 52); // gates and both gradients, W_hn h, h_{t-1}, dh_t, dh
  for (let b0 = 0; b0 < rows; b0 += chunk) {
    const chunkRows = min(chunk, rows - b0);
    const dhRows = dh0 + <usize>b0 * hBytes;
    for (let s = steps - 1; s >= 0; s--) {
      const t = timeAt(s, steps, reverse);
      const hPrev = enteringRows(s, t, reverse, h0 + <usize>b0 * hBytes, out, batch, b0, outBytes);
      const prevBytes = s == 0 ? hBytes : outBytes;
      for (let b = 0; b < chunkRows; b++) {
        const gate = rowAt(gates, t, batch, b0 + b, gBytes);
        const hn = rowAt(hiddenN, t, batch, b0 + b, hBytes);
        const hp = hPrev + <usize>b * prevBytes;
        const dO = rowAt(dOut, t, batch, b0 + b, outBytes);
        const dh = dhRows + <usize>b * hBytes;
        const dgi = rowAt(dGatesIh, t, batch, b0 + b, gBytes);
        const dgh = rowAt(dGatesHh, t, batch, b0 + b, gBytes);
        for (let j = 0; j < hVec; j += 4) {
          const o = <usize>j << 2;
          gruBackLanes(true, gate + o, hBytes, hn + o, hp + o, dO + o, dh + o, dgi + o, dgh + o);
        }
        for (let j = hVec; j < hidden; j++) {
          const o = <usize>j << 2;
          gruBackLanes(false, gate + o, hBytes, hn + o, hp + o, dO + o, dh + o, dgi + o, dgh + o);
        }
        if (inputRowsGrad != NO_INPUT_ROWS) addIntoTokenRow(inputRowsGrad, ids, t, batch, b0 + b, dgi, G);
      }
      // dh_{t-1} = dh_t z + dGatesHh_t W_hh
      if (s > 0 || initialGradient) {
        gemm(0, 0, chunkRows, hidden, G, 1.0, rowAt(dGatesHh, t, batch, b0, gBytes), G, weightHh, hidden, 1.0, dhRows, hidden, work);
      }
    }
  }
}

// ---- RNN (tanh) ----------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function rnnLanes(full: bool, withRows: bool, gate: usize, x: usize, biasIh: usize, biasHh: usize, h: usize): void {
  const v = tanh4(preActivation(full, withRows, gate, x, biasIh, biasHh, 0, 0));
  st(gate, v, full);
  st(h, v, full);
}

/**
 * gates: (T, B, H); weightHh: (H, H); biases: (H); h0: (B, H) or ZERO_STATE; out: (T, B, ldOut); hN: (B, H);
 * packedHh: packed W_hh or NO_PACKED; work: gemm workspace;
 * inputRows: (V, H) W_ih^T for token inputs, or NO_INPUT_ROWS; ids: (T, B) i32 token ids (with inputRows);
 * rows, team, member, members: as in lstmForward.
 */
export function rnnForward(
  steps: i32, batch: i32, rows: i32, hidden: i32, reverse: i32,
  gates: usize, weightHh: usize, biasIh: usize, biasHh: usize, h0: usize, out: usize, ldOut: i32, hN: usize,
  packedHh: usize, work: usize, inputRows: usize, ids: usize, team: usize, member: i32, members: i32,
): void {
  if (inputRows == NO_INPUT_ROWS) {
    rnnForwardWith(false, steps, batch, rows, hidden, reverse, gates, weightHh, biasIh, biasHh, h0, out, ldOut, hN,
      packedHh, work, inputRows, ids, team, member, members);
  } else {
    rnnForwardWith(true, steps, batch, rows, hidden, reverse, gates, weightHh, biasIh, biasHh, h0, out, ldOut, hN,
      packedHh, work, inputRows, ids, team, member, members);
  }
}

/** rnnForward, compiled once per input kind; withRows as in lstmForwardWith. */
// @ts-ignore: decorator
@inline function rnnForwardWith(
  withRows: bool, steps: i32, batch: i32, rows: i32, hidden: i32, reverse: i32,
  gates: usize, weightHh: usize, biasIh: usize, biasHh: usize, h0: usize, out: usize, ldOut: i32, hN: usize,
  packedHh: usize, work: usize, inputRows: usize, ids: usize, team: usize, member: i32, members: i32,
): void {
  const hBytes = <usize>hidden << 2;
  const outBytes = <usize>ldOut << 2;
  const j0 = firstUnit(hidden, team, member, members);
  const j1 = unitEnd(hidden, team, member, members);
  const vectorEnd = j0 + ((j1 - j0) & ~3);
  for (let s = 0; s < steps; s++) {
    const t = timeAt(s, steps, reverse);
    const hPrev = enteringRows(s, t, reverse, h0, out, batch, 0, outBytes); // ZERO_STATE passes through
    recurrentProduct(
      rows, 1, hidden, j0, j1, hPrev, s == 0 ? hidden : ldOut, weightHh, packedHh, rowAt(gates, t, batch, 0, hBytes),
      hidden, !withRows, work, s, h0 == ZERO_STATE ? 1 : 0,
    );
    for (let b = 0; b < rows; b++) {
      const gate = rowAt(gates, t, batch, b, hBytes);
      const x = withRows ? tokenRow(inputRows, ids, t, batch, b, hBytes) : gate;
      const h = rowAt(out, t, batch, b, outBytes);
      let j = j0;
      for (; j < vectorEnd; j += 4) {
        const o = <usize>j << 2;
        rnnLanes(true, withRows, gate + o, x + o, biasIh + o, biasHh + o, h + o);
      }
      for (; j < j1; j++) {
        const o = <usize>j << 2;
        rnnLanes(false, withRows, gate + o, x + o, biasIh + o, biasHh + o, h + o);
      }
    }
    // The next step's product reads every unit of h_t (after the last step, the caller's join waits).
    if (team != NO_TEAM && s + 1 < steps) barrier(team, member, members);
  }
  copyState(out, reverse ? 0 : steps - 1, batch, rows, ldOut, hN, hidden, j0, j1);
}

// @ts-ignore: decorator
@inline function rnnBackLanes(full: bool, gate: usize, dOut: usize, dh: usize, dGate: usize): void {
  const h = ld(gate, full);
  const dhv = f32x4.add(ld(dOut, full), ld(dh, full));
  st(dGate, f32x4.mul(dhv, f32x4.sub(one(), f32x4.mul(h, h))), full);
}

/**
 * gates: from rnnForward; weightHh: (H, H); dOut: (T, B, ldOut); dhN: (B, H); dGates: (T, B, H) out;
 * dh0: (B, H) out; initialGradient, inputRowsGrad, ids, rows: as in lstmBackward.
 */
export function rnnBackward(
  steps: i32, batch: i32, rows: i32, hidden: i32, reverse: i32,
  gates: usize, weightHh: usize, dOut: usize, ldOut: i32, dhN: usize, dGates: usize, dh0: usize, work: usize,
  initialGradient: i32, inputRowsGrad: usize, ids: usize,
): void {
  const hBytes = <usize>hidden << 2;
  const outBytes = <usize>ldOut << 2;
  const hVec = hidden & ~3;
  memory.copy(dh0, dhN, <usize>rows * hBytes);
  const chunk = rowsPerChunk(rows, hidden * 16); // h_t, its gradient, dh_t, dh
  for (let b0 = 0; b0 < rows; b0 += chunk) {
    const chunkRows = min(chunk, rows - b0);
    const dhRows = dh0 + <usize>b0 * hBytes;
    for (let s = steps - 1; s >= 0; s--) {
      const t = timeAt(s, steps, reverse);
      for (let b = 0; b < chunkRows; b++) {
        const gate = rowAt(gates, t, batch, b0 + b, hBytes);
        const dGate = rowAt(dGates, t, batch, b0 + b, hBytes);
        const dO = rowAt(dOut, t, batch, b0 + b, outBytes);
        const dh = dhRows + <usize>b * hBytes;
        for (let j = 0; j < hVec; j += 4) {
          const o = <usize>j << 2;
          rnnBackLanes(true, gate + o, dO + o, dh + o, dGate + o);
        }
        for (let j = hVec; j < hidden; j++) {
          const o = <usize>j << 2;
          rnnBackLanes(false, gate + o, dO + o, dh + o, dGate + o);
        }
        if (inputRowsGrad != NO_INPUT_ROWS) addIntoTokenRow(inputRowsGrad, ids, t, batch, b0 + b, dGate, hidden);
      }
      if (s > 0 || initialGradient) {
        gemm(0, 0, chunkRows, hidden, hidden, 1.0, rowAt(dGates, t, batch, b0, hBytes), hidden, weightHh, hidden, 0.0, dhRows, hidden, work);
      }
    }
  }
}

// ---- transposing W_ih (its rows by token id) and its gradient back -----------------------------

/** dst (+)= src^T; src: (rows, cols); dst: (cols, rows); no aliasing. */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize, accumulate: i32): void {
  // Blocks of 16 x 16 keep both the rows read and the rows written in cache.
  for (let r0 = 0; r0 < rows; r0 += 16) {
    const r1 = min(r0 + 16, rows);
    for (let c0 = 0; c0 < cols; c0 += 16) {
      const c1 = min(c0 + 16, cols);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          const v = load<f32>(src + ((<usize>r * cols + c) << 2));
          const d = dst + ((<usize>c * rows + r) << 2);
          store<f32>(d, accumulate ? load<f32>(d) + v : v);
        }
      }
    }
  }
}

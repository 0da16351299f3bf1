// The autograd op of one fused recurrent layer (both directions): forward runs
// the input projection of all T x B rows as one gemm (for token ids the kernel
// reads rows of W_ih^T by id instead; for token ids through an embedding E, rows
// of the table E W_ih^T) and then the fused cell kernel per direction; backward
// runs the BPTT kernel per direction and turns its gate gradients into weight,
// bias, input and initial-state gradients with gemms over all T x B rows at once.
//
// Pointer discipline as in tensor/ops.ts: allocate everything, then read `.ptr`.

import { packedRecurrentSize, type Backend, type Ptr } from '../backend/backend.js';
import type { ArenaSlice } from '../memory/arena.js';
import { isRecording, record } from '../tensor/tape.js';
import { empty, Tensor } from '../tensor/tensor.js';
import { gradsOf } from '../tensor/track.js';
import { cellBackward, cellForward, GATE_COUNT, type CellKind } from './cell-kernels.js';

/**
 * Sequences at least this long with one batch row run on a packed copy of W_hh: packing
 * (4H, H) = (1024, 256) takes about 120 us and saves about 4.5 us per step (wasm-simd).
 */
const PACK_MIN_STEPS = 32;

/**
 * Up to this hidden size, dW_hh is computed as (h^T dGh)^T: the gemm then reads the wide dGh (T B, G H)
 * in place and packs only the narrow h, and the (H, G H) result is added transposed (measured at
 * H = 32: 7% faster; at H = 256, where the gemm packs dGh either way, 2% slower).
 */
const SWAP_HH_GRAD_MAX_HIDDEN = 64;

/** The parameters of one direction of one layer, in PyTorch's layout. */
export interface DirectionWeights {
  weightIh: Tensor; // (G H, I)
  weightHh: Tensor; // (G H, H)
  biasIh: Tensor; // (G H)
  biasHh: Tensor; // (G H)
}

/** Token ids in the heap, time-major (T x B), each in [0, vocabSize): the one-hot input without the one-hot matrix. */
export class TokenIds {
  private constructor(readonly slice: ArenaSlice) {}

  /** Copies ids into the scratch arena in the order given, validating each (integers in [0, vocabSize)). */
  static fromArray(backend: Backend, ids: ArrayLike<number>, vocabSize: number): TokenIds {
    const slice = backend.scratch.allocate(ids.length);
    const ints = backend.heap.ints;
    const base = backend.heap.intIndex(slice.ptr);
    const integral = ids instanceof Int32Array;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < vocabSize) || (!integral && !Number.isInteger(id))) {
        throw new RangeError(`token id ${id} at index ${i} is outside [0, ${vocabSize})`);
      }
      ints[base + i] = id;
    }
    return new TokenIds(slice);
  }

  /** Copies ids (B, T) row-major into the scratch arena in time-major order, validating each. */
  static fromBatch(
    backend: Backend,
    ids: ArrayLike<number>,
    batch: number,
    steps: number,
    vocabSize: number,
  ): TokenIds {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
      throw new TypeError(`expected token ids as an array or typed array, got ${ids === null ? 'null' : typeof ids}`);
    }
    if (ids.length !== batch * steps) {
      throw new RangeError(`expected ${batch} x ${steps} = ${batch * steps} token ids, got ${ids.length}`);
    }
    const slice = backend.scratch.allocate(ids.length);
    const ints = backend.heap.ints;
    const base = backend.heap.intIndex(slice.ptr);
    // An Int32Array holds integers already: one range check per id instead of Number.isInteger.
    const integral = ids instanceof Int32Array;
    // Time outer: the writes run through memory in order (batch inner writes rows 4 KiB apart at B = 1024).
    for (let t = 0; t < steps; t++) {
      const row = base + t * batch;
      for (let b = 0; b < batch; b++) {
        const id = ids[b * steps + t];
        if (!(id >= 0 && id < vocabSize) || (!integral && !Number.isInteger(id))) {
          throw new RangeError(`token id ${id} at (${b}, ${t}) is outside [0, ${vocabSize})`);
        }
        ints[row + b] = id;
      }
    }
    return new TokenIds(slice);
  }

  get ptr(): Ptr {
    return this.slice.ptr;
  }
}

/**
 * Token ids looked up in an embedding E (V, I) right before the layer: x W_ih^T for token v is row v
 * of E W_ih^T, so the layer builds that (V, G H) table with one gemm and reads it by id, as for
 * one-hot inputs, instead of multiplying T x B gathered rows (see Embedding.projection).
 */
export class EmbeddedTokens {
  constructor(
    readonly ids: TokenIds,
    /** E: (V, I), the embedding's weight. */
    readonly embedding: Tensor,
  ) {}
}

/** What a layer reads: dense inputs (T, B, I), one-hot token ids, or token ids through an embedding. */
export type LayerInput = Tensor | TokenIds | EmbeddedTokens;

export interface LayerStates {
  /** (D, B, H) views of the initial state, or null for zeros. */
  h0: Tensor | null;
  c0: Tensor | null;
  /** (D, B, H) views the final state is written to (cN for LSTM only). */
  hN: Tensor;
  cN: Tensor | null;
}

/**
 * Pads the scratch arena so that the next slice starts `slot` x 80 floats past a multiple of
 * 1024 floats (4 KiB) from the arena's base. The big per-step buffers have power-of-two sizes, so
 * without this they all start at the same address modulo 4 KiB, and the kernels, which stream
 * through several of them at once, lose up to half their time to cache-set and 4K-aliasing
 * conflicts (measured: lstmBackward at B = 1024, H = 32 goes from 19 to 11 ms).
 */
function stagger(backend: Backend, slot: number): void {
  const arena = backend.scratch;
  const pad = (((slot * 80 - arena.usedElements) % 1024) + 1024) % 1024;
  if (pad > 0) arena.allocate(pad);
}

/** A slice of `size` scratch floats at staggered slot `slot` (see stagger). */
function staggered(backend: Backend, size: number, slot: number): ArenaSlice {
  stagger(backend, slot);
  return backend.scratch.allocate(size);
}

/** A (count, ...rest) view starting at index `first` of the leading axis (shares values and gradient). */
export function leadingSlice(t: Tensor, first: number, count: number): Tensor {
  const inner = t.size / t.shape[0];
  return new Tensor(t.storage, [count, ...t.shape.slice(1)], t.offset + first * inner, t.requiresGrad);
}

/**
 * One layer, all directions. input: (T, B, I), token ids (T x B, I = vocabSize) or token ids through an
 * embedding (V, I); directions[0] runs
 * forward in time, directions[1] (if any) backward. Returns the outputs (T, B, D H): direction d in
 * columns [d H, (d + 1) H). Writes the final state into states.hN (and cN).
 */
export function recurrentLayer(
  cell: CellKind,
  steps: number,
  batch: number,
  hidden: number,
  input: LayerInput,
  directions: readonly DirectionWeights[],
  states: LayerStates,
): Tensor {
  const backend = directions[0].weightIh.backend;
  const D = directions.length;
  const H = hidden;
  const G = GATE_COUNT[cell] * H;
  const n = steps * batch;
  const stateSize = batch * H;
  const numInputs = directions[0].weightIh.shape[1];
  const { h0, c0, hN, cN } = states;
  const embedding = input instanceof EmbeddedTokens ? input.embedding : null;
  const tokens = input instanceof TokenIds ? input : input instanceof EmbeddedTokens ? input.ids : null;
  // Rows of the input table: the vocabulary (one-hot inputs) or the embedding's.
  const tableRows = embedding ? embedding.shape[0] : numInputs;

  stagger(backend, 1);
  const out = empty([steps, batch, D * H], backend);
  const gates = directions.map((_, d) => staggered(backend, n * G, 2 + d));
  const saved = directions.map((_, d) => (cell === 'rnn' ? null : staggered(backend, n * H, 4 + d))); // c_t or W_hn h + b_hn
  const tanhCells = directions.map((_, d) => (cell === 'lstm' ? staggered(backend, n * H, 12 + d) : null));
  const work = cell === 'gru' ? backend.scratch.allocate(batch * G) : null;
  const inputTables = tokens ? directions.map(() => backend.scratch.allocate(tableRows * G)) : null;
  // One batch row over a long sequence: a packed copy of W_hh makes each step's product faster
  // (see Kernels.packRecurrentWeights and PACK_MIN_STEPS).
  const packHh = batch === 1 && steps >= PACK_MIN_STEPS;
  const packedHh = packHh ? directions.map(() => backend.scratch.allocate(packedRecurrentSize(G, H))) : null;

  directions.forEach((w, d) => {
    // The input projection of every step at once, x W_ih^T; for token ids the kernel reads row id
    // of W_ih^T inside its time loop instead (a one-hot row times W_ih^T is that row), and through
    // an embedding E row id of E W_ih^T.
    if (embedding) {
      const E = embedding.ptr;
      backend.gemm(
        false,
        true,
        tableRows,
        G,
        numInputs,
        1,
        E,
        numInputs,
        w.weightIh.ptr,
        numInputs,
        0,
        inputTables![d].ptr,
        G,
      );
    } else if (tokens) backend.transpose(w.weightIh.ptr, G, numInputs, inputTables![d].ptr, false);
    else {
      const x = (input as Tensor).ptr;
      backend.gemm(false, true, n, G, numInputs, 1, x, numInputs, w.weightIh.ptr, numInputs, 0, gates[d].ptr, G);
    }
    if (packedHh) backend.packRecurrentWeights(w.weightHh.ptr, G, H, packedHh[d].ptr);
    cellForward(backend, cell, {
      steps,
      batch,
      hidden: H,
      reverse: d === 1,
      gates: gates[d].ptr,
      weightHh: w.weightHh.ptr,
      biasIh: w.biasIh.ptr,
      biasHh: w.biasHh.ptr,
      // A missing initial state is the zero state: -1 to the forward kernels, which then skip the
      // first step's product (the backward kernels read it as a buffer of zeros).
      h0: h0 ? h0.ptr + d * stateSize : -1,
      c0: c0 ? c0.ptr + d * stateSize : -1,
      out: out.ptr + d * H,
      ldOut: D * H,
      saved: saved[d]?.ptr ?? -1,
      tanhCells: tanhCells[d]?.ptr ?? -1,
      work: work?.ptr ?? -1,
      hN: hN.ptr + d * stateSize,
      cN: cN ? cN.ptr + d * stateSize : -1,
      packedHh: packedHh ? packedHh[d].ptr : -1,
      inputRows: inputTables ? inputTables[d].ptr : -1,
      ids: tokens ? tokens.ptr : -1,
    });
  });

  const x = tokens ? null : (input as Tensor);
  const weights = directions.flatMap((w) => [w.weightIh, w.weightHh, w.biasIh, w.biasHh]);
  const inputs = x ?? embedding;
  const differentiable = [...weights, ...(inputs ? [inputs] : []), ...(h0 ? [h0] : []), ...(c0 ? [c0] : [])];
  if (!isRecording() || !differentiable.some((t) => t.requiresGrad)) return out;
  out.requiresGrad = true;
  hN.requiresGrad = true;
  if (cN) cN.requiresGrad = true;

  const forward: LayerForward = {
    cell,
    steps,
    batch,
    hidden: H,
    input,
    directions,
    states,
    out,
    gates,
    saved,
    tanhCells,
  };
  record({
    hasGradient: () => out.hasGrad || hN.hasGrad || (cN !== null && cN.hasGrad),
    backward: () => {
      gradsOf(...differentiable);
      recurrentLayerBackward(forward);
    },
  });
  return out;
}

/** What the forward of one layer leaves for its backward. */
interface LayerForward {
  cell: CellKind;
  steps: number;
  batch: number;
  hidden: number;
  input: LayerInput;
  directions: readonly DirectionWeights[];
  states: LayerStates;
  out: Tensor;
  /** Per direction: the activated gates, c_t or W_hn h + b_hn, tanh(c_t). */
  gates: ArenaSlice[];
  saved: (ArenaSlice | null)[];
  tanhCells: (ArenaSlice | null)[];
}

/**
 * Backpropagation through time of one layer: the BPTT kernel per direction writes the gate
 * gradients of every step, which then become the weight, bias, input and initial-state gradients
 * with gemms over all T x B rows at once. Every gradient is accumulated (+=).
 */
function recurrentLayerBackward(f: LayerForward): void {
  const { cell, steps, batch, hidden: H, input, directions, out } = f;
  const { h0, c0, hN, cN } = f.states;
  const backend = out.backend;
  const D = directions.length;
  const G = GATE_COUNT[cell] * H;
  const n = steps * batch;
  const stateSize = batch * H;
  const numInputs = directions[0].weightIh.shape[1];
  const x = input instanceof Tensor ? input : null;
  const embedding = input instanceof EmbeddedTokens ? input.embedding : null;
  const ids = input instanceof TokenIds ? input : input instanceof EmbeddedTokens ? input.ids : null;
  const tableRows = embedding ? embedding.shape[0] : numInputs;

  out.storage.grad();
  const dGates = directions.map((_, d) => staggered(backend, n * G, 6 + d));
  const dGatesHh = cell === 'gru' ? directions.map((_, d) => staggered(backend, n * G, 8 + d)) : null;
  const dh0 = staggered(backend, stateSize, 10);
  const dc0 = cell === 'lstm' ? staggered(backend, stateSize, 11) : null;
  const zeroGrad = !hN.hasGrad || (cN !== null && !cN.hasGrad) ? backend.scratch.allocate(stateSize) : null;
  const biasSum = backend.scratch.allocate(G);
  const idGrad = ids ? backend.scratch.allocate(tableRows * G) : null;
  const transposedHhGrad = H <= SWAP_HH_GRAD_MAX_HIDDEN ? backend.scratch.allocate(H * G) : null;
  // A missing h0 is read only by gruBackward, a missing c0 only by lstmBackward (dW_hh's first step needs an h0).
  const zeroInitial = (cell === 'gru' && h0 === null) || (cell === 'lstm' && c0 === null);
  const zeroState = zeroInitial ? backend.scratch.allocate(stateSize) : null;
  if (zeroGrad) backend.fill(zeroGrad.ptr, 0, stateSize);
  if (zeroState) backend.fill(zeroState.ptr, 0, stateSize);
  const h0Ptr = (d: number): Ptr => (h0 ? h0.ptr + d * stateSize : zeroState!.ptr);
  const c0Ptr = (d: number): Ptr => (c0 ? c0.ptr + d * stateSize : zeroState!.ptr);
  // Only a given h0 that requires a gradient needs dh0 (the kernels' last product).
  const initialGradient = h0 !== null && h0.requiresGrad;

  directions.forEach((w, d) => {
    const reverse = d === 1;
    const dG = dGates[d].ptr;
    // Token ids: the kernel adds each gate-gradient row into its token's row of idGrad, the gradient
    // of the input table (W_ih^T, or E W_ih^T through an embedding).
    const tokens = ids && (w.weightIh.requiresGrad || embedding?.requiresGrad) ? ids : null;
    if (tokens) backend.fill(idGrad!.ptr, 0, tableRows * G);
    cellBackward(backend, cell, {
      steps,
      batch,
      hidden: H,
      reverse,
      gates: f.gates[d].ptr,
      saved: f.saved[d]?.ptr ?? -1,
      tanhCells: f.tanhCells[d]?.ptr ?? -1,
      h0: cell === 'gru' ? h0Ptr(d) : -1,
      c0: cell === 'lstm' ? c0Ptr(d) : -1,
      out: out.ptr + d * H,
      weightHh: w.weightHh.ptr,
      dOut: out.gradPtr + d * H,
      ldOut: D * H,
      dhN: hN.hasGrad ? hN.gradPtr + d * stateSize : zeroGrad!.ptr,
      dcN: cN ? (cN.hasGrad ? cN.gradPtr + d * stateSize : zeroGrad!.ptr) : -1,
      dGates: dG,
      dGatesHh: dGatesHh ? dGatesHh[d].ptr : -1,
      dh0: dh0.ptr,
      dc0: dc0 ? dc0.ptr : -1,
      initialGradient,
      inputRowsGrad: tokens ? idGrad!.ptr : -1,
      ids: tokens ? tokens.ptr : -1,
    });
    if (h0?.requiresGrad) backend.axpy(1, dh0.ptr, h0.gradPtr + d * stateSize, stateSize);
    if (dc0 && c0?.requiresGrad) backend.axpy(1, dc0.ptr, c0.gradPtr + d * stateSize, stateSize);

    // Gradient of the recurrent product h_{t-1} W_hh^T (+ b_hh): for LSTM and RNN the same as the gates'.
    const dGh = dGatesHh ? dGatesHh[d].ptr : dG;
    // dW_ih += dG^T x over all T x B rows (for token ids: the rows the kernel added up, transposed;
    // through an embedding E: dW_ih += idGrad^T E and dE += idGrad W_ih)
    if (tokens && embedding) {
      const dTable = idGrad!.ptr;
      if (w.weightIh.requiresGrad) {
        backend.gemm(
          true,
          false,
          G,
          numInputs,
          tableRows,
          1,
          dTable,
          G,
          embedding.ptr,
          numInputs,
          1,
          w.weightIh.gradPtr,
          numInputs,
        );
      }
      if (embedding.requiresGrad) {
        backend.gemm(
          false,
          false,
          tableRows,
          numInputs,
          G,
          1,
          dTable,
          G,
          w.weightIh.ptr,
          numInputs,
          1,
          embedding.gradPtr,
          numInputs,
        );
      }
    } else if (tokens) {
      backend.transpose(idGrad!.ptr, numInputs, G, w.weightIh.gradPtr, true);
    } else if (w.weightIh.requiresGrad && x) {
      backend.gemm(true, false, G, numInputs, n, 1, dG, G, x.ptr, numInputs, 1, w.weightIh.gradPtr, numInputs);
    }
    // dW_hh += dGh_t^T h_{t-1}: the steps whose previous state is an output row, in one gemm,
    // then the first step (in loop order), whose previous state is h0.
    if (w.weightHh.requiresGrad) {
      const ld = D * H;
      const rowsAfterFirst = (steps - 1) * batch;
      if (rowsAfterFirst > 0) {
        const dFrom = reverse ? dGh : dGh + batch * G; // steps 0..T-2 (reverse) or 1..T-1
        const hFrom = reverse ? out.ptr + d * H + batch * ld : out.ptr + d * H; // outputs 1..T-1 or 0..T-2
        if (transposedHhGrad) {
          // h^T dGh (H, G), then added transposed: see SWAP_HH_GRAD_MAX_HIDDEN.
          backend.gemm(true, false, H, G, rowsAfterFirst, 1, hFrom, ld, dFrom, G, 0, transposedHhGrad.ptr, G);
          backend.transpose(transposedHhGrad.ptr, H, G, w.weightHh.gradPtr, true);
        } else {
          backend.gemm(true, false, G, H, rowsAfterFirst, 1, dFrom, G, hFrom, ld, 1, w.weightHh.gradPtr, H);
        }
      }
      if (h0) {
        const firstRows = dGh + (reverse ? steps - 1 : 0) * batch * G;
        backend.gemm(true, false, G, H, batch, 1, firstRows, G, h0Ptr(d), H, 1, w.weightHh.gradPtr, H);
      }
    }
    if (w.biasIh.requiresGrad || w.biasHh.requiresGrad) {
      // Every row of dG went into exactly one row of idGrad: its V rows have the same column sums as dG's T B.
      if (tokens) backend.columnSums(idGrad!.ptr, tableRows, G, biasSum.ptr, false);
      else backend.columnSums(dG, n, G, biasSum.ptr, false);
      if (w.biasIh.requiresGrad) backend.axpy(1, biasSum.ptr, w.biasIh.gradPtr, G);
      if (w.biasHh.requiresGrad) {
        if (dGatesHh) backend.columnSums(dGh, n, G, w.biasHh.gradPtr, true);
        else backend.axpy(1, biasSum.ptr, w.biasHh.gradPtr, G);
      }
    }
    // dx += dG W_ih (directions add up)
    if (x?.requiresGrad) {
      backend.gemm(false, false, n, numInputs, G, 1, dG, G, w.weightIh.ptr, numInputs, 1, x.gradPtr, numInputs);
    }
  });
}

// The fused cell kernels (Kernels.lstmForward, gruForward, rnnForward and their backwards) chosen
// by cell kind, with named arguments: the layer op and the generation stepper both run a cell
// through these two functions instead of spelling out the kernels' long argument lists.
//
// Buffers a cell does not read are -1 (Ptr): `c0`, `cells`, `tanhCells`, `cN` are the LSTM's, `work`
// the GRU's; `saved` is the LSTM's c_t or the GRU's W_hn h + b_hn (the RNN has none). See the
// contract of each kernel in backend/backend.ts.

import type { Backend, CellKind, Ptr } from '../backend/backend.js';

export { GATE_COUNT, type CellKind } from '../backend/backend.js';

/** One direction of one layer over `steps` time steps (see Kernels.lstmForward). */
export interface CellForwardCall {
  steps: number;
  batch: number;
  hidden: number;
  reverse: boolean;
  /** (T, B, G H): in the input projection (unless inputRows), out the activated gates. */
  gates: Ptr;
  weightHh: Ptr;
  biasIh: Ptr;
  biasHh: Ptr;
  /** (B, H) initial state, or -1 for zeros. */
  h0: Ptr;
  c0: Ptr;
  /** (T, B, ldOut): h_t in columns [0, H). */
  out: Ptr;
  ldOut: number;
  /** (T, B, H): c_t (LSTM) or h_{t-1} W_hn^T + b_hn (GRU). */
  saved: Ptr;
  tanhCells: Ptr;
  /** (B, 3H) GRU scratch. */
  work: Ptr;
  hN: Ptr;
  cN: Ptr;
  packedHh: Ptr;
  /** (V, G H) rows of W_ih^T read by token id, with `ids` (T, B) int32; -1 for both with dense inputs. */
  inputRows: Ptr;
  ids: Ptr;
}

export function cellForward(backend: Backend, cell: CellKind, c: CellForwardCall): void {
  if (cell === 'lstm') {
    // prettier-ignore
    backend.lstmForward(
      c.steps, c.batch, c.hidden, c.reverse,
      c.gates, c.weightHh, c.biasIh, c.biasHh, c.h0, c.c0,
      c.out, c.ldOut, c.saved, c.tanhCells, c.hN, c.cN, c.packedHh, c.inputRows, c.ids,
    );
  } else if (cell === 'gru') {
    // prettier-ignore
    backend.gruForward(
      c.steps, c.batch, c.hidden, c.reverse,
      c.gates, c.weightHh, c.biasIh, c.biasHh, c.h0,
      c.out, c.ldOut, c.saved, c.work, c.hN, c.packedHh, c.inputRows, c.ids,
    );
  } else {
    // prettier-ignore
    backend.rnnForward(
      c.steps, c.batch, c.hidden, c.reverse,
      c.gates, c.weightHh, c.biasIh, c.biasHh, c.h0,
      c.out, c.ldOut, c.hN, c.packedHh, c.inputRows, c.ids,
    );
  }
}

/** Backpropagation through time of one direction (see Kernels.lstmBackward). */
export interface CellBackwardCall {
  steps: number;
  batch: number;
  hidden: number;
  reverse: boolean;
  /** The forward's activated gates, `saved` and tanhCells. */
  gates: Ptr;
  saved: Ptr;
  tanhCells: Ptr;
  /** (B, H) initial states as buffers (zeros when there were none): the LSTM reads c0, the GRU h0. */
  h0: Ptr;
  c0: Ptr;
  /** The forward's outputs (the GRU reads h_{t-1} from them), (T, B, ldOut). */
  out: Ptr;
  weightHh: Ptr;
  /** (T, B, ldOut) gradient of the outputs; dhN, dcN: (B, H) gradients of the final state. */
  dOut: Ptr;
  ldOut: number;
  dhN: Ptr;
  dcN: Ptr;
  /** (T, B, G H) out: gradients of the gate pre-activations (GRU: of x W_ih^T + b_ih). */
  dGates: Ptr;
  /** (T, B, G H) out, GRU only: gradient of h W_hh^T + b_hh. */
  dGatesHh: Ptr;
  /** (B, H) out; dh0 only when initialGradient. */
  dh0: Ptr;
  dc0: Ptr;
  initialGradient: boolean;
  /** (V, G H) table each token's input-side gate-gradient row is added into, with `ids`; -1 for none. */
  inputRowsGrad: Ptr;
  ids: Ptr;
}

export function cellBackward(backend: Backend, cell: CellKind, c: CellBackwardCall): void {
  if (cell === 'lstm') {
    // prettier-ignore
    backend.lstmBackward(
      c.steps, c.batch, c.hidden, c.reverse,
      c.gates, c.saved, c.tanhCells, c.c0, c.weightHh, c.dOut, c.ldOut, c.dhN, c.dcN,
      c.dGates, c.dh0, c.dc0, c.initialGradient, c.inputRowsGrad, c.ids,
    );
  } else if (cell === 'gru') {
    // prettier-ignore
    backend.gruBackward(
      c.steps, c.batch, c.hidden, c.reverse,
      c.gates, c.saved, c.h0, c.out, c.ldOut, c.weightHh, c.dOut, c.dhN,
      c.dGates, c.dGatesHh, c.dh0, c.initialGradient, c.inputRowsGrad, c.ids,
    );
  } else {
    // prettier-ignore
    backend.rnnBackward(
      c.steps, c.batch, c.hidden, c.reverse,
      c.gates, c.weightHh, c.dOut, c.ldOut, c.dhN, c.dGates, c.dh0, c.initialGradient,
      c.inputRowsGrad, c.ids,
    );
  }
}

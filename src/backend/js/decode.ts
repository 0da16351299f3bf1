// Greedy decoding, the readable twin of assembly/decode.ts: token by token, one cell step (the
// backend's own forward kernel with steps 1), the output layer (its gemm and add), and the
// argmax. See Kernels.decodeGreedy for the contract.

import { decodeLogitsOffset, GATE_COUNT, type CellKind, type Kernels, type Ptr } from '../backend.js';
import type { Heap } from '../../memory/heap.js';
import { argmaxExcept } from '../../util/argmax.js';

/** The arguments of Kernels.decodeGreedy, named. */
export interface DecodeCall {
  cell: CellKind;
  tokens: number;
  hidden: number;
  outputs: number;
  weightHh: Ptr;
  biasIh: Ptr;
  biasHh: Ptr;
  inputRows: Ptr;
  h: Ptr;
  c: Ptr;
  outWeight: Ptr;
  outBias: Ptr;
  ids: Ptr;
  exclude: number;
  scratch: Ptr;
}

export function decodeGreedy(kernels: Kernels, heap: Heap, d: DecodeCall): void {
  const H = d.hidden;
  const V = d.outputs;
  const G = GATE_COUNT[d.cell] * H;
  const idBase = heap.intIndex(d.ids);
  // Scratch (see decodeScratchSize): gates | GRU product | spare row | h_t | c_t (one bank each
  // here) ... logits.
  const gates = d.scratch;
  const work = gates + G;
  const spare = work + G;
  const hOut = spare + H;
  const cOut = hOut + H;
  const logits = d.scratch + decodeLogitsOffset(d.cell, H);
  for (let t = 0; t < d.tokens; t++) {
    // A step from (h, c) into hOut, cOut, then back: the kernels' h0 and hN must not alias.
    const id = d.ids + t;
    if (d.cell === 'lstm') {
      // prettier-ignore
      kernels.lstmForward(1, 1, H, false, gates, d.weightHh, d.biasIh, d.biasHh, d.h, d.c, hOut, H, cOut, spare,
        hOut, cOut, -1, d.inputRows, id);
      kernels.copy(cOut, d.c, H);
    } else if (d.cell === 'gru') {
      // prettier-ignore
      kernels.gruForward(1, 1, H, false, gates, d.weightHh, d.biasIh, d.biasHh, d.h, hOut, H, spare, work, hOut, -1,
        d.inputRows, id);
    } else {
      // prettier-ignore
      kernels.rnnForward(1, 1, H, false, gates, d.weightHh, d.biasIh, d.biasHh, d.h, hOut, H, hOut, -1,
        d.inputRows, id);
    }
    kernels.copy(hOut, d.h, H);
    // The output layer as Linear computes it: h W_out^T + b_out.
    kernels.gemm(false, true, 1, V, H, 1, d.h, H, d.outWeight, H, 0, logits, V);
    kernels.add(logits, d.outBias, logits, V);
    heap.ints[idBase + t + 1] = argmaxExcept(heap.floats.subarray(logits, logits + V), d.exclude);
  }
}

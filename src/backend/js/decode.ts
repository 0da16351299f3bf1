// Greedy decoding, the readable twin of assembly/decode.ts: token by token, one cell step (the
// backend's own forward kernel with steps 1), the output layer's logits in float64, and their
// argmax. See Kernels.decodeGreedy for the contract.

import { GATE_COUNT, type CellKind, type Kernels, type Ptr } from '../backend.js';
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
  const G = GATE_COUNT[d.cell] * H;
  const f = heap.floats;
  const ints = heap.ints;
  const idBase = heap.intIndex(d.ids);
  // Scratch (see decodeScratchSize): gates | GRU product | spare row | h_t | c_t (one bank each here).
  const gates = d.scratch;
  const work = gates + G;
  const spare = work + G;
  const hOut = spare + H;
  const cOut = hOut + H;
  const logits = new Float64Array(d.outputs);
  for (let t = 0; t < d.tokens; t++) {
    // A step from (h, c) into hOut, cOut, then back: the kernels' h0 and hN must not alias.
    const id = d.ids + t;
    if (d.cell === 'lstm') {
      kernels.lstmForward(1, 1, H, false, gates, d.weightHh, d.biasIh, d.biasHh, d.h, d.c, hOut, H, cOut, spare,
        hOut, cOut, -1, d.inputRows, id); // prettier-ignore
      kernels.copy(cOut, d.c, H);
    } else if (d.cell === 'gru') {
      kernels.gruForward(1, 1, H, false, gates, d.weightHh, d.biasIh, d.biasHh, d.h, hOut, H, spare, work, hOut, -1,
        d.inputRows, id); // prettier-ignore
    } else {
      kernels.rnnForward(1, 1, H, false, gates, d.weightHh, d.biasIh, d.biasHh, d.h, hOut, H, hOut, -1,
        d.inputRows, id); // prettier-ignore
    }
    kernels.copy(hOut, d.h, H);
    for (let v = 0; v < d.outputs; v++) {
      let sum = 0;
      const row = d.outWeight + v * H;
      for (let j = 0; j < H; j++) sum += f[row + j] * f[d.h + j];
      logits[v] = sum + f[d.outBias + v];
    }
    ints[idBase + t + 1] = argmaxExcept(logits, d.exclude);
  }
}

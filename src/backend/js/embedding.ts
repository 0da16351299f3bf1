// Reference embedding kernels: rows of a table by token id, and the gradient
// added back into those rows; see "embedding" in ../backend.ts. The recurrent
// twins use them too, as the meaning of token inputs (gather the rows of W_ih^T,
// scatter-add the gate gradients into its gradient).

import type { FloatArray, Ptr } from '../../memory/heap.js';

/** out[r, :] = table[ids[r], :]; table: (V, width), ids: (n) int32, out: (n, ldOut). */
export function gatherRows(
  f: FloatArray,
  ints: Int32Array,
  intIndex: (p: Ptr) => number,
  table: Ptr,
  width: number,
  ids: Ptr,
  n: number,
  out: Ptr,
  ldOut: number,
): void {
  const idBase = intIndex(ids);
  for (let r = 0; r < n; r++) {
    const src = table + ints[idBase + r] * width;
    for (let j = 0; j < width; j++) f[out + r * ldOut + j] = f[src + j];
  }
}

/** table[ids[r], :] += src[r, :]; src: (n, ldSrc), ids: (n) int32, table: (V, width). */
export function scatterAddRows(
  f: FloatArray,
  ints: Int32Array,
  intIndex: (p: Ptr) => number,
  src: Ptr,
  ldSrc: number,
  ids: Ptr,
  n: number,
  width: number,
  table: Ptr,
): void {
  const idBase = intIndex(ids);
  for (let r = 0; r < n; r++) {
    const dst = table + ints[idBase + r] * width;
    for (let j = 0; j < width; j++) f[dst + j] += f[src + r * ldSrc + j];
  }
}

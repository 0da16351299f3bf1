// Reference GEMM: the definition, written for reading, not for speed.
import type { FloatArray, Ptr } from '../../memory/heap.js';

/** C = alpha * op(A) * op(B) + beta * C over one heap view `f`; see Kernels.gemm. */
export function gemm(
  f: FloatArray,
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
): void {
  for (let i = 0; i < m; i++) {
    const cRow = c + i * ldc;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aIP = transA ? f[a + p * lda + i] : f[a + i * lda + p];
        const bPJ = transB ? f[b + j * ldb + p] : f[b + p * ldb + j];
        sum += aIP * bPJ;
      }
      // beta == 0 overwrites: C may hold garbage (even NaN) that must not leak.
      f[cRow + j] = beta === 0 ? alpha * sum : alpha * sum + beta * f[cRow + j];
    }
  }
}

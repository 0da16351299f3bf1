// STUB (to be replaced): scalar gemm.
export function gemmWorkspaceBytes(transA: i32, transB: i32, m: i32, n: i32, k: i32): usize { return 0; }
export function gemm(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, work: usize): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s: f32 = 0;
    for (let p = 0; p < k; p++) {
      const av = transA ? load<f32>(a + ((<usize>p * lda + i) << 2)) : load<f32>(a + ((<usize>i * lda + p) << 2));
      const bv = transB ? load<f32>(b + ((<usize>j * ldb + p) << 2)) : load<f32>(b + ((<usize>p * ldb + j) << 2));
      s += av * bv;
    }
    const cp = c + ((<usize>i * ldc + j) << 2);
    store<f32>(cp, beta == 0 ? alpha * s : alpha * s + beta * load<f32>(cp));
  }
}

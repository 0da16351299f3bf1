// GEMM: C = alpha * op(A) * op(B) + beta * C, row-major; see Kernels.gemm in
// src/backend/backend.ts. The readable twin is src/backend/js/gemm.ts.
//
// Three paths, chosen by shape (gemmWorkspaceBytes makes the same choice):
// - blocked: op(A) and op(B) packed into tile-ordered panels (gemm-pack.ts), so
//   that all four transpose layouts run one 4 x 8 micro-kernel (gemm-kernel.ts)
//   over contiguous memory, with cache blocking around it. A row-major B is read
//   in place instead of packed when few rows of C reuse it.
// - few rows times a row-major B (m <= 2: NN, TN), and
// - dot products of rows for a transposed B (m < 32: NT, TT) (gemm-small.ts):
//   there every element of B is used a few times at most, so packing B, or
//   transposing it, would cost as much as the product. Also for a narrow B whose
//   width is far from a multiple of NR (an output layer over a small vocabulary):
//   the blocked path would spend a tenth or more of its work on zero padding.
import { MR, NR, microKernel4x8 } from './gemm-kernel';
import { packA, packB } from './gemm-pack';
import { DOT_ROWS_BELOW, fewRowsTimesB, rowsDotRowsOfB } from './gemm-small';
import { fill, scale } from './elementwise';

// Cache blocking for the blocked path. A kc x NR panel of B (8 KiB) stays in L1
// while the micro-kernel walks down an mc x kc block of A (128 KiB, in L2); the
// kc x nc block of B is packed once per k block and serves every row block.
const KC = 256;
const MC = 128;
const NC = 2048;

/** Up to this many rows of op(A), a row-major B goes through fewRowsTimesB. */
const FEW_ROWS_MAX = 2;
/** From this depth, a transposed B whose padding to NR columns would waste >= 10% of the
 * blocked path's work goes through rowsDotRowsOfB too (measured at 4096 x 28 x 256:
 * 41 -> 47 GFLOP/s; at k = 64 the two paths tie, at k = 32 the blocked one wins). */
const DOT_NARROW_MIN_K = 128;
/** Up to this many rows, the blocked path reads a row-major B in place... */
const DIRECT_B_MAX_ROWS = 8;
/** ...and up to this many unless B's row stride is a multiple of 2 KiB, which
 * crowds the rows of a panel into a few L1 sets so that every re-read misses
 * (measured: in place wins to 64 rows at 1 KiB or odd strides, loses from 16 at 4 KiB). */
const DIRECT_B_MAX_ROWS_UNALIGNED = 64;

const PATH_BLOCKED = 0;
const PATH_FEW_ROWS = 1;
const PATH_DOT_ROWS = 2;

// @ts-ignore: decorator
@inline function pathFor(transA: i32, transB: i32, m: i32, n: i32, k: i32): i32 {
  if (transB) {
    // (not for a transposed A: the dot path would gather all of it, m x k, into the workspace)
    const narrow = !transA && k >= DOT_NARROW_MIN_K && 10 * n < 9 * roundUp(n, NR);
    return m < DOT_ROWS_BELOW || narrow ? PATH_DOT_ROWS : PATH_BLOCKED;
  }
  return m <= FEW_ROWS_MAX ? PATH_FEW_ROWS : PATH_BLOCKED;
}

// @ts-ignore: decorator
@inline function roundUp(x: i32, multiple: i32): i32 {
  return (x + multiple - 1) / multiple * multiple;
}

/** Splits `total` into equal blocks of at most `max`, rounded up to `multiple`. */
// @ts-ignore: decorator
@inline function blockSize(total: i32, max: i32, multiple: i32): i32 {
  const count = (total + max - 1) / max;
  return roundUp((total + count - 1) / count, multiple);
}

/** Floats of the packed B block, a multiple of 16 (64 bytes). */
function packedBFloats(n: i32, k: i32): i32 {
  return roundUp(min(k, KC) * roundUp(min(n, NC), NR), 16);
}

/** Floats of the packed A block, a multiple of 16. */
function packedAFloats(m: i32, k: i32): i32 {
  return roundUp(roundUp(min(m, MC), MR) * min(k, KC), 16);
}

/** Bytes of packing workspace `gemm` needs for these arguments (0 if none). */
export function gemmWorkspaceBytes(transA: i32, transB: i32, m: i32, n: i32, k: i32): usize {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  const path = pathFor(transA, transB, m, n, k);
  if (path == PATH_FEW_ROWS) return 0;
  // The dot products want rows of op(A) contiguous along k: A^T is gathered.
  if (path == PATH_DOT_ROWS) return transA ? <usize>m * <usize>k << 2 : 0;
  return <usize>(packedBFloats(n, k) + packedAFloats(m, k) + MR * NR) << 2;
}

/**
 * C = alpha * op(A) * op(B) + beta * C; op(X) = X, or X^T when transX is 1.
 * a: op(A) is (m, k); stored (m, k) with row stride lda, or (k, m) when transA.
 * b: op(B) is (k, n); stored (k, n) with row stride ldb, or (n, k) when transB.
 * c: (m, n) with row stride ldc; not read when beta is 0; must not alias A or B.
 * work: gemmWorkspaceBytes(transA, transB, m, n, k) bytes of scratch, 16-byte
 * aligned, allocated by the caller (no kernel allocates).
 */
export function gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, work: usize,
): void {
  gemmReusingB(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work, false);
}

/**
 * gemm for a run of calls with the same m, n, k, B, transB and work (the recurrent product
 * of every time step): with `bPackedByPreviousCall`, the blocked path skips packing B when
 * the previous call left all of it packed in `work` (one k block and one n block: k <= KC,
 * n <= NC) and nothing wrote to `work` since. Saves packing (and, for a transposed B,
 * transposing) W_hh again at every step.
 */
export function gemmReusingB(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, work: usize, bPackedByPreviousCall: bool,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scaleRows(c, ldc, m, n, beta);
    return;
  }
  const ldaBytes = <usize>lda << 2;
  const path = pathFor(transA, transB, m, n, k);
  if (path == PATH_FEW_ROWS) {
    // op(A)[r, p] is A[r, p] or A[p, r]: the kernel takes both strides.
    fewRowsTimesB(m, n, k, alpha, a, transA ? 4 : ldaBytes, transA ? ldaBytes : 4, b, ldb, beta, c, ldc);
  } else if (path == PATH_DOT_ROWS) {
    if (transA) {
      gatherColumns(a, lda, m, k, work);
      rowsDotRowsOfB(m, n, k, alpha, work, k, b, ldb, beta, c, ldc);
    } else {
      rowsDotRowsOfB(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
  } else {
    const reuse = bPackedByPreviousCall && k <= KC && n <= NC;
    gemmBlocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work, reuse);
  }
}

/** The blocked path; arguments as in gemm, m >= 1, n >= 1, k >= 1; bIsPacked: see gemmReusingB. */
function gemmBlocked(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, work: usize, bIsPacked: bool,
): void {
  const packedB = work;
  const packedA = packedB + (<usize>packedBFloats(n, k) << 2);
  const tile = packedA + (<usize>packedAFloats(m, k) << 2);
  const kcBlock = blockSize(k, KC, 1);
  const mcBlock = blockSize(m, MC, MR);
  const ncBlock = blockSize(n, NC, NR);
  const ldbBytes = <usize>ldb << 2;
  const ldcBytes = <usize>ldc << 2;
  // Few rows of C over a row-major B: its full NR-column panels are read in place,
  // and only the last, partial one is packed (zero-padded).
  const directB = !transB && (m <= DIRECT_B_MAX_ROWS || (m <= DIRECT_B_MAX_ROWS_UNALIGNED && (ldb & 511) != 0));
  for (let jc = 0; jc < n; jc += ncBlock) {
    const nc = min(ncBlock, n - jc);
    const directCols = directB ? nc & ~(NR - 1) : 0;
    for (let pc = 0; pc < k; pc += kcBlock) {
      const kc = min(kcBlock, k - pc);
      // Later k blocks add to what the first one wrote.
      const blockBeta: f32 = pc == 0 ? beta : 1;
      if (directCols < nc && !bIsPacked) packB(transB, b, ldb, pc, jc + directCols, kc, nc - directCols, packedB);
      for (let ic = 0; ic < m; ic += mcBlock) {
        const mc = min(mcBlock, m - ic);
        packA(transA, a, lda, ic, pc, mc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          let bPanel: usize, bStride: usize;
          if (jr < directCols) {
            bPanel = b + <usize>pc * ldbBytes + (<usize>(jc + jr) << 2);
            bStride = ldbBytes;
          } else {
            bPanel = packedB + <usize>(jr - directCols) * (<usize>kc << 2);
            bStride = NR << 2;
          }
          const nr = min(NR, nc - jr);
          let cTile = c + <usize>ic * ldcBytes + (<usize>(jc + jr) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const aPanel = packedA + <usize>ir * (<usize>kc << 2);
            microKernel4x8(kc, aPanel, bPanel, bStride, alpha, blockBeta, cTile, ldc, min(MR, mc - ir), nr, tile);
            cTile += <usize>MR * ldcBytes;
          }
        }
      }
    }
  }
}

/** dst[i * k + p] = a[p * lda + i]: the m columns of a (k, m) matrix as contiguous rows. */
function gatherColumns(a: usize, lda: i32, m: i32, k: i32, dst: usize): void {
  const ldaBytes = <usize>lda << 2;
  const rowBytes = <usize>k << 2;
  let src = a;
  for (let p = 0; p < k; p++) {
    let out = dst + (<usize>p << 2);
    for (let i = 0; i < m; i++) {
      store<f32>(out, load<f32>(src + (<usize>i << 2)));
      out += rowBytes;
    }
    src += ldaBytes;
  }
}

/** C = beta * C (C = 0 when beta is 0, without reading C); c: (m, n) with row stride ldc. */
export function scaleRows(c: usize, ldc: i32, m: i32, n: i32, beta: f32): void {
  for (let i = 0; i < m; i++) {
    const row = c + ((<usize>i * <usize>ldc) << 2);
    if (beta == 0) fill(row, 0, n);
    else scale(row, beta, row, n);
  }
}

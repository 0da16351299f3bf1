// GEMM for the shapes where packing does not pay: one or two rows times a
// row-major B, and fewer than DOT_ROWS_BELOW rows times a transposed B (the step
// of a recurrent layer at a small batch: h (B, H) times W_hh^T); there every
// element of B is used a few times at most, so B is read in place, never packed
// or transposed. The dot-product path also takes a narrow transposed B with many
// rows (few columns, so packing would mostly pad). The callers are in gemm.ts,
// which picks the path by shape.
import { fill, scale } from './elementwise';
import { hsum, laneSums, madd } from './simd';

/** Below this many rows of op(A), a transposed B goes through rowsDotRowsOfB (see gemm.ts). */
export const DOT_ROWS_BELOW = 32;

// ---- row-major B (NN, TN) ------------------------------------------------------

/**
 * C[0:m, 0:n] = alpha * op(A) * B + beta * C with B row-major (k, n), m = 1 or 2.
 * a: op(A)[r, p] at a + r * aRowStride + p * aKStride (bytes; covers A and A^T).
 * b: (k, n) with row stride ldb. c: (m, n) with row stride ldc, not read when beta is 0.
 */
export function fewRowsTimesB(
  m: i32, n: i32, k: i32, alpha: f32,
  a: usize, aRowStride: usize, aKStride: usize,
  b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
): void {
  const ldbBytes = <usize>ldb << 2;
  if (m == 1) rowTimesBRows(n, k, alpha, a, aKStride, b, ldbBytes, beta, c);
  else rowPairTimesB(n, k, alpha, a, aRowStride, aKStride, b, ldbBytes, beta, c, <usize>ldc << 2);
}

/**
 * One row: c[0:n] = beta * c, then c += (alpha * a[p]) * B[p, :], four rows of B at
 * a time. Sweeping whole rows streams B in order (a column strip would jump a row
 * stride per k step), and c (n floats) stays in L1 between the sweeps.
 */
function rowTimesBRows(
  n: i32, k: i32, alpha: f32, a: usize, aKStride: usize,
  b: usize, ldbBytes: usize, beta: f32, c: usize,
): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  if (beta == 0) fill(c, 0, n);
  else if (beta != 1) scale(c, beta, c, n);
  let p = 0;
  let pa = a, r0 = b;
  for (; p + 4 <= k; p += 4) {
    const r1 = r0 + ldbBytes, r2 = r1 + ldbBytes, r3 = r2 + ldbBytes;
    const s0 = alpha * load<f32>(pa), s1 = alpha * load<f32>(pa + aKStride);
    const s2 = alpha * load<f32>(pa + 2 * aKStride), s3 = alpha * load<f32>(pa + 3 * aKStride);
    const x0 = f32x4.splat(s0), x1 = f32x4.splat(s1), x2 = f32x4.splat(s2), x3 = f32x4.splat(s3);
    let j: usize = 0;
    for (; j < vectorEnd; j += 16) {
      const acc = madd(x0, v128.load(r0 + j), v128.load(c + j));
      v128.store(c + j, madd(x3, v128.load(r3 + j), madd(x2, v128.load(r2 + j), madd(x1, v128.load(r1 + j), acc))));
    }
    for (; j < end; j += 4) {
      store<f32>(c + j, load<f32>(c + j) + s0 * load<f32>(r0 + j) + s1 * load<f32>(r1 + j) + s2 * load<f32>(r2 + j) + s3 * load<f32>(r3 + j));
    }
    pa += 4 * aKStride;
    r0 += 4 * ldbBytes;
  }
  for (; p < k; p++) {
    const s0 = alpha * load<f32>(pa);
    const x0 = f32x4.splat(s0);
    let j: usize = 0;
    for (; j < vectorEnd; j += 16) v128.store(c + j, madd(x0, v128.load(r0 + j), v128.load(c + j)));
    for (; j < end; j += 4) store<f32>(c + j, load<f32>(c + j) + s0 * load<f32>(r0 + j));
    pa += aKStride;
    r0 += ldbBytes;
  }
}

/**
 * Two rows: c[r, 0:n] = alpha * sum_p a[r, p] * B[p, 0:n] + beta * c[r, 0:n], r < 2, in
 * strips of 16 columns (8 accumulators across the whole k loop), then 4, then 1.
 */
function rowPairTimesB(
  n: i32, k: i32, alpha: f32, a: usize, aRowStride: usize, aKStride: usize,
  b: usize, ldbBytes: usize, beta: f32, c: usize, ldcBytes: usize,
): void {
  const kSteps = <usize>k;
  const c1 = c + ldcBytes;
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    let s00 = f32x4.splat(0), s01 = s00, s02 = s00, s03 = s00;
    let s10 = s00, s11 = s00, s12 = s00, s13 = s00;
    let pa = a, pb = b + (<usize>j << 2);
    for (let p: usize = 0; p < kSteps; p++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32), b3 = v128.load(pb, 48);
      const x0 = v128.load32_splat(pa);
      s00 = madd(x0, b0, s00); s01 = madd(x0, b1, s01); s02 = madd(x0, b2, s02); s03 = madd(x0, b3, s03);
      const x1 = v128.load32_splat(pa + aRowStride);
      s10 = madd(x1, b0, s10); s11 = madd(x1, b1, s11); s12 = madd(x1, b2, s12); s13 = madd(x1, b3, s13);
      pa += aKStride;
      pb += ldbBytes;
    }
    const out0 = c + (<usize>j << 2), out1 = c1 + (<usize>j << 2);
    storeScaled(out0, s00, alpha, beta); storeScaled(out0 + 16, s01, alpha, beta);
    storeScaled(out0 + 32, s02, alpha, beta); storeScaled(out0 + 48, s03, alpha, beta);
    storeScaled(out1, s10, alpha, beta); storeScaled(out1 + 16, s11, alpha, beta);
    storeScaled(out1 + 32, s12, alpha, beta); storeScaled(out1 + 48, s13, alpha, beta);
  }
  for (; j + 4 <= n; j += 4) {
    let s0 = f32x4.splat(0), s1 = s0;
    let pa = a, pb = b + (<usize>j << 2);
    for (let p: usize = 0; p < kSteps; p++) {
      const bv = v128.load(pb);
      s0 = madd(v128.load32_splat(pa), bv, s0);
      s1 = madd(v128.load32_splat(pa + aRowStride), bv, s1);
      pa += aKStride;
      pb += ldbBytes;
    }
    storeScaled(c + (<usize>j << 2), s0, alpha, beta);
    storeScaled(c1 + (<usize>j << 2), s1, alpha, beta);
  }
  for (; j < n; j++) {
    let s0: f32 = 0, s1: f32 = 0;
    let pa = a, pb = b + (<usize>j << 2);
    for (let p: usize = 0; p < kSteps; p++) {
      const bv = load<f32>(pb);
      s0 += load<f32>(pa) * bv;
      s1 += load<f32>(pa + aRowStride) * bv;
      pa += aKStride;
      pb += ldbBytes;
    }
    storeScalar(c + (<usize>j << 2), s0, alpha, beta);
    storeScalar(c1 + (<usize>j << 2), s1, alpha, beta);
  }
}

// ---- transposed B (NT, TT): dot products of rows ---------------------------------

/**
 * C = alpha * A * B^T + beta * C with both operands contiguous along k: few rows (m < DOT_ROWS_BELOW),
 * or a narrow B (see gemm.ts).
 * Each 2 x 4 tile of C is eight dot products in eight f32x4 accumulators fed by two
 * rows of A and four rows of B (the loads per fma of the 4 x 8 micro-kernel),
 * reduced across lanes once at the end. Few rows: four rows of B stay in L1 while every
 * row pair of A passes over them; many rows (so a narrow B): each row pair of A stays in
 * L1 while it passes over all of B, so A is read once. An odd last row goes through
 * rowDotRowsOfB.
 * a: (m, k) with row stride lda. b: (n, k) with row stride ldb. c: (m, n) with row stride ldc.
 */
export function rowsDotRowsOfB(
  m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
): void {
  const ldaBytes = <usize>lda << 2, ldbBytes = <usize>ldb << 2, ldcBytes = <usize>ldc << 2;
  const pairRows = m & ~1;
  const quadColumns = n & ~3;
  if (m < DOT_ROWS_BELOW) {
    for (let j = 0; j < quadColumns; j += 4) {
      for (let i = 0; i < pairRows; i += 2) dotTileAt(k, a, ldaBytes, b, ldbBytes, alpha, beta, c, ldcBytes, i, j);
    }
  } else {
    for (let i = 0; i < pairRows; i += 2) {
      for (let j = 0; j < quadColumns; j += 4) dotTileAt(k, a, ldaBytes, b, ldbBytes, alpha, beta, c, ldcBytes, i, j);
    }
  }
  let j = quadColumns;
  for (; j < n; j++) {
    const bRow = b + <usize>j * ldbBytes;
    for (let i = 0; i < pairRows; i++) {
      storeScalar(c + <usize>i * ldcBytes + (<usize>j << 2), dot(k, a + <usize>i * ldaBytes, bRow), alpha, beta);
    }
  }
  if (pairRows < m) {
    rowDotRowsOfB(n, k, alpha, a + <usize>pairRows * ldaBytes, b, ldb, beta, c + <usize>pairRows * ldcBytes);
  }
}

/**
 * c[0:n] = alpha * (B * a) + beta * c for one row: c[j] = alpha * dot(a[0:k], B[j, 0:k]) + beta * c[j].
 * a: (k) contiguous. b: (n, k) with row stride ldb. c: (n) contiguous, not read when beta is 0.
 */
function rowDotRowsOfB(n: i32, k: i32, alpha: f32, a: usize, b: usize, ldb: i32, beta: f32, c: usize): void {
  const ldbBytes = <usize>ldb << 2;
  const vectorEnd = <usize>(k & ~3) << 2;
  const end = <usize>k << 2;
  let j = 0;
  // Six rows of B at a time: six independent chains, 6 + 6 + 1 + 1 xmm registers.
  for (; j + 6 <= n; j += 6) {
    const r0 = b + <usize>j * ldbBytes, r1 = r0 + ldbBytes, r2 = r1 + ldbBytes;
    const r3 = r2 + ldbBytes, r4 = r3 + ldbBytes, r5 = r4 + ldbBytes;
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
    let p: usize = 0;
    for (; p < vectorEnd; p += 16) {
      const x = v128.load(a + p);
      s0 = madd(x, v128.load(r0 + p), s0);
      s1 = madd(x, v128.load(r1 + p), s1);
      s2 = madd(x, v128.load(r2 + p), s2);
      s3 = madd(x, v128.load(r3 + p), s3);
      s4 = madd(x, v128.load(r4 + p), s4);
      s5 = madd(x, v128.load(r5 + p), s5);
    }
    let d0 = hsum(s0), d1 = hsum(s1), d2 = hsum(s2), d3 = hsum(s3), d4 = hsum(s4), d5 = hsum(s5);
    for (; p < end; p += 4) {
      const x = load<f32>(a + p);
      d0 += x * load<f32>(r0 + p); d1 += x * load<f32>(r1 + p); d2 += x * load<f32>(r2 + p);
      d3 += x * load<f32>(r3 + p); d4 += x * load<f32>(r4 + p); d5 += x * load<f32>(r5 + p);
    }
    const out = c + (<usize>j << 2);
    storeScalar(out, d0, alpha, beta); storeScalar(out + 4, d1, alpha, beta); storeScalar(out + 8, d2, alpha, beta);
    storeScalar(out + 12, d3, alpha, beta); storeScalar(out + 16, d4, alpha, beta); storeScalar(out + 20, d5, alpha, beta);
  }
  for (; j < n; j++) storeScalar(c + (<usize>j << 2), dot(k, a, b + <usize>j * ldbBytes), alpha, beta);
}

/** dotTile2x4 for the tile of C at row i, column j. */
// @ts-ignore: decorator
@inline function dotTileAt(
  k: i32, a: usize, ldaBytes: usize, b: usize, ldbBytes: usize, alpha: f32, beta: f32, c: usize, ldcBytes: usize,
  i: i32, j: i32,
): void {
  dotTile2x4(k, a + <usize>i * ldaBytes, ldaBytes, b + <usize>j * ldbBytes, ldbBytes, alpha, beta, c + <usize>i * ldcBytes + (<usize>j << 2), ldcBytes);
}

/** C[0:2, 0:4] = alpha * dot(A row r, B row q) + beta * C; rows ldaBytes / ldbBytes apart, k long. */
function dotTile2x4(
  k: i32, a: usize, ldaBytes: usize, b: usize, ldbBytes: usize, alpha: f32, beta: f32, c: usize, ldcBytes: usize,
): void {
  const a1 = a + ldaBytes;
  const b1 = b + ldbBytes, b2 = b1 + ldbBytes, b3 = b2 + ldbBytes;
  let s00 = f32x4.splat(0), s01 = s00, s02 = s00, s03 = s00;
  let s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  const vectorEnd = <usize>(k & ~3) << 2;
  for (let p: usize = 0; p < vectorEnd; p += 16) {
    const y0 = v128.load(b + p), y1 = v128.load(b1 + p), y2 = v128.load(b2 + p), y3 = v128.load(b3 + p);
    const x0 = v128.load(a + p);
    s00 = madd(x0, y0, s00); s01 = madd(x0, y1, s01); s02 = madd(x0, y2, s02); s03 = madd(x0, y3, s03);
    const x1 = v128.load(a1 + p);
    s10 = madd(x1, y0, s10); s11 = madd(x1, y1, s11); s12 = madd(x1, y2, s12); s13 = madd(x1, y3, s13);
  }
  let row0 = laneSums(s00, s01, s02, s03);
  let row1 = laneSums(s10, s11, s12, s13);
  const end = <usize>k << 2;
  for (let p = vectorEnd; p < end; p += 4) {
    const y = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(
      f32x4.splat(load<f32>(b + p)), 1, load<f32>(b1 + p)), 2, load<f32>(b2 + p)), 3, load<f32>(b3 + p));
    row0 = madd(v128.load32_splat(a + p), y, row0);
    row1 = madd(v128.load32_splat(a1 + p), y, row1);
  }
  storeScaled(c, row0, alpha, beta);
  storeScaled(c + ldcBytes, row1, alpha, beta);
}

/** sum_p x[p] * y[p] over k floats, two accumulators. */
function dot(k: i32, x: usize, y: usize): f32 {
  let s0 = f32x4.splat(0), s1 = s0;
  const vectorEnd = <usize>(k & ~3) << 2;
  let p: usize = 0;
  for (; p + 16 < vectorEnd; p += 32) {
    s0 = madd(v128.load(x + p), v128.load(y + p), s0);
    s1 = madd(v128.load(x + p, 16), v128.load(y + p, 16), s1);
  }
  if (p < vectorEnd) {
    s0 = madd(v128.load(x + p), v128.load(y + p), s0);
    p += 16;
  }
  let d = hsum(f32x4.add(s0, s1));
  const end = <usize>k << 2;
  for (; p < end; p += 4) d += load<f32>(x + p) * load<f32>(y + p);
  return d;
}

// ---- stores --------------------------------------------------------------------

/** c[0:4] = alpha * s + beta * c[0:4]; c is not read when beta is 0. */
// @ts-ignore: decorator
@inline function storeScaled(c: usize, s: v128, alpha: f32, beta: f32): void {
  const scaled = f32x4.mul(s, f32x4.splat(alpha));
  if (beta == 0) v128.store(c, scaled);
  else v128.store(c, madd(v128.load(c), f32x4.splat(beta), scaled));
}

/** c[0] = alpha * s + beta * c[0]; c is not read when beta is 0. */
// @ts-ignore: decorator
@inline function storeScalar(c: usize, s: f32, alpha: f32, beta: f32): void {
  if (beta == 0) store<f32>(c, alpha * s);
  else store<f32>(c, alpha * s + beta * load<f32>(c));
}

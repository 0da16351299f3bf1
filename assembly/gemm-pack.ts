// Packing for the GEMM: copies a block of op(A) or op(B) into the tile order
// the micro-kernel reads (k-major panels of MR rows or NR columns, zero-padded),
// so that all four transpose combinations run the same micro-kernel over
// contiguous memory. A transposed source is turned around 4 x 4 at a time.
import { MR, NR } from './gemm-kernel';

/**
 * Packs op(A)[i0 : i0+mc, p0 : p0+kc] into panels of MR rows:
 * dst[(q * kc + p) * MR + r] = op(A)[i0 + q*MR + r, p0 + p], zero for rows past mc.
 * a: op(A) is (m, k); stored (m, k) with row stride lda, or (k, m) when transA.
 * dst: (ceil(mc / MR) * MR, kc) floats.
 */
export function packA(transA: i32, a: usize, lda: i32, i0: i32, p0: i32, mc: i32, kc: i32, dst: usize): void {
  const ldaBytes = <usize>lda << 2;
  const panelBytes = <usize>kc * (MR << 2);
  for (let i = 0; i < mc; i += MR) {
    const panel = dst + <usize>(i / MR) * panelBytes;
    const rows = min(MR, mc - i);
    if (rows < MR) {
      packPanelScalar(transA ^ 1, a, lda, i0 + i, p0, rows, MR, kc, panel);
    } else if (transA) {
      // op(A)[i.., p] is A[p, i..]: the MR values of one k step are already
      // contiguous. Four panels at a time read whole 64-byte lines of A: rows of
      // A 4 KiB apart would otherwise evict each other's lines from L1 between panels.
      let src = a + <usize>p0 * ldaBytes + (<usize>(i0 + i) << 2);
      if (mc - i >= 4 * MR) {
        for (let p = 0; p < kc; p++) {
          const out = panel + (<usize>p << 4);
          v128.store(out, v128.load(src));
          v128.store(out + panelBytes, v128.load(src, 16));
          v128.store(out + 2 * panelBytes, v128.load(src, 32));
          v128.store(out + 3 * panelBytes, v128.load(src, 48));
          src += ldaBytes;
        }
        i += 3 * MR;
      } else {
        for (let p = 0; p < kc; p++) {
          v128.store(panel + (<usize>p << 4), v128.load(src));
          src += ldaBytes;
        }
      }
    } else {
      const src = a + <usize>(i0 + i) * ldaBytes + (<usize>p0 << 2);
      transposeRowsInto(src, ldaBytes, kc, panel, MR << 2, 0);
    }
  }
}

/**
 * Packs op(B)[p0 : p0+kc, j0 : j0+nc] into panels of NR columns:
 * dst[(q * kc + p) * NR + c] = op(B)[p0 + p, j0 + q*NR + c], zero for columns past nc.
 * b: op(B) is (k, n); stored (k, n) with row stride ldb, or (n, k) when transB.
 * dst: (kc, ceil(nc / NR) * NR) floats.
 */
export function packB(transB: i32, b: usize, ldb: i32, p0: i32, j0: i32, kc: i32, nc: i32, dst: usize): void {
  const ldbBytes = <usize>ldb << 2;
  const panelBytes = <usize>kc * (NR << 2);
  for (let j = 0; j < nc; j += NR) {
    const panel = dst + <usize>(j / NR) * panelBytes;
    const cols = min(NR, nc - j);
    if (cols < NR) {
      packPanelScalar(transB, b, ldb, j0 + j, p0, cols, NR, kc, panel);
    } else if (transB) {
      // op(B)[p, j..] is B[j.., p]: eight rows of B, each contiguous in p, turned around.
      const src = b + <usize>(j0 + j) * ldbBytes + (<usize>p0 << 2);
      transposeRowsInto(src, ldbBytes, kc, panel, NR << 2, 0);
      transposeRowsInto(src + 4 * ldbBytes, ldbBytes, kc, panel, NR << 2, 16);
    } else {
      // Two panels at a time read whole 64-byte lines of B (see packA).
      let src = b + <usize>p0 * ldbBytes + (<usize>(j0 + j) << 2);
      if (nc - j >= 2 * NR) {
        for (let p = 0; p < kc; p++) {
          const out = panel + (<usize>p << 5);
          v128.store(out, v128.load(src));
          v128.store(out, v128.load(src, 16), 16);
          v128.store(out + panelBytes, v128.load(src, 32));
          v128.store(out + panelBytes, v128.load(src, 48), 16);
          src += ldbBytes;
        }
        j += NR;
      } else {
        for (let p = 0; p < kc; p++) {
          const out = panel + (<usize>p << 5);
          v128.store(out, v128.load(src));
          v128.store(out, v128.load(src, 16), 16);
          src += ldbBytes;
        }
      }
    }
  }
}

/**
 * Four rows of a row-major matrix, `count` values each, written column by column:
 * dst[p * dstStride + offset + r * 4] = src[r * srcStride + p * 4] (bytes), r < 4, p < count.
 */
function transposeRowsInto(src: usize, srcStride: usize, count: i32, dst: usize, dstStride: usize, offset: usize): void {
  const r0 = src, r1 = src + srcStride, r2 = src + 2 * srcStride, r3 = src + 3 * srcStride;
  let out = dst + offset;
  const quadStride = dstStride << 2;
  const vectorEnd = <usize>(count & ~3) << 2;
  let p: usize = 0;
  for (; p < vectorEnd; p += 16) {
    const x0 = v128.load(r0 + p), x1 = v128.load(r1 + p), x2 = v128.load(r2 + p), x3 = v128.load(r3 + p);
    const lo01 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5); // x0[0] x1[0] x0[1] x1[1]
    const lo23 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
    const hi01 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7); // x0[2] x1[2] x0[3] x1[3]
    const hi23 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
    v128.store(out, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5));
    v128.store(out + dstStride, v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7));
    v128.store(out + 2 * dstStride, v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5));
    v128.store(out + 3 * dstStride, v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7));
    out += quadStride;
  }
  const end = <usize>count << 2;
  for (; p < end; p += 4) {
    store<f32>(out, load<f32>(r0 + p));
    store<f32>(out, load<f32>(r1 + p), 4);
    store<f32>(out, load<f32>(r2 + p), 8);
    store<f32>(out, load<f32>(r3 + p), 12);
    out += dstStride;
  }
}

/**
 * The slow, general packer for a partial panel (fewer than `width` lines):
 * dst[p * width + r] = X[line0 + r, p0 + p] for r < lines, 0 for lines <= r < width,
 * where X[l, p] = x[l * ld + p] when lineMajor, else x[p * ld + l].
 */
function packPanelScalar(
  lineMajor: i32, x: usize, ld: i32, line0: i32, p0: i32, lines: i32, width: i32, kc: i32, dst: usize,
): void {
  for (let p = 0; p < kc; p++) {
    const out = dst + (<usize>(p * width) << 2);
    for (let r = 0; r < width; r++) {
      let v: f32 = 0;
      if (r < lines) {
        const l = <usize>(line0 + r), q = <usize>(p0 + p);
        v = lineMajor ? load<f32>(x + ((l * <usize>ld + q) << 2)) : load<f32>(x + ((q * <usize>ld + l) << 2));
      }
      store<f32>(out + (<usize>r << 2), v);
    }
  }
}

// The GEMM micro-kernel: a 4 x 8 tile of C in eight f32x4 accumulators,
// updated by one rank-1 product per k step (four broadcast A values times two
// B vectors).
//
// Why 4 x 8: V8 on x64 allocates 15 xmm registers, and its scheduler issues all
// loads of a loop iteration before the arithmetic, so one k step needs the
// accumulators, every broadcast A value and every B vector live at once (plus a
// product temporary in the mul+add build): 8 + 4 + 2 + 1 = 15. A 6 x 8 or 4 x 12
// tile (or unrolling k) spills to the stack and runs at half speed; 8
// accumulators are also enough to hide the fma and add latency. (2 x 16 fits
// too and measures the same.) With its operands in L1 this loop runs at about
// 94% of the peak probe with fma, but only about 80% with mul + add: per k step
// it issues 6 loads beside 16 arithmetic ops (8 with fma), and in the mul + add
// build the loads compete with the arithmetic for issue slots (measured: the same
// loop without the A loads reaches the peak; without the B loads, about 87%).

import { madd } from './simd';

/** Rows of the register tile. */
export const MR = 4;
/** Columns of the register tile (two f32x4). */
export const NR = 8;

/**
 * C[0:mr, 0:nr] = alpha * A_panel * B_panel + beta * C[0:mr, 0:nr], one kc-deep slice.
 *
 * ap: (kc, MR) packed A panel: the MR values of one k step contiguous (rows past mr are zero).
 * bp: (kc, NR) B panel: NR contiguous values per k step, k steps `bStride` bytes apart
 *     (NR * 4 when packed, ldb * 4 when a row-major B is read in place).
 * c:  (mr, nr) with row stride ldc floats; mr <= MR, nr <= NR. When beta is 0, C is not read.
 * tile: (MR, NR) scratch (32 floats) through which partial tiles are written.
 * kc >= 1.
 */
export function microKernel4x8(
  kc: i32, ap: usize, bp: usize, bStride: usize,
  alpha: f32, beta: f32, c: usize, ldc: i32, mr: i32, nr: i32, tile: usize,
): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let a = ap, b = bp;
  const aEnd = ap + (<usize>kc << 4);
  do {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    const a1 = v128.load32_splat(a, 4);
    const a2 = v128.load32_splat(a, 8);
    const a3 = v128.load32_splat(a, 12);
    c00 = madd(a0, b0, c00); c10 = madd(a1, b0, c10); c20 = madd(a2, b0, c20); c30 = madd(a3, b0, c30);
    c01 = madd(a0, b1, c01); c11 = madd(a1, b1, c11); c21 = madd(a2, b1, c21); c31 = madd(a3, b1, c31);
    a += MR << 2;
    b += bStride;
  } while (a < aEnd);

  if (mr == MR && nr == NR) {
    const rowBytes = <usize>ldc << 2;
    storeRow(c, c00, c01, alpha, beta);
    storeRow(c + rowBytes, c10, c11, alpha, beta);
    storeRow(c + 2 * rowBytes, c20, c21, alpha, beta);
    storeRow(c + 3 * rowBytes, c30, c31, alpha, beta);
  } else {
    v128.store(tile, c00); v128.store(tile, c01, 16);
    v128.store(tile, c10, 32); v128.store(tile, c11, 48);
    v128.store(tile, c20, 64); v128.store(tile, c21, 80);
    v128.store(tile, c30, 96); v128.store(tile, c31, 112);
    storePartialTile(tile, alpha, beta, c, ldc, mr, nr);
  }
}

// @ts-ignore: decorator
@inline function storeRow(c: usize, lo: v128, hi: v128, alpha: f32, beta: f32): void {
  const alphaV = f32x4.splat(alpha);
  if (beta == 0) {
    v128.store(c, f32x4.mul(lo, alphaV));
    v128.store(c, f32x4.mul(hi, alphaV), 16);
  } else {
    const betaV = f32x4.splat(beta);
    v128.store(c, madd(lo, alphaV, f32x4.mul(v128.load(c), betaV)));
    v128.store(c, madd(hi, alphaV, f32x4.mul(v128.load(c, 16), betaV)), 16);
  }
}

/** C[0:mr, 0:nr] = alpha * tile + beta * C, element by element; tile: (MR, NR). */
export function storePartialTile(tile: usize, alpha: f32, beta: f32, c: usize, ldc: i32, mr: i32, nr: i32): void {
  for (let i = 0; i < mr; i++) {
    const row = c + ((<usize>i * <usize>ldc) << 2);
    const t = tile + (<usize>(i * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const p = row + (<usize>j << 2);
      const v = alpha * load<f32>(t + (<usize>j << 2));
      store<f32>(p, beta == 0 ? v : v + beta * load<f32>(p));
    }
  }
}

// The product of one row with a weight matrix packed for it (generation, a long sequence at
// B = 1, and the output layer of greedy decoding): W is copied once into blocks of PACK_ROWS rows
// interleaved by 4 columns, so that the product streams through one pointer with constant offsets
// and keeps one accumulator per row of the block in registers.

import { loadTail } from './math';
import { laneSums, madd } from './simd';

/** Rows of W per block of the packed layout. Seven: the single-row product keeps one
 * accumulator per row plus the row of a and the seven loaded W vectors in 15 xmm registers;
 * with eight, V8 spills an accumulator to the stack every k step (measured 28 -> 37 GFLOP/s
 * with fma, 28 -> 31 with mul + add, at 1024 x 256). */
const PACK_ROWS = 7;

/**
 * packed = W (rows, cols) in blocks of PACK_ROWS rows interleaved by 4 columns (see
 * Kernels.packRecurrentWeights): the single-row product below then streams through one
 * pointer with constant offsets.
 * w: (rows, cols); packed: ceil(rows / 7) * 7 * ceil(cols / 4) * 4 floats.
 */
export function packRecurrentWeights(w: usize, rows: i32, cols: i32, packed: usize): void {
  const chunks = (cols + 3) >> 2;
  const fullChunks = cols >> 2;
  const tail = cols & 3;
  const colBytes = <usize>cols << 2;
  const vectorStride: usize = PACK_ROWS << 4; // from one chunk of a row to its next
  const zero = f32x4.splat(0);
  let blockStart = packed;
  for (let block = 0; block < rows; block += PACK_ROWS) {
    // Row r of the block fills every PACK_ROWS-th vector from the r-th: read each row in order.
    for (let r = 0; r < PACK_ROWS; r++) {
      let p = blockStart + (<usize>r << 4);
      if (block + r < rows) {
        const src = w + <usize>(block + r) * colBytes;
        for (let chunk = 0; chunk < fullChunks; chunk++) {
          v128.store(p, v128.load(src + (<usize>chunk << 4)));
          p += vectorStride;
        }
        // the last, partial chunk of the row, zero-padded
        if (tail > 0) v128.store(p, loadTail(src + (<usize>fullChunks << 4), tail, 0));
      } else {
        // padding rows past the end of W
        for (let chunk = 0; chunk < chunks; chunk++) {
          v128.store(p, zero);
          p += vectorStride;
        }
      }
    }
    blockStart += <usize>chunks * vectorStride;
  }
}

/**
 * c[rowStart:rowEnd] (+)= rows [rowStart, rowEnd) of W a, for one row a: (k) and W packed by
 * packRecurrentWeights from (n, k), n >= rowEnd; c: (n), of which only [rowStart, rowEnd) is written.
 * Seven rows at a time: seven independent multiply-add chains and one load of W per
 * multiply-add. W (1 MiB at H = 256) streams from L2 or L3 once per call, so this is bound
 * by load bandwidth (measured at 1024 x 256: the fma build reads W at 74-79 GB/s, a loop that
 * only loads it at 81 GB/s; the mul + add build, with twice the arithmetic instructions, at 62).
 * `backwards` takes the blocks last to first (each row's sum is the same): alternating
 * directions from step to step, a step starts on the blocks the previous one read last, still
 * in L2 (W is as big as L2 at H = 256; measured: 1000 steps 1-3.5% faster).
 */
export function packedRowProduct(
  rowStart: i32, rowEnd: i32, k: i32, a: usize, packed: usize, c: usize, accumulate: bool, backwards: bool,
): void {
  const kVecBytes = (<usize>k & ~3) << 2;
  // a's last partial chunk with zeros past k (the padding of W is zero, but a's memory there is not ours)
  const tail = k & 3;
  const aTail = tail > 0 ? loadTail(a + kVecBytes, tail, 0) : f32x4.splat(0);
  const blockBytes = <usize>((k + 3) >> 2) * (PACK_ROWS << 4);
  const firstBlock = rowStart / PACK_ROWS;
  const blocks = (rowEnd + PACK_ROWS - 1) / PACK_ROWS - firstBlock;
  for (let i = 0; i < blocks; i++) {
    const block = firstBlock + (backwards ? blocks - 1 - i : i);
    const j = block * PACK_ROWS;
    let wp = packed + <usize>block * blockBytes;
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0;
    for (let o: usize = 0; o < kVecBytes; o += 16) {
      const x = v128.load(a + o);
      s0 = madd(x, v128.load(wp), s0); s1 = madd(x, v128.load(wp, 16), s1);
      s2 = madd(x, v128.load(wp, 32), s2); s3 = madd(x, v128.load(wp, 48), s3);
      s4 = madd(x, v128.load(wp, 64), s4); s5 = madd(x, v128.load(wp, 80), s5);
      s6 = madd(x, v128.load(wp, 96), s6);
      wp += PACK_ROWS << 4;
    }
    if (tail > 0) {
      s0 = madd(aTail, v128.load(wp), s0); s1 = madd(aTail, v128.load(wp, 16), s1);
      s2 = madd(aTail, v128.load(wp, 32), s2); s3 = madd(aTail, v128.load(wp, 48), s3);
      s4 = madd(aTail, v128.load(wp, 64), s4); s5 = madd(aTail, v128.load(wp, 80), s5);
      s6 = madd(aTail, v128.load(wp, 96), s6);
    }
    const low = laneSums(s0, s1, s2, s3);
    const high = laneSums(s4, s5, s6, s6); // lane 3 unused
    const out = c + (<usize>j << 2);
    if (j >= rowStart && j + 8 <= rowEnd) {
      // a vector store over rows j+4 .. j+7 that puts row j+7 (the next block's, ours too) back
      // as it was (in either direction: it stores what it read)
      v128.store(out, accumulate ? f32x4.add(v128.load(out), low) : low);
      const next = v128.load(out, 16);
      const sums = accumulate ? f32x4.add(next, high) : high;
      v128.store(out, f32x4.replace_lane(sums, 3, f32x4.extract_lane(next, 3)), 16);
    } else {
      // a block at an end of the window: its padding rows, and rows outside [rowStart, rowEnd)
      // (another thread's, or past the end), are not ours to write
      for (let r = max(0, rowStart - j); r < min(PACK_ROWS, rowEnd - j); r++) {
        const v = r < 4 ? low : high;
        const lane = r & 3;
        const value = lane == 0 ? f32x4.extract_lane(v, 0) : lane == 1 ? f32x4.extract_lane(v, 1)
          : lane == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
        const cr = out + (<usize>r << 2);
        store<f32>(cr, accumulate ? load<f32>(cr) + value : value);
      }
    }
  }
}

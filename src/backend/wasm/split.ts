// How a kernel call is cut into shares for the threads of a wasm backend: contiguous ranges
// of rows or elements, and for a gemm the dimension to cut. Pure functions of the shapes.

/**
 * Cuts [0, count) into `parts` contiguous shares as equal as whole multiples of `quantum` allow;
 * returns the parts + 1 boundaries (starts, then count). No share is empty when
 * parts <= ceil(count / quantum).
 */
export function shares(count: number, parts: number, quantum = 1): number[] {
  const units = Math.ceil(count / quantum);
  const bounds = [0];
  for (let p = 1; p < parts; p++) bounds.push(Math.min(count, Math.floor((units * p) / parts) * quantum));
  bounds.push(count);
  return bounds;
}

/** The dimension of C = op(A) op(B) a gemm is cut along: rows of C, columns of C, or the sum (k). */
export type GemmAxis = 'm' | 'n' | 'k';

/** Shares are whole multiples of these along each axis: the micro-kernel's rows, 64-byte lines of C. */
export const GEMM_QUANTUM: Record<GemmAxis, number> = { m: 4, n: 16, k: 16 };

/**
 * Rows of C below which a gemm is not cut by rows: its shares would fall from the blocked path to
 * the paths for few rows (gemm.ts), which reuse B less.
 */
const MIN_ROWS_PER_SHARE = 32;

/**
 * The axis to cut a gemm along: the longest, as every share then packs the least of the
 * operands the others pack too (a cut along m makes every thread pack all of B, one along n all of A;
 * one along k packs nothing twice, but adds a partial C per thread, m x n, to sum at the end).
 * Ties prefer m, then n. Returns undefined when no axis is long enough for two shares.
 */
export function gemmAxis(m: number, n: number, k: number): GemmAxis | undefined {
  const candidates: [GemmAxis, number][] = [
    ['m', m >= 2 * MIN_ROWS_PER_SHARE ? m : 0],
    ['n', n >= 2 * GEMM_QUANTUM.n ? n : 0],
    ['k', k >= 2 * GEMM_QUANTUM.k ? k : 0],
  ];
  let best: [GemmAxis, number] = candidates[0];
  for (const candidate of candidates) if (candidate[1] > best[1]) best = candidate;
  return best[1] > 0 ? best[0] : undefined;
}

// Gradient clipping as d2l does it: one global L2 norm over every gradient
// block, and every block scaled by theta / norm when the norm exceeds theta.

import type { Backend, Ptr } from './backend.js';

export interface Block {
  ptr: Ptr;
  length: number;
}

export function globalNorm(backend: Backend, blocks: Iterable<Block>): number {
  let sum = 0;
  for (const block of blocks) sum += backend.sumOfSquares(block.ptr, block.length);
  return Math.sqrt(sum);
}

/** Scales the blocks in place so their global norm is at most theta; returns the norm before clipping. */
export function clipByGlobalNorm(backend: Backend, blocks: Block[], theta: number): number {
  if (!(theta > 0)) throw new RangeError(`clipByGlobalNorm: theta must be positive, got ${theta}`);
  const norm = globalNorm(backend, blocks);
  if (norm > theta) {
    const factor = theta / norm;
    for (const block of blocks) backend.scale(block.ptr, factor, block.ptr, block.length);
  }
  return norm;
}

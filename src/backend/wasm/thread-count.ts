// How many threads a wasm backend runs its kernels on: what the caller asks for, else the
// default (setThreads, else the machine's cores, at most MAX_DEFAULT_THREADS); 1 where
// threads cannot run (a page without cross-origin isolation), said once on the console.

import { workerPlatform } from './worker-platform.js';

/** The default never exceeds this: the kernels' shares get small, and few calls gain from more. */
export const MAX_DEFAULT_THREADS = 4;

/** No backend runs on more threads (the barrier of assembly/team.ts has a flag for each, MAX_MEMBERS). */
export const MAX_THREADS = 64;

let configured: number | undefined;
let splitEverything = false;
let warned = false;

/** Throws unless `threads` is an integer in [1, MAX_THREADS]; `name` is the argument's name in the message. */
export function checkThreadCount(threads: number, name = 'threads'): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new RangeError(`lstm-simd: ${name} must be an integer from 1 to ${MAX_THREADS}, got ${threads}`);
  }
}

/** Sets the thread count of wasm backends created from now on without `threads` (undefined: the default again). */
export function setDefaultThreads(threads: number | undefined): void {
  if (threads !== undefined) checkThreadCount(threads);
  configured = threads;
}

/** The thread count of wasm backends created without `threads`. */
export function defaultThreads(): number {
  return configured ?? Math.max(1, Math.min(workerPlatform().cores(), MAX_DEFAULT_THREADS));
}

/**
 * Tests: every wasm backend created from now on without `splitAll` splits every kernel call it
 * can, however small, so that small problems run the threaded paths.
 */
export function setSplitAll(split: boolean): void {
  splitEverything = split;
}

/** The `splitAll` of wasm backends created without one. */
export function defaultSplitAll(): boolean {
  return splitEverything;
}

/**
 * The threads a backend runs on when `wanted` are asked for: `wanted` where threads can run here,
 * else 1, with one console warning per process that says why.
 */
export function availableThreads(wanted: number): number {
  checkThreadCount(wanted);
  if (wanted === 1) return 1;
  const reason = workerPlatform().unavailableReason();
  if (reason === undefined) return wanted;
  if (!warned) {
    warned = true;
    console.warn(`lstm-simd: running the kernels on 1 thread instead of ${wanted}: ${reason}.`);
  }
  return 1;
}

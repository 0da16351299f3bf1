// lstm-simd kernel library: flat kernels over raw pointers into linear memory.
// JavaScript owns the memory (imported), allocates every buffer and workspace,
// and passes byte pointers in. No kernel allocates (`--runtime stub`).
import { TEAM_BYTES } from './team';

export { breakTeam } from './team';

export { gemm, gemmWorkspaceBytes } from './gemm';
export * from './elementwise';
export * from './embedding';
export * from './loss';
export * from './regression-loss';
export * from './optim';
export * from './probe';
export * from './recurrent';
export { packRecurrentWeights } from './packed-product';
export { decodeGreedy } from './decode';

/** First byte after the module's static data: the JS heap starts at or after it. */
export function heapBase(): usize {
  return __heap_base;
}

/** 1 in the relaxed-SIMD build, 0 in the baseline build. */
export function isRelaxedBuild(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

/** 1 in the threads builds (shared memory, atomics), 0 in the others. */
export function isThreadsBuild(): i32 {
  return ASC_FEATURE_THREADS ? 1 : 0;
}

/** Bytes of the barrier block a team of threads shares (see team.ts). */
export function teamBytes(): i32 {
  return <i32>TEAM_BYTES;
}

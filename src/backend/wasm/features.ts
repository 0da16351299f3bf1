// Which SIMD build this engine can run, decided by WebAssembly.validate on
// two tiny modules (so that neither kernel build has to be fetched to decide).

/** (func (param v128 v128 v128) (result v128) f32x4.relaxed_madd) */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2,
  253, 133, 2, 11,
]);

/** (func (param v128 v128) (result v128) f32x4.add) */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 123, 123, 1, 123, 3, 2, 1, 0, 10, 11, 1, 9, 0, 32, 0, 32, 1, 253, 228, 1,
  11,
]);

/** Whether this engine validates WebAssembly SIMD (the baseline build needs it). */
export function hasSimd(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/** Whether this engine validates relaxed SIMD (the relaxed build, with fused multiply-add). */
export function hasRelaxedSimd(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_SIMD_PROBE);
}

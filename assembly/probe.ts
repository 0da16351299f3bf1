// STUB (to be replaced)
export function peakProbe(iterations: i32): f32 { return 0; }
export function peakProbeFlopsPerIteration(): i32 { return 0; }

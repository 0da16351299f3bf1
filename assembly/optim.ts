// STUB (to be replaced)
export function sgdStep(param: usize, grad: usize, n: i32, lr: f32): void {}
export function adamStep(param: usize, grad: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, correction1: f32, correction2: f32): void {}
export function sumOfSquares(x: usize, n: i32): f64 { return 0; }

// STUB (to be replaced)
export function sigmoid(x: usize, y: usize, n: i32): void { for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(y + (<usize>i << 2), <f32>(1.0 / (1.0 + Math.exp(-<f64>v)))); } }
export function tanh(x: usize, y: usize, n: i32): void { for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); store<f32>(y + (<usize>i << 2), <f32>Math.tanh(<f64>v)); } }
export function sigmoidBackward(y: usize, dy: usize, dx: usize, n: i32): void {}
export function tanhBackward(y: usize, dy: usize, dx: usize, n: i32): void {}
export function add(a: usize, b: usize, out: usize, n: i32): void {}
export function sub(a: usize, b: usize, out: usize, n: i32): void {}
export function mul(a: usize, b: usize, out: usize, n: i32): void {}
export function scale(x: usize, alpha: f32, out: usize, n: i32): void {}
export function axpy(alpha: f32, x: usize, y: usize, n: i32): void {}
export function fill(x: usize, value: f32, n: i32): void {}
export function copy(src: usize, dst: usize, n: i32): void { memory.copy(dst, src, <usize>n << 2); }
export function addBias(x: usize, bias: usize, out: usize, rows: i32, cols: i32): void {}
export function columnSums(x: usize, rows: i32, cols: i32, out: usize, accumulate: i32): void {}
export function rowSums(x: usize, rows: i32, cols: i32, out: usize, accumulate: i32): void {}

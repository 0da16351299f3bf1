// Elementwise kernels, broadcasts and reductions; see Kernels in src/backend/backend.ts.
// Pointers are byte addresses of f32 data, n counts elements. Slices start
// 16-byte aligned, but rows of a matrix whose cols is not a multiple of 4 do
// not, so loads are the plain v128.load, which accepts any address. The last
// n % 4 elements go through loadTail/storeTail (never past the end).
import { madd, nmadd } from './simd';
import { loadTail, sigmoid4, storeTail, tanh4 } from './math';

// ---- activations, forward and backward -----------------------------------

/** y = 1 / (1 + exp(-x)); x, y: (n). */
export function sigmoid(x: usize, y: usize, n: i32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  let i: usize = 0;
  // Four vectors per iteration: V8 then shares the constants between them (1.7x here).
  for (; i + 64 <= vectorEnd; i += 64) {
    const y0 = sigmoid4(v128.load(x + i));
    const y1 = sigmoid4(v128.load(x + i, 16));
    const y2 = sigmoid4(v128.load(x + i, 32));
    const y3 = sigmoid4(v128.load(x + i, 48));
    v128.store(y + i, y0);
    v128.store(y + i, y1, 16);
    v128.store(y + i, y2, 32);
    v128.store(y + i, y3, 48);
  }
  for (; i < vectorEnd; i += 16) v128.store(y + i, sigmoid4(v128.load(x + i)));
  if (i < end) {
    const count = <i32>((end - i) >> 2);
    storeTail(y + i, sigmoid4(loadTail(x + i, count, 0)), count);
  }
}

/** dx += dy * y * (1 - y), y the forward output; y, dy, dx: (n). */
export function sigmoidBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  const one = f32x4.splat(1);
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    const s = v128.load(y + i);
    const slope = f32x4.mul(s, f32x4.sub(one, s));
    v128.store(dx + i, madd(v128.load(dy + i), slope, v128.load(dx + i)));
  }
  for (; i < end; i += 4) {
    const s = load<f32>(y + i);
    store<f32>(dx + i, load<f32>(dx + i) + load<f32>(dy + i) * (s * (1 - s)));
  }
}

/** y = tanh(x); x, y: (n). */
export function tanh(x: usize, y: usize, n: i32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  let i: usize = 0;
  // Four vectors per iteration: V8 then shares the constants between them (1.7x here).
  for (; i + 64 <= vectorEnd; i += 64) {
    const y0 = tanh4(v128.load(x + i));
    const y1 = tanh4(v128.load(x + i, 16));
    const y2 = tanh4(v128.load(x + i, 32));
    const y3 = tanh4(v128.load(x + i, 48));
    v128.store(y + i, y0);
    v128.store(y + i, y1, 16);
    v128.store(y + i, y2, 32);
    v128.store(y + i, y3, 48);
  }
  for (; i < vectorEnd; i += 16) v128.store(y + i, tanh4(v128.load(x + i)));
  if (i < end) {
    const count = <i32>((end - i) >> 2);
    storeTail(y + i, tanh4(loadTail(x + i, count, 0)), count);
  }
}

/** dx += dy * (1 - y^2), y the forward output; y, dy, dx: (n). */
export function tanhBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  const one = f32x4.splat(1);
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    const t = v128.load(y + i);
    v128.store(dx + i, madd(v128.load(dy + i), nmadd(t, t, one), v128.load(dx + i)));
  }
  for (; i < end; i += 4) {
    const t = load<f32>(y + i);
    store<f32>(dx + i, load<f32>(dx + i) + load<f32>(dy + i) * (1 - t * t));
  }
}

// ---- arithmetic over n elements (outputs may alias inputs) -----------------

/** out = a + b; a, b, out: (n). */
export function add(a: usize, b: usize, out: usize, n: i32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(out + i, f32x4.add(v128.load(a + i), v128.load(b + i)));
  for (; i < end; i += 4) store<f32>(out + i, load<f32>(a + i) + load<f32>(b + i));
}

/** out = a - b; a, b, out: (n). */
export function sub(a: usize, b: usize, out: usize, n: i32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(out + i, f32x4.sub(v128.load(a + i), v128.load(b + i)));
  for (; i < end; i += 4) store<f32>(out + i, load<f32>(a + i) - load<f32>(b + i));
}

/** out = a * b; a, b, out: (n). */
export function mul(a: usize, b: usize, out: usize, n: i32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(out + i, f32x4.mul(v128.load(a + i), v128.load(b + i)));
  for (; i < end; i += 4) store<f32>(out + i, load<f32>(a + i) * load<f32>(b + i));
}

/** out = alpha * x; x, out: (n). */
export function scale(x: usize, alpha: f32, out: usize, n: i32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  const alphas = f32x4.splat(alpha);
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(out + i, f32x4.mul(alphas, v128.load(x + i)));
  for (; i < end; i += 4) store<f32>(out + i, alpha * load<f32>(x + i));
}

/** y += alpha * x; x, y: (n). */
export function axpy(alpha: f32, x: usize, y: usize, n: i32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  const alphas = f32x4.splat(alpha);
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(y + i, madd(alphas, v128.load(x + i), v128.load(y + i)));
  for (; i < end; i += 4) store<f32>(y + i, load<f32>(y + i) + alpha * load<f32>(x + i));
}

/** x[i] = value; x: (n). */
export function fill(x: usize, value: f32, n: i32): void {
  const end = <usize>n << 2;
  const vectorEnd = end & ~15;
  const values = f32x4.splat(value);
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) v128.store(x + i, values);
  for (; i < end; i += 4) store<f32>(x + i, value);
}

/** dst = src; src, dst: (n), may overlap (memmove). */
export function copy(src: usize, dst: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

// ---- broadcasts and reductions over a (rows, cols) matrix -----------------

/** out[r, c] = x[r, c] + bias[c]; x, out: (rows, cols), bias: (cols). */
export function addBias(x: usize, bias: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  const vectorEnd = rowBytes & ~15;
  for (let r = 0; r < rows; r++) {
    const rowStart = <usize>r * rowBytes;
    const xRow = x + rowStart;
    const outRow = out + rowStart;
    let c: usize = 0;
    for (; c < vectorEnd; c += 16) v128.store(outRow + c, f32x4.add(v128.load(xRow + c), v128.load(bias + c)));
    for (; c < rowBytes; c += 4) store<f32>(outRow + c, load<f32>(xRow + c) + load<f32>(bias + c));
  }
}

/**
 * out[c] (+)= sum_r x[r, c]; x: (rows, cols), out: (cols).
 * Sums 16 columns at a time down the rows in registers, then writes once, so
 * out may alias x when rows is 1.
 */
export function columnSums(x: usize, rows: i32, cols: i32, out: usize, accumulate: i32): void {
  const rowBytes = <usize>cols << 2;
  let c: usize = 0;
  for (; c + 64 <= rowBytes; c += 64) {
    let s0 = f32x4.splat(0);
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    let p = x + c;
    for (let r = 0; r < rows; r++, p += rowBytes) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
    }
    if (accumulate) {
      s0 = f32x4.add(v128.load(out + c), s0);
      s1 = f32x4.add(v128.load(out + c, 16), s1);
      s2 = f32x4.add(v128.load(out + c, 32), s2);
      s3 = f32x4.add(v128.load(out + c, 48), s3);
    }
    v128.store(out + c, s0);
    v128.store(out + c, s1, 16);
    v128.store(out + c, s2, 32);
    v128.store(out + c, s3, 48);
  }
  for (; c + 16 <= rowBytes; c += 16) {
    let s = f32x4.splat(0);
    let p = x + c;
    for (let r = 0; r < rows; r++, p += rowBytes) s = f32x4.add(s, v128.load(p));
    if (accumulate) s = f32x4.add(v128.load(out + c), s);
    v128.store(out + c, s);
  }
  if (c < rowBytes) {
    const count = <i32>((rowBytes - c) >> 2);
    let s = f32x4.splat(0);
    let p = x + c;
    for (let r = 0; r < rows; r++, p += rowBytes) s = f32x4.add(s, loadTail(p, count, 0));
    if (accumulate) s = f32x4.add(loadTail(out + c, count, 0), s);
    storeTail(out + c, s, count);
  }
}

/** out[r] (+)= sum_c x[r, c]; x: (rows, cols), out: (rows). */
export function rowSums(x: usize, rows: i32, cols: i32, out: usize, accumulate: i32): void {
  const rowBytes = <usize>cols << 2;
  const vectorEnd = rowBytes & ~15;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes;
    let s = f32x4.splat(0);
    let c: usize = 0;
    for (; c < vectorEnd; c += 16) s = f32x4.add(s, v128.load(row + c));
    if (c < rowBytes) s = f32x4.add(s, loadTail(row + c, <i32>((rowBytes - c) >> 2), 0));
    // Pairwise lane sum (the lane order is part of the result, keep it fixed).
    const pairs = f32x4.add(s, v128.shuffle<f32>(s, s, 2, 3, 0, 1));
    const sum = f32x4.extract_lane(pairs, 0) + f32x4.extract_lane(pairs, 1);
    const target = out + (<usize>r << 2);
    store<f32>(target, accumulate ? load<f32>(target) + sum : sum);
  }
}

// Reference elementwise kernels, broadcasts and reductions; see Kernels in ../backend.ts.
import type { FloatArray, Ptr } from '../../memory/heap.js';

export function sigmoid(f: FloatArray, x: Ptr, y: Ptr, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = f[x + i];
    // exp of a non-positive argument only, so large |v| never overflows.
    if (v >= 0) f[y + i] = 1 / (1 + Math.exp(-v));
    else {
      const e = Math.exp(v);
      f[y + i] = e / (1 + e);
    }
  }
}

export function tanh(f: FloatArray, x: Ptr, y: Ptr, n: number): void {
  for (let i = 0; i < n; i++) f[y + i] = Math.tanh(f[x + i]);
}

export function sigmoidBackward(f: FloatArray, y: Ptr, dy: Ptr, dx: Ptr, n: number): void {
  for (let i = 0; i < n; i++) {
    const s = f[y + i];
    f[dx + i] += f[dy + i] * s * (1 - s);
  }
}

export function tanhBackward(f: FloatArray, y: Ptr, dy: Ptr, dx: Ptr, n: number): void {
  for (let i = 0; i < n; i++) {
    const t = f[y + i];
    f[dx + i] += f[dy + i] * (1 - t * t);
  }
}

export function add(f: FloatArray, a: Ptr, b: Ptr, out: Ptr, n: number): void {
  for (let i = 0; i < n; i++) f[out + i] = f[a + i] + f[b + i];
}

export function sub(f: FloatArray, a: Ptr, b: Ptr, out: Ptr, n: number): void {
  for (let i = 0; i < n; i++) f[out + i] = f[a + i] - f[b + i];
}

export function mul(f: FloatArray, a: Ptr, b: Ptr, out: Ptr, n: number): void {
  for (let i = 0; i < n; i++) f[out + i] = f[a + i] * f[b + i];
}

export function scale(f: FloatArray, x: Ptr, alpha: number, out: Ptr, n: number): void {
  for (let i = 0; i < n; i++) f[out + i] = alpha * f[x + i];
}

export function axpy(f: FloatArray, alpha: number, x: Ptr, y: Ptr, n: number): void {
  for (let i = 0; i < n; i++) f[y + i] += alpha * f[x + i];
}

export function fill(f: FloatArray, x: Ptr, value: number, n: number): void {
  f.fill(value, x, x + n);
}

export function copy(f: FloatArray, src: Ptr, dst: Ptr, n: number): void {
  f.copyWithin(dst, src, src + n);
}

export function addBias(f: FloatArray, x: Ptr, bias: Ptr, out: Ptr, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) f[out + r * cols + c] = f[x + r * cols + c] + f[bias + c];
  }
}

export function columnSums(f: FloatArray, x: Ptr, rows: number, cols: number, out: Ptr, accumulate: boolean): void {
  for (let c = 0; c < cols; c++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += f[x + r * cols + c];
    f[out + c] = accumulate ? f[out + c] + sum : sum;
  }
}

export function rowSums(f: FloatArray, x: Ptr, rows: number, cols: number, out: Ptr, accumulate: boolean): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += f[x + r * cols + c];
    f[out + r] = accumulate ? f[out + r] + sum : sum;
  }
}

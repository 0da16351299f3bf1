// Reference optimizer updates over one contiguous block.
import type { FloatArray, Ptr } from '../../memory/heap.js';

export function sgdStep(f: FloatArray, param: Ptr, grad: Ptr, n: number, lr: number): void {
  for (let i = 0; i < n; i++) f[param + i] -= lr * f[grad + i];
}

/** torch.optim.SGD's update; see Kernels.sgdMomentumStep. */
export function sgdMomentumStep(
  f: FloatArray,
  param: Ptr,
  grad: Ptr,
  velocity: Ptr,
  n: number,
  lr: number,
  weightDecay: number,
  momentum: number,
  dampening: number,
  nesterov: boolean,
  firstStep: boolean,
): void {
  for (let i = 0; i < n; i++) {
    let d = f[grad + i] + weightDecay * f[param + i];
    if (momentum !== 0) {
      const buffer = (f[velocity + i] = firstStep ? d : momentum * f[velocity + i] + (1 - dampening) * d);
      d = nesterov ? d + momentum * buffer : buffer;
    }
    f[param + i] -= lr * d;
  }
}

/** torch.optim.Adam / AdamW's update; see Kernels.adamStep. */
export function adamStep(
  f: FloatArray,
  param: Ptr,
  grad: Ptr,
  m: Ptr,
  v: Ptr,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  correction1: number,
  correction2: number,
  weightDecay: number,
  decoupled: boolean,
): void {
  const stepSize = lr / correction1;
  const root = Math.sqrt(correction2);
  for (let i = 0; i < n; i++) {
    let g = f[grad + i];
    if (decoupled) f[param + i] *= 1 - lr * weightDecay;
    else g += weightDecay * f[param + i];
    const mi = (f[m + i] = beta1 * f[m + i] + (1 - beta1) * g);
    const vi = (f[v + i] = beta2 * f[v + i] + (1 - beta2) * g * g);
    f[param + i] -= stepSize * (mi / (Math.sqrt(vi) / root + eps));
  }
}

/** torch.optim.RMSprop's update; see Kernels.rmspropStep. */
export function rmspropStep(
  f: FloatArray,
  param: Ptr,
  grad: Ptr,
  squareAvg: Ptr,
  gradAvg: Ptr,
  velocity: Ptr,
  n: number,
  lr: number,
  alpha: number,
  eps: number,
  weightDecay: number,
  momentum: number,
  centered: boolean,
): void {
  for (let i = 0; i < n; i++) {
    const g = f[grad + i] + weightDecay * f[param + i];
    let spread = (f[squareAvg + i] = alpha * f[squareAvg + i] + (1 - alpha) * g * g);
    if (centered) {
      const mean = (f[gradAvg + i] = alpha * f[gradAvg + i] + (1 - alpha) * g);
      spread -= mean * mean;
    }
    const step = g / (Math.sqrt(spread) + eps);
    if (momentum > 0) f[param + i] -= lr * (f[velocity + i] = momentum * f[velocity + i] + step);
    else f[param + i] -= lr * step;
  }
}

export function sumOfSquares(f: FloatArray, x: Ptr, n: number): number {
  let sum = 0; // a JS number: float64 accumulation
  for (let i = 0; i < n; i++) sum += f[x + i] * f[x + i];
  return sum;
}

// Adam and AdamW as torch.optim.Adam and torch.optim.AdamW (without amsgrad):
// bias-corrected first and second moments; Adam adds L2 weight decay to the
// gradient, AdamW decays the parameters directly (decoupled weight decay).

import type { Backend, Ptr } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArenaOptimizer, checkOptions, POSITIVE, type OptimizerName } from './optimizer.js';
import type { RunBuffer } from './parameter-layout.js';

/** torch.optim.Adam's options, camelCase. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment averages, each in [0, 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator sqrt(v) / sqrt(1 - beta2^t) (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0); AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
}

/**
 * Adam (Kingma and Ba) with PyTorch's update at step t: g = grad + weightDecay p;
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * Works well with little tuning; lr 1e-3 to 1e-2 is the usual range (d2l's SGD lr of 1 to 4 is far too large).
 *
 * @example
 * const optimizer = new Adam(model.parameters(), { lr: 0.01 });
 */
export class Adam extends ArenaOptimizer {
  readonly name: OptimizerName = 'adam';
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly decoupled: boolean;
  private readonly m: RunBuffer;
  private readonly v: RunBuffer;

  constructor(parameters: Map<string, Tensor> | Iterable<Tensor>, options: AdamOptions = {}) {
    // AdamW is this class with decoupled decay (and another default); new.target tells them apart.
    const decoupled = new.target === AdamW;
    const title = decoupled ? 'AdamW' : 'Adam';
    checkOptions(title, options, { lr: POSITIVE, eps: { min: 0 }, weightDecay: { min: 0 } }, [], ['betas']);
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = decoupled ? 1e-2 : 0 } = options;
    const inUnitInterval = (b: unknown) => typeof b === 'number' && b >= 0 && b < 1;
    if (!Array.isArray(betas) || betas.length !== 2 || !betas.every(inUnitInterval)) {
      throw new RangeError(`${title}: betas must be two numbers in [0, 1), got ${JSON.stringify(betas)}`);
    }
    super(parameters, title, { lr, betas: [betas[0], betas[1]], eps, weightDecay });
    [this.beta1, this.beta2] = betas;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.decoupled = decoupled;
    this.m = this.slot('exp_avg');
    this.v = this.slot('exp_avg_sq');
  }

  protected updateRun(backend: Backend, index: number, values: Ptr, grads: Ptr, length: number, step: number): void {
    backend.adamStep(
      values,
      grads,
      this.m[index].ptr,
      this.v[index].ptr,
      length,
      this.lr,
      this.beta1,
      this.beta2,
      this.eps,
      1 - this.beta1 ** step,
      1 - this.beta2 ** step,
      this.weightDecay,
      this.decoupled,
    );
  }
}

/**
 * AdamW (Loshchilov and Hutter): Adam with decoupled weight decay, p *= 1 - lr weightDecay before the
 * Adam update of the plain gradient (PyTorch's default weightDecay 1e-2). Prefer it to Adam with
 * weightDecay: the decay then does not pass through the adaptive scaling.
 *
 * @example
 * const optimizer = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.05 });
 */
export class AdamW extends Adam {
  override readonly name: OptimizerName = 'adamw';
}

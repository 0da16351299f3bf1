// RMSprop as torch.optim.RMSprop: a running average of squared gradients
// scales each step; optionally centered (divides by an estimate of the
// gradient's variance instead) and with momentum.

import type { Backend, Ptr } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArenaOptimizer, checkOptions, POSITIVE, type OptimizerName } from './optimizer.js';
import type { RunBuffer } from './parameter-layout.js';

/** torch.optim.RMSprop's options, camelCase. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the averages, in [0, 1] (default 0.99). */
  alpha?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalise by the estimated variance of the gradient instead of its second moment (default false). */
  centered?: boolean;
}

/**
 * RMSprop (Hinton) with PyTorch's update: g = grad + weightDecay p; s = alpha s + (1 - alpha) g^2;
 * centered: a = alpha a + (1 - alpha) g and d = sqrt(s - a^2) + eps, otherwise d = sqrt(s) + eps;
 * with momentum b = momentum b + g / d, p -= lr b; without, p -= lr g / d.
 * A classic choice for recurrent networks; lr around 1e-3 to 1e-2.
 *
 * @example
 * const optimizer = new RMSprop(model.parameters(), { lr: 3e-3 });
 */
export class RMSprop extends ArenaOptimizer {
  readonly name: OptimizerName = 'rmsprop';
  private readonly alpha: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly momentum: number;
  private readonly centered: boolean;
  private readonly squareAvg: RunBuffer;
  private readonly gradAvg: RunBuffer | null;
  private readonly velocity: RunBuffer | null;

  constructor(parameters: Map<string, Tensor> | Iterable<Tensor>, options: RMSpropOptions = {}) {
    checkOptions(
      'RMSprop',
      options,
      { lr: POSITIVE, alpha: { min: 0, max: 1 }, eps: { min: 0 }, weightDecay: { min: 0 }, momentum: { min: 0 } },
      ['centered'],
    );
    const { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false } = options;
    super(parameters, 'RMSprop', { lr, alpha, eps, weightDecay, momentum, centered });
    this.alpha = alpha;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.momentum = momentum;
    this.centered = centered;
    this.squareAvg = this.slot('square_avg');
    this.velocity = momentum > 0 ? this.slot('momentum_buffer') : null;
    this.gradAvg = centered ? this.slot('grad_avg') : null;
  }

  protected updateRun(backend: Backend, index: number, values: Ptr, grads: Ptr, length: number): void {
    backend.rmspropStep(
      values,
      grads,
      this.squareAvg[index].ptr,
      this.gradAvg ? this.gradAvg[index].ptr : -1,
      this.velocity ? this.velocity[index].ptr : -1,
      length,
      this.lr,
      this.alpha,
      this.eps,
      this.weightDecay,
      this.momentum,
      this.centered,
    );
  }
}

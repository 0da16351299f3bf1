// SGD as torch.optim.SGD: plain (d2l's configure_optimizers: p -= lr * grad),
// with L2 weight decay, momentum (with dampening) and Nesterov momentum.

import type { Backend, Ptr } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArenaOptimizer, checkOptions, POSITIVE, type OptimizerName } from './optimizer.js';
import type { RunBuffer } from './parameter-layout.js';

/** torch.optim.SGD's options, camelCase. */
export interface SGDOptions {
  /** Learning rate (> 0). */
  lr: number;
  /** Momentum factor (default 0: none). */
  momentum?: number;
  /** Dampening of the momentum's new gradient, (1 - dampening) g (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient, g + weightDecay p (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0, as in PyTorch). */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with PyTorch's update: d = g + weightDecay p; with momentum,
 * v = d on the first step and v = momentum v + (1 - dampening) d afterwards, d = v (or d + momentum v
 * for Nesterov); p -= lr d. `new SGD(parameters, lr)` is d2l's plain SGD.
 *
 * @example
 * const optimizer = new SGD(model.parameters(), { lr: 0.5, momentum: 0.9 });
 */
export class SGD extends ArenaOptimizer {
  readonly name: OptimizerName = 'sgd';
  private readonly momentum: number;
  private readonly dampening: number;
  private readonly weightDecay: number;
  private readonly nesterov: boolean;
  private readonly velocity: RunBuffer | null;

  constructor(parameters: Map<string, Tensor> | Iterable<Tensor>, options: number | SGDOptions) {
    const given = typeof options === 'number' ? { lr: options } : options;
    if (given.lr === undefined) throw new TypeError('SGD: lr is required');
    checkOptions('SGD', given, { lr: POSITIVE, momentum: { min: 0 }, dampening: { min: 0 }, weightDecay: { min: 0 } }, [
      'nesterov',
    ]);
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = given;
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new RangeError('SGD: nesterov momentum needs momentum > 0 and dampening 0');
    }
    super(parameters, 'SGD', { lr, momentum, dampening, weightDecay, nesterov });
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
    this.velocity = momentum !== 0 ? this.slot('momentum_buffer') : null;
  }

  protected updateRun(backend: Backend, index: number, values: Ptr, grads: Ptr, length: number, step: number): void {
    if (this.velocity === null && this.weightDecay === 0) {
      backend.sgdStep(values, grads, length, this.lr);
      return;
    }
    backend.sgdMomentumStep(
      values,
      grads,
      this.velocity ? this.velocity[index].ptr : -1,
      length,
      this.lr,
      this.weightDecay,
      this.momentum,
      this.dampening,
      this.nesterov,
      step === 1,
    );
  }
}

// Optimisers by name, for callers that choose one at run time (the CLI's
// --optimizer, a saved OptimizerState's name and options).

import type { Tensor } from '../tensor/tensor.js';
import { Adam, AdamW, type AdamOptions } from './adam.js';
import type { Optimizer, OptimizerName } from './optimizer.js';
import { RMSprop, type RMSpropOptions } from './rmsprop.js';
import { SGD, type SGDOptions } from './sgd.js';

/** The names createOptimizer accepts. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'adam', 'adamw', 'rmsprop'];

/** Options of any optimiser, keyed as in its class (lr, momentum, weightDecay, betas, ...). */
export type OptimizerOptions = Partial<SGDOptions> & AdamOptions & RMSpropOptions;

/**
 * A new optimiser of kind `name` over `parameters` (a Module's `parameters()`). Options the kind does not
 * have are errors, e.g. `momentum` for 'adam'. `createOptimizer(state.name, parameters, state.options)`
 * rebuilds the optimiser a saved OptimizerState came from.
 *
 * @example
 * const optimizer = createOptimizer('adamw', model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
 */
export function createOptimizer(
  name: OptimizerName,
  parameters: Map<string, Tensor> | Iterable<Tensor>,
  options: OptimizerOptions = {},
): Optimizer {
  switch (name) {
    case 'sgd':
      if (options.lr === undefined) throw new TypeError("createOptimizer: 'sgd' needs an lr");
      return new SGD(parameters, options as SGDOptions);
    case 'adam':
      return new Adam(parameters, options);
    case 'adamw':
      return new AdamW(parameters, options);
    case 'rmsprop':
      return new RMSprop(parameters, options);
    default:
      throw new RangeError(
        `createOptimizer: unknown optimiser '${String(name)}' (known: ${OPTIMIZER_NAMES.join(', ')})`,
      );
  }
}

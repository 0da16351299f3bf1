// GRU (PyTorch nn.GRU): r = sigma(x_r + h_r), z = sigma(x_z + h_z) (each with both biases),
// n = tanh(x_n + b_in + r (h W_hn^T + b_hn)), h_t = (1 - z) n + z h_{t-1}. The reset gate applies
// after the recurrent matmul, so h W_hh^T is one product for all three gates.
// State h, (numLayers * numDirections, B, H).

import { RecurrentLayer, type RecurrentLayerOptions } from './recurrent-layer.js';

/**
 * A fused GRU layer as PyTorch's nn.GRU: gates r, z, n in that order, the reset gate applied after the
 * recurrent matmul, h_t = (1 - z) n + z h_{t-1}; the state h is (numLayers * numDirections, B, H).
 *
 * @example
 * ```ts
 * const gru = new GRU({ numInputs: vocabSize, numHiddens: 32, bidirectional: true });
 * const model = new SequenceClassifier(gru, { numClasses: 2, lr: 0.003 });
 * ```
 */
export class GRU extends RecurrentLayer {
  /** Throws a RangeError naming any size or probability out of range. */
  constructor(options: RecurrentLayerOptions) {
    super('gru', options);
  }
}

// RNN with tanh (PyTorch nn.RNN): h_t = tanh(x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).
// State h, (numLayers * numDirections, B, H).

import { RecurrentLayer, type RecurrentLayerOptions } from './recurrent-layer.js';

/**
 * A fused tanh RNN layer as PyTorch's nn.RNN: h_t = tanh(x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh); the
 * state h is (numLayers * numDirections, B, H).
 */
export class RNN extends RecurrentLayer {
  /** Throws a RangeError naming any size or probability out of range. */
  constructor(options: RecurrentLayerOptions) {
    super('rnn', options);
  }
}

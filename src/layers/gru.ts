// GRU (PyTorch nn.GRU): r = sigma(x_r + h_r), z = sigma(x_z + h_z) (each with both biases),
// n = tanh(x_n + b_in + r (h W_hn^T + b_hn)), h_t = (1 - z) n + z h_{t-1}. The reset gate applies
// after the recurrent matmul, so h W_hh^T is one product for all three gates.
// State h, (numLayers * numDirections, B, H).

import { RecurrentLayer, type RecurrentLayerOptions } from './recurrent-layer.js';

export class GRU extends RecurrentLayer {
  constructor(options: RecurrentLayerOptions) {
    super('gru', options);
  }
}

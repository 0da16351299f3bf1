// RNN with tanh (PyTorch nn.RNN): h_t = tanh(x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).
// State h, (numLayers * numDirections, B, H).

import { RecurrentLayer, type RecurrentLayerOptions } from './recurrent-layer.js';

export class RNN extends RecurrentLayer {
  constructor(options: RecurrentLayerOptions) {
    super('rnn', options);
  }
}

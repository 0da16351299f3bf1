// LSTM (PyTorch nn.LSTM): gates i, f, g, o; c_t = f c_{t-1} + i g; h_t = o tanh(c_t).
// State [h, c], each (numLayers * numDirections, B, H).

import { RecurrentLayer, type RecurrentLayerOptions } from './recurrent-layer.js';

export class LSTM extends RecurrentLayer {
  constructor(options: RecurrentLayerOptions) {
    super('lstm', options);
  }
}

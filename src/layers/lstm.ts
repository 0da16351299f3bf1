// LSTM (PyTorch nn.LSTM): gates i, f, g, o; c_t = f c_{t-1} + i g; h_t = o tanh(c_t).
// State [h, c], each (numLayers * numDirections, B, H).

import { RecurrentLayer, type RecurrentLayerOptions } from './recurrent-layer.js';

/**
 * A fused LSTM layer as PyTorch's nn.LSTM: gates i, f, g, o stacked in that order in each weight,
 * c_t = f c_{t-1} + i g, h_t = o tanh(c_t); the state is [h, c], each (numLayers * numDirections, B, H).
 *
 * @example
 * ```ts
 * const lstm = new LSTM({ numInputs: data.vocab.length, numHiddens: 32 });
 * const model = new RNNLM(lstm, { vocabSize: data.vocab.length, lr: 4 });   // takes token ids directly
 * trainer.fit(model, data);
 * ```
 */
export class LSTM extends RecurrentLayer {
  /** Throws a RangeError naming any size or probability out of range. */
  constructor(options: RecurrentLayerOptions) {
    super('lstm', options);
  }
}

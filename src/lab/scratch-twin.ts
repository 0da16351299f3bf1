// The scratch twin of a fused layer: the d2l cell (one autograd tensor per gate and step) that
// computes the same function as a one-layer, one-direction LSTM, GRU or RNN layer, with the fused
// layer's weights copied across. The lab trains the fast fused layer and measures on its twin, whose
// per-step tensors give dL/dh_t, dL/dc_t and the gate activations.
//
// PyTorch's layout stacks the gates as rows of W_ih (G H, I) and W_hh (G H, H) (LSTM i, f, g, o; GRU
// r, z, n) with two biases; the scratch cells hold X W (I, H) per gate with one bias, so each block is
// transposed and the biases added (the GRU's b_hn stays apart: it sits inside the reset product).

import type { Backend } from '../backend/backend.js';
import type { RecurrentLayer } from '../layers/recurrent-layer.js';
import { GRUScratch } from '../models/gru-scratch.js';
import { LSTMScratch } from '../models/lstm-scratch.js';
import { RNNScratch } from '../models/rnn-scratch.js';
import type { Tensor } from '../tensor/tensor.js';

/** A scratch cell of the package: what scratchTwin returns. */
export type ScratchTwin = LSTMScratch | GRUScratch | RNNScratch;

/**
 * A scratch cell with the function and weights of `layer` (one layer, one direction), on `backend`
 * (default: the layer's; a float64 js backend measures without float32 underflow). An LSTM twin
 * without the output tanh is not the layer's function, so `outputTanh` is not offered here.
 */
export function scratchTwin(layer: RecurrentLayer, backend: Backend = layer.backend): ScratchTwin {
  if (layer.numLayers !== 1 || layer.bidirectional) {
    throw new RangeError(
      `scratchTwin: needs a one-layer, one-direction layer, got ${layer.numLayers} layer(s)` +
        `${layer.bidirectional ? ', bidirectional' : ''}`,
    );
  }
  const { weightIh, weightHh, biasIh, biasHh } = layer.weights[0][0];
  const I = layer.numInputs;
  const H = layer.hiddenSize;
  const wIh = weightIh.toArray();
  const wHh = weightHh.toArray();
  const bIh = biasIh.toArray();
  const bHh = biasHh.toArray();
  const options = { seed: 0, backend };
  // Gate k of the fused layer into the scratch tensors x (I, H), h (H, H) and bias b (H).
  const copyGate = (k: number, x: Tensor, h: Tensor, b: Tensor | null, separateHhBias?: Tensor) => {
    x.assign(transposedBlock(wIh, k, H, I));
    h.assign(transposedBlock(wHh, k, H, H));
    const ih = bIh.subarray(k * H, (k + 1) * H);
    const hh = bHh.subarray(k * H, (k + 1) * H);
    if (separateHhBias) {
      b!.assign(ih);
      separateHhBias.assign(hh);
    } else b!.assign(ih.map((v, j) => v + hh[j]));
  };
  if (layer.cell === 'lstm') {
    const twin = new LSTMScratch(I, H, 0, options);
    copyGate(0, twin.W_xi, twin.W_hi, twin.b_i);
    copyGate(1, twin.W_xf, twin.W_hf, twin.b_f);
    copyGate(2, twin.W_xc, twin.W_hc, twin.b_c); // PyTorch's g is the book's input node c
    copyGate(3, twin.W_xo, twin.W_ho, twin.b_o);
    return twin;
  }
  if (layer.cell === 'gru') {
    const twin = new GRUScratch(I, H, 0, { ...options, resetAfter: true });
    copyGate(0, twin.W_xr, twin.W_hr, twin.b_r);
    copyGate(1, twin.W_xz, twin.W_hz, twin.b_z);
    copyGate(2, twin.W_xh, twin.W_hh, twin.b_h, twin.b_hn!);
    return twin;
  }
  const twin = new RNNScratch(I, H, 0, options);
  copyGate(0, twin.W_xh, twin.W_hh, twin.b_h);
  return twin;
}

/** Rows [k H, (k + 1) H) of a (G H, cols) matrix, transposed: (cols, H) row-major. */
function transposedBlock(matrix: Float64Array, k: number, H: number, cols: number): Float64Array {
  const out = new Float64Array(cols * H);
  for (let r = 0; r < H; r++) {
    const row = (k * H + r) * cols;
    for (let c = 0; c < cols; c++) out[c * H + r] = matrix[row + c];
  }
  return out;
}

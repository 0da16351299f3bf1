// The three cells the lab compares, built as fused layers of one size, and the gate-bias
// initialisation it can give the gated ones.
//
// With PyTorch's initialisation (the package's default) every gate starts near sigma(0) = 1/2: an
// LSTM's cell keeps half of itself per step, prod f ~ 2^-k, and so forgets as fast as a plain RNN.
// Chrono initialisation (Tallec and Ollivier, "Can recurrent neural networks warp time?", ICLR 2018)
// sets the forget-gate bias of each unit to log(u), u ~ U(1, T - 1), and the input-gate bias to -log(u):
// unit j then keeps its cell for about u_j steps, time scales spread up to the sequence length. For
// PyTorch's GRU, h = z * h + (1 - z) * h~, the update gate z plays f's part (and 1 - z plays i's).

import type { Backend } from '../backend/backend.js';
import type { CellKind } from '../layers/cell-kernels.js';
import { GRU } from '../layers/gru.js';
import { LSTM } from '../layers/lstm.js';
import type { RecurrentLayer } from '../layers/recurrent-layer.js';
import { RNN } from '../layers/rnn.js';
import { Random } from '../util/random.js';

/** The cells the lab compares. */
export type LabCell = CellKind;

/** In the order the lab reports them. */
export const LAB_CELLS: readonly LabCell[] = ['rnn', 'gru', 'lstm'];

/** The name a report prints for a cell. */
export const CELL_TITLES: Readonly<Record<LabCell, string>> = { rnn: 'RNN', gru: 'GRU', lstm: 'LSTM' };

/** How the gated cells' gate biases start: PyTorch's U(-1/sqrt(H), 1/sqrt(H)), or chrono (see the header). */
export type GateInit = 'default' | 'chrono';

/** A one-layer fused layer of `cell` with PyTorch's initialisation from `seed`. */
export function createLayer(
  cell: LabCell,
  numInputs: number,
  numHiddens: number,
  seed: number,
  backend?: Backend,
): RecurrentLayer {
  const options = { numInputs, numHiddens, seed, backend };
  if (cell === 'lstm') return new LSTM(options);
  if (cell === 'gru') return new GRU(options);
  return new RNN(options);
}

/**
 * Chrono initialisation of a one-layer gated layer for sequences of `maxSteps`: per unit j, u_j ~ U(1, maxSteps - 1)
 * from `seed`; LSTM forget bias log(u_j) and input bias -log(u_j), GRU update bias log(u_j) (in bias_ih, with
 * bias_hh zero for those gates). The RNN has no gate: it is left as it is.
 */
export function chronoInit(layer: RecurrentLayer, maxSteps: number, seed: number): void {
  if (layer.cell === 'rnn') return;
  if (!(maxSteps >= 3)) throw new RangeError(`chronoInit: maxSteps must be >= 3, got ${maxSteps}`);
  const H = layer.hiddenSize;
  const random = new Random(seed);
  for (const direction of layer.weights.flat()) {
    const biasIh = direction.biasIh.toArray();
    const biasHh = direction.biasHh.toArray();
    for (let j = 0; j < H; j++) {
      const keep = Math.log(1 + random.uniform() * (maxSteps - 2));
      // PyTorch's gate blocks: LSTM i, f, g, o; GRU r, z, n. Block 1 is f (LSTM) or z (GRU).
      biasIh[H + j] = keep;
      biasHh[H + j] = 0;
      if (layer.cell === 'lstm') {
        biasIh[j] = -keep;
        biasHh[j] = 0;
      }
    }
    direction.biasIh.assign(biasIh);
    direction.biasHh.assign(biasHh);
  }
}

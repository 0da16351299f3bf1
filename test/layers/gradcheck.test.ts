// The fused backward (BPTT kernels + the weight-gradient gemms of the layer op)
// against central finite differences, in float64 on the js backend: every
// parameter, the inputs and the initial states, for each cell, both directions,
// one and two layers, and the token-id input path.

import { describe, it } from 'vitest';
import type { CellKind } from '../../src/layers/cell-kernels.js';
import { type Tensor } from '../../src/tensor/tensor.js';
import { float64Reference } from '../support/backends.js';
import { checkGradients, leaf, project } from '../support/gradcheck.js';
import { lossTerms, makeLayer } from './support.js';

describe('fused layers: backward against finite differences (float64 js)', async () => {
  const backend = await float64Reference();
  const T = 3;
  const B = 2;
  const I = 3;
  const H = 2;

  const combos: [CellKind, number, boolean][] = [];
  for (const cell of ['lstm', 'gru', 'rnn'] as CellKind[]) {
    for (const layers of [1, 2]) for (const bidirectional of [false, true]) combos.push([cell, layers, bidirectional]);
  }

  it.each(combos)('%s layers=%d bidirectional=%s', (cell, layers, bidirectional) => {
    const D = bidirectional ? 2 : 1;
    const layer = makeLayer(cell, { numInputs: I, numHiddens: H, numLayers: layers, bidirectional, seed: 3, backend });
    // Larger weights than the default init, so that every gate is away from its linear regime.
    for (const p of layer.parameters().values()) {
      p.assign(p.toArray().map((v) => v * 2));
    }
    const x = leaf(backend, [T, B, I], 11);
    const h0 = leaf(backend, [layers * D, B, H], 12);
    const c0 = leaf(backend, [layers * D, B, H], 13);
    const inputs = [...layer.parameters().values(), x, h0, ...(cell === 'lstm' ? [c0] : [])];
    checkGradients(backend, inputs, () => {
      const [outputs, state] = layer.forward(x, cell === 'lstm' ? [h0, c0] : h0);
      const [hN, cN] = Array.isArray(state) ? state : [state as Tensor];
      return lossTerms(backend, outputs, hN, cN, 21);
    });
  });

  it.each(['lstm', 'gru', 'rnn'] as CellKind[])(
    '%s from token ids (rows of W_ih^T read by id in the time loop, gradient rows added there)',
    (cell) => {
      const V = 5;
      const layer = makeLayer(cell, {
        numInputs: V,
        numHiddens: H,
        numLayers: 2,
        bidirectional: true,
        seed: 4,
        backend,
      });
      const ids = [0, 3, 4, 3, 1, 0]; // (B, T) row-major, repeated ids
      checkGradients(backend, [...layer.parameters().values()], () => {
        const [outputs] = layer.forwardTokens(ids, B, T);
        return project(backend, outputs, 31);
      });
    },
  );
});

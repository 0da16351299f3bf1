// Shared pieces of the layer tests: a reference stack built from the d2l
// scratch cells (LSTMScratch, RNNScratch, and GRUScratch with resetAfter, which is
// PyTorch's formulation); weight copying between the two layouts; the loss the
// layer tests differentiate.

import type { Backend } from '../../src/index.js';
import { GRU } from '../../src/layers/gru.js';
import { LSTM } from '../../src/layers/lstm.js';
import type { RecurrentLayer, RecurrentLayerOptions } from '../../src/layers/recurrent-layer.js';
import type { CellKind } from '../../src/layers/cell-kernels.js';
import { RNN } from '../../src/layers/rnn.js';
import { GRUScratch } from '../../src/models/gru-scratch.js';
import { LSTMScratch } from '../../src/models/lstm-scratch.js';
import { RNNScratch } from '../../src/models/rnn-scratch.js';
import { add, at, concatLast, stack } from '../../src/tensor/ops.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { randomFill } from '../support/backends.js';
import { project } from '../support/gradcheck.js';

export function makeLayer(cell: CellKind, options: RecurrentLayerOptions): RecurrentLayer {
  if (cell === 'lstm') return new LSTM(options);
  if (cell === 'gru') return new GRU(options);
  return new RNN(options);
}

/**
 * The scalar the layer tests differentiate: weighted sums (`project`, seeds seed, seed + 1,
 * seed + 2) of the outputs, the final h and, for the LSTM, the final c.
 */
export function lossTerms(
  backend: Backend,
  outputs: Tensor,
  hN: Tensor,
  cN: Tensor | null | undefined,
  seed: number,
): Tensor {
  let loss = add(project(backend, outputs, seed), project(backend, hN, seed + 1));
  if (cN) loss = add(loss, project(backend, cN, seed + 2));
  return loss;
}

type ReferenceCell = LSTMScratch | RNNScratch | GRUScratch;

/** Which reference tensors hold the rows of gate k of W_ih / W_hh, and its biases. */
function gateTensors(cell: CellKind, ref: ReferenceCell): { x: Tensor; h: Tensor; bx: Tensor; bh: Tensor | null }[] {
  if (cell === 'lstm') {
    const c = ref as LSTMScratch;
    // PyTorch order i, f, g, o; the book's input node c is PyTorch's g.
    return [
      { x: c.W_xi, h: c.W_hi, bx: c.b_i, bh: null },
      { x: c.W_xf, h: c.W_hf, bx: c.b_f, bh: null },
      { x: c.W_xc, h: c.W_hc, bx: c.b_c, bh: null },
      { x: c.W_xo, h: c.W_ho, bx: c.b_o, bh: null },
    ];
  }
  if (cell === 'rnn') {
    const c = ref as RNNScratch;
    return [{ x: c.W_xh, h: c.W_hh, bx: c.b_h, bh: null }];
  }
  // GRUScratch with resetAfter (PyTorch's GRU): r and z have one bias each, the candidate keeps b_hn apart.
  const c = ref as GRUScratch;
  return [
    { x: c.W_xr, h: c.W_hr, bx: c.b_r, bh: null },
    { x: c.W_xz, h: c.W_hz, bx: c.b_z, bh: null },
    { x: c.W_xh, h: c.W_hh, bx: c.b_h, bh: c.b_hn },
  ];
}

/** Stacks the gate blocks (I, H) of the reference as PyTorch's (G H, I) rows. */
function stackTransposed(blocks: Float64Array[], rows: number, cols: number): Float64Array {
  const out = new Float64Array(blocks.length * cols * rows);
  blocks.forEach((block, k) => {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[(k * cols + c) * rows + r] = block[r * cols + c];
  });
  return out;
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A stack of reference cells mirroring a fused layer: cells[layer][direction]. The reference's weights
 * are random (U(-scale, scale), biases too) and copied into the fused layer; the scratch LSTM/RNN have
 * one bias per gate, which goes to bias_ih while bias_hh is zeroed.
 */
export class ReferenceStack {
  readonly cells: ReferenceCell[][] = [];

  constructor(
    readonly cell: CellKind,
    readonly numInputs: number,
    readonly hidden: number,
    readonly numLayers: number,
    readonly numDirections: number,
    readonly backend: Backend,
    seed: number,
    scale = 0.5,
  ) {
    const rand = randomFill(seed);
    for (let l = 0; l < numLayers; l++) {
      const row: ReferenceCell[] = [];
      for (let d = 0; d < numDirections; d++) {
        const inputs = l === 0 ? numInputs : numDirections * hidden;
        const c =
          cell === 'lstm'
            ? new LSTMScratch(inputs, hidden, 0.01, { seed: 1, backend })
            : cell === 'rnn'
              ? new RNNScratch(inputs, hidden, 0.01, { seed: 1, backend })
              : new GRUScratch(inputs, hidden, 0.01, { seed: 1, backend, resetAfter: true });
        for (const p of c.parameters().values())
          p.assign(Array.from({ length: p.size }, () => Math.fround(rand(-scale, scale))));
        row.push(c);
      }
      this.cells.push(row);
    }
  }

  /** Copies the reference weights into `layer` (any backend). */
  copyInto(layer: RecurrentLayer): void {
    const params = layer.parameters();
    this.cells.forEach((row, l) =>
      row.forEach((ref, d) => {
        const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const gates = gateTensors(this.cell, ref);
        const inputs = gates[0].x.shape[0];
        params.get(`weight_ih${suffix}`)!.assign(
          stackTransposed(
            gates.map((g) => g.x.toArray()),
            inputs,
            this.hidden,
          ),
        );
        params.get(`weight_hh${suffix}`)!.assign(
          stackTransposed(
            gates.map((g) => g.h.toArray()),
            this.hidden,
            this.hidden,
          ),
        );
        params.get(`bias_ih${suffix}`)!.assign(concat(gates.map((g) => g.bx.toArray())));
        params
          .get(`bias_hh${suffix}`)!
          .assign(concat(gates.map((g) => (g.bh ? g.bh.toArray() : new Float64Array(this.hidden)))));
      }),
    );
  }

  /** The reference gradients in the fused layer's parameter layout, by PyTorch name. */
  gradientsByName(): Map<string, Float64Array> {
    const grads = new Map<string, Float64Array>();
    const g = (t: Tensor) => t.gradToArray() ?? new Float64Array(t.size);
    this.cells.forEach((row, l) =>
      row.forEach((ref, d) => {
        const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const gates = gateTensors(this.cell, ref);
        const inputs = gates[0].x.shape[0];
        grads.set(
          `weight_ih${suffix}`,
          stackTransposed(
            gates.map((k) => g(k.x)),
            inputs,
            this.hidden,
          ),
        );
        grads.set(
          `weight_hh${suffix}`,
          stackTransposed(
            gates.map((k) => g(k.h)),
            this.hidden,
            this.hidden,
          ),
        );
        grads.set(`bias_ih${suffix}`, concat(gates.map((k) => g(k.bx))));
        // With one bias per gate, d/d bias_hh equals d/d bias_ih.
        grads.set(`bias_hh${suffix}`, concat(gates.map((k) => g(k.bh ?? k.bx))));
      }),
    );
    return grads;
  }

  zeroGrad(): void {
    for (const row of this.cells) for (const c of row) c.zeroGrad();
  }

  /**
   * inputs (T, B, I); h0, c0: (L D, B, H) or undefined. Returns outputs (T, B, D H) and the final
   * states (L D, B, H) (c for LSTM only), built from time steps the way d2l's BiRNNScratch does.
   */
  forward(inputs: Tensor, h0?: Tensor, c0?: Tensor): { outputs: Tensor; hN: Tensor; cN: Tensor | null } {
    const T = inputs.shape[0];
    let steps: Tensor[] = Array.from({ length: T }, (_, t) => at(inputs, t));
    const finalH: Tensor[] = [];
    const finalC: Tensor[] = [];
    this.cells.forEach((row, l) => {
      const perDirection = row.map((ref, d) => {
        const index = l * this.numDirections + d;
        const ordered = d === 1 ? [...steps].reverse() : steps;
        const state =
          this.cell === 'lstm'
            ? h0 && c0
              ? [at(h0, index), at(c0, index)]
              : undefined
            : h0
              ? at(h0, index)
              : undefined;
        const [outs, final] = (ref as LSTMScratch).forward(stack(ordered), state as never);
        if (this.cell === 'lstm') {
          const [h, c] = final as [Tensor, Tensor];
          finalH.push(h);
          finalC.push(c);
        } else finalH.push(final as unknown as Tensor);
        return d === 1 ? [...outs].reverse() : outs;
      });
      steps = Array.from({ length: T }, (_, t) =>
        perDirection.length === 1 ? perDirection[0][t] : concatLast([perDirection[0][t], perDirection[1][t]]),
      );
    });
    return { outputs: stack(steps), hN: stack(finalH), cN: this.cell === 'lstm' ? stack(finalC) : null };
  }
}

// The lab's gradient measurements against the mathematics, in float64:
// - |dL/dh_t| and |dL/dx_t| per lag equal central finite differences on a tiny model (h_t perturbed by
//   restarting the scratch twin from the perturbed state at step t);
// - the product of forget gates equals autograd's dC_T/dC_t when the other paths are cut (and differs
//   when they are not, so the check can fail);
// - the fused backward and the scratch twin agree on dL/dx_t; the twin computes the layer's function;
// - the RNN's measured gradient never exceeds its sigma_max bound.
import { describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src/index.js';
import { createLayer, type LabCell } from '../../src/lab/cells.js';
import {
  copyParameters,
  gateProducts,
  largestSingularValue,
  measureGradientFlow,
} from '../../src/lab/gradient-flow.js';
import { scratchTwin } from '../../src/lab/scratch-twin.js';
import { GRU } from '../../src/layers/gru.js';
import { oneHotTimeMajor } from '../../src/layers/sequence-ops.js';
import { LSTMScratch } from '../../src/models/lstm-scratch.js';
import { SequenceClassifier, type SequenceBatch } from '../../src/models/sequence-classifier.js';
import { crossEntropy } from '../../src/tensor/ops.js';
import { noGrad } from '../../src/tensor/tape.js';
import { endStep, fromArray, type Tensor } from '../../src/tensor/tensor.js';
import { float64Reference, randomFill, randomIds } from '../support/backends.js';
import { leaf, project } from '../support/gradcheck.js';

const V = 4;
const H = 3;
const T = 5;
const B = 2;
const CELLS: LabCell[] = ['rnn', 'gru', 'lstm'];

/** A tiny classifier with weights large enough that no path is negligible. */
function tinyModel(cell: LabCell, backend: Backend, seed: number): SequenceClassifier {
  const model = new SequenceClassifier(createLayer(cell, V, H, seed, backend), { numClasses: 2, seed: seed + 1 });
  for (const p of model.parameters().values()) p.assign(p.toArray().map((v) => v * 3));
  return model;
}

function tinyBatch(seed: number): SequenceBatch {
  return { X: randomIds(seed, B * T, V), Y: randomIds(seed + 1, B, 2), batchSize: B, numSteps: T };
}

/** Rows of a time-major (T, B, width) array for steps [from, to), as a tensor. */
function steps(values: Float64Array, from: number, to: number, width: number, backend: Backend): Tensor {
  return fromArray(values.subarray(from * B * width, to * B * width), [to - from, B, width], backend);
}

describe('gradient flow per lag against finite differences (float64)', async () => {
  const backend = await float64Reference();
  const eps = 1e-6;

  it.each(CELLS)('%s: |dL/dh_t| and |dL/dx_t| at every lag', (cell) => {
    const model = tinyModel(cell, backend, 3);
    const batch = tinyBatch(4);
    const profile = measureGradientFlow(model, batch, backend);
    const twin = scratchTwin(model.rnn as never, backend);
    const inputs = oneHotTimeMajor(backend, batch.X, B, T, V).toArray();
    // B times the mean loss: its gradient with respect to row b is example b's own.
    const lossFrom = (x: Float64Array) =>
      noGrad(() =>
        crossEntropy(model.head.forward(twin.forward(steps(x, 0, T, V, backend))[0][T - 1]), batch.Y).item(),
      ) * B;

    // dL/dh_t: run to step t, perturb h_t, and continue from that state.
    const hiddenAt = (t: number) => noGrad(() => twin.forward(steps(inputs, 0, t + 1, V, backend))[1]);
    const lossAfter = (t: number, state: Tensor | Tensor[]) =>
      noGrad(() => {
        const h = Array.isArray(state) ? state[0] : state;
        const last = t === T - 1 ? h : twin.forward(steps(inputs, t + 1, T, V, backend), state)[0][T - 2 - t];
        return crossEntropy(model.head.forward(last), batch.Y).item() * B;
      });
    for (let t = 0; t < T; t++) {
      const state = hiddenAt(t);
      const [h, c] = Array.isArray(state) ? (state as Tensor[]) : [state as Tensor];
      const base = h.toArray();
      let normSum = 0;
      for (let b = 0; b < B; b++) {
        let squares = 0;
        for (let j = 0; j < H; j++) {
          const at = (delta: number) => {
            const moved = base.slice();
            moved[b * H + j] += delta;
            const hMoved = fromArray(moved, [B, H], backend);
            return lossAfter(t, c ? [hMoved, c] : hMoved);
          };
          squares += ((at(eps) - at(-eps)) / (2 * eps)) ** 2;
        }
        normSum += Math.sqrt(squares);
      }
      const lag = T - 1 - t;
      expect(profile.hidden[lag]).toBeCloseTo(normSum / B, 7);
    }

    // dL/dx_t: perturb the one-hot inputs.
    for (let t = 0; t < T; t++) {
      let normSum = 0;
      for (let b = 0; b < B; b++) {
        let squares = 0;
        for (let i = 0; i < V; i++) {
          const index = (t * B + b) * V + i;
          const at = (delta: number) => {
            const moved = inputs.slice();
            moved[index] += delta;
            return lossFrom(moved);
          };
          squares += ((at(eps) - at(-eps)) / (2 * eps)) ** 2;
        }
        normSum += Math.sqrt(squares);
      }
      expect(profile.input[T - 1 - t]).toBeCloseTo(normSum / B, 7);
    }
    endStep(backend);
  });
});

describe('the forget-gate product is the cell path derivative', async () => {
  const backend = await float64Reference();
  const steps = 6;
  const batch = 3;
  const hidden = 4;

  /** dC_{T-1}/dC_t (per element, divided by the loss weights) and the forget gates, from one backward. */
  function cellPathRun(cellPathOnly: boolean): { ratios: Float64Array[]; forget: Float64Array[] } {
    const lstm = new LSTMScratch(V, hidden, 0.8, { seed: 9, backend });
    const x = leaf(backend, [steps, batch, V], 10);
    const cells: Tensor[] = [];
    const forget: Float64Array[] = [];
    const [, [, C]] = lstm.forward(x, undefined, {
      cellPathOnly,
      onStep: (_t, { C: c, F }) => {
        cells.push(c);
        forget.push(F.toArray());
      },
    });
    const random = randomFill(11);
    const weights = Float64Array.from({ length: batch * hidden }, () => random()); // project's weights
    project(backend, C, 11).backward(); // sum(w * C_{T-1}) with the same w (seed 11)
    const ratios = cells.map((c) => c.gradToArray()!.map((g, i) => g / weights[i]));
    return { ratios, forget };
  }

  it('with the other paths cut, autograd gives prod_{s>t} f_s for every unit and example', () => {
    const { ratios, forget } = cellPathRun(true);
    for (let t = 0; t < steps; t++) {
      const expected = new Float64Array(batch * hidden).fill(1);
      for (let s = t + 1; s < steps; s++) expected.forEach((_, i) => (expected[i] *= forget[s][i]));
      ratios[t].forEach((r, i) => expect(r).toBeCloseTo(expected[i], 12));
    }
    // The lab's per-lag summary of the same products.
    const [means] = gateProducts(forget, batch, hidden);
    for (let k = 0; k < steps; k++) {
      const ratio = ratios[steps - 1 - k];
      expect(means[k]).toBeCloseTo(ratio.reduce((a, v) => a + v, 0) / ratio.length, 12);
    }
    endStep(backend);
  });

  it('without the cut, the paths through h add to it (the check above can fail)', () => {
    const cut = cellPathRun(true);
    const full = cellPathRun(false);
    const difference = Math.max(...full.ratios[0].map((r, i) => Math.abs(r - cut.ratios[0][i])));
    expect(difference).toBeGreaterThan(1e-3);
    endStep(backend);
  });
});

describe('the fused layer and its scratch twin', async () => {
  const backend = await float64Reference();

  it.each(CELLS)('%s: the same outputs, and the same dL/dx_t from BPTT kernels and autograd', (cell) => {
    const model = tinyModel(cell, backend, 12);
    const batch = { ...tinyBatch(13), numSteps: T };
    const fused = model.rnn as never;
    const twin = scratchTwin(fused, backend);
    const x = oneHotTimeMajor(backend, batch.X, B, T, V);
    const [fusedOut] = noGrad(() => model.rnn.forward(x) as [Tensor, unknown]);
    const [twinOut] = noGrad(() => twin.forward(x));
    const twinValues = twinOut.flatMap((h) => Array.from(h.toArray()));
    fusedOut.toArray().forEach((v, i) => expect(v).toBeCloseTo(twinValues[i], 12));
    const profile = measureGradientFlow(model, batch, backend);
    expect(profile.fusedScratchDifference).toBeLessThan(1e-12);
    profile.input.forEach((v, k) => expect(v).toBeCloseTo(profile.inputScratch[k], 12));
    endStep(backend);
  });

  it('agree on a float32 wasm model measured in float64 after copying (the lab measures that way)', async () => {
    const wasm = await createBackend('wasm', { build: 'simd' });
    const model = tinyModel('lstm', wasm, 14);
    const copy = tinyModel('lstm', backend, 99);
    copyParameters(model, copy);
    const a = measureGradientFlow(model, tinyBatch(15), backend);
    const b = measureGradientFlow(copy, tinyBatch(15), backend);
    expect(a.hidden).toEqual(b.hidden);
    expect(a.fusedScratchDifference).toBeLessThan(1e-12);
  });

  it('rejects stacked and bidirectional layers with a clear message', () => {
    expect(() => scratchTwin(new GRU({ numInputs: V, numHiddens: H, numLayers: 2, backend }))).toThrow(
      /one-layer, one-direction layer, got 2 layer\(s\)/,
    );
    expect(() => scratchTwin(new GRU({ numInputs: V, numHiddens: H, bidirectional: true, backend }))).toThrow(
      /got 1 layer\(s\), bidirectional/,
    );
  });
});

describe("the RNN's bound and sigma_max", async () => {
  const backend = await float64Reference();

  it('sigma_max by power iteration matches known matrices', () => {
    expect(largestSingularValue([3, 0, 0, -5], 2)).toBeCloseTo(5, 12);
    const [c, s] = [Math.cos(0.3), Math.sin(0.3)];
    expect(largestSingularValue([2 * c, -2 * s, 2 * s, 2 * c], 2)).toBeCloseTo(2, 12); // 2 x a rotation
    expect(largestSingularValue([1, 1, 0, 1], 2)).toBeCloseTo((1 + Math.sqrt(5)) / 2, 10); // a shear
  });

  it("the measured |dL/dh_t| never exceeds |dL/dh_{T-1}| prod sigma_max max tanh'", () => {
    const model = tinyModel('rnn', backend, 16);
    const profile = measureGradientFlow(model, { ...tinyBatch(17) }, backend);
    expect(profile.bound![0]).toBeCloseTo(profile.hidden[0], 12);
    profile.hidden.forEach((v, k) => expect(v).toBeLessThanOrEqual(profile.bound![k] * (1 + 1e-12)));
    endStep(backend);
  });
});

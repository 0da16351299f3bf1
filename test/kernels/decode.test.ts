// Kernels.decodeGreedy on every backend variant, against a float64 replay: the chosen ids are fed
// back through the float64 js backend's forward (teacher forcing on the decoder's own choices), and
// every choice must be the largest of the replayed logits other than the excluded one, within a
// float32 tolerance; the final state must match the replay's. Sizes with tails (H = 37, V = 29) and
// without (H = 64, V = 100), and an output layer a team cuts by rows (H = 64, V = 300); all three
// cells; NaN logits never chosen.
//
// Tolerance: 40 float32 steps of a contracting recurrence (weights of norm < 1) drift by a few
// 1e-6 from float64; a choice may differ from the float64 argmax only on a near-tie, so the chosen
// logit must be within 1e-4 of the largest.

import { describe, expect, it } from 'vitest';
import { GATE_COUNT, decodeScratchSize, packedRecurrentSize, type Backend, type CellKind } from '../../src/internal.js';
import { createBackend } from '../../src/index.js';
import { float64Reference, kernelVariants, randomArray } from '../support/backends.js';
import { maxDiff } from '../support/compare.js';

const TOKENS = 40;
const CELLS: CellKind[] = ['lstm', 'gru', 'rnn'];

interface Model {
  cell: CellKind;
  hidden: number;
  outputs: number;
  weightHh: Float32Array;
  biasIh: Float32Array;
  biasHh: Float32Array;
  inputRows: Float32Array; // (V, G H): W_ih^T
  h: Float32Array;
  c: Float32Array;
  outWeight: Float32Array;
  outBias: Float32Array;
}

function randomModel(cell: CellKind, hidden: number, outputs: number, seed: number): Model {
  const G = GATE_COUNT[cell] * hidden;
  const scale = 1.5 / Math.sqrt(hidden);
  return {
    cell,
    hidden,
    outputs,
    weightHh: randomArray(seed, G * hidden, -scale, scale),
    biasIh: randomArray(seed + 1, G, -0.2, 0.2),
    biasHh: randomArray(seed + 2, G, -0.2, 0.2),
    inputRows: randomArray(seed + 3, outputs * G, -3, 3),
    h: randomArray(seed + 4, hidden, -0.5, 0.5),
    c: randomArray(seed + 5, hidden, -0.5, 0.5),
    outWeight: randomArray(seed + 6, outputs * hidden, -3 * scale, 3 * scale),
    outBias: randomArray(seed + 7, outputs, -0.5, 0.5),
  };
}

/** Copies `data` into a fresh slice of `arena`; returns its Ptr. */
function put(backend: Backend, arena: ReturnType<Backend['createArena']>, data: ArrayLike<number>): number {
  const slice = arena.allocate(data.length);
  const view = slice.view();
  for (let i = 0; i < data.length; i++) view[i] = data[i];
  return slice.ptr;
}

/** Runs decodeGreedy from ids[0] = firstId; returns the ids (tokens + 1) and the final state. */
function decode(backend: Backend, m: Model, firstId: number, exclude: number, tokens = TOKENS) {
  const arena = backend.createArena('decode-test');
  try {
    const G = GATE_COUNT[m.cell] * m.hidden;
    const weightHh = put(backend, arena, m.weightHh);
    const outWeight = put(backend, arena, m.outWeight);
    const packedHh = arena.allocate(packedRecurrentSize(G, m.hidden)).ptr;
    const packedOut = arena.allocate(packedRecurrentSize(m.outputs, m.hidden)).ptr;
    backend.packRecurrentWeights(weightHh, G, m.hidden, packedHh);
    backend.packRecurrentWeights(outWeight, m.outputs, m.hidden, packedOut);
    const biasIh = put(backend, arena, m.biasIh);
    const biasHh = put(backend, arena, m.biasHh);
    const inputRows = put(backend, arena, m.inputRows);
    const h = put(backend, arena, m.h);
    const c = m.cell === 'lstm' ? put(backend, arena, m.c) : -1;
    const outBias = put(backend, arena, m.outBias);
    const idSlice = arena.allocate(tokens + 1);
    idSlice.intView()[0] = firstId;
    const scratch = arena.allocate(decodeScratchSize(m.cell, m.hidden, m.outputs)).ptr;
    // prettier-ignore
    backend.decodeGreedy(m.cell, tokens, m.hidden, m.outputs, weightHh, biasIh, biasHh, packedHh, inputRows,
      h, c, outWeight, packedOut, outBias, idSlice.ptr, exclude, scratch);
    const floats = backend.heap.floats;
    return {
      ids: Array.from(idSlice.intView()),
      h: Float64Array.from(floats.subarray(h, h + m.hidden)),
      c: c >= 0 ? Float64Array.from(floats.subarray(c, c + m.hidden)) : null,
    };
  } finally {
    arena.dispose();
  }
}

/**
 * The float64 replay of `ids` (the decoder's inputs ids[0 .. T-1]): one forward over the sequence on
 * token inputs from the same state; returns every step's logits (T, V) and the final state.
 */
function replay(backend: Backend, m: Model, ids: number[]) {
  const arena = backend.createArena('replay');
  try {
    const T = ids.length;
    const H = m.hidden;
    const G = GATE_COUNT[m.cell] * H;
    const idSlice = arena.allocate(T);
    idSlice.intView().set(ids);
    const gates = arena.allocate(T * G).ptr;
    const out = arena.allocate(T * H).ptr;
    const saved = arena.allocate(T * H).ptr;
    const tanhCells = arena.allocate(T * H).ptr;
    const work = arena.allocate(G).ptr;
    const hN = arena.allocate(H).ptr;
    const cN = arena.allocate(H).ptr;
    const [weightHh, biasIh, biasHh, inputRows, h0, c0] = [m.weightHh, m.biasIh, m.biasHh, m.inputRows, m.h, m.c].map(
      (a) => put(backend, arena, a),
    );
    const idPtr = idSlice.ptr;
    // prettier-ignore
    if (m.cell === 'lstm') {
      backend.lstmForward(T, 1, H, false, gates, weightHh, biasIh, biasHh, h0, c0, out, H, saved, tanhCells, hN, cN,
        -1, inputRows, idPtr);
    } else if (m.cell === 'gru') {
      backend.gruForward(T, 1, H, false, gates, weightHh, biasIh, biasHh, h0, out, H, saved, work, hN, -1, inputRows,
        idPtr);
    } else {
      backend.rnnForward(T, 1, H, false, gates, weightHh, biasIh, biasHh, h0, out, H, hN, -1, inputRows, idPtr);
    }
    const f = backend.heap.floats;
    const logits = Array.from({ length: T }, (_, t) =>
      Array.from({ length: m.outputs }, (_, v) => {
        let sum = m.outBias[v];
        for (let j = 0; j < H; j++) sum += m.outWeight[v * H + j] * f[out + t * H + j];
        return sum;
      }),
    );
    return {
      logits,
      h: Float64Array.from(f.subarray(hN, hN + H)),
      c: m.cell === 'lstm' ? Float64Array.from(f.subarray(cN, cN + H)) : null,
    };
  } finally {
    arena.dispose();
  }
}

/** Every choice the largest non-NaN replayed logit other than `exclude`, within 1e-4; the final state within 1e-4. */
function expectGreedy(
  got: ReturnType<typeof decode>,
  want: ReturnType<typeof replay>,
  exclude: number,
  label: string,
): void {
  want.logits.forEach((row, t) => {
    const chosen = got.ids[t + 1];
    expect(chosen, `${label} token ${t}: the excluded id`).not.toBe(exclude);
    const best = Math.max(...row.filter((v, i) => i !== exclude && !Number.isNaN(v)));
    expect(row[chosen], `${label} token ${t}: id ${chosen}`).toBeGreaterThanOrEqual(best - 1e-4);
  });
  expect(maxDiff(got.h, want.h), `${label}: h`).toBeLessThanOrEqual(1e-4);
  if (want.c) expect(maxDiff(got.c!, want.c), `${label}: c`).toBeLessThanOrEqual(1e-4);
}

describe.each(kernelVariants())('decodeGreedy on $variant', ({ create }) => {
  for (const cell of CELLS) {
    // The last: an output layer big enough (H V > 16384) that a team cuts it by rows.
    for (const [hidden, outputs] of [
      [37, 29],
      [64, 100],
      [64, 300],
    ]) {
      it(`${cell}, H ${hidden}, V ${outputs}: each token the largest logit of the replay, never the excluded one`, async () => {
        const backend = await create();
        const reference = await float64Reference();
        const m = randomModel(cell, hidden, outputs, hidden * 7 + outputs + 2);
        // Excluded: the id the decoder would choose first, so that the exclusion is tested where it matters.
        const exclude = decode(backend, m, 5, -1, 1).ids[1];
        const got = decode(backend, m, 5, exclude);
        expectGreedy(got, replay(reference, m, got.ids.slice(0, TOKENS)), exclude, `${cell} ${hidden}`);
        // Some variety, or the test would check little: the decoder must not sit on one token.
        expect(new Set(got.ids).size, 'distinct ids').toBeGreaterThan(2);
      });
    }
    it(`${cell}: a NaN logit is never chosen; all NaN gives the first id not excluded; zero tokens change nothing`, async () => {
      const backend = await create();
      const reference = await float64Reference();
      const m = randomModel(cell, 37, 29, 99);
      // Make the id the decoder picks first a NaN everywhere: it must never come back.
      const first = decode(backend, m, 2, -1, 1).ids[1];
      m.outBias[first] = NaN;
      const got = decode(backend, m, 2, -1);
      expect(got.ids.slice(1), 'NaN id').not.toContain(first);
      expectGreedy(got, replay(reference, m, got.ids.slice(0, TOKENS)), -1, `${cell} NaN`);
      m.outBias.fill(NaN);
      expect(decode(backend, m, 2, 0, 5).ids.slice(1)).toEqual([1, 1, 1, 1, 1]);
      expect(decode(backend, m, 2, 4, 5).ids.slice(1)).toEqual([0, 0, 0, 0, 0]);
      const still = decode(backend, m, 2, -1, 0);
      expect(Array.from(still.h)).toEqual(Array.from(Float32Array.from(m.h)));
    });
  }
});

describe('decodeGreedy on a team of threads', () => {
  // A team cuts the hidden units and the output rows; each unit and each logit is computed by the
  // same instructions whichever member computes it, so the results are bitwise the one thread's.
  it('gives bitwise the ids and state of one thread, on 2 and 3 threads (units and rows that do not divide)', async () => {
    const one = await createBackend('wasm', { threads: 1 });
    const teams = [
      await createBackend('wasm', { threads: 2, splitAll: true }),
      await createBackend('wasm', { threads: 3, splitAll: true }),
      await createBackend('wasm', { threads: 2 }), // its own threshold: a team at H = 256
    ];
    for (const cell of CELLS) {
      for (const [hidden, outputs] of [
        [37, 29],
        [256, 28],
        [64, 300], // cut by rows, winners merged through the mailboxes
      ]) {
        const m = randomModel(cell, hidden, outputs, 3 * hidden + outputs);
        const want = decode(one, m, 1, 0, 100);
        for (const team of teams) {
          const got = decode(team, m, 1, 0, 100);
          const label = `${cell} H ${hidden} on ${team.threads} threads`;
          expect(got.ids, label).toEqual(want.ids);
          expect(Array.from(got.h), label).toEqual(Array.from(want.h));
          if (want.c) expect(Array.from(got.c!), label).toEqual(Array.from(want.c));
        }
      }
    }
    for (const backend of [one, ...teams]) backend.dispose();
  });
});

// The fused recurrent kernels (lstm/gru/rnn forward and backward, transpose)
// on every backend variant against the same algorithm
// run in float64 (the js twin on a float64 heap). Sizes cover the SIMD tails
// (H = 5, 33), both paths the shared gemm takes for the recurrent product (a
// few rows: dot products, B = 1, 3; many rows: packed blocks, B = 33), the
// single-row product on a packed W_hh (B = 1, packed), token inputs read from
// rows of a table by id, batches the backward kernels run in chunks (B = 523), both
// directions, and a strided output with untouched neighbours.
//
// Tolerances: forward values within 2e-6 absolute (inputs of order 1, so a few
// float32 ulp); backward gradients within 2e-5 of max(1, |largest gradient|).
// The activation functions alone: within 4 float32 ulp relative (plus 1e-37
// absolute for sigmoid's flushed far tail).

import { describe, expect, it } from 'vitest';
import type { Backend, Ptr } from '../../src/internal.js';
import { packedRecurrentSize } from '../../src/backend/backend.js';
import { GATE_COUNT, type CellKind } from '../../src/layers/cell-kernels.js';
import { float64Reference, kernelVariants, randomArray, randomFill, randomIds } from '../support/backends.js';
import { maxAbs, maxDiff } from '../support/compare.js';

interface BufferSpec {
  size: number;
  /** Initial values; omitted for outputs, which start as a sentinel so stray reads or writes show. */
  values?: ArrayLike<number>;
}

const SENTINEL = 1234.5;

/** Allocates and fills the buffers on `backend`, runs `call`, returns every buffer's final contents. */
function run(
  backend: Backend,
  specs: Record<string, BufferSpec>,
  call: (p: Record<string, Ptr>) => void,
): Record<string, Float64Array> {
  const arena = backend.createArena('recurrent-test');
  const slices = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, arena.allocate(spec.size)]));
  for (const [name, spec] of Object.entries(specs)) {
    const view = slices[name].view();
    if (spec.values) view.set(spec.values);
    else view.fill(SENTINEL);
  }
  call(Object.fromEntries(Object.entries(slices).map(([name, s]) => [name, s.ptr])));
  const result = Object.fromEntries(Object.entries(slices).map(([name, s]) => [name, Float64Array.from(s.view())]));
  arena.dispose();
  return result;
}

/** Values rounded to float32, so that the float64 reference sees exactly the same inputs. */
function values(n: number, rand: (lo?: number, hi?: number) => number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => Math.fround(rand(lo, hi)));
}

interface Case {
  cell: CellKind;
  T: number;
  B: number;
  H: number;
  reverse: boolean;
  /** Pass a packed copy of W_hh (packRecurrentWeights) to the forward kernel. */
  packed?: boolean;
  /**
   * Token inputs: the forward reads the input projection from rows of a (V, G) table by id, and
   * the backward adds the gate-gradient rows into a (V, G) gradient table by id.
   */
  tokens?: boolean;
  /**
   * Zero initial state, no dh0 wanted: h0 = c0 = 0, passed to the forwards as -1 (the zero state)
   * by `run`'s caller when asked to, and the backwards run with initialGradient false.
   */
  zeroState?: boolean;
}

/** Vocabulary of the token cases. */
const V = 6;

/** Inputs of one case: the output has 3 extra columns and starts at column 2 (a bidirectional slot). */
function caseInputs({ cell, T, B, H, zeroState }: Case, seed: number) {
  const rand = randomFill(seed);
  const G = GATE_COUNT[cell] * H;
  const ldOut = H + 3;
  return {
    ldOut,
    column: 2,
    gates: values(T * B * G, rand, -2, 2),
    // |W_hh| shrinks as 1/sqrt(H) past H = 33, so that the pre-activations (and their rounding) stay of order 1.
    weightHh: values(G * H, rand, -0.6 * Math.min(1, Math.sqrt(33 / H)), 0.6 * Math.min(1, Math.sqrt(33 / H))),
    biasIh: values(G, rand, -0.5, 0.5),
    biasHh: values(G, rand, -0.5, 0.5),
    h0: zeroState ? new Array<number>(B * H).fill(0) : values(B * H, rand),
    c0: zeroState ? new Array<number>(B * H).fill(0) : values(B * H, rand),
    dOut: values(T * B * ldOut, rand),
    dhN: values(B * H, rand),
    dcN: values(B * H, rand),
    table: values(V * G, rand, -2, 2),
    tableGrad: values(V * G, rand),
    ids: randomIds(seed, T * B, V),
  };
}

/** Writes int32 ids at element offset `ptr` of the backend's heap. */
function writeIds(backend: Backend, ptr: Ptr, ids: Int32Array): void {
  const base = backend.heap.intIndex(ptr);
  ids.forEach((id, i) => (backend.heap.ints[base + i] = id));
}

/**
 * Forward then backward of one case; returns every buffer the kernels wrote. zeroAsMinusOne: a
 * zeroState case passes -1 to the forwards instead of its buffers of zeros.
 */
function forwardBackward(backend: Backend, c: Case, seed: number, zeroAsMinusOne = true): Record<string, Float64Array> {
  const { cell, T, B, H, reverse } = c;
  const x = caseInputs(c, seed);
  const G = GATE_COUNT[cell] * H;
  const n = T * B;
  const specs: Record<string, BufferSpec> = {
    gates: { size: n * G, values: x.gates },
    weightHh: { size: G * H, values: x.weightHh },
    biasIh: { size: G, values: x.biasIh },
    biasHh: { size: G, values: x.biasHh },
    h0: { size: B * H, values: x.h0 },
    c0: { size: B * H, values: x.c0 },
    out: { size: n * x.ldOut },
    cells: { size: n * H },
    tanhCells: { size: n * H },
    hiddenN: { size: n * H },
    work: { size: B * G },
    hN: { size: B * H },
    cN: { size: B * H },
    dOut: { size: n * x.ldOut, values: x.dOut },
    dhN: { size: B * H, values: x.dhN },
    dcN: { size: B * H, values: x.dcN },
    dGates: { size: n * G },
    dGatesHh: { size: n * G },
    packedHh: { size: packedRecurrentSize(G, H) },
    dh0: { size: B * H },
    dc0: { size: B * H },
    table: { size: V * G, values: x.table },
    tableGrad: { size: V * G, values: x.tableGrad },
    ids: { size: n },
  };
  return run(backend, specs, (p) => {
    const out = p.out + x.column;
    const dOut = p.dOut + x.column;
    if (c.packed) backend.packRecurrentWeights(p.weightHh, G, H, p.packedHh);
    const packed = c.packed ? p.packedHh : -1;
    writeIds(backend, p.ids, x.ids);
    // Token cases start from sentinel gates: the forward must not read them.
    if (c.tokens) backend.fill(p.gates, SENTINEL, n * G);
    const inputRows = c.tokens ? p.table : -1;
    const inputRowsGrad = c.tokens ? p.tableGrad : -1;
    const ids = c.tokens ? p.ids : -1;
    const h0 = c.zeroState && zeroAsMinusOne ? -1 : p.h0;
    const c0 = c.zeroState && zeroAsMinusOne ? -1 : p.c0;
    const initialGradient = !c.zeroState;
    if (cell === 'lstm') {
      backend.lstmForward(
        T,
        B,
        H,
        reverse,
        p.gates,
        p.weightHh,
        p.biasIh,
        p.biasHh,
        h0,
        c0,
        out,
        x.ldOut,
        p.cells,
        p.tanhCells,
        p.hN,
        p.cN,
        packed,
        inputRows,
        ids,
      );
      backend.lstmBackward(
        T,
        B,
        H,
        reverse,
        p.gates,
        p.cells,
        p.tanhCells,
        p.c0,
        p.weightHh,
        dOut,
        x.ldOut,
        p.dhN,
        p.dcN,
        p.dGates,
        p.dh0,
        p.dc0,
        initialGradient,
        inputRowsGrad,
        ids,
      );
    } else if (cell === 'gru') {
      backend.gruForward(
        T,
        B,
        H,
        reverse,
        p.gates,
        p.weightHh,
        p.biasIh,
        p.biasHh,
        h0,
        out,
        x.ldOut,
        p.hiddenN,
        p.work,
        p.hN,
        packed,
        inputRows,
        ids,
      );
      backend.gruBackward(
        T,
        B,
        H,
        reverse,
        p.gates,
        p.hiddenN,
        p.h0,
        out,
        x.ldOut,
        p.weightHh,
        dOut,
        p.dhN,
        p.dGates,
        p.dGatesHh,
        p.dh0,
        initialGradient,
        inputRowsGrad,
        ids,
      );
    } else {
      backend.rnnForward(
        T,
        B,
        H,
        reverse,
        p.gates,
        p.weightHh,
        p.biasIh,
        p.biasHh,
        h0,
        out,
        x.ldOut,
        p.hN,
        packed,
        inputRows,
        ids,
      );
      backend.rnnBackward(
        T,
        B,
        H,
        reverse,
        p.gates,
        p.weightHh,
        dOut,
        x.ldOut,
        p.dhN,
        p.dGates,
        p.dh0,
        initialGradient,
        inputRowsGrad,
        ids,
      );
    }
  });
}

const WRITTEN: Record<CellKind, { forward: string[]; backward: string[] }> = {
  lstm: { forward: ['gates', 'out', 'cells', 'tanhCells', 'hN', 'cN'], backward: ['dGates', 'dh0', 'dc0'] },
  gru: { forward: ['gates', 'out', 'hiddenN', 'hN'], backward: ['dGates', 'dGatesHh', 'dh0'] },
  rnn: { forward: ['gates', 'out', 'hN'], backward: ['dGates', 'dh0'] },
};

const cases: Case[] = [];
for (const cell of ['lstm', 'gru', 'rnn'] as CellKind[]) {
  for (const B of [1, 3, 33]) {
    for (const T of [1, 5]) {
      for (const H of [5, 8, 33]) {
        for (const reverse of [false, true]) {
          cases.push({ cell, T, B, H, reverse });
          if (B === 1) cases.push({ cell, T, B, H, reverse, packed: true });
          if (T === 5 && H !== 8) cases.push({ cell, T, B, H, reverse, tokens: true, packed: B === 1 });
          if (T === 5 && H !== 5)
            cases.push({ cell, T, B, H, reverse, zeroState: true, tokens: B === 3, packed: B === 1 });
        }
      }
    }
  }
  // A batch the backward kernels run in chunks of rows (a step's rows past 512 KiB), with a last
  // chunk of an odd size; the RNN's rows are smaller, so it needs a wider H.
  for (const reverse of [false, true]) {
    const H = cell === 'rnn' ? 100 : 33;
    cases.push({ cell, T: 2, B: 523, H, reverse });
    cases.push({ cell, T: 2, B: 523, H, reverse, tokens: true });
  }
}

describe.each(kernelVariants())('$variant: fused recurrent kernels against the float64 twin', ({ create }) => {
  it.each(cases)('$cell T=$T B=$B H=$H reverse=$reverse packed=$packed tokens=$tokens zero=$zeroState', async (c) => {
    const backend = await create();
    const reference = await float64Reference();
    const seed = 17 + c.T * 100 + c.B * 10 + c.H + (c.reverse ? 5000 : 0);
    const got = forwardBackward(backend, c, seed);
    // The reference runs a zero state from buffers of zeros: -1 must mean exactly that.
    const want = forwardBackward(reference, c, seed, false);
    for (const name of WRITTEN[c.cell].forward) {
      expect(maxDiff(got[name], want[name]), `forward ${name}`).toBeLessThanOrEqual(2e-6);
    }
    for (const name of [...WRITTEN[c.cell].backward, ...(c.tokens ? ['tableGrad'] : [])]) {
      if (c.zeroState && name === 'dh0') continue; // not wanted, so not specified
      const scale = Math.max(1, maxAbs(want[name]));
      expect(maxDiff(got[name], want[name]) / scale, `backward ${name}`).toBeLessThanOrEqual(2e-5);
    }
    // The output's other columns (the other direction's slot) are untouched.
    const { ldOut, column } = caseInputs(c, seed);
    for (let row = 0; row < c.T * c.B; row++) {
      for (let col = 0; col < ldOut; col++) {
        if (col >= column && col < column + c.H) continue;
        expect(got.out[row * ldOut + col]).toBe(SENTINEL);
      }
    }
  });

  it('the final state is the last step in loop order', async () => {
    const backend = await create();
    for (const reverse of [false, true]) {
      const c: Case = { cell: 'lstm', T: 4, B: 2, H: 6, reverse };
      const got = forwardBackward(backend, c, 3);
      const { ldOut, column } = caseInputs(c, 3);
      const last = reverse ? 0 : c.T - 1;
      for (let b = 0; b < c.B; b++) {
        for (let j = 0; j < c.H; j++) {
          expect(got.hN[b * c.H + j]).toBe(got.out[(last * c.B + b) * ldOut + column + j]);
          expect(got.cN[b * c.H + j]).toBe(got.cells[(last * c.B + b) * c.H + j]);
        }
      }
    }
  });

  it('sigmoid and tanh inside the gate pass are accurate to 4 ulp', async () => {
    const backend = await create();
    // One LSTM step from a zero state with W_hh = 0: the gates come out as
    // sigmoid, sigmoid, tanh, sigmoid of the given pre-activations.
    const probe: number[] = [
      0, -0, 1e-30, -1e-7, 3e-4, -0.2499, 0.25, 0.2501, 0.5, -1, 2, -3.7, 5, 9, -12, 17, 30, -40, 88, -88, 100, -100,
      1e4, -1e4,
    ];
    const rand = randomFill(99);
    for (let i = 0; i < 400; i++) probe.push(Math.fround(rand(-12, 12)));
    for (let i = 0; i < 100; i++) probe.push(Math.fround(rand(-0.6, 0.6)));
    const H = probe.length;
    const zeros = new Array<number>(4 * H * H).fill(0);
    const result = run(
      backend,
      {
        gates: { size: 4 * H, values: [...probe, ...probe, ...probe, ...probe].map(Math.fround) },
        weightHh: { size: 4 * H * H, values: zeros },
        bias: { size: 4 * H, values: zeros.slice(0, 4 * H) },
        state: { size: H, values: zeros.slice(0, H) },
        out: { size: H },
        cells: { size: H },
        tanhCells: { size: H },
        hN: { size: H },
        cN: { size: H },
      },
      (p) =>
        backend.lstmForward(
          1,
          1,
          H,
          false,
          p.gates,
          p.weightHh,
          p.bias,
          p.bias,
          p.state,
          p.state,
          p.out,
          H,
          p.cells,
          p.tanhCells,
          p.hN,
          p.cN,
          -1,
          -1,
          -1,
        ),
    );
    const ulp = 2 ** -23;
    let worstSigmoid = 0;
    let worstTanh = 0;
    probe.forEach((x, j) => {
      const v = Math.fround(x);
      const sig = 1 / (1 + Math.exp(-v));
      const th = Math.tanh(v);
      const gotSig = result.gates[j];
      const gotTanh = result.gates[2 * H + j];
      // error in ulp of the true value, after forgiving the absolute floor
      const sigError = Math.max(0, Math.abs(gotSig - sig) - 1e-37) / Math.max(Math.abs(sig) * ulp, 1e-45);
      const tanhError = Math.abs(gotTanh - th) / Math.max(Math.abs(th) * ulp, 1e-45);
      worstSigmoid = Math.max(worstSigmoid, sigError);
      worstTanh = Math.max(worstTanh, tanhError);
      expect(sigError, `sigmoid(${v}) = ${gotSig}, want ${sig}`).toBeLessThanOrEqual(4);
      expect(tanhError, `tanh(${v}) = ${gotTanh}, want ${th}`).toBeLessThanOrEqual(4);
    });
    if (process.env.LSTM_SIMD_VERBOSE) console.log(`worst sigmoid ${worstSigmoid} ulp, tanh ${worstTanh} ulp`);
    expect(Number.isFinite(worstSigmoid + worstTanh)).toBe(true);
  });

  it.each([
    [20, 5],
    [13, 7],
    [8, 4],
    [1024, 33],
  ])('packs a (%d, %d) W_hh exactly as the js twin lays it out', async (rows, cols) => {
    const backend = await create();
    const reference = await float64Reference();
    const weights = randomArray(rows + cols, rows * cols);
    const pack = (b: Backend) =>
      run(b, { w: { size: rows * cols, values: weights }, packed: { size: packedRecurrentSize(rows, cols) } }, (p) =>
        b.packRecurrentWeights(p.w, rows, cols, p.packed),
      ).packed;
    const got = pack(backend);
    expect([...got]).toEqual([...pack(reference)]);
    // spot-check the documented layout
    const chunks = Math.ceil(cols / 4);
    const r = rows - 1;
    const c = cols - 1;
    expect(got[(Math.floor(r / 7) * chunks + Math.floor(c / 4)) * 28 + (r % 7) * 4 + (c % 4)]).toBe(
      weights[r * cols + c],
    );
  });

  it('transposes, plain and accumulating', async () => {
    const backend = await create();
    const reference = await float64Reference();
    const rows = 7;
    const cols = 13;
    const compute = (b: Backend) => {
      const arena = b.createArena('transpose');
      const src = arena.allocate(rows * cols);
      const acc = arena.allocate(rows * cols);
      const plain = arena.allocate(rows * cols);
      const srcValues = randomArray(6, rows * cols);
      src.view().set(srcValues);
      acc.view().set(randomArray(7, rows * cols));
      plain.view().fill(SENTINEL);
      b.transpose(src.ptr, rows, cols, acc.ptr, true);
      b.transpose(src.ptr, rows, cols, plain.ptr, false);
      const result = { src: srcValues, acc: Float64Array.from(acc.view()), plain: Float64Array.from(plain.view()) };
      arena.dispose();
      return result;
    };
    const got = compute(backend);
    const want = compute(reference);
    expect(maxDiff(got.acc, want.acc)).toBeLessThanOrEqual(1e-6);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) expect(got.plain[c * rows + r]).toBe(got.src[r * cols + c]);
    }
  });
});

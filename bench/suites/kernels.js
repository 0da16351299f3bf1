// Kernel suite: the wasm SIMD peak probe, GEMM in every transpose layout
// (square sizes and the shapes an LSTM layer runs), and sigmoid/tanh throughput,
// on js, wasm-simd, wasm-relaxed and TensorFlow.js (cpu and wasm backends).

import { placeInHeap, randomFloats, spotIndices } from '../lib/fixtures.js';
import { peakCase, peakRunners } from '../lib/peak.js';
import { packageRunners, tfjsRunners } from '../lib/runners.js';
import { targetLine } from '../lib/targets.js';

export const name = 'kernels';
export const title = 'Kernels: peak probe, GEMM (sizes m x n x k), sigmoid/tanh';
export const usesTfjs = true;

const SQUARE_SIZES = [64, 128, 256, 512, 1024];
/**
 * (m, n, k) = batch x H x 4H: the dh = dGates W_hh product of an LSTM step's backward, at the
 * chapter's H = 32 (batch 1024) and at H = 256 (batches 64 and 1).
 */
const LSTM_SHAPES = [
  [1024, 32, 128],
  [64, 256, 1024],
  [1, 256, 1024],
];
const LAYOUTS = ['NN', 'NT', 'TN'];
const ELEMENTWISE_LENGTH = 1 << 20;

/** The sizes and layouts the GEMM targets are checked on. */
const TARGET_SIZES = [512, 1024];

/** @param {import('../lib/types.js').SuiteContext} ctx */
export function cases(ctx) {
  const list = [];

  // ---- the machine's wasm SIMD peak, per build (again at the end; the higher figure counts) ----
  list.push(peakCase(ctx, 'peak probe'));

  // ---- GEMM ------------------------------------------------------------------------------
  // --quick: only the sizes the targets are checked on.
  const squares = ctx.quick ? TARGET_SIZES : SQUARE_SIZES;
  const shapes = [...squares.map((s) => [s, s, s]), ...LSTM_SHAPES];
  for (const layout of LAYOUTS) {
    for (const [m, n, k] of shapes) list.push(gemmCase(ctx, layout, m, n, k));
  }

  // ---- elementwise -----------------------------------------------------------------------
  for (const op of ['sigmoid', 'tanh']) list.push(elementwiseCase(ctx, op, ELEMENTWISE_LENGTH));

  list.push(peakCase(ctx, 'peak probe (end)'));
  return list;
}

function gemmCaseName(layout, m, n, k) {
  return `gemm ${layout} ${m}x${n}x${k}`;
}

function gemmCase(ctx, layout, m, n, k) {
  const transA = layout[0] === 'T';
  const transB = layout[1] === 'T';
  // Stored shapes: A is (m, k), or (k, m) when transposed; B is (k, n), or (n, k).
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const seed = m * 7919 + n * 104729 + k * 13 + layout.charCodeAt(0) + layout.charCodeAt(1) * 3;
  let data;
  const inputs = () => (data ??= { a: randomFloats(aRows * aCols, seed), b: randomFloats(bRows * bCols, seed + 1) });

  /** Spot-checks a few entries of C (m, n) against float64 dot products: catches wrong results, not rounding. */
  const checkC = (readC) => {
    const { a, b } = inputs();
    const c = readC();
    const tolerance = 1e-4 * k;
    for (const index of spotIndices(m * n)) {
      const i = Math.floor(index / n);
      const j = index % n;
      let expected = 0;
      for (let p = 0; p < k; p++) {
        const aIP = transA ? a[p * aCols + i] : a[i * aCols + p];
        const bPJ = transB ? b[j * bCols + p] : b[p * bCols + j];
        expected += aIP * bPJ;
      }
      if (!(Math.abs(c[index] - expected) <= tolerance)) {
        return `C[${i},${j}] = ${c[index]}, expected ${expected.toFixed(5)}`;
      }
    }
    return undefined;
  };

  const runners = {
    ...packageRunners(ctx, async (backend) => {
      const { a, b } = inputs();
      const heap = placeInHeap(backend, { a, b }, { c: m * n });
      const { a: pa, b: pb, c: pc } = heap.ptr;
      return {
        run: () => backend.gemm(transA, transB, m, n, k, 1, pa, aCols, pb, bCols, 0, pc, n),
        check: () => checkC(() => heap.view('c')),
        dispose: heap.dispose,
      };
    }),
    ...tfjsRunners(ctx, (tf) => {
      const { a, b } = inputs();
      const ta = tf.tensor2d(a, [aRows, aCols]);
      const tb = tf.tensor2d(b, [bRows, bCols]);
      return {
        // cpu and wasm run the kernel synchronously inside matMul; disposing frees the output.
        run: () => tf.matMul(ta, tb, transA, transB).dispose(),
        check: () =>
          checkC(() => {
            const c = tf.matMul(ta, tb, transA, transB);
            const values = c.dataSync();
            c.dispose();
            return values;
          }),
        dispose: () => {
          ta.dispose();
          tb.dispose();
        },
      };
    }),
  };

  return {
    name: gemmCaseName(layout, m, n, k),
    group: m === n && n === k ? `gemm ${layout}` : `gemm ${layout} (LSTM shapes)`,
    rateGroup: `gemm ${layout}`,
    unit: 'GFLOP/s',
    work: 2 * m * n * k,
    runners,
    // % of peak is taken against the probe run interleaved with this case: same machine state.
    probes: peakRunners(ctx),
  };
}

function elementwiseCase(ctx, op, length) {
  let x;
  const input = () => (x ??= randomFloats(length, op === 'sigmoid' ? 17 : 23, -6, 6));
  const exact = op === 'sigmoid' ? (v) => 1 / (1 + Math.exp(-v)) : Math.tanh;
  const check = (y) => {
    const xs = input();
    for (const i of spotIndices(length, 64)) {
      if (!(Math.abs(y[i] - exact(xs[i])) <= 1e-3)) return `${op}(${xs[i]}) = ${y[i]}, expected ${exact(xs[i])}`;
    }
    return undefined;
  };

  const runners = {
    ...packageRunners(ctx, async (backend) => {
      const heap = placeInHeap(backend, { x: input() }, { y: length });
      const { x: px, y: py } = heap.ptr;
      return {
        run: () => backend[op](px, py, length),
        check: () => check(heap.view('y')),
        dispose: heap.dispose,
      };
    }),
    ...tfjsRunners(ctx, (tf) => {
      const tx = tf.tensor1d(input());
      return {
        run: () => tf[op](tx).dispose(),
        check: () => {
          const y = tf[op](tx);
          const values = y.dataSync();
          y.dispose();
          return check(values);
        },
        dispose: () => tx.dispose(),
      };
    }),
  };
  return {
    name: `${op} ${length >= 1 << 20 ? `${length / (1 << 20)}M` : length}`,
    group: 'elementwise',
    rateGroup: op,
    unit: 'elements/s',
    work: length,
    runners,
  };
}

/**
 * The GEMM targets: at 512 and 1024 in NN, NT, TN, the baseline build reaches
 * 85% of its peak probe and the relaxed build 75% of its own; each wasm build
 * is at least 10x the js reference and faster than tfjs-wasm.
 * @param {import('../lib/types.js').ResultLookup} lookup
 */
export function targets(lookup) {
  const cases = [];
  for (const size of TARGET_SIZES) for (const layout of LAYOUTS) cases.push(gemmCaseName(layout, size, size, size));
  const short = (caseName) => caseName.replace(/^gemm /, '').replace(/ (\d+)x\1x\1$/, ' $1');
  const lines = [];

  /** @type {[string, number][]} */
  const peakShares = [
    ['wasm-simd', 85],
    ['wasm-relaxed', 75],
  ];
  for (const [label, percent] of peakShares) {
    lines.push(
      check(`${label} >= ${percent}% of its peak probe`, label, cases, short, (c) => {
        const pct = lookup.percentOfPeak(c, label);
        return pct === undefined ? undefined : { ok: pct >= percent, text: `${pct.toFixed(0)}%` };
      }),
    );
  }
  for (const label of ['wasm-simd', 'wasm-relaxed']) {
    lines.push(
      check(`${label} >= 10x js`, label, cases, short, (c) => {
        const mine = lookup.throughput(c, label);
        const js = lookup.throughput(c, 'js');
        if (mine === undefined || js === undefined) return undefined;
        return { ok: mine >= 10 * js, text: `${(mine / js).toFixed(1)}x` };
      }),
    );
  }
  for (const label of ['wasm-simd', 'wasm-relaxed']) {
    lines.push(
      check(`${label} beats tfjs-wasm`, label, cases, short, (c) => {
        const mine = lookup.throughput(c, label);
        const tf = lookup.throughput(c, 'tfjs-wasm');
        if (mine === undefined || tf === undefined) return undefined;
        return { ok: mine > tf, text: `${mine.toFixed(1)} vs ${tf.toFixed(1)}` };
      }),
    );
  }
  return lines;
}

/** One target line over `cases`, each named by `short` and judged by `evaluate` (undefined: not measured). */
function check(title, label, cases, short, evaluate) {
  return targetLine(
    title,
    label,
    cases.map((c) => ({ name: short(c), outcome: evaluate(c) })),
  );
}

// Elementwise kernels, broadcasts and reductions on every variant, against a
// float64 run of the same kernel on the same (float32-rounded) inputs.
//
// Tolerances are stated in units of u = 2^-24 (half an ulp of 1 in float32):
// an operation that rounds k times in float32 may be off by about k u times
// the magnitude of what it adds up. Scalars (alpha, value) count one rounding
// more on wasm, which receives them as f32.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/internal.js';
import { float64Reference, kernelVariants, randomArray, randomFill } from '../support/backends.js';

const U = 2 ** -24;
const SENTINEL = 12345.5;

/** Runs `kernel` on a backend over float32-rounded copies of `inputs`; returns every buffer afterwards. */
function run(
  backend: Backend,
  inputs: ArrayLike<number>[],
  kernel: (ptrs: number[]) => void,
  guard = 4,
): Float64Array[] {
  const arena = backend.createArena('test');
  const slices = inputs.map((values) => arena.allocate(values.length + guard));
  slices.forEach((slice, i) => {
    const view = slice.view();
    view.set(Float32Array.from(inputs[i]));
    view.fill(SENTINEL, inputs[i].length);
  });
  kernel(slices.map((slice) => slice.ptr));
  const out = slices.map((slice) => Float64Array.from(slice.view()));
  arena.dispose();
  return out;
}

/** The largest |got - want| / allowed over the first n elements (pass: <= 1). */
function worstRatio(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  allowed: (i: number) => number,
  n: number,
): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const ratio = Math.abs(got[i] - want[i]) / allowed(i);
    if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
  }
  return worst;
}

function expectGuardsUntouched(buffer: Float64Array, n: number): void {
  for (let i = n; i < buffer.length; i++) expect(buffer[i], `guard element ${i - n} past the end`).toBe(SENTINEL);
}

/** Inputs for the activations: a dense grid on [-30, 30], random points, tiny values. */
function activationInputs(): Float32Array {
  const values: number[] = [];
  for (let x = -30; x <= 30; x += 1 / 512) values.push(x);
  const random = randomFill(7);
  for (let i = 0; i < 20000; i++) values.push(random(-30, 30));
  for (let e = -40; e <= 1; e += 0.05) values.push(10 ** e, -(10 ** e));
  return Float32Array.from(values);
}

const SPECIALS = [1e30, -1e30, 88.8, -88.8, 88.72, -88.72, 87.4, -87.4, -104, 104, 200, -200, 3.4e38, -3.4e38];
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 100, 1027];

describe.each(kernelVariants())('$variant: elementwise kernels', ({ variant, create }) => {
  let backend: Backend;
  let reference: Backend;
  beforeAll(async () => {
    backend = await create();
    reference = await float64Reference();
  });

  describe.each([['sigmoid', 1, 0] as const, ['tanh', 1, -1] as const])(
    '%s',
    (name, atPlusInfinity, atMinusInfinity) => {
      it('is within 2e-7 of float64 on [-30, 30] (grid, random points, tiny values)', () => {
        const x = activationInputs();
        const n = x.length;
        const [, got] = run(backend, [x, new Float32Array(n)], ([px, py]) => backend[name](px, py, n));
        const [, want] = run(reference, [x, new Float32Array(n)], ([px, py]) => reference[name](px, py, n));
        let maxError = 0;
        for (let i = 0; i < n; i++) maxError = Math.max(maxError, Math.abs(got[i] - want[i]));
        expect(maxError, `${variant} ${name}: max abs error ${maxError}`).toBeLessThanOrEqual(2e-7);
      });

      it('keeps a few ulp of relative accuracy (tiny arguments, small outputs)', () => {
        // tanh(x) ~ x for tiny x and sigmoid(x) ~ e^x for very negative x: both must keep relative accuracy.
        const values: number[] = [];
        for (let e = -37; e <= 0; e += 0.01) values.push(10 ** e, -(10 ** e));
        for (let x = -87; x <= 0; x += 0.01) values.push(x);
        const x = Float32Array.from(values);
        const n = x.length;
        const [, got] = run(backend, [x, new Float32Array(n)], ([px, py]) => backend[name](px, py, n));
        const [, want] = run(reference, [x, new Float32Array(n)], ([px, py]) => reference[name](px, py, n));
        const ulps = worstRatio(got, want, (i) => 2 ** (Math.floor(Math.log2(Math.abs(want[i]))) - 23), n);
        expect(ulps, `${variant} ${name}: ${ulps} ulp`).toBeLessThanOrEqual(4);
        if (name === 'tanh') {
          const [, tiny] = run(
            backend,
            [
              [1e-8, -1e-8, 1e-30],
              [0, 0, 0],
            ],
            ([px, py]) => backend.tanh(px, py, 3),
          );
          expect(Math.abs(tiny[0] / Math.fround(1e-8) - 1)).toBeLessThan(4 * 2 ** -23);
          expect(Math.abs(tiny[1] / -Math.fround(1e-8) - 1)).toBeLessThan(4 * 2 ** -23);
          expect(Math.abs(tiny[2] / Math.fround(1e-30) - 1)).toBeLessThan(4 * 2 ** -23);
        }
      });

      it('maps NaN to NaN, saturates at +-Inf, and never makes NaN for large |x|', () => {
        const x = [NaN, Infinity, -Infinity, ...SPECIALS];
        const n = x.length;
        const [, got] = run(backend, [x, new Float32Array(n)], ([px, py]) => backend[name](px, py, n));
        const [, want] = run(reference, [x, new Float32Array(n)], ([px, py]) => reference[name](px, py, n));
        expect(got[0]).toBeNaN();
        expect(got[1]).toBe(atPlusInfinity);
        expect(got[2]).toBe(atMinusInfinity);
        for (let i = 3; i < n; i++) {
          expect(Number.isNaN(got[i]), `${name}(${x[i]})`).toBe(false);
          expect(Math.abs(got[i] - want[i]), `${name}(${x[i]})`).toBeLessThanOrEqual(2e-7);
        }
      });

      it('handles every tail length and writes nothing past n', () => {
        for (const n of SIZES) {
          const x = randomArray(n, n, -6, 6);
          const [, got] = run(backend, [x, new Float32Array(n)], ([px, py]) => backend[name](px, py, n));
          const [, want] = run(reference, [x, new Float32Array(n)], ([px, py]) => reference[name](px, py, n));
          expect(
            worstRatio(got, want, () => 2e-7, n),
            `n = ${n}`,
          ).toBeLessThanOrEqual(1);
          expectGuardsUntouched(got, n);
        }
      });

      it('works in place (y aliasing x)', () => {
        const n = 37;
        const x = randomArray(3, n, -5, 5);
        const [inPlace] = run(backend, [x], ([px]) => backend[name](px, px, n));
        const [, want] = run(reference, [x, new Float32Array(n)], ([px, py]) => reference[name](px, py, n));
        expect(worstRatio(inPlace, want, () => 2e-7, n)).toBeLessThanOrEqual(1);
      });
    },
  );

  it('tanh keeps the sign of zero', () => {
    const [, got] = run(
      backend,
      [
        [-0, 0],
        [1, 1],
      ],
      ([px, py]) => backend.tanh(px, py, 2),
    );
    expect(Object.is(got[0], -0)).toBe(true);
    expect(Object.is(got[1], 0)).toBe(true);
  });

  describe.each([
    // The size of the slope's terms: y (1 - y) has no cancellation; 1 - y^2 cancels
    // near |y| = 1, where the rounding of y^2 (about u y^2) dominates: |1 - y^2| + y^2 = 1.
    ['sigmoidBackward', (y: number): number => y * (1 - y), 0, 1] as const,
    ['tanhBackward', (_y: number): number => 1, -1, 1] as const,
  ])('%s', (name, slopeMagnitude, lo, hi) => {
    it('accumulates dy * slope(y) into dx (all tail lengths)', () => {
      for (const n of SIZES) {
        const y = randomArray(10 + n, n, lo, hi);
        const dy = randomArray(20 + n, n, -2, 2);
        const dx = randomArray(30 + n, n, -1, 1);
        const [, , got] = run(backend, [y, dy, dx], ([py, pdy, pdx]) => backend[name](py, pdy, pdx, n));
        const [, , want] = run(reference, [y, dy, dx], ([py, pdy, pdx]) => reference[name](py, pdy, pdx, n));
        // Four roundings (1 - y or y^2, two products, the sum).
        const allowed = (i: number) => 4 * U * (Math.abs(dx[i]) + Math.abs(dy[i]) * slopeMagnitude(y[i])) + 1e-30;
        expect(worstRatio(got, want, allowed, n), `n = ${n}`).toBeLessThanOrEqual(1);
        expectGuardsUntouched(got, n);
      }
    });
  });

  describe('arithmetic', () => {
    const alpha = 0.3712;
    const cases = [
      [
        'add',
        2,
        (b: Backend, [a, c, o]: number[], n: number) => b.add(a, c, o, n),
        (a: number, c: number) => Math.abs(a) + Math.abs(c),
        2,
      ],
      [
        'sub',
        2,
        (b: Backend, [a, c, o]: number[], n: number) => b.sub(a, c, o, n),
        (a: number, c: number) => Math.abs(a) + Math.abs(c),
        2,
      ],
      [
        'mul',
        2,
        (b: Backend, [a, c, o]: number[], n: number) => b.mul(a, c, o, n),
        (a: number, c: number) => Math.abs(a * c),
        2,
      ],
      [
        'scale',
        1,
        (b: Backend, [x, o]: number[], n: number) => b.scale(x, alpha, o, n),
        (x: number, _unused: number) => Math.abs(alpha * x),
        1,
      ],
      [
        'axpy',
        1,
        (b: Backend, [x, y]: number[], n: number) => b.axpy(alpha, x, y, n),
        (x: number, y: number) => Math.abs(alpha * x) + Math.abs(y),
        1,
      ],
    ] as const;

    it.each(cases)('%s matches float64 for every tail length', (name, inputs, call, magnitude, output) => {
      for (const n of SIZES) {
        const a = randomArray(100 + n, n, -3, 3);
        const b = randomArray(200 + n, n, -3, 3);
        const buffers = inputs === 2 ? [a, b, randomArray(300 + n, n)] : [a, b];
        const got = run(backend, buffers, (ptrs) => call(backend, ptrs, n));
        const want = run(reference, buffers, (ptrs) => call(reference, ptrs, n));
        // One rounding, plus one for alpha as f32, plus one for axpy's product.
        const allowed = (i: number) => 3 * U * magnitude(a[i], b[i]) + 1e-30;
        expect(worstRatio(got[output], want[output], allowed, n), `${name} n = ${n}`).toBeLessThanOrEqual(1);
        expectGuardsUntouched(got[output], n);
        if (inputs === 2) expect(got[0].subarray(0, n)).toEqual(Float64Array.from(a)); // inputs untouched
      }
    });

    it('add works in place (out aliasing a)', () => {
      const n = 23;
      const a = randomArray(1, n);
      const b = randomArray(2, n);
      const [got] = run(backend, [a, b], ([pa, pb]) => backend.add(pa, pb, pa, n));
      for (let i = 0; i < n; i++) expect(got[i]).toBe(Math.fround(a[i] + b[i]));
    });

    it('fill writes the value to exactly n elements', () => {
      for (const n of SIZES) {
        const [got] = run(backend, [new Float32Array(n)], ([px]) => backend.fill(px, -2.5, n));
        for (let i = 0; i < n; i++) expect(got[i]).toBe(-2.5);
        expectGuardsUntouched(got, n);
      }
    });

    it('copy copies exactly n elements, also between overlapping regions', () => {
      for (const n of SIZES) {
        const src = randomArray(n, n);
        const [, dst] = run(backend, [src, new Float32Array(n)], ([ps, pd]) => backend.copy(ps, pd, n));
        expect(dst.subarray(0, n)).toEqual(Float64Array.from(src));
        expectGuardsUntouched(dst, n);
      }
      const values = Float32Array.from({ length: 40 }, (_, i) => i);
      const [forward] = run(backend, [values], ([p]) => backend.copy(p, p + 3, 30));
      const [backward] = run(backend, [values], ([p]) => backend.copy(p + 5, p, 30));
      for (let i = 0; i < 30; i++) {
        expect(forward[i + 3]).toBe(i);
        expect(backward[i]).toBe(i + 5);
      }
    });
  });

  describe('matrix broadcasts and reductions (rows start unaligned when cols % 4 != 0)', () => {
    const SHAPES: [number, number][] = [
      [1, 1],
      [3, 1],
      [1, 7],
      [2, 3],
      [5, 5],
      [4, 16],
      [7, 17],
      [3, 33],
      [9, 67],
      [64, 19],
      [2, 130],
    ];

    it('addBias adds the bias row to every row', () => {
      for (const [rows, cols] of SHAPES) {
        const x = randomArray(rows * 100 + cols, rows * cols, -3, 3);
        const bias = randomArray(cols, cols, -3, 3);
        const buffers = [x, bias, new Float32Array(rows * cols)];
        const call =
          (b: Backend) =>
          ([px, pb, po]: number[]) =>
            b.addBias(px, pb, po, rows, cols);
        const [, , got] = run(backend, buffers, call(backend));
        const [, , want] = run(reference, buffers, call(reference));
        const allowed = (i: number) => U * (Math.abs(x[i]) + Math.abs(bias[i % cols])) + 1e-30;
        expect(worstRatio(got, want, allowed, rows * cols), `${rows}x${cols}`).toBeLessThanOrEqual(1);
        expectGuardsUntouched(got, rows * cols);
      }
    });

    describe.each([false, true])('accumulate = %s', (accumulate) => {
      it('columnSums sums each column over the rows', () => {
        for (const [rows, cols] of SHAPES) {
          const x = randomArray(rows * 100 + cols, rows * cols, -3, 3);
          const out = randomArray(cols + 5, cols, -10, 10);
          const call =
            (b: Backend) =>
            ([px, po]: number[]) =>
              b.columnSums(px, rows, cols, po, accumulate);
          const [, got] = run(backend, [x, out], call(backend));
          const [, want] = run(reference, [x, out], call(reference));
          // Recursive summation: at most (rows + 1) roundings of sum |terms|.
          const allowed = (c: number) => {
            let magnitude = accumulate ? Math.abs(out[c]) : 0;
            for (let r = 0; r < rows; r++) magnitude += Math.abs(x[r * cols + c]);
            return (rows + 1) * U * magnitude + 1e-30;
          };
          expect(worstRatio(got, want, allowed, cols), `${rows}x${cols}`).toBeLessThanOrEqual(1);
          expectGuardsUntouched(got, cols);
        }
      });

      it('rowSums sums each row over the columns', () => {
        for (const [rows, cols] of SHAPES) {
          const x = randomArray(rows * 100 + cols, rows * cols, -3, 3);
          const out = randomArray(rows + 5, rows, -10, 10);
          const call =
            (b: Backend) =>
            ([px, po]: number[]) =>
              b.rowSums(px, rows, cols, po, accumulate);
          const [, got] = run(backend, [x, out], call(backend));
          const [, want] = run(reference, [x, out], call(reference));
          const allowed = (r: number) => {
            let magnitude = accumulate ? Math.abs(out[r]) : 0;
            for (let c = 0; c < cols; c++) magnitude += Math.abs(x[r * cols + c]);
            return (cols + 1) * U * magnitude + 1e-30;
          };
          expect(worstRatio(got, want, allowed, rows), `${rows}x${cols}`).toBeLessThanOrEqual(1);
          expectGuardsUntouched(got, rows);
        }
      });
    });

    it('columnSums with one row may write over its input', () => {
      const cols = 23;
      const x = randomArray(5, cols);
      const [got] = run(backend, [x], ([px]) => backend.columnSums(px, 1, cols, px, true));
      for (let c = 0; c < cols; c++) expect(got[c]).toBe(Math.fround(2 * x[c]));
    });
  });
});

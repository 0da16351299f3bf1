// Gradient clipping by the global norm (src/backend/clip.ts) on every variant:
// the norm over several blocks against float64, and scaling only above theta.
import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm, globalNorm, type Backend, type Block } from '../../src/internal.js';
import { kernelVariants, randomFill } from '../support/backends.js';

const U = 2 ** -24;
const LENGTHS = [5, 64, 1000, 3, 130];

/** Blocks of LENGTHS in one arena with gaps between them (guard values that must not change). */
function makeBlocks(backend: Backend, seed: number) {
  const random = randomFill(seed);
  const arena = backend.createArena('clip-test');
  const slices = LENGTHS.map((length) => arena.allocate(length + 4));
  const values = LENGTHS.map((length) => Float32Array.from({ length }, () => random(-2, 2)));
  slices.forEach((slice, i) => {
    slice.view().set(values[i]);
    slice.view().fill(99, LENGTHS[i]);
  });
  const blocks: Block[] = slices.map((slice, i) => ({ ptr: slice.ptr, length: LENGTHS[i] }));
  let sum = 0;
  for (const block of values) for (const v of block) sum += v * v; // float64: exact products
  const read = () => slices.map((slice) => Float64Array.from(slice.view()));
  return { blocks, values, norm: Math.sqrt(sum), read, dispose: () => arena.dispose() };
}

describe.each(kernelVariants())('$variant: clipByGlobalNorm', ({ variant, create }) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await create();
  });

  it('computes the global norm over several blocks', () => {
    const problem = makeBlocks(backend, 1);
    // sumOfSquares keeps 6 u relative; the square root halves it.
    expect(Math.abs(globalNorm(backend, problem.blocks) - problem.norm)).toBeLessThanOrEqual(3 * U * problem.norm);
    problem.dispose();
  });

  it('scales every block by theta / norm when the norm exceeds theta', () => {
    const problem = makeBlocks(backend, 2);
    const theta = problem.norm / 3;
    const returned = clipByGlobalNorm(backend, problem.blocks, theta);
    expect(Math.abs(returned - problem.norm), `${variant}: returns the norm before clipping`).toBeLessThanOrEqual(
      3 * U * problem.norm,
    );
    const after = problem.read();
    let sum = 0;
    after.forEach((buffer, b) => {
      const factor = theta / problem.norm;
      for (let i = 0; i < LENGTHS[b]; i++) {
        // The factor carries the norm's error (3 u) and its f32 rounding, the product one more rounding.
        expect(Math.abs(buffer[i] - problem.values[b][i] * factor)).toBeLessThanOrEqual(
          6 * U * Math.abs(problem.values[b][i] * factor) + 1e-30,
        );
        sum += buffer[i] * buffer[i];
      }
      for (let i = LENGTHS[b]; i < buffer.length; i++) expect(buffer[i], 'guard').toBe(99);
    });
    expect(Math.abs(Math.sqrt(sum) - theta)).toBeLessThanOrEqual(1e-6 * theta);
    problem.dispose();
  });

  it('leaves the blocks bit-for-bit unchanged when the norm is at most theta', () => {
    for (const scale of [1.5, 1 + 1e-6]) {
      const problem = makeBlocks(backend, 3);
      const returned = clipByGlobalNorm(backend, problem.blocks, problem.norm * scale);
      expect(Math.abs(returned - problem.norm)).toBeLessThanOrEqual(3 * U * problem.norm);
      problem.read().forEach((buffer, b) => {
        expect(buffer.subarray(0, LENGTHS[b])).toEqual(Float64Array.from(problem.values[b]));
      });
      problem.dispose();
    }
  });

  it('rejects a theta that is not positive', () => {
    const problem = makeBlocks(backend, 4);
    expect(() => clipByGlobalNorm(backend, problem.blocks, 0)).toThrow(RangeError);
    expect(() => clipByGlobalNorm(backend, problem.blocks, Number.NaN)).toThrow(RangeError);
    problem.dispose();
  });
});

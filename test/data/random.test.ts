import { describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random.js';
import { randomFill } from '../support/backends.js';

describe('Random', () => {
  it('is mulberry32: matches the independent mulberry32 in test/support for 32-bit seeds', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef, 2 ** 32 - 1]) {
      const random = new Random(seed);
      const reference = randomFill(seed);
      for (let i = 0; i < 1000; i++) expect(random.uniform()).toBe(reference(0, 1));
    }
  });

  it('reproduces a sequence from its seed, and different seeds (incl. above 2^32) give different ones', () => {
    const draw = (seed: number) => {
      const r = new Random(seed);
      return Array.from({ length: 16 }, () => r.uniform());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(1)).not.toEqual(draw(2 ** 32 + 1));
    expect(draw(-1)).not.toEqual(draw(2 ** 32 - 1));
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => new Random(1.5)).toThrow(RangeError);
    expect(() => new Random(Number.NaN)).toThrow(RangeError);
    expect(() => new Random(2 ** 60)).toThrow(RangeError);
  });

  it('uniform() lies in [0, 1) with mean 1/2 and variance 1/12 (5-sigma bounds)', () => {
    const n = 200_000;
    const r = new Random(123);
    let sum = 0;
    let sumSq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sumSq += u * u;
    }
    expect(outside).toBe(0);
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    // Var of u^2 is 4/45, so the sample variance has sd about sqrt(1/180 / n).
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
  });

  it('normal(mean, std) has the requested mean and std, and normal tails (5-sigma bounds)', () => {
    const n = 200_000;
    const r = new Random(9);
    const mean = 3;
    const std = 0.5;
    let sum = 0;
    let sumSq = 0;
    let beyondTwoSigma = 0;
    let nonFinite = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal(mean, std);
      if (!Number.isFinite(x)) nonFinite++;
      sum += x;
      sumSq += (x - mean) ** 2;
      if (Math.abs(x - mean) > 2 * std) beyondTwoSigma++;
    }
    expect(nonFinite).toBe(0);
    expect(Math.abs(sum / n - mean)).toBeLessThan((5 * std) / Math.sqrt(n));
    // Var of (x - mean)^2 is 2 std^4.
    expect(Math.abs(sumSq / n - std * std)).toBeLessThan(5 * Math.sqrt(2 / n) * std * std);
    // P(|Z| > 2) = 0.0455003.
    const p = 0.0455003;
    expect(Math.abs(beyondTwoSigma / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
  });

  it('normal() defaults to N(0, 1)', () => {
    const n = 100_000;
    const r = new Random(5);
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      sum += x;
      sumSq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  it('int(n) covers [0, n) evenly (chi-square, 10 cells, far below the 0.1% critical value 27.9)', () => {
    const r = new Random(77);
    const cells = new Array<number>(10).fill(0);
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      cells[r.int(10)]++;
    }
    expect(cells.reduce((a, c) => a + c, 0)).toBe(draws); // every draw landed in a cell: all in [0, 10)
    const expected = draws / 10;
    const chiSquare = cells.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(27.9);
    expect(r.int(1)).toBe(0);
  });

  it('int(n) rejects n that is not a positive integer', () => {
    const r = new Random(1);
    for (const n of [0, -3, 2.5, Number.NaN, 2 ** 33]) expect(() => r.int(n)).toThrow(RangeError);
  });

  it('shuffle() permutes in place, is reproducible, and moves every element around (position chi-square)', () => {
    const a = Array.from({ length: 100 }, (_, i) => i);
    const b = new Int32Array(a);
    const same = new Random(3).shuffle(a);
    expect(same).toBe(a);
    new Random(3).shuffle(b);
    expect(Array.from(b)).toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 100 }, (_, i) => i));

    // Where element 0 lands over many shuffles of 8: uniform over the 8 slots.
    const r = new Random(11);
    const slots = new Array<number>(8).fill(0);
    const trials = 40_000;
    for (let t = 0; t < trials; t++) {
      const xs = [0, 1, 2, 3, 4, 5, 6, 7];
      r.shuffle(xs);
      slots[xs.indexOf(0)]++;
    }
    const expected = trials / 8;
    const chiSquare = slots.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(24.3); // 7 degrees of freedom, 0.1% critical value
    expect(new Random(1).shuffle([])).toEqual([]);
    expect(new Random(1).shuffle(['x'])).toEqual(['x']);
  });

  it('deriveSeed gives distinct, reproducible streams', () => {
    const seeds = new Set<number>();
    for (let e = 0; e < 1000; e++) seeds.add(Random.deriveSeed(42, e));
    expect(seeds.size).toBe(1000);
    expect(Random.deriveSeed(42, 3)).toBe(Random.deriveSeed(42, 3));
    expect(Random.deriveSeed(42, 3)).not.toBe(Random.deriveSeed(43, 3));
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });
});

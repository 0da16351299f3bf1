// A small seedable pseudo-random generator: mulberry32 (32-bit state, period
// 2^32), enough for weight init, shuffling and sampling, and identical on every
// JavaScript engine, so a seed reproduces a run in Node and in browsers.

/** Splits a safe-integer seed into 32 bits, mixing in the high word so 2^32 + 1 and 1 differ. */
function seedToState(seed: number): number {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Random: the seed must be a safe integer, got ${seed}`);
  }
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0; // 0 for seeds in [0, 2^32)
  return high === 0 ? low : (low ^ mix32(high)) >>> 0;
}

/** A 32-bit finaliser (murmur3's fmix32): nearby inputs give unrelated outputs. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seedToState(seed);
  }

  /** A seed for stream `stream` of `seed` (e.g. one per epoch), unrelated to its neighbours. */
  static deriveSeed(seed: number, stream: number): number {
    return mix32((seedToState(seed) ^ mix32(seedToState(stream) + 0x9e3779b9)) >>> 0);
  }

  /** The whole state (one 32-bit word): save it to continue the same stream later with setState. */
  getState(): number {
    return this.state;
  }

  /** Continues from a state getState returned. */
  setState(state: number): this {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) {
      throw new RangeError(`Random.setState: the state must be an integer in [0, 2^32), got ${state}`);
    }
    this.state = state;
    return this;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** N(mean, std^2) by Box-Muller; uses two uniforms per draw and keeps no spare, so the state is one word. */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) {
      throw new RangeError(`Random.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    return Math.floor(this.uniform() * n);
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [index: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}

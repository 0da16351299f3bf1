// Parameter initialisers.
import type { Initializer } from './module.js';
import { Random } from '../util/random.js';

/** N(0, sigma^2), as d2l's scratch cells draw `randn(...) * sigma`. */
export function normal(random: Random, sigma: number): Initializer {
  return (values) => {
    for (let i = 0; i < values.length; i++) values[i] = random.normal(0, sigma);
  };
}

/** U(-bound, bound), PyTorch's default for recurrent layers and Linear (bound = 1/sqrt(fanIn or H)). */
export function uniform(random: Random, bound: number): Initializer {
  return (values) => {
    for (let i = 0; i < values.length; i++) values[i] = (random.uniform() * 2 - 1) * bound;
  };
}

/** A seed for when the caller gives none (d2l does not seed either). */
export function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

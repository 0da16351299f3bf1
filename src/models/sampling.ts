// Choosing the next token from a language model's logits: greedy (predict) or
// sampled (sample, stream) with a temperature, top-k and top-p (nucleus)
// filtering, applied in that order, as Hugging Face's generate does: the
// logits are divided by the temperature, all but the k largest are dropped,
// then all but the smallest set of most likely tokens whose probability
// reaches p; the token is drawn from what remains, renormalised. One token can
// be excluded outright (the vocabulary's <unk>, which generation never prints).

import { argmaxExcept } from '../util/argmax.js';
import type { Random } from '../util/random.js';

export { argmaxExcept } from '../util/argmax.js';

/** How sample and stream draw each token. */
export interface SamplingOptions {
  /** Divides the logits: < 1 sharpens the distribution, > 1 flattens it (default 1). Must be > 0. */
  temperature?: number;
  /** Draw only among the k most likely tokens (an integer >= 1; default: all). */
  topK?: number;
  /** Draw only among the most likely tokens whose probabilities add up to at least p, in (0, 1] (default 1: all). */
  topP?: number;
  /** Seed of the draws (default: a fresh random seed). */
  seed?: number;
}

/** The filters of SamplingOptions, validated (the seed is the caller's). */
export interface TokenFilter {
  temperature: number;
  topK: number;
  topP: number;
}

/** Validates the sampling options; errors name the option (`who`: the method, for the message). */
export function tokenFilter(options: SamplingOptions, who: string): TokenFilter {
  const { temperature = 1, topK = Infinity, topP = 1 } = options;
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(`${who}: temperature must be positive, got ${temperature}`);
  }
  if (topK !== Infinity && (!Number.isInteger(topK) || topK < 1)) {
    throw new RangeError(`${who}: topK must be an integer >= 1, got ${topK}`);
  }
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`${who}: topP must be in (0, 1], got ${topP}`);
  return { temperature, topK, topP };
}

/**
 * predict's chooser: the largest logit other than `exclude` (argmaxExcept), marked as greedy so that a
 * model may run the whole decoding in one fused kernel (RNNLM's Kernels.decodeGreedy), same choice.
 */
export interface GreedyChooser {
  (logits: ArrayLike<number>): number;
  readonly greedyExclude: number;
}

export function greedyChooser(exclude: number): GreedyChooser {
  return Object.assign((logits: ArrayLike<number>) => argmaxExcept(logits, exclude), { greedyExclude: exclude });
}

/** Whether `choose` is a greedyChooser. */
export function isGreedyChooser(choose: (logits: Float64Array) => number): choose is GreedyChooser {
  return typeof (choose as Partial<GreedyChooser>).greedyExclude === 'number';
}

/**
 * Draws a token index from softmax(logits / temperature), restricted by topK and topP, never
 * `exclude` (-1: none). One uniform draw from `random` per call.
 */
export function sampleToken(logits: ArrayLike<number>, filter: TokenFilter, random: Random, exclude: number): number {
  const { temperature, topK, topP } = filter;
  // Candidates, most likely first (a stable sort: equal logits keep index order).
  let candidates = Array.from({ length: logits.length }, (_, i) => i).filter((i) => i !== exclude);
  if (candidates.length === 0) throw new RangeError('sample: no token to choose from');
  const filtered = topK < candidates.length || topP < 1;
  if (filtered) candidates.sort((a, b) => logits[b] - logits[a]);
  if (topK < candidates.length) candidates = candidates.slice(0, topK);
  let max = -Infinity;
  for (const i of candidates) max = Math.max(max, logits[i]);
  let weights = candidates.map((i) => Math.exp((logits[i] - max) / temperature));
  let total = weights.reduce((a, b) => a + b, 0);
  if (topP < 1) {
    // The smallest prefix of the sorted candidates whose probability reaches topP.
    let kept = 0;
    let mass = 0;
    while (kept < weights.length && mass < topP * total) mass += weights[kept++];
    candidates = candidates.slice(0, kept);
    weights = weights.slice(0, kept);
    total = mass;
  }
  let u = random.uniform() * total;
  for (let k = 0; k < candidates.length; k++) {
    u -= weights[k];
    if (u < 0) return candidates[k];
  }
  return candidates[candidates.length - 1];
}

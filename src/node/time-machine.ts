// d2l's `TimeMachine(batch_size, num_steps)` finds its own data; in Node this
// does the same: the corpus from `path`, the cache, or a verified download.

import { TimeMachine, type TimeMachineOptions } from '../data/time-machine.js';
import { resolveTimeMachineText, type ResolveTimeMachineOptions } from './corpus.js';

/**
 * d2l's `TimeMachine(batch_size, num_steps)` in Node: the corpus from `path`, the cache or a verified
 * download (see resolveTimeMachineText), then the data module. Throws a CorpusUnavailableError when
 * the text is nowhere to be found.
 *
 * @example
 * ```ts
 * const data = await loadTimeMachine({ batchSize: 1024, numSteps: 32 });   // cache, or download + SHA-1 check
 * ```
 */
export async function loadTimeMachine(
  options: Omit<TimeMachineOptions, 'text'> & ResolveTimeMachineOptions,
): Promise<TimeMachine> {
  const { text } = await resolveTimeMachineText(options);
  return new TimeMachine({ ...options, text });
}

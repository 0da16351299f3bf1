// d2l's `TimeMachine(batch_size, num_steps)` finds its own data; in Node this
// does the same: the corpus from `path`, the cache, or a verified download.

import { TimeMachine, type TimeMachineOptions } from '../data/time-machine.js';
import { resolveTimeMachineText, type ResolveTimeMachineOptions } from './corpus.js';

export async function loadTimeMachine(
  options: Omit<TimeMachineOptions, 'text'> & ResolveTimeMachineOptions,
): Promise<TimeMachine> {
  const { text } = await resolveTimeMachineText(options);
  return new TimeMachine({ ...options, text });
}

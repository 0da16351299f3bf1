// `lstm-simd generate`: text from a checkpoint written by `lstm-simd train`, printed as it is generated.

import { readFile } from 'node:fs/promises';
import { setBackend } from '../backend/registry.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import { choice, integer, parse, positiveNumber, text, UsageError } from './args.js';
import type { Command } from './command.js';

const USAGE = `Usage: lstm-simd generate --checkpoint FILE [options]

  --checkpoint FILE   a checkpoint written by 'lstm-simd train' (.safetensors)
  --prefix TEXT       text to warm the state up on (default 'it has'), read as the model's vocabulary
                      reads text (d2l's: lowercased, letters only; a word model: words)
  --num N             tokens to generate (default 100)
  --temperature T     sample from softmax(logits / T) instead of taking the argmax
  --top-k K           sample among the K most likely tokens only
  --top-p P           sample among the most likely tokens whose probabilities reach P, in (0, 1]
  --seed N            seed of the sampling (default 42)
  --backend NAME      wasm | js (default wasm)`;

async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    checkpoint: { type: 'string' },
    prefix: { type: 'string' },
    num: { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
  });
  const file = text(args.checkpoint, 'checkpoint');
  if (!file) throw new UsageError('generate needs --checkpoint FILE');
  const prefix = args.prefix === undefined ? 'it has' : text(args.prefix, 'prefix')!;
  const num = integer(args.num, 'num', 100, 0);
  const temperature = args.temperature === undefined ? undefined : positiveNumber(args.temperature, 'temperature', 1);
  const topK = args['top-k'] === undefined ? undefined : integer(args['top-k'], 'top-k', 1);
  const topP = args['top-p'] === undefined ? undefined : positiveNumber(args['top-p'], 'top-p', 1);
  if (topP !== undefined && topP > 1) throw new UsageError(`--top-p must be in (0, 1], got '${String(args['top-p'])}'`);
  const seed = integer(args.seed, 'seed', 42, 0);
  const backend = await setBackend(choice(args.backend, 'backend', ['wasm', 'js'] as const, 'wasm'));
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read checkpoint ${file}: ${why}`, { cause: error });
  }
  const { model, vocab } = loadCheckpoint(bytes, backend);
  const greedy = temperature === undefined && topK === undefined && topP === undefined;
  const pieces = model.stream(prefix, num, vocab, greedy ? { greedy } : { temperature, topK, topP, seed });
  // The first token checks the prefix: nothing is printed before an error.
  const first = await pieces.next();
  process.stdout.write(vocab.join(vocab.tokenize(prefix)) + (first.done ? '' : first.value));
  for await (const piece of pieces) process.stdout.write(piece);
  process.stdout.write('\n');
  return 0;
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a checkpoint',
  usage: USAGE,
  run,
};

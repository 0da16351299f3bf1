// `lstm-simd generate`: text from a checkpoint written by `lstm-simd train`.

import { readFile } from 'node:fs/promises';
import { setBackend } from '../backend/registry.js';
import { loadCheckpoint } from '../io/checkpoint.js';
import { choice, integer, parse, positiveNumber, text, UsageError } from './args.js';
import type { Command } from './command.js';

const USAGE = `Usage: lstm-simd generate --checkpoint FILE [options]

  --checkpoint FILE   a checkpoint written by 'lstm-simd train' (.safetensors)
  --prefix TEXT       text to warm the state up on (default 'it has')
  --num N             tokens to generate (default 100)
  --temperature T     sample from softmax(logits / T) instead of taking the argmax
  --seed N            seed of the sampling (default 42)
  --backend NAME      wasm | js (default wasm)`;

async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    checkpoint: { type: 'string' },
    prefix: { type: 'string' },
    num: { type: 'string' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
  });
  const file = text(args.checkpoint, 'checkpoint');
  if (!file) throw new UsageError('generate needs --checkpoint FILE');
  const prefix = args.prefix === undefined ? 'it has' : text(args.prefix, 'prefix')!;
  const num = integer(args.num, 'num', 100, 0);
  const temperature = args.temperature === undefined ? undefined : positiveNumber(args.temperature, 'temperature', 1);
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
  const output =
    temperature === undefined
      ? model.predict(prefix, num, vocab)
      : model.sample(prefix, num, vocab, { temperature, seed });
  console.log(output);
  return 0;
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a checkpoint',
  usage: USAGE,
  run,
};

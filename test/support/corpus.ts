// Where tests find the real timemachine.txt (it is never copied into the repo), as a user's machine
// has it: 1. $LSTM_SIMD_CORPUS, 2. the package's cache, which `npm start` fills ($LSTM_SIMD_CACHE,
// else ~/.cache/lstm-simd), 3. ../shared/data/timemachine.txt beside the repository.
// A missing corpus is an error, never a skip: tests that need it must fail loudly.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TIME_MACHINE_FILE_NAME } from '../../src/data/corpus.js';
import { defaultCacheDir } from '../../src/node/corpus.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function corpusCandidates(): string[] {
  const candidates: string[] = [];
  const fromEnv = process.env.LSTM_SIMD_CORPUS;
  if (fromEnv !== undefined && fromEnv !== '') candidates.push(resolve(fromEnv));
  candidates.push(join(defaultCacheDir(), TIME_MACHINE_FILE_NAME));
  candidates.push(resolve(repoRoot, '..', 'shared', 'data', TIME_MACHINE_FILE_NAME));
  return candidates;
}

/** The first candidate that exists; throws a message that lists where it looked. */
export function corpusPath(): string {
  const fromEnv = process.env.LSTM_SIMD_CORPUS;
  if (fromEnv !== undefined && fromEnv !== '' && !existsSync(resolve(fromEnv))) {
    throw new Error(`LSTM_SIMD_CORPUS is set to ${resolve(fromEnv)}, which does not exist`);
  }
  const candidates = corpusCandidates();
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(
      `timemachine.txt not found for the real-corpus tests; looked at:\n  ${candidates.join('\n  ')}\n` +
        'Set LSTM_SIMD_CORPUS to a copy (SHA-1 090b5e7e70c295757f55df93cb0a180b9691891a).',
    );
  }
  return found;
}

let cachedBytes: Uint8Array | undefined;

/** The corpus bytes (read once per test file); call it inside each test so every one fails when it is missing. */
export function readCorpusBytes(): Uint8Array {
  cachedBytes ??= new Uint8Array(readFileSync(corpusPath()));
  return cachedBytes;
}

export function readCorpusText(): string {
  return new TextDecoder().decode(readCorpusBytes());
}

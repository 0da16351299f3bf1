// Finding the Time Machine text in Node: a path the user gives, else the cache
// directory, else a download (SHA-1 checked, as d2l.download does) that is then
// written to the cache atomically.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CorpusChecksumError,
  decodeText,
  fetchVerified,
  TIME_MACHINE_FILE_NAME,
  TIME_MACHINE_SHA1,
  TIME_MACHINE_URL,
  type FetchFunction,
} from '../data/corpus.js';
import { writeFileAtomically } from './files.js';

/** Where resolveTimeMachineText may look for the corpus, in order: a path, the cache, a download. */
export interface ResolveTimeMachineOptions {
  /** A local copy (the CLI's --data PATH). Used as is: a SHA-1 mismatch is only a warning. */
  path?: string;
  /** Default: $LSTM_SIMD_CACHE, else ~/.cache/lstm-simd. */
  cacheDir?: string;
  /** Download when the cache has no valid copy (default true). */
  download?: boolean;
  /** Default: TIME_MACHINE_URL. */
  url?: string;
  /** Default: globalThis.fetch (tests inject one). */
  fetch?: FetchFunction;
  /** Abort the download after this many milliseconds (default 60 000). */
  timeoutMs?: number;
}

/** The corpus text found, and where. */
export interface ResolvedTimeMachineText {
  /** The text, decoded as UTF-8. */
  text: string;
  /** Where the text came from. */
  source: 'path' | 'cache' | 'download';
  /** The file read or written; null when a download could not be cached. */
  path: string | null;
  /** Hex SHA-1 of the bytes. */
  sha1: string;
  /** Non-fatal problems, for the user to see: a given file that is not d2l's, a corrupted cache, a cache that cannot be written. */
  warning?: string;
}

/** The corpus is nowhere to be found (no path, no cache, no download). */
export class CorpusUnavailableError extends Error {
  /** Always 'CorpusUnavailableError'. */
  override name = 'CorpusUnavailableError';
}

/** The cache directory: $LSTM_SIMD_CACHE (resolved) when set and not empty, else ~/.cache/lstm-simd. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.LSTM_SIMD_CACHE;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(homedir(), '.cache', 'lstm-simd');
}

/** The SHA-1 of `bytes` as hex (Node's crypto: synchronous, unlike sha1Hex in the browser-safe core). */
export function sha1Of(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** The message, plus the cause's: Node's fetch says only "fetch failed" and puts ENOTFOUND etc. in `cause`. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/** Why reading a file failed, in words: 'no such file', 'permission denied', ... */
export function describeReadError(error: unknown): string {
  const code = errorCode(error);
  return code === 'ENOENT'
    ? 'no such file'
    : code === 'EISDIR'
      ? 'it is a directory, not a file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : reason(error);
}

async function readGivenPath(given: string): Promise<ResolvedTimeMachineText> {
  const path = resolve(given);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CorpusUnavailableError(`cannot read the corpus file ${path}: ${describeReadError(error)}`, {
      cause: error,
    });
  }
  const sha1 = sha1Of(bytes);
  const result: ResolvedTimeMachineText = { text: decodeText(bytes), source: 'path', path, sha1 };
  if (sha1 !== TIME_MACHINE_SHA1) {
    result.warning = `${path} has SHA-1 ${sha1}, not d2l's timemachine.txt (${TIME_MACHINE_SHA1}); using it as given`;
  }
  return result;
}

/**
 * The raw Time Machine text: from `path` if given (an error if it cannot be
 * read), else from the cache (SHA-1 verified), else downloaded and cached.
 */
export async function resolveTimeMachineText(
  options: ResolveTimeMachineOptions = {},
): Promise<ResolvedTimeMachineText> {
  if (options.path !== undefined) return readGivenPath(options.path);

  const warnings: string[] = [];
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  const cacheFile = join(cacheDir, TIME_MACHINE_FILE_NAME);
  let cacheState: string;
  let cacheUnusable: boolean; // present but corrupted or unreadable: worth a warning
  try {
    const bytes = await readFile(cacheFile);
    const sha1 = sha1Of(bytes);
    if (sha1 === TIME_MACHINE_SHA1) return { text: decodeText(bytes), source: 'cache', path: cacheFile, sha1 };
    cacheState = `${cacheFile} is corrupted (SHA-1 ${sha1}, expected ${TIME_MACHINE_SHA1})`;
    cacheUnusable = true;
  } catch (error) {
    const code = errorCode(error);
    cacheUnusable = code !== 'ENOENT' && code !== 'ENOTDIR';
    cacheState = cacheUnusable ? `${cacheFile} cannot be read (${reason(error)})` : `${cacheFile} does not exist`;
  }

  const url = options.url ?? TIME_MACHINE_URL;
  const help =
    `Pass --data PATH with a local copy of timemachine.txt (SHA-1 ${TIME_MACHINE_SHA1}), ` +
    `or put it at ${cacheFile} (the cache directory is $LSTM_SIMD_CACHE, else ~/.cache/lstm-simd).`;
  if (options.download === false) {
    throw new CorpusUnavailableError(
      `The Time Machine corpus is not available: no path was given, ${cacheState}, and downloading is disabled. ${help}`,
    );
  }
  if (cacheUnusable) warnings.push(`${cacheState}; downloading ${url} again`);

  let bytes: Uint8Array;
  try {
    bytes = await fetchVerified(url, { fetch: options.fetch, timeoutMs: options.timeoutMs });
  } catch (error) {
    if (error instanceof CorpusChecksumError) throw error; // nothing was written
    throw new CorpusUnavailableError(
      `The Time Machine corpus is not available: no path was given, ${cacheState}, and downloading ${url} failed ` +
        `(${reason(error)}). ${help}`,
      { cause: error },
    );
  }
  const sha1 = sha1Of(bytes);
  let path: string | null = cacheFile;
  try {
    writeFileAtomically(cacheFile, bytes);
  } catch (error) {
    path = null;
    warnings.push(`could not write the cache file ${cacheFile}: ${reason(error)}`);
  }
  const result: ResolvedTimeMachineText = { text: decodeText(bytes), source: 'download', path, sha1 };
  if (warnings.length > 0) result.warning = warnings.join('; ');
  return result;
}

// Corpus loading without the network: downloads go through an injected fetch
// that serves the real bytes (or corrupted ones), caches live in a tmp dir.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CorpusChecksumError,
  loadTimeMachineText,
  sha1Hex,
  TIME_MACHINE_FILE_NAME,
  TIME_MACHINE_SHA1,
  TIME_MACHINE_URL,
  type FetchFunction,
} from '../../src/data/corpus.js';
import { CorpusUnavailableError, defaultCacheDir, resolveTimeMachineText } from '../../src/node/corpus.js';
import { readCorpusBytes, readCorpusText } from '../support/corpus.js';

// Read inside each test: when the corpus cannot be found, every such test fails with the message.
const realBytes = (): Uint8Array => readCorpusBytes();
const realText = (): string => readCorpusText();

interface FakeFetch {
  fetch: FetchFunction;
  urls: string[];
}

/** Serves `bytes` (or an HTTP error, or a network failure) and records the URLs asked for. */
function fakeFetch(serve: () => Uint8Array | { status: number } | Error): FakeFetch {
  const urls: string[] = [];
  const fetch: FetchFunction = async (url) => {
    urls.push(url);
    const what = serve();
    if (what instanceof Error) throw what;
    if (!(what instanceof Uint8Array)) {
      return { ok: false, status: what.status, statusText: 'Not Found', arrayBuffer: async () => new ArrayBuffer(0) };
    }
    const copy = what.slice();
    return { ok: true, status: 200, arrayBuffer: async () => copy.buffer };
  };
  return { fetch, urls };
}

function corrupted(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[1000] ^= 0x20; // one letter's case flipped
  return copy;
}

const noFetch: FetchFunction = async (url) => {
  throw new Error(`unexpected download of ${url}`);
};

describe('corpus constants and the browser-safe loader', () => {
  it("d2l's URL and SHA-1 match the local copy", async () => {
    expect(TIME_MACHINE_URL).toBe('http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt');
    expect(TIME_MACHINE_FILE_NAME).toBe('timemachine.txt');
    expect(createHash('sha1').update(realBytes()).digest('hex')).toBe(TIME_MACHINE_SHA1);
    expect(await sha1Hex(realBytes())).toBe(TIME_MACHINE_SHA1);
    expect(await sha1Hex(new Uint8Array(0))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709'); // SHA-1 of ''
    expect(realBytes().length).toBe(178_979);
  });

  it('returns given text as is', async () => {
    expect(await loadTimeMachineText({ text: 'abc' })).toBe('abc');
  });

  it('fetches d2l URL by default and verifies the bytes', async () => {
    const server = fakeFetch(() => realBytes());
    expect(await loadTimeMachineText({ fetch: server.fetch })).toBe(realText());
    expect(server.urls).toEqual([TIME_MACHINE_URL]);
  });

  it('rejects fetched bytes with the wrong SHA-1, unless the check is turned off', async () => {
    const server = fakeFetch(() => corrupted(realBytes()));
    const error = await loadTimeMachineText({ url: 'https://example.test/tm.txt', fetch: server.fetch }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(CorpusChecksumError);
    expect(error.message).toMatch(
      /https:\/\/example.test\/tm.txt: SHA-1 [0-9a-f]{40} does not match the expected 090b5e7e/,
    );
    const text = await loadTimeMachineText({ url: 'https://example.test/tm.txt', fetch: server.fetch, sha1: null });
    expect(text).toBe(new TextDecoder().decode(corrupted(realBytes())));
  });

  it('reports HTTP errors', async () => {
    const server = fakeFetch(() => ({ status: 404 }));
    await expect(loadTimeMachineText({ fetch: server.fetch })).rejects.toThrow(/HTTP 404 Not Found/);
  });

  it('the core data modules import nothing from node:', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    for (const dir of ['src/data', 'src/util']) {
      for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(join(root, dir, file), 'utf8');
        expect(source, `${dir}/${file}`).not.toMatch(/from ['"]node:|require\(|from ['"](fs|path|os|crypto)['"]/);
      }
    }
  });
});

describe('resolveTimeMachineText (Node)', () => {
  let tmp: string;
  let cacheDir: string;
  let cacheFile: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'lstm-simd-corpus-'));
    cacheDir = join(tmp, 'cache');
    cacheFile = join(cacheDir, 'timemachine.txt');
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads a given path as is, without touching cache or network', async () => {
    const path = join(tmp, 'copy.txt');
    writeFileSync(path, realBytes());
    const result = await resolveTimeMachineText({ path, cacheDir, fetch: noFetch });
    expect(result).toEqual({ text: realText(), source: 'path', path, sha1: TIME_MACHINE_SHA1 });
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('accepts a given file that is not d2l’s, with a warning naming both hashes', async () => {
    const path = join(tmp, 'other.txt');
    writeFileSync(path, 'Some Other Book.\n');
    const result = await resolveTimeMachineText({ path, fetch: noFetch });
    expect(result.text).toBe('Some Other Book.\n');
    expect(result.source).toBe('path');
    expect(result.warning).toContain(path);
    expect(result.warning).toContain(TIME_MACHINE_SHA1);
    expect(result.warning).toContain(result.sha1);
  });

  it('fails clearly for a given path that is missing or a directory (no fallback)', async () => {
    const missing = join(tmp, 'nope.txt');
    const server = fakeFetch(() => realBytes());
    const error = await resolveTimeMachineText({ path: missing, cacheDir, fetch: server.fetch }).catch((e) => e);
    expect(error).toBeInstanceOf(CorpusUnavailableError);
    expect(error.message).toBe(`cannot read the corpus file ${missing}: no such file`);
    expect(server.urls).toEqual([]);
    await expect(resolveTimeMachineText({ path: tmp })).rejects.toThrow(/it is a directory/);
  });

  it('downloads into an empty cache, verifies, writes atomically, then serves the cache', async () => {
    const server = fakeFetch(() => realBytes());
    const first = await resolveTimeMachineText({ cacheDir, fetch: server.fetch });
    expect(first).toEqual({ text: realText(), source: 'download', path: cacheFile, sha1: TIME_MACHINE_SHA1 });
    expect(server.urls).toEqual([TIME_MACHINE_URL]);
    expect(readdirSync(cacheDir)).toEqual(['timemachine.txt']); // no temporary file left
    expect(readFileSync(cacheFile).equals(realBytes())).toBe(true);

    const second = await resolveTimeMachineText({ cacheDir, fetch: noFetch });
    expect(second).toEqual({ text: realText(), source: 'cache', path: cacheFile, sha1: TIME_MACHINE_SHA1 });
  });

  it('re-downloads a corrupted cache file and says so', async () => {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cacheFile, corrupted(realBytes()));
    const server = fakeFetch(() => realBytes());
    const result = await resolveTimeMachineText({ cacheDir, fetch: server.fetch });
    expect(result.source).toBe('download');
    expect(result.text).toBe(realText());
    expect(result.warning).toMatch(/is corrupted \(SHA-1 [0-9a-f]{40}, expected 090b5e7e.*\); downloading .* again/);
    expect(readFileSync(cacheFile).equals(realBytes())).toBe(true);
  });

  it('refuses a download with the wrong SHA-1 and writes nothing', async () => {
    const server = fakeFetch(() => corrupted(realBytes()));
    await expect(resolveTimeMachineText({ cacheDir, fetch: server.fetch })).rejects.toBeInstanceOf(CorpusChecksumError);
    expect(existsSync(cacheFile)).toBe(false);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });

  it('keeps a corrupted cache file untouched when the download is corrupted too', async () => {
    mkdirSync(cacheDir, { recursive: true });
    const bad = corrupted(realBytes());
    writeFileSync(cacheFile, bad);
    const server = fakeFetch(() => corrupted(realBytes()));
    await expect(resolveTimeMachineText({ cacheDir, fetch: server.fetch })).rejects.toThrow(/does not match/);
    expect(readFileSync(cacheFile).equals(bad)).toBe(true);
    expect(readdirSync(cacheDir)).toEqual(['timemachine.txt']);
  });

  it('offline with nothing local: says where it looked and how to pass --data', async () => {
    const server = fakeFetch(() => new TypeError('fetch failed'));
    const error = await resolveTimeMachineText({ cacheDir, fetch: server.fetch }).catch((e) => e);
    expect(error).toBeInstanceOf(CorpusUnavailableError);
    expect(error.message).toContain(`${cacheFile} does not exist`);
    expect(error.message).toContain(`downloading ${TIME_MACHINE_URL} failed (fetch failed)`);
    expect(error.message).toContain('--data PATH');
    expect(error.message).toContain('LSTM_SIMD_CACHE');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('download: false with nothing local fails without calling fetch', async () => {
    const error = await resolveTimeMachineText({ cacheDir, download: false, fetch: noFetch }).catch((e) => e);
    expect(error).toBeInstanceOf(CorpusUnavailableError);
    expect(error.message).toContain('downloading is disabled');
    expect(error.message).toContain('--data PATH');
    // ... but a valid cache is still used.
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cacheFile, realBytes());
    expect((await resolveTimeMachineText({ cacheDir, download: false })).source).toBe('cache');
  });

  it('HTTP errors become a clear CorpusUnavailableError', async () => {
    const server = fakeFetch(() => ({ status: 503 }));
    await expect(resolveTimeMachineText({ cacheDir, fetch: server.fetch })).rejects.toThrow(
      /downloading http:\/\/d2l-data.* failed \(GET .* failed: HTTP 503/,
    );
  });

  it('returns the text with a warning when the cache cannot be written', async () => {
    const blocker = join(tmp, 'file-not-dir');
    writeFileSync(blocker, 'x'); // a cache "directory" that is a file
    const server = fakeFetch(() => realBytes());
    const result = await resolveTimeMachineText({ cacheDir: blocker, fetch: server.fetch });
    expect(result.text).toBe(realText());
    expect(result.source).toBe('download');
    expect(result.path).toBeNull();
    expect(result.warning).toMatch(/could not write the cache file/);
  });

  it('the default cache dir is $LSTM_SIMD_CACHE, else ~/.cache/lstm-simd', async () => {
    expect(defaultCacheDir({ LSTM_SIMD_CACHE: cacheDir })).toBe(cacheDir);
    expect(defaultCacheDir({})).toMatch(/[/\\]\.cache[/\\]lstm-simd$/);
    const saved = process.env.LSTM_SIMD_CACHE;
    process.env.LSTM_SIMD_CACHE = cacheDir;
    try {
      const server = fakeFetch(() => realBytes());
      const result = await resolveTimeMachineText({ fetch: server.fetch });
      expect(result.path).toBe(cacheFile);
      expect(existsSync(cacheFile)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.LSTM_SIMD_CACHE;
      else process.env.LSTM_SIMD_CACHE = saved;
    }
  });
});

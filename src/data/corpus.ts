// Where d2l's Time Machine corpus comes from, and a browser-safe loader.
// Node code that reads files and keeps a download cache is in src/node/corpus.ts.

/** d2l's `DATA_URL + 'timemachine.txt'` (plain http, as in d2l). */
export const TIME_MACHINE_URL = 'http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt';
/** The SHA-1 that `d2l.download` checks. */
export const TIME_MACHINE_SHA1 = '090b5e7e70c295757f55df93cb0a180b9691891a';
/** The corpus's file name, in d2l's data directory and in the package's cache. */
export const TIME_MACHINE_FILE_NAME = 'timemachine.txt';

/** Downloaded or cached bytes whose SHA-1 is not the expected one (corrupted, or another file). */
export class CorpusChecksumError extends Error {
  /** Always 'CorpusChecksumError'. */
  override name = 'CorpusChecksumError';
  /** The message names the source and both digests. */
  constructor(
    /** The URL or file the bytes came from. */
    readonly source: string,
    /** Hex SHA-1 of the bytes received. */
    readonly actualSha1: string,
    /** Hex SHA-1 they should have had (default: d2l's). */
    readonly expectedSha1: string = TIME_MACHINE_SHA1,
  ) {
    super(`${source}: SHA-1 ${actualSha1} does not match the expected ${expectedSha1} (corrupted or a different file)`);
  }
}

/** The part of `fetch` the loaders use (globalThis.fetch fits; tests pass a stub). */
export type FetchFunction = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{
  /** Whether the HTTP status is 2xx. */
  ok: boolean;
  /** The HTTP status code. */
  status: number;
  /** The HTTP status text, for messages. */
  statusText?: string;
  /** The whole body. */
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/** Where the Time Machine text comes from: given as text, or fetched from a URL and verified. */
export type TimeMachineSource =
  | {
      /** The corpus text itself (not checked). */
      text: string;
    }
  | {
      /** Default: TIME_MACHINE_URL. In a browser, usually a copy served from your own origin. */
      url?: string;
      /** Default: globalThis.fetch. */
      fetch?: FetchFunction;
      /** Expected SHA-1 of the bytes (default: d2l's); `null` skips the check. */
      sha1?: string | null;
      /** Abort the request after this many milliseconds (default 60 000). */
      timeoutMs?: number;
    };

/** Hex SHA-1 with WebCrypto (browsers and Node >= 20). */
export async function sha1Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined)
    throw new Error('sha1Hex: crypto.subtle is unavailable (browsers expose it only in secure contexts)');
  // WebCrypto takes only ArrayBuffer-backed views; copy a SharedArrayBuffer-backed one.
  const input = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const digest = new Uint8Array(await subtle.digest('SHA-1', input));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Downloads bytes and checks their SHA-1; throws before returning anything that does not match. */
export async function fetchVerified(
  url: string,
  options: { fetch?: FetchFunction; sha1?: string | null; timeoutMs?: number } = {},
): Promise<Uint8Array> {
  const fetchFunction = options.fetch ?? (globalThis.fetch as FetchFunction | undefined);
  if (fetchFunction === undefined) throw new Error('fetchVerified: no fetch function is available');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(timeoutMs) : undefined;
  const response = await fetchFunction(url, { signal });
  if (!response.ok) {
    throw new Error(
      `GET ${url} failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const expected = options.sha1 === undefined ? TIME_MACHINE_SHA1 : options.sha1;
  if (expected !== null) {
    const actual = await sha1Hex(bytes);
    if (actual !== expected.toLowerCase()) throw new CorpusChecksumError(url, actual, expected);
  }
  return bytes;
}

/** The raw Time Machine text: given as `{ text }`, or fetched and verified. */
export async function loadTimeMachineText(source: TimeMachineSource = {}): Promise<string> {
  if ('text' in source) {
    if (typeof source.text !== 'string') throw new TypeError('loadTimeMachineText: text must be a string');
    return source.text;
  }
  const bytes = await fetchVerified(source.url ?? TIME_MACHINE_URL, source);
  return decodeText(bytes);
}

/** UTF-8, as d2l's `open(...).read()` on a UTF-8 system; the corpus itself is ASCII. */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes); // keep a BOM, as Python's 'utf-8' does
}

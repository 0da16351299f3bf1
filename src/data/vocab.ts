// Vocab (d2l 9.2): token <-> index. As in d2l v1, indices follow the sorted
// (code point) order of the token set, not frequency order, so for the
// character corpus ' ' = 0, '<unk>' = 1, 'a' = 2, ..., 'z' = 27.
//
// A vocabulary may also record the text format its tokens were cut with
// (tokenizer, lowercase, charset; see text-format.ts): `tokenize` then reads
// text the same way, and `join` writes tokens back as text, which is what
// generation needs to take a prefix and print words with spaces between them.

import { D2L_TEXT_FORMAT, joinTokens, textFormat, tokenizeText, type TextFormat } from './text-format.js';

/** The unknown token, '<unk>': every vocabulary has it, and tokens it lacks map to its index. */
export const UNK_TOKEN = '<unk>';

/** Options of Vocab: which tokens to keep, and the text format the tokens were cut with. */
export interface VocabOptions extends Partial<TextFormat> {
  /** Tokens seen fewer times are left out (they map to `<unk>`). d2l's default 0 keeps all. */
  minFreq?: number;
  /** Always in the vocabulary, e.g. '<pad>', '<bos>', '<eos>'. */
  reservedTokens?: readonly string[];
}

/** The serialised form, for checkpoints: the index order is stored, never recomputed. */
export interface VocabJSON {
  /** Always 'lstm-simd.vocab': what fromJSON checks first. */
  format: 'lstm-simd.vocab';
  /** Version of this layout (1). */
  version: 1;
  /** The tokens in index order. */
  idxToToken: string[];
  /** (token, count) of the counted tokens, most frequent first. */
  tokenFreqs: [string, number][];
  /** The text format of the tokens (null: none recorded); absent in files written before it existed, which were d2l's. */
  textFormat?: TextFormat | null;
}

/** A token and how many times it occurs in the tokens a vocabulary was built from. */
export type TokenFreq = readonly [token: string, count: number];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * d2l's `Vocab`: token <-> index, indices in code-point order of the token set (d2l v1's order, so
 * that a character vocabulary gives the book's ids: ' ' = 0, '<unk>' = 1, 'a' = 2, ...). It may
 * record the text format of its tokens, with which it reads a prefix (tokenize) and writes
 * generated tokens (join); checkpoints store it as VocabJSON.
 *
 * @example
 * ```ts
 * const vocab = new Vocab(tokenizeChars(preprocess(text)));
 * vocab.get(['t', 'h', 'e']);                  // [21, 9, 6]
 * vocab.toTokens([21, 9, 6]);                  // ['t', 'h', 'e']
 * ```
 */
export class Vocab {
  /** The tokens in index order. */
  readonly idxToToken!: readonly string[];
  /** Each token's index. */
  readonly tokenToIdx!: ReadonlyMap<string, number>;
  /** (token, count), most frequent first; ties keep first-occurrence order (Python's stable sort). */
  readonly tokenFreqs!: readonly TokenFreq[];
  /** Index of `<unk>`: what unknown tokens map to. */
  readonly unk!: number;
  /**
   * How text becomes this vocabulary's tokens (tokenize) and tokens text (join); null when none was
   * given: the tokens are then characters taken as they are.
   */
  readonly textFormat!: Readonly<TextFormat> | null;

  /**
   * `tokens` may be a token list or a list of token lists (flattened, as d2l does); they are counted as
   * given. The format options (tokenizer, lowercase, charset; unset ones take d2l's) record how they
   * were made from text (buildCorpus passes its own); without any, textFormat is null.
   */
  constructor(tokens: readonly string[] | readonly (readonly string[])[] = [], options: VocabOptions = {}) {
    const { minFreq = 0, reservedTokens = [], tokenizer, lowercase, charset } = options;
    const hasFormat = tokenizer !== undefined || lowercase !== undefined || charset !== undefined;
    const format = hasFormat ? textFormat({ tokenizer, lowercase, charset }) : null;
    if (typeof minFreq !== 'number' || Number.isNaN(minFreq)) {
      throw new RangeError(`Vocab: minFreq must be a number, got ${String(minFreq)}`);
    }
    const counts = new Map<string, number>(); // insertion order = first occurrence
    for (const item of tokens) {
      if (typeof item === 'string') counts.set(item, (counts.get(item) ?? 0) + 1);
      else for (const token of item) counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    const tokenFreqs = [...counts].sort((a, b) => b[1] - a[1]); // Array.prototype.sort is stable
    const kept = tokenFreqs.filter(([, count]) => count >= minFreq).map(([token]) => token);
    const idxToToken = [...new Set([UNK_TOKEN, ...reservedTokens, ...kept])].sort(compareCodePoints);
    initialise(this, idxToToken, tokenFreqs, format);
  }

  /** Rebuilds a vocabulary exactly as serialised (same indices). */
  static fromJSON(json: unknown): Vocab {
    const data = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<VocabJSON> | null;
    if (data === null || typeof data !== 'object' || data.format !== 'lstm-simd.vocab') {
      throw new TypeError("Vocab.fromJSON: not a serialised vocabulary (format 'lstm-simd.vocab' expected)");
    }
    if (data.version !== 1) throw new TypeError(`Vocab.fromJSON: unsupported version ${String(data.version)}`);
    const { idxToToken, tokenFreqs = [] } = data;
    if (!Array.isArray(idxToToken) || !idxToToken.every((t) => typeof t === 'string')) {
      throw new TypeError('Vocab.fromJSON: idxToToken must be an array of strings');
    }
    if (new Set(idxToToken).size !== idxToToken.length) {
      throw new TypeError('Vocab.fromJSON: idxToToken has duplicate tokens');
    }
    if (!idxToToken.includes(UNK_TOKEN)) throw new TypeError(`Vocab.fromJSON: idxToToken has no '${UNK_TOKEN}'`);
    const freqsValid =
      Array.isArray(tokenFreqs) &&
      tokenFreqs.every((f) => Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && Number.isInteger(f[1]));
    if (!freqsValid) throw new TypeError('Vocab.fromJSON: tokenFreqs must be [token, count] pairs');
    let format: TextFormat | null;
    try {
      // Files from before the field existed were written by the d2l pipeline.
      format = data.textFormat === undefined ? { ...D2L_TEXT_FORMAT } : data.textFormat && textFormat(data.textFormat);
    } catch (error) {
      throw new TypeError(`Vocab.fromJSON: textFormat: ${(error as Error).message}`, { cause: error });
    }
    const vocab = Object.create(Vocab.prototype) as Vocab;
    initialise(
      vocab,
      [...idxToToken],
      tokenFreqs.map(([t, c]) => [t, c] as [string, number]),
      format,
    );
    return vocab;
  }

  /** Number of tokens, `<unk>` and reserved tokens included (d2l's `len(vocab)`). */
  get length(): number {
    return this.idxToToken.length;
  }

  /** The token's index, or `unk` when the token is not in the vocabulary. */
  indexOf(token: string): number {
    return this.tokenToIdx.get(token) ?? this.unk;
  }

  /** d2l's `vocab[token]` / `vocab[tokens]`. */
  get(token: string): number;
  get(tokens: readonly string[]): number[];
  get(tokens: string | readonly string[]): number | number[] {
    return typeof tokens === 'string' ? this.indexOf(tokens) : tokens.map((t) => this.indexOf(t));
  }

  /** Indices of `tokens` as an Int32Array (the form a corpus or a batch is kept in). */
  encode(tokens: readonly string[]): Int32Array {
    const ids = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) ids[i] = this.indexOf(tokens[i]);
    return ids;
  }

  /** Text -> tokens by the vocabulary's textFormat (without one: its characters, as they are). */
  tokenize(text: string): string[] {
    return this.textFormat ? tokenizeText(text, this.textFormat) : Array.from(text);
  }

  /** Tokens -> text by the vocabulary's textFormat: words joined by spaces, characters concatenated. */
  join(tokens: readonly string[]): string {
    return this.textFormat ? joinTokens(tokens, this.textFormat) : tokens.join('');
  }

  /** Indices -> text (toTokens, then join). */
  decode(indices: ArrayLike<number>): string {
    return this.join(this.toTokens(indices));
  }

  /** d2l's `to_tokens`: one index gives a token; a list gives a list (even of length 1, unlike d2l). */
  toTokens(index: number): string;
  toTokens(indices: ArrayLike<number>): string[];
  toTokens(indices: number | ArrayLike<number>): string | string[] {
    if (typeof indices === 'number') return this.tokenAt(indices);
    return Array.from(indices, (i) => this.tokenAt(i));
  }

  /** The serialised form (JSON.stringify calls it); fromJSON rebuilds the same indices. */
  toJSON(): VocabJSON {
    return {
      format: 'lstm-simd.vocab',
      version: 1,
      idxToToken: [...this.idxToToken],
      tokenFreqs: this.tokenFreqs.map(([t, c]) => [t, c]),
      textFormat: this.textFormat && { ...this.textFormat },
    };
  }

  private tokenAt(index: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.idxToToken.length) {
      throw new RangeError(`Vocab: index ${index} is outside [0, ${this.idxToToken.length})`);
    }
    return this.idxToToken[index];
  }
}

function initialise(
  vocab: Vocab,
  idxToToken: string[],
  tokenFreqs: [string, number][],
  format: TextFormat | null,
): void {
  const target = vocab as Mutable<Vocab>;
  target.textFormat = format && Object.freeze(format);
  target.idxToToken = Object.freeze(idxToToken);
  target.tokenToIdx = new Map(idxToToken.map((token, index) => [token, index]));
  target.tokenFreqs = Object.freeze(tokenFreqs.map((f) => Object.freeze(f)));
  target.unk = target.tokenToIdx.get(UNK_TOKEN)!;
}

/** Python's str ordering: by code point (JS's default sort compares UTF-16 units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n;) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

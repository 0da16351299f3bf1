// How raw text becomes tokens, and tokens text again: the tokenizer (characters or words), whether
// to lowercase, and which characters to keep. d2l's Time Machine format (D2L_TEXT_FORMAT) keeps
// only ASCII letters, every other run of characters becoming one space, and lowercases; a format
// that keeps case and punctuation trains on any text. A vocabulary records the format its tokens
// were made with, so that generation reads a prefix and writes its output the same way.

import type { Tokenizer } from './tokenize.js';

/**
 * Which characters a format keeps: 'letters' = ASCII A-Z and a-z (d2l: every other run of characters
 * becomes one space); 'all' = every character (line endings normalised to \n); any other string =
 * exactly its characters (every run of others becomes one space).
 */
export type Charset = 'letters' | 'all' | (string & {});

/** How text becomes tokens (see tokenizeText) and tokens text (see joinTokens). */
export interface TextFormat {
  /** 'char': one token per character (code point); 'word': words, and punctuation marks as tokens of their own. */
  tokenizer: Tokenizer;
  /** Lowercase the text first (d2l does). */
  lowercase: boolean;
  /** The characters kept; every run of others becomes one space (see Charset). */
  charset: Charset;
}

/** d2l's TimeMachine: `re.sub('[^A-Za-z]+', ' ', text).lower()`, then characters. */
export const D2L_TEXT_FORMAT: Readonly<TextFormat> = Object.freeze({
  tokenizer: 'char',
  lowercase: true,
  charset: 'letters',
});

/** Tokens taken as they are: characters, any character, case kept (a Vocab built from tokens directly). */
export const VERBATIM_TEXT_FORMAT: Readonly<TextFormat> = Object.freeze({
  tokenizer: 'char',
  lowercase: false,
  charset: 'all',
});

/** A complete, validated format from partial options over `defaults`; errors name the option. */
export function textFormat(
  options: Partial<TextFormat> = {},
  defaults: Readonly<TextFormat> = D2L_TEXT_FORMAT,
): TextFormat {
  const format: TextFormat = {
    tokenizer: options.tokenizer ?? defaults.tokenizer,
    lowercase: options.lowercase ?? defaults.lowercase,
    charset: options.charset ?? defaults.charset,
  };
  if (format.tokenizer !== 'char' && format.tokenizer !== 'word') {
    throw new RangeError(`the tokenizer must be 'char' or 'word', got ${String(format.tokenizer)}`);
  }
  if (typeof format.lowercase !== 'boolean')
    throw new RangeError(`lowercase must be a boolean, got ${String(format.lowercase)}`);
  if (typeof format.charset !== 'string' || format.charset === '') {
    throw new RangeError(
      `charset must be 'letters', 'all' or a non-empty string of characters, got ${String(format.charset)}`,
    );
  }
  return format;
}

/** The text a format's tokens are cut from: lowercased if asked, characters outside the charset replaced. */
export function normalizeText(text: string, format: TextFormat): string {
  if (format.charset === 'letters') {
    // d2l's order: the letters first, then lowercase (lowercasing first would turn the Kelvin sign into a k).
    const letters = text.replace(/[^A-Za-z]+/g, ' ');
    return format.lowercase ? letters.toLowerCase() : letters;
  }
  const cased = format.lowercase ? text.toLowerCase() : text;
  if (format.charset === 'all') return cased.replace(/\r\n?/g, '\n');
  const keep = new Set(format.charset);
  let out = '';
  let replacing = false;
  for (const c of cased) {
    if (keep.has(c)) {
      out += c;
      replacing = false;
    } else if (!replacing) {
      out += ' ';
      replacing = true;
    }
  }
  return out;
}

/**
 * A word, possibly with inner apostrophes (don't, o'clock), or one character that is neither a
 * letter, a digit nor a space (punctuation is a token of its own).
 */
const WORD_OR_MARK = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*|[^\s\p{L}\p{N}\p{M}]/gu;

/** Text -> tokens by `format`: normalise, then characters, or words and punctuation marks. */
export function tokenizeText(text: string, format: TextFormat): string[] {
  const normal = normalizeText(text, format);
  if (format.tokenizer === 'char') return Array.from(normal);
  return normal.match(WORD_OR_MARK) ?? [];
}

/** Marks written without a space before them, and after them, when words are joined. */
const CLOSING = new Set([...'.,;:!?)]}%…']);
const OPENING = new Set([...'([{']);

/**
 * Tokens -> text by `format`: characters concatenated; words joined with spaces, except before
 * closing punctuation (. , ; : ! ? ) ] } % …) and after opening brackets.
 */
export function joinTokens(tokens: readonly string[], format: TextFormat): string {
  if (format.tokenizer === 'char') return tokens.join('');
  let out = '';
  tokens.forEach((token, i) => {
    if (i > 0 && !CLOSING.has(token) && !OPENING.has(tokens[i - 1])) out += ' ';
    out += token;
  });
  return out;
}

/** The text `token` adds after `previous` when joined by `format` (what a stream yields per token). */
export function tokenPiece(previous: string | undefined, token: string, format: TextFormat): string {
  return previous === undefined ? token : joinTokens([previous, token], format).slice(previous.length);
}

// d2l's TimeMachine text processing (d2l 9.2): every run of non-letters becomes
// one space, then everything is lowercased; tokens are characters or words.
// Other formats (case, punctuation, any characters) are in text-format.ts.

import { D2L_TEXT_FORMAT, normalizeText } from './text-format.js';

/** `re.sub('[^A-Za-z]+', ' ', text).lower()`: keeps a trailing space when the text ends in punctuation. */
export function preprocess(text: string): string {
  return normalizeText(text, D2L_TEXT_FORMAT);
}

/** `list(text)`: one token per code point (as Python iterates a str). */
export function tokenizeChars(text: string): string[] {
  return Array.from(text);
}

/** `text.split()`: whitespace-separated words, no empty strings. */
export function tokenizeWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

/** How text is cut into tokens: 'char', one per code point; 'word', words (see tokenize, TextFormat.tokenizer). */
export type Tokenizer = 'char' | 'word';

/** d2l's `tokenize`: characters (the default) or words of preprocessed text; a RangeError for any other tokenizer. */
export function tokenize(text: string, tokenizer: Tokenizer = 'char'): string[] {
  if (tokenizer === 'char') return tokenizeChars(text);
  if (tokenizer === 'word') return tokenizeWords(text);
  throw new RangeError(`tokenize: the tokenizer must be 'char' or 'word', got ${String(tokenizer)}`);
}

// Text formats: d2l's (letters, lowercased, characters) exactly as before, and the formats that keep
// case and punctuation, words with punctuation as tokens, joining words back with spaces; the
// vocabulary recording its format (and reading it back from JSON); buildCorpus and TimeMachine
// reading any text with it, in windows `stride` apart and split by fraction.

import { describe, expect, it } from 'vitest';
import {
  D2L_TEXT_FORMAT,
  joinTokens,
  normalizeText,
  textFormat,
  tokenizeText,
  type TextFormat,
} from '../../src/data/text-format.js';
import { buildCorpus, TimeMachine } from '../../src/data/time-machine.js';
import { preprocess, tokenizeChars, tokenizeWords } from '../../src/data/tokenize.js';
import { Vocab } from '../../src/data/vocab.js';
import { readCorpusText } from '../support/corpus.js';

const words = (options: Partial<TextFormat>): TextFormat => textFormat({ tokenizer: 'word', ...options });

describe('text formats', () => {
  it("d2l's format is the book's preprocessing, to the character, on the whole corpus", () => {
    const raw = readCorpusText();
    expect(normalizeText(raw, D2L_TEXT_FORMAT)).toBe(raw.replace(/[^A-Za-z]+/g, ' ').toLowerCase());
    expect(tokenizeText(raw, D2L_TEXT_FORMAT)).toEqual(tokenizeChars(preprocess(raw)));
    expect(tokenizeText(raw, words({}))).toEqual(tokenizeWords(preprocess(raw)));
  });

  it("keeps d2l's order (letters, then lowercase): a Kelvin sign is not a letter, as in Python", () => {
    expect(normalizeText('\u212A9 K', D2L_TEXT_FORMAT)).toBe(' k');
    expect(preprocess('It’s 10 o’clock!')).toBe('it s o clock ');
  });

  it('keeps case and punctuation when asked, and any characters', () => {
    const all = textFormat({ lowercase: false, charset: 'all' });
    expect(tokenizeText('Hé, "ça"!\r\nÆ', all)).toEqual([...'Hé, "ça"!\nÆ']);
    expect(normalizeText('Hé, ÇA!', textFormat({ charset: 'all' }))).toBe('hé, ça!');
    // An explicit charset: the characters listed; every run of others becomes one space.
    const custom = textFormat({ charset: 'abcdefghijklmnopqrstuvwxyz.' });
    expect(normalizeText('The end. (Fin!)', custom)).toBe('the end. fin ');
  });

  it('cuts words and punctuation marks apart, keeps apostrophes inside words, joins them back', () => {
    const format = words({ lowercase: false, charset: 'all' });
    const tokens = tokenizeText("“Don't,” he said (twice)... 42 ÉTÉS—end.", format);
    expect(tokens).toEqual([
      '“',
      "Don't",
      ',',
      '”',
      'he',
      'said',
      '(',
      'twice',
      ')',
      '.',
      '.',
      '.',
      '42',
      'ÉTÉS',
      '—',
      'end',
      '.',
    ]);
    expect(joinTokens(['the', 'time', 'machine', ',', 'he', 'said', '(', 'twice', ')', '.'], format)).toBe(
      'the time machine, he said (twice).',
    );
    expect(joinTokens([...'abc'], D2L_TEXT_FORMAT)).toBe('abc');
  });

  it('names the option in its errors', () => {
    expect(() => textFormat({ tokenizer: 'bpe' as 'word' })).toThrow(/tokenizer must be 'char' or 'word', got bpe/);
    expect(() => textFormat({ lowercase: 'yes' as unknown as boolean })).toThrow(/lowercase must be a boolean/);
    expect(() => textFormat({ charset: '' })).toThrow(/charset must be 'letters', 'all' or a non-empty string/);
  });
});

describe('Vocab with a text format', () => {
  it('has no format unless given one (tokens as they are), and reads text by its format otherwise', () => {
    const plain = new Vocab([...'It has']);
    expect(plain.textFormat).toBeNull();
    expect(plain.tokenize('It')).toEqual(['I', 't']);
    expect(plain.join(['I', 't'])).toBe('It');
    const vocab = new Vocab(['the', 'time', ',', 'machine'], { tokenizer: 'word', charset: 'all' });
    expect(vocab.textFormat).toEqual({ tokenizer: 'word', lowercase: true, charset: 'all' });
    expect(vocab.tokenize('The Time, MACHINE')).toEqual(['the', 'time', ',', 'machine']);
    expect(vocab.decode(vocab.get(['the', 'time', ',', 'machine']))).toBe('the time, machine');
  });

  it('writes its format to JSON and reads it back; files without one were d2l’s', () => {
    const vocab = new Vocab(['A', 'b'], { lowercase: false, charset: 'all' });
    const restored = Vocab.fromJSON(JSON.parse(JSON.stringify(vocab)));
    expect(restored.textFormat).toEqual({ tokenizer: 'char', lowercase: false, charset: 'all' });
    expect(Vocab.fromJSON(JSON.stringify(new Vocab(['a']))).textFormat).toBeNull();
    const old = { format: 'lstm-simd.vocab', version: 1, idxToToken: ['<unk>', 'a'], tokenFreqs: [] };
    expect(Vocab.fromJSON(old).textFormat).toEqual(D2L_TEXT_FORMAT);
    expect(() => Vocab.fromJSON({ ...old, textFormat: { tokenizer: 'char', lowercase: 1, charset: 'all' } })).toThrow(
      /textFormat: lowercase must be a boolean/,
    );
  });
});

describe('buildCorpus and TimeMachine on any text', () => {
  const text =
    'The Time Traveller (for so it will be convenient to speak of him) was expounding a recondite matter to us.';

  it('keep case and punctuation when asked, at character and word level', () => {
    const chars = buildCorpus(text, { lowercase: false, charset: 'all' });
    expect(chars.vocab.idxToToken).toContain('T');
    expect(chars.vocab.idxToToken).toContain('(');
    expect(chars.vocab.decode(chars.corpus)).toBe(text);
    const words = buildCorpus(text, { tokenizer: 'word', lowercase: false, charset: 'all' });
    expect(words.tokens.slice(0, 5)).toEqual(['The', 'Time', 'Traveller', '(', 'for']);
    expect(words.vocab.decode(words.corpus)).toBe(text);
  });

  it("read a reused vocabulary's text with its format, and refuse a different one", () => {
    const { vocab } = buildCorpus(text, { tokenizer: 'word', charset: 'all' });
    expect(buildCorpus('the time traveller (for so', { vocab }).tokens).toEqual([
      'the',
      'time',
      'traveller',
      '(',
      'for',
      'so',
    ]);
    expect(() => buildCorpus(text, { vocab, tokenizer: 'char' })).toThrow(
      /buildCorpus: tokenizer char differs from the vocabulary's \(word\)/,
    );
  });

  it('windows stride tokens apart, and a split by fraction', () => {
    const corpusText = 'abcdefghijklmnopqrstuvwxyz'.repeat(4); // 104 tokens
    const data = new TimeMachine({
      text: corpusText,
      batchSize: 4,
      numSteps: 8,
      stride: 8,
      valFraction: 0.25,
      seed: 1,
    });
    // Windows of 9 tokens starting 0, 8, ..., 88: 12 of them; the last quarter (3) validates.
    expect(data.numWindows).toBe(12);
    expect(data.numTrain).toBe(9);
    expect(data.numVal).toBe(3);
    expect(data.vocab.decode(data.window(1).X)).toBe('ijklmnop');
    expect(data.vocab.decode(data.window(1).Y)).toBe('jklmnopq');
    const seen = [...data.trainBatches()].flatMap((b) => {
      const starts = [];
      for (let r = 0; r < b.batchSize; r++) starts.push(data.vocab.decode(b.X.subarray(r * 8, r * 8 + 1)));
      return starts;
    });
    // Windows 0..8 start at tokens 0, 8, ..., 64 (letters a, i, q, y, g, o, w, e, m), each once.
    expect(seen.sort()).toEqual(['a', 'e', 'g', 'i', 'm', 'o', 'q', 'w', 'y']);
    const val = [...data.valBatches()];
    expect(val.map((b) => data.vocab.decode(b.X.subarray(0, 8)))).toEqual(['uvwxyzab']); // window 9 starts at 72
    expect(() => new TimeMachine({ text: corpusText, batchSize: 4, numSteps: 8, valFraction: 1.5 })).toThrow(
      /valFraction must be in \(0, 1\), got 1.5/,
    );
    expect(
      () => new TimeMachine({ text: corpusText, batchSize: 4, numSteps: 8, valFraction: 0.5, numTrain: 3 }),
    ).toThrow(/either valFraction or numTrain and numVal/);
    expect(() => new TimeMachine({ text: 'abc', batchSize: 4, numSteps: 8, valFraction: 0.5 })).toThrow(
      /too few to split/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { preprocess, tokenize, tokenizeChars, tokenizeWords } from '../../src/data/tokenize.js';
import { compareCodePoints, UNK_TOKEN, Vocab } from '../../src/data/vocab.js';

describe('preprocess / tokenize (d2l: re.sub("[^A-Za-z]+", " ", text).lower())', () => {
  it('turns each run of non-letters into one space and lowercases', () => {
    expect(preprocess('The Time Machine, by H. G. Wells [1898]\n\n\n\nI')).toBe('the time machine by h g wells i');
    expect(preprocess('of man.\n')).toBe('of man ');
    expect(preprocess('--Hello,  World!--')).toBe(' hello world ');
    expect(preprocess("it's 42")).toBe('it s ');
    expect(preprocess('')).toBe('');
  });

  it('treats non-ASCII letters as non-letters, as the ASCII class [A-Za-z] does in Python', () => {
    expect(preprocess('Café au lait')).toBe('caf au lait');
    expect(preprocess('a\u{1F600}\u{1F600}b')).toBe('a b'); // one astral run -> one space
  });

  it('splits characters by code point (list(text)) and words on whitespace (text.split())', () => {
    expect(tokenizeChars('ab c')).toEqual(['a', 'b', ' ', 'c']);
    expect(tokenizeChars('a\u{1F600}')).toEqual(['a', '\u{1F600}']);
    expect(tokenizeWords(' the time  machine ')).toEqual(['the', 'time', 'machine']);
    expect(tokenizeWords('')).toEqual([]);
    expect(tokenize('ab', 'char')).toEqual(['a', 'b']);
    expect(tokenize('a b', 'word')).toEqual(['a', 'b']);
    expect(() => tokenize('a', 'bpe' as never)).toThrow(/'char' or 'word'/);
  });
});

describe('Vocab', () => {
  it('indexes the sorted set of <unk>, reserved tokens and tokens (code point order, not frequency)', () => {
    const vocab = new Vocab(['b', 'a', 'b', ' ', 'c', 'b', 'a']);
    expect(vocab.idxToToken).toEqual([' ', '<unk>', 'a', 'b', 'c']);
    expect(vocab.length).toBe(5);
    expect(vocab.unk).toBe(1);
    expect(vocab.indexOf(' ')).toBe(0);
    expect(vocab.indexOf('c')).toBe(4);
    for (const [token, index] of vocab.tokenToIdx) expect(vocab.idxToToken[index]).toBe(token);
    expect(vocab.tokenToIdx.size).toBe(vocab.length);
  });

  it('sorts token frequencies descending, ties in first-occurrence order', () => {
    const vocab = new Vocab(['x', 'y', 'z', 'y', 'x', 'w', 'z', 'q', 'w', 'w']);
    // counts: x 2, y 2, z 2, w 3, q 1; x, y, z tie and keep the order they first appeared in.
    expect(vocab.tokenFreqs).toEqual([
      ['w', 3],
      ['x', 2],
      ['y', 2],
      ['z', 2],
      ['q', 1],
    ]);
  });

  it('flattens a list of token lists', () => {
    const nested = new Vocab([
      ['the', 'cat'],
      ['the', 'hat'],
    ]);
    const flat = new Vocab(['the', 'cat', 'the', 'hat']);
    expect(nested.idxToToken).toEqual(flat.idxToToken);
    expect(nested.tokenFreqs).toEqual(flat.tokenFreqs);
    expect(nested.idxToToken).toEqual(['<unk>', 'cat', 'hat', 'the']);
  });

  it('drops tokens below minFreq (they map to <unk>) and always keeps reserved tokens', () => {
    const vocab = new Vocab(['a', 'a', 'b', 'c', 'c', 'c'], { minFreq: 2, reservedTokens: ['<pad>', '<eos>'] });
    expect(vocab.idxToToken).toEqual(['<eos>', '<pad>', '<unk>', 'a', 'c']);
    expect(vocab.indexOf('b')).toBe(vocab.unk);
    expect(vocab.unk).toBe(2);
    // tokenFreqs still counts every token (d2l keeps the full Counter there).
    expect(vocab.tokenFreqs).toEqual([
      ['c', 3],
      ['a', 2],
      ['b', 1],
    ]);
    // A reserved token that also occurs in the text appears once.
    expect(new Vocab(['<pad>', 'a'], { reservedTokens: ['<pad>'] }).idxToToken).toEqual(['<pad>', '<unk>', 'a']);
  });

  it('an empty vocabulary has only <unk>', () => {
    const vocab = new Vocab();
    expect(vocab.idxToToken).toEqual([UNK_TOKEN]);
    expect(vocab.indexOf('anything')).toBe(0);
    expect(vocab.tokenFreqs).toEqual([]);
  });

  it('get() takes a token or a list; unknown tokens map to unk', () => {
    const vocab = new Vocab(Array.from('hello world'));
    expect(vocab.get('l')).toBe(vocab.indexOf('l'));
    expect(vocab.get(['h', 'e', '?'])).toEqual([vocab.indexOf('h'), vocab.indexOf('e'), vocab.unk]);
    expect(vocab.get([])).toEqual([]);
    expect(Array.from(vocab.encode(['w', 'Z']))).toEqual([vocab.indexOf('w'), vocab.unk]);
    // Object keys are not special (a Map, not a plain object).
    expect(vocab.indexOf('constructor')).toBe(vocab.unk);
    expect(vocab.indexOf('__proto__')).toBe(vocab.unk);
  });

  it('toTokens inverts get(): a number gives a token, an array gives an array', () => {
    const vocab = new Vocab(Array.from('time machine'));
    const tokens = Array.from('machine time');
    expect(vocab.toTokens(vocab.get(tokens))).toEqual(tokens);
    expect(vocab.toTokens(Int32Array.from(vocab.get(tokens)))).toEqual(tokens);
    expect(vocab.toTokens(vocab.unk)).toBe('<unk>');
    expect(vocab.toTokens([vocab.indexOf('m')])).toEqual(['m']);
    expect(() => vocab.toTokens(vocab.length)).toThrow(RangeError);
    expect(() => vocab.toTokens([-1])).toThrow(RangeError);
    expect(() => vocab.toTokens(0.5)).toThrow(RangeError);
  });

  it('orders by code point as Python does, also above U+FFFF (where UTF-16 order differs)', () => {
    const astral = '\u{1F600}'; // code point 0x1F600, UTF-16 starts with 0xD83D
    const highBmp = '\uFF21'; // code point 0xFF21, above 0xD83D as a code unit, below 0x1F600 as a code point
    const vocab = new Vocab([astral, highBmp, 'a']);
    expect(vocab.idxToToken).toEqual(['<unk>', 'a', highBmp, astral]);
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('b', 'abc')).toBeGreaterThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
  });

  it('its arrays are frozen', () => {
    const vocab = new Vocab(['a']);
    expect(Object.isFrozen(vocab.idxToToken)).toBe(true);
    expect(Object.isFrozen(vocab.tokenFreqs)).toBe(true);
  });

  it('rejects a minFreq that is not a number', () => {
    expect(() => new Vocab(['a'], { minFreq: Number.NaN })).toThrow(RangeError);
  });
});

describe('Vocab serialisation', () => {
  it('round-trips through JSON with the same indices and frequencies', () => {
    const vocab = new Vocab(Array.from('the time traveller'), { reservedTokens: ['<eos>'] });
    const restored = Vocab.fromJSON(JSON.parse(JSON.stringify(vocab)));
    expect(restored).toBeInstanceOf(Vocab);
    expect(restored.idxToToken).toEqual(vocab.idxToToken);
    expect(restored.tokenFreqs).toEqual(vocab.tokenFreqs);
    expect(restored.unk).toBe(vocab.unk);
    expect(restored.get(Array.from('tree?'))).toEqual(vocab.get(Array.from('tree?')));
    expect(Vocab.fromJSON(JSON.stringify(vocab)).idxToToken).toEqual(vocab.idxToToken);
  });

  it('keeps a stored index order as is, even when it is not sorted', () => {
    const restored = Vocab.fromJSON({ format: 'lstm-simd.vocab', version: 1, idxToToken: ['z', '<unk>', 'a'] });
    expect(restored.indexOf('z')).toBe(0);
    expect(restored.unk).toBe(1);
    expect(restored.indexOf('a')).toBe(2);
    expect(restored.tokenFreqs).toEqual([]);
  });

  it('rejects what is not a serialised vocabulary', () => {
    const base = { format: 'lstm-simd.vocab', version: 1 };
    expect(() => Vocab.fromJSON(null)).toThrow(/not a serialised vocabulary/);
    expect(() => Vocab.fromJSON({ idxToToken: ['<unk>'] })).toThrow(/not a serialised vocabulary/);
    expect(() => Vocab.fromJSON({ ...base, version: 2, idxToToken: ['<unk>'] })).toThrow(/version/);
    expect(() => Vocab.fromJSON({ ...base, idxToToken: ['a', 1] })).toThrow(/array of strings/);
    expect(() => Vocab.fromJSON({ ...base, idxToToken: ['a', 'a', '<unk>'] })).toThrow(/duplicate/);
    expect(() => Vocab.fromJSON({ ...base, idxToToken: ['a'] })).toThrow(/<unk>/);
    expect(() => Vocab.fromJSON({ ...base, idxToToken: ['<unk>'], tokenFreqs: [['a']] })).toThrow(/tokenFreqs/);
  });
});

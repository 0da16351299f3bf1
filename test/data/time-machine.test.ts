// Facts from d2l (docs: shared/reference/d2l.md §3): the book's printed outputs
// and counts computed from the corpus with d2l's Python code.

import { describe, expect, it } from 'vitest';
import { buildCorpus, TimeMachine, type TokenBatch } from '../../src/data/time-machine.js';
import { preprocess, tokenizeWords } from '../../src/data/tokenize.js';
import { Vocab } from '../../src/data/vocab.js';
import { readCorpusText } from '../support/corpus.js';

// Read inside each test: when the corpus cannot be found, every such test fails with the message.
let rawText: string | undefined;
const raw = (): string => (rawText ??= readCorpusText());

function collect(batches: Iterable<TokenBatch>): TokenBatch[] {
  return Array.from(batches);
}

describe('the Time Machine corpus (real text)', () => {
  it('preprocesses as d2l prints it: starts with the title, ends with " of man "', () => {
    const text = preprocess(raw());
    expect(text.startsWith('the time machine by h g wells i the time traveller for so it')).toBe(true);
    expect(text.endsWith(' of man ')).toBe(true);
    expect(/^[a-z ]*$/.test(text)).toBe(true);
    expect(text.includes('  ')).toBe(false);
  });

  it('has 173,428 character tokens and 28 vocabulary entries: " "=0, <unk>=1, a..z=2..27', () => {
    const { corpus, vocab, tokens } = buildCorpus(raw());
    expect(corpus.length).toBe(173_428);
    expect(tokens.length).toBe(173_428);
    expect(vocab.length).toBe(28);
    expect(vocab.idxToToken).toEqual([' ', '<unk>', ...'abcdefghijklmnopqrstuvwxyz']);
    expect(vocab.unk).toBe(1);
    // d2l's vocab[tokens[:10]] for t,h,e, ,t,i,m,e, ,m
    expect(tokens.slice(0, 10)).toEqual(Array.from('the time m'));
    expect(vocab.get(tokens.slice(0, 10))).toEqual([21, 9, 6, 0, 21, 10, 14, 6, 0, 14]);
    expect(Array.from(corpus.subarray(0, 10))).toEqual([21, 9, 6, 0, 21, 10, 14, 6, 0, 14]);
    expect(corpus.includes(vocab.unk)).toBe(false);
  });

  it('character frequencies: " " 32775, e 17838, t 13515, a 11704, i 10138, n 9917, o 9758, s 8486, h 8257, r 7674', () => {
    const { vocab } = buildCorpus(raw());
    expect(vocab.tokenFreqs.slice(0, 10)).toEqual([
      [' ', 32775],
      ['e', 17838],
      ['t', 13515],
      ['a', 11704],
      ['i', 10138],
      ['n', 9917],
      ['o', 9758],
      ['s', 8486],
      ['h', 8257],
      ['r', 7674],
    ]);
    expect(vocab.tokenFreqs.reduce((sum, [, count]) => sum + count, 0)).toBe(173_428);
  });

  it('word frequencies as the book prints them: the 2261, i 1267, and 1245, of 1155, ...', () => {
    const vocab = new Vocab(tokenizeWords(preprocess(raw())));
    expect(vocab.tokenFreqs.slice(0, 10)).toEqual([
      ['the', 2261],
      ['i', 1267],
      ['and', 1245],
      ['of', 1155],
      ['a', 816],
      ['to', 695],
      ['was', 552],
      ['in', 541],
      ['that', 443],
      ['my', 440],
    ]);
    const data = new TimeMachine({
      text: raw(),
      tokenizer: 'word',
      batchSize: 8,
      numSteps: 5,
      numTrain: 100,
      numVal: 50,
      seed: 1,
    });
    expect(data.vocab.idxToToken).toEqual(vocab.idxToToken);
    expect(data.vocab.toTokens(Array.from(data.corpus.subarray(0, 4)))).toEqual(['the', 'time', 'machine', 'by']);
  });
});

describe('TimeMachine windows and batches (real text)', () => {
  it('with numSteps 32 has 173,396 stride-1 windows with Y = X shifted by one', () => {
    const data = new TimeMachine({ text: raw(), batchSize: 1024, numSteps: 32, seed: 0 });
    expect(data.numWindows).toBe(173_396);
    const { corpus } = data;
    for (const i of [0, 1, 9_999, 10_000, 14_999, 173_395]) {
      const { X, Y } = data.window(i);
      expect(X.length).toBe(32);
      expect(Y.length).toBe(32);
      expect(Array.from(X)).toEqual(Array.from(corpus.slice(i, i + 32)));
      expect(Array.from(Y.subarray(0, 31))).toEqual(Array.from(X.subarray(1)));
      expect(Y[31]).toBe(corpus[i + 32]);
    }
    expect(() => data.window(173_396)).toThrow(RangeError);
    expect(() => data.window(-1)).toThrow(RangeError);
  });

  it('batch 1024: 10 train batches (9 x 1024 + 784) and 5 val batches (4 x 1024 + 904)', () => {
    const data = new TimeMachine({ text: raw(), batchSize: 1024, numSteps: 32, seed: 0 });
    expect(data.numTrainBatches).toBe(10);
    expect(data.numValBatches).toBe(5);
    const train = collect(data.trainBatches());
    const val = collect(data.valBatches());
    expect(train.map((b) => b.batchSize)).toEqual([...Array(9).fill(1024), 784]);
    expect(val.map((b) => b.batchSize)).toEqual([...Array(4).fill(1024), 904]);
    for (const b of [...train, ...val]) {
      expect(b.numSteps).toBe(32);
      expect(b.X.length).toBe(b.batchSize * 32);
      expect(b.Y.length).toBe(b.batchSize * 32);
    }
  });

  it('an epoch of training batches holds each window of [0, numTrain) exactly once, rows (B, T) row-major', () => {
    const T = 32;
    const data = new TimeMachine({ text: raw(), batchSize: 1024, numSteps: T, seed: 5 });
    // Identify each row by its start in the corpus: the first 10,032 characters contain repeated
    // substrings, so match rows against the windows with a key of all T + 1 tokens.
    const key = (x: Int32Array, y: Int32Array) => `${x.join(',')}|${y[T - 1]}`;
    const expected = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const { X, Y } = data.window(i);
      const k = key(X, Y);
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    const seen = new Map<string, number>();
    let rows = 0;
    for (const batch of data.trainBatches()) {
      for (let r = 0; r < batch.batchSize; r++) {
        const x = batch.X.subarray(r * T, (r + 1) * T);
        const y = batch.Y.subarray(r * T, (r + 1) * T);
        expect(Array.from(y.subarray(0, T - 1))).toEqual(Array.from(x.subarray(1)));
        const k = key(x, y);
        seen.set(k, (seen.get(k) ?? 0) + 1);
        rows++;
      }
    }
    expect(rows).toBe(10_000);
    expect(seen).toEqual(expected);
  });

  it('training order follows trainOrder(epoch); validation is windows [numTrain, numTrain + numVal) in order', () => {
    const T = 10;
    const data = new TimeMachine({ text: raw(), batchSize: 64, numSteps: T, seed: 17 });
    const order = data.trainOrder(0);
    const train = collect(data.trainBatches());
    let row = 0;
    for (const batch of train) {
      for (let r = 0; r < batch.batchSize; r++, row++) {
        expect(Array.from(batch.X.subarray(r * T, (r + 1) * T))).toEqual(Array.from(data.window(order[row]).X));
        expect(Array.from(batch.Y.subarray(r * T, (r + 1) * T))).toEqual(Array.from(data.window(order[row]).Y));
      }
    }
    row = 0;
    for (const batch of data.valBatches()) {
      for (let r = 0; r < batch.batchSize; r++, row++) {
        const { X, Y } = data.window(10_000 + row);
        expect(Array.from(batch.X.subarray(r * T, (r + 1) * T))).toEqual(Array.from(X));
        expect(Array.from(batch.Y.subarray(r * T, (r + 1) * T))).toEqual(Array.from(Y));
      }
    }
    expect(row).toBe(5_000);
  });

  it("the book's sample X[0] = 'ication sa' (batch 2, steps 10) is a training window with its printed Y", () => {
    const data = new TimeMachine({ text: raw(), batchSize: 2, numSteps: 10, seed: 0 });
    const bookX = [10, 4, 2, 21, 10, 16, 15, 0, 20, 2];
    const bookY = [4, 2, 21, 10, 16, 15, 0, 20, 2, 10];
    expect(data.vocab.toTokens(bookX).join('')).toBe('ication sa');
    let found = -1;
    for (let i = 0; i < data.numTrain && found < 0; i++) {
      if (data.window(i).X.every((v, t) => v === bookX[t])) found = i;
    }
    expect(found).toBeGreaterThanOrEqual(0);
    expect(Array.from(data.window(found).Y)).toEqual(bookY);
  });

  it('reshuffles every epoch, reproducibly from the seed; validation never changes', () => {
    const options = { text: raw(), batchSize: 1000, numSteps: 8, seed: 99 };
    const a = new TimeMachine(options);
    const b = new TimeMachine(options);
    const firstRows = (data: TimeMachine) => Array.from(collect(data.trainBatches())[0].X.subarray(0, 64));
    const a0 = firstRows(a);
    const a1 = firstRows(a);
    expect(a.epoch).toBe(2);
    expect(a0).not.toEqual(a1);
    expect(firstRows(b)).toEqual(a0);
    expect(firstRows(b)).toEqual(a1);
    // Resuming at epoch 1 replays epoch 1.
    const c = new TimeMachine(options);
    c.epoch = 1;
    expect(firstRows(c)).toEqual(a1);
    expect(Array.from(a.trainOrder(0))).toEqual(Array.from(b.trainOrder(0)));
    const otherSeed = new TimeMachine({ ...options, seed: 100 });
    expect(Array.from(otherSeed.trainOrder(0))).not.toEqual(Array.from(a.trainOrder(0)));
    const val = (data: TimeMachine) => collect(data.valBatches()).map((batch) => Array.from(batch.X));
    expect(val(a)).toEqual(val(b));
    expect(val(a)).toEqual(val(a));
    // getDataloader(train) is d2l's spelling of the same two iterators.
    expect(collect(a.getDataloader(false)).length).toBe(5);
    expect(collect(a.getDataloader(true)).length).toBe(10);
  });

  it('a training order is a permutation of [0, numTrain)', () => {
    const data = new TimeMachine({ text: raw(), batchSize: 32, numSteps: 4, seed: 3 });
    const order = Array.from(data.trainOrder(7)).sort((x, y) => x - y);
    expect(order).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  it('without a seed picks one and reports it', () => {
    const data = new TimeMachine({ text: raw(), batchSize: 32, numSteps: 4 });
    expect(Number.isSafeInteger(data.seed)).toBe(true);
    const again = new TimeMachine({ text: raw(), batchSize: 32, numSteps: 4, seed: data.seed });
    expect(Array.from(again.trainOrder(0))).toEqual(Array.from(data.trainOrder(0)));
  });

  it('reuses a given vocabulary (a checkpoint’s), mapping tokens it lacks to <unk>', () => {
    const vocab = new Vocab(Array.from('abc '));
    const data = new TimeMachine({ text: raw(), batchSize: 4, numSteps: 4, seed: 0, vocab });
    expect(data.vocab).toBe(vocab);
    expect(data.vocab.toTokens(Array.from(data.corpus.subarray(0, 4)))).toEqual(['<unk>', '<unk>', '<unk>', ' ']);
  });
});

describe('TimeMachine on small texts', () => {
  const text = 'abcdefghij'; // 10 tokens, ids a=1 .. j=10 (<unk> = 0)

  it('builds windows of numSteps + 1 tokens and keeps the last partial batch', () => {
    const data = new TimeMachine({ text, batchSize: 2, numSteps: 3, numTrain: 5, numVal: 2, seed: 1 });
    expect(data.numWindows).toBe(7);
    expect(data.numTrainBatches).toBe(3);
    expect(data.numValBatches).toBe(1);
    const val = collect(data.valBatches());
    expect(val).toHaveLength(1);
    expect(data.vocab.toTokens(Array.from(val[0].X)).join('')).toBe('fghghi');
    expect(data.vocab.toTokens(Array.from(val[0].Y)).join('')).toBe('ghihij');
    const train = collect(data.trainBatches());
    expect(train.map((b) => b.batchSize)).toEqual([2, 2, 1]);
  });

  it('accepts numTrain + numVal + numSteps == corpus length, rejects one more', () => {
    expect(() => new TimeMachine({ text, batchSize: 1, numSteps: 3, numTrain: 5, numVal: 2 })).not.toThrow();
    expect(() => new TimeMachine({ text, batchSize: 1, numSteps: 3, numTrain: 5, numVal: 3 })).toThrow(
      /numTrain \+ numVal = 8 windows do not fit: a corpus of 10 tokens has 7 windows/,
    );
    expect(() => new TimeMachine({ text: '', batchSize: 1, numSteps: 1, numTrain: 1, numVal: 0 })).toThrow(
      /corpus of 0 tokens/,
    );
    expect(() => new TimeMachine({ text, batchSize: 1, numSteps: 3 })).toThrow(/numTrain \+ numVal = 15000/);
  });

  it('numVal 0 gives no validation batches', () => {
    const data = new TimeMachine({ text, batchSize: 4, numSteps: 2, numTrain: 8, numVal: 0, seed: 0 });
    expect(data.numValBatches).toBe(0);
    expect(collect(data.valBatches())).toEqual([]);
  });

  it('validates its arguments with clear errors', () => {
    const ok = { text, batchSize: 1, numSteps: 2, numTrain: 4, numVal: 2 };
    expect(() => new TimeMachine({ ...ok, batchSize: 0 })).toThrow(/batchSize must be an integer >= 1, got 0/);
    expect(() => new TimeMachine({ ...ok, batchSize: 1.5 })).toThrow(/batchSize/);
    expect(() => new TimeMachine({ ...ok, numSteps: 0 })).toThrow(/numSteps must be an integer >= 1/);
    expect(() => new TimeMachine({ ...ok, numTrain: 0 })).toThrow(/numTrain must be an integer >= 1/);
    expect(() => new TimeMachine({ ...ok, numVal: -1 })).toThrow(/numVal must be an integer >= 0/);
    expect(() => new TimeMachine({ ...ok, numSteps: Number.NaN })).toThrow(/numSteps/);
    expect(() => new TimeMachine({ ...ok, seed: 0.5 })).toThrow(/seed/);
    expect(() => new TimeMachine({ ...ok, text: undefined as unknown as string })).toThrow(/text must be/);
    expect(() => new TimeMachine({ ...ok, tokenizer: 'bytes' as never })).toThrow(/'char' or 'word'/);
    const data = new TimeMachine(ok);
    expect(() => (data.epoch = -1)).toThrow(/epoch/);
    expect(() => data.trainOrder(1.5)).toThrow(/epoch/);
  });

  it('gives fresh arrays per batch, so keeping a batch is safe', () => {
    const data = new TimeMachine({ text, batchSize: 2, numSteps: 2, numTrain: 6, numVal: 2, seed: 4 });
    const batches = collect(data.trainBatches());
    const copies = batches.map((b) => Array.from(b.X));
    collect(data.trainBatches());
    expect(batches.map((b) => Array.from(b.X))).toEqual(copies);
    expect(new Set(batches.map((b) => b.X.buffer)).size).toBe(batches.length);
  });
});

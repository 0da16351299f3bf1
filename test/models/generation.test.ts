// Generation options: the token sampler (temperature, top-k, top-p, an excluded token) against the
// distributions it must draw from; predict/sample/stream reading a prefix as the vocabulary reads
// text (d2l's lowercase letters, words), refusing unknown prefix tokens by name, never printing
// <unk>; stream yielding exactly sample's (or predict's) tokens, on a persistent state, freeing its
// memory when the loop breaks; the onToken callback.

import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/index.js';
import { Vocab } from '../../src/data/vocab.js';
import { GRU } from '../../src/layers/gru.js';
import { LSTM } from '../../src/layers/lstm.js';
import { RNN } from '../../src/layers/rnn.js';
import { LSTMScratch } from '../../src/models/lstm-scratch.js';
import { RNNLM } from '../../src/models/rnnlm.js';
import { RNNLMScratch } from '../../src/models/rnnlm-scratch.js';
import { argmaxExcept, sampleToken, tokenFilter, type SamplingOptions } from '../../src/models/sampling.js';
import { endStep } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';
import { kernelVariants } from '../support/backends.js';

/** Frequencies of `draws` samples of sampleToken. */
function frequencies(logits: number[], options: SamplingOptions, exclude = -1, draws = 20_000): number[] {
  const random = new Random(11);
  const filter = tokenFilter(options, 'test');
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampleToken(logits, filter, random, exclude)]++;
  return counts.map((c) => c / draws);
}

/** softmax(x) restricted to `keep` (indices), renormalised. */
function restrictedSoftmax(x: number[], keep: number[]): number[] {
  const weights = x.map((v, i) => (keep.includes(i) ? Math.exp(v) : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

/** Each frequency within 4.5 standard errors of its probability (20,000 draws). */
function expectDrawnFrom(freqs: number[], probs: number[]): void {
  probs.forEach((p, i) => {
    const se = Math.sqrt((p * (1 - p)) / 20_000);
    expect(Math.abs(freqs[i] - p), `token ${i}: ${freqs[i]} vs ${p}`).toBeLessThanOrEqual(4.5 * se + 1e-12);
  });
}

describe('the token sampler', () => {
  const logits = [2, 1, 0.5, -1, 0.2];

  it('draws from softmax(logits / temperature)', () => {
    expectDrawnFrom(frequencies(logits, {}), restrictedSoftmax(logits, [0, 1, 2, 3, 4]));
    const hot = logits.map((l) => l / 2);
    expectDrawnFrom(frequencies(logits, { temperature: 2 }), restrictedSoftmax(hot, [0, 1, 2, 3, 4]));
  });

  it('top-k keeps the k most likely, top-p the smallest set reaching p, and never the excluded token', () => {
    expectDrawnFrom(frequencies(logits, { topK: 2 }), restrictedSoftmax(logits, [0, 1]));
    // Sorted probabilities 0.554, 0.204, 0.124, 0.092, 0.028 (cumulative 0.554, 0.757, 0.881, ...):
    // 0.7 needs tokens 0 and 1, 0.8 also 2; with token 1 excluded (0.695, 0.155, 0.115, 0.035 for
    // 0, 2, 4, 3; cumulative 0.695, 0.850, 0.965), 0.9 needs 0, 2 and 4.
    expectDrawnFrom(frequencies(logits, { topP: 0.7 }), restrictedSoftmax(logits, [0, 1]));
    expectDrawnFrom(frequencies(logits, { topP: 0.8 }), restrictedSoftmax(logits, [0, 1, 2]));
    expectDrawnFrom(frequencies(logits, { topP: 0.9 }, 1), restrictedSoftmax(logits, [0, 2, 4]));
    expectDrawnFrom(frequencies(logits, { topK: 3, topP: 0.99 }, 0), restrictedSoftmax(logits, [1, 2, 4]));
    expect(frequencies(logits, { topK: 1 })).toEqual([1, 0, 0, 0, 0]);
    expect(frequencies(logits, { topK: 1 }, 0)).toEqual([0, 1, 0, 0, 0]);
    expect(argmaxExcept(logits, -1)).toBe(0);
    expect(argmaxExcept(logits, 0)).toBe(1);
  });

  it('names a bad option', () => {
    expect(() => tokenFilter({ temperature: 0 }, 'sample')).toThrow(/sample: temperature must be positive, got 0/);
    expect(() => tokenFilter({ topK: 0 }, 'sample')).toThrow(/topK must be an integer >= 1, got 0/);
    expect(() => tokenFilter({ topK: 2.5 }, 'sample')).toThrow(/topK must be an integer >= 1, got 2.5/);
    expect(() => tokenFilter({ topP: 0 }, 'sample')).toThrow(/topP must be in \(0, 1\], got 0/);
    expect(() => tokenFilter({ topP: 1.1 }, 'sample')).toThrow(/topP must be in \(0, 1\], got 1.1/);
  });
});

const TEXT = 'the time traveller for so it will be convenient to speak of him was expounding a recondite matter to us';

describe.each(kernelVariants())('$variant: generation through a vocabulary', ({ create }) => {
  it("reads the prefix as d2l's vocabulary reads text, refuses unknown tokens, never prints <unk>", async () => {
    const backend = await create();
    const vocab = new Vocab([...TEXT.replace(/z/g, '')], { tokenizer: 'char' }); // d2l's format, no 'z' ... nor 'q'
    const model = new RNNLM(new LSTM({ numInputs: vocab.length, numHiddens: 16, seed: 1, backend }), {
      vocabSize: vocab.length,
      seed: 2,
    });
    // Capitals and punctuation map visibly (the output shows the prefix as the model read it).
    expect(model.predict('It has, ', 5, vocab).startsWith('it has ')).toBe(true);
    expect(() => model.predict('quiz', 5, vocab)).toThrow(
      /predict: the vocabulary has no "q", "z" \(from the prefix "quiz"\)/,
    );
    expect(() => model.predict('', 5, vocab)).toThrow(/the prefix "" has no token the vocabulary reads/);
    // A model that would love to say <unk>: it is never chosen, greedily or sampled.
    const bias = model.linear.bias.toArray();
    bias[vocab.unk] = 100;
    model.linear.bias.assign(bias);
    expect(model.predict('the', 30, vocab)).not.toContain('<unk>');
    expect(model.sample('the', 30, vocab, { seed: 1, temperature: 5 })).not.toContain('<unk>');
    endStep(backend);
  });

  it('at word level splits the prefix into words and joins the output with spaces', async () => {
    const backend = await create();
    const vocab = new Vocab(TEXT.split(' '), { tokenizer: 'word' });
    const model = new RNNLM(new GRU({ numInputs: 8, numHiddens: 16, seed: 3, backend }), {
      vocabSize: vocab.length,
      embeddingDim: 8,
      seed: 4,
    });
    const out = model.predict('The  time\ttraveller', 6, vocab);
    const words = out.split(' ');
    expect(words).toHaveLength(9);
    expect(words.slice(0, 3)).toEqual(['the', 'time', 'traveller']);
    for (const w of words) expect(vocab.idxToToken).toContain(w);
    expect(() => model.predict('the time machine', 3, vocab)).toThrow(/the vocabulary has no "machine"/);
    endStep(backend);
  });

  it('stream yields the tokens of sample and of predict, piece by piece, and frees its memory on break', async () => {
    const backend = await create();
    const vocab = new Vocab(TEXT.split(' '), { tokenizer: 'word' });
    const model = new RNNLM(new LSTM({ numInputs: 8, numHiddens: 16, numLayers: 2, seed: 5, backend }), {
      vocabSize: vocab.length,
      embeddingDim: 8,
      seed: 6,
    });
    const options = { seed: 7, temperature: 0.9, topK: 10, topP: 0.95 };
    const pieces: string[] = [];
    for await (const piece of model.stream('the time', 12, vocab, options)) pieces.push(piece);
    expect(pieces).toHaveLength(12);
    for (const p of pieces) expect(p).toMatch(/^ \S+$/);
    expect('the time' + pieces.join('')).toBe(model.sample('the time', 12, vocab, options));
    let greedy = '';
    for await (const piece of model.stream('the time', 12, vocab, { greedy: true })) greedy += piece;
    expect('the time' + greedy).toBe(model.predict('the time', 12, vocab));
    // The callback form sees the same pieces, with their indices.
    const seen: [string, number][] = [];
    const text = model.sample('the time', 12, vocab, { ...options, onToken: (piece, id) => seen.push([piece, id]) });
    expect(seen.map(([p]) => p)).toEqual(pieces);
    expect(seen.map(([, id]) => vocab.idxToToken[id])).toEqual(text.split(' ').slice(2));
    // Breaking out after 3 tokens: the stepper's memory is returned.
    endStep(backend);
    const heap = backend.heap.usedBytes;
    let count = 0;
    for await (const piece of model.stream('the', 1000, vocab, { seed: 1 })) {
      expect(piece.length).toBeGreaterThan(0);
      if (++count === 3) break;
    }
    expect(count).toBe(3);
    expect(backend.heap.usedBytes).toBe(heap);
    await expect(async () => {
      for await (const piece of model.stream('the', 3, vocab, { greedy: true, temperature: 2 })) void piece;
    }).rejects.toThrow(/greedy decoding takes no sampling options/);
  });
});

describe.each(kernelVariants())('$variant: fused greedy decoding (one layer, token inputs)', ({ create }) => {
  const vocab = new Vocab([...TEXT], { tokenizer: 'char' });
  type Loop = { generate(prefix: string, n: number, v: Vocab, choose: (l: Float64Array) => number): string };
  for (const Layer of [LSTM, GRU, RNN]) {
    it(`${Layer.name}: predict and a greedy stream give the token-by-token loop's text, and free their memory`, async () => {
      const backend = await create();
      const model = new RNNLM(new Layer({ numInputs: vocab.length, numHiddens: 48, seed: 8, backend }), {
        vocabSize: vocab.length,
        seed: 9,
      });
      // The loop with a plain argmax (not the marked greedy chooser): one stepper step and one
      // output layer per token, the path every other model takes.
      const loop = (model as unknown as Loop).generate('time tr', 150, vocab, (l) => argmaxExcept(l, vocab.unk));
      expect(new Set(loop.slice(7)).size, 'some variety').toBeGreaterThan(2);
      endStep(backend);
      const heap = backend.heap.usedBytes;
      expect(model.predict('time tr', 150, vocab)).toBe(loop);
      let streamed = 'time tr';
      for await (const piece of model.stream('time tr', 150, vocab, { greedy: true })) streamed += piece;
      expect(streamed).toBe(loop);
      let count = 0;
      for await (const piece of model.stream('time tr', 1000, vocab, { greedy: true }))
        if (piece && ++count === 20) break;
      expect(count).toBe(20);
      expect(backend.heap.usedBytes, 'memory returned').toBe(heap);
    });
  }
});

describe('generation on a scratch model (d2l loop)', async () => {
  const backend = await createBackend('js');

  it('streams the same characters as sample, and top-k 1 is predict', async () => {
    const vocab = new Vocab([...TEXT], { tokenizer: 'char' });
    const model = new RNNLMScratch(new LSTMScratch(vocab.length, 16, 0.5, { seed: 8, backend }), {
      vocabSize: vocab.length,
      seed: 9,
    });
    let streamed = '';
    for await (const piece of model.stream('the', 20, vocab, { seed: 3 })) streamed += piece;
    expect('the' + streamed).toBe(model.sample('the', 20, vocab, { seed: 3 }));
    expect(model.sample('the', 20, vocab, { seed: 4, topK: 1 })).toBe(model.predict('the', 20, vocab));
    endStep(backend);
  });
});

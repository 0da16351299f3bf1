// Importing language models trained in real PyTorch (scripts/torch-golden/layers.py): d2l's concise
// RNNLM (its nn.LSTM wrapped, names 'rnn.rnn.*', one-hot inputs) and an nn.Embedding + 2-layer nn.GRU
// + nn.Linear, each saved as safetensors with its vocabulary as a JSON token list. The imported model's
// logits must match torch's within 1e-5; the architecture comes from the names and shapes alone, and
// what does not fit is refused with a message that says what was expected. Also: the files the package
// wrote for the check the other way (torch's load_state_dict(strict=True), run by the script) still
// load and give the logits the script compared against.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createBackend,
  decodeSafetensors,
  ImportError,
  importTorchLanguageModel,
  importTorchStateDict,
  loadModel,
  saveModel,
  Vocab,
  type Backend,
  type NamedTensor,
} from '../../src/internal.js';
import { maxDiff } from '../support/compare.js';
import { evalLogits } from '../support/logits.js';

const fixtures = join(__dirname, '../fixtures/torch');
const read = (file: string) => readFileSync(join(fixtures, file));
const vocabText = () => readFileSync(join(fixtures, 'lm-vocab.json'), 'utf8');

describe('PyTorch import', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend('wasm');
  });

  it.each([
    ['lm-lstm-d2l', { kind: 'lstm', numHiddens: 32, numLayers: 1, bidirectional: false }, 'rnn.rnn.weight_ih_l0'],
    ['lm-gru-embedding', { kind: 'gru', numHiddens: 24, numLayers: 2, embeddingDim: 16 }, 'rnn.weight_ih_l0'],
  ])('%s: infers the architecture and gives torch’s logits within 1e-5', (name, expected, firstName) => {
    const { model, spec, vocab, names } = importTorchLanguageModel(read(`${name}.safetensors`), {
      vocab: vocabText(),
      backend,
    });
    expect(spec).toMatchObject({ ...expected, vocabSize: 28 });
    expect(names.get('rnn.weight_ih_l0')).toBe(firstName);
    expect(vocab!.idxToToken.slice(0, 3)).toEqual([' ', '<unk>', 'a']);
    const golden = decodeSafetensors(read(`${name}.expected.safetensors`)).tensors;
    const X = golden.get('X')!;
    const [batch, steps] = X.shape;
    expect(maxDiff(evalLogits(model, X.data, batch, steps), golden.get('logits')!.data)).toBeLessThan(1e-5);
    // Trained for 150 steps: it has learnt something, so generation produces letters and spaces.
    expect(model.predict('the time ', 20, vocab!)).toMatch(/^the time [a-z ]{20}$/);
    // And it saves as a model file of the package like any other.
    const reloaded = loadModel(saveModel(model, { vocab: vocab! }), { backend });
    expect(evalLogits(reloaded.model, X.data, batch, steps)).toEqual(evalLogits(model, X.data, batch, steps));
    reloaded.model.dispose();
    model.dispose();
  });

  it('takes the vocabulary as a token list, a VocabJSON or a Vocab, and checks its size', () => {
    const bytes = read('lm-lstm-d2l.safetensors');
    const tokens = JSON.parse(vocabText()) as string[];
    const asJson = new Vocab([]).toJSON();
    for (const vocab of [
      tokens,
      { ...asJson, idxToToken: tokens },
      Vocab.fromJSON({ ...asJson, idxToToken: tokens }),
    ]) {
      const imported = importTorchLanguageModel(bytes, { vocab, backend });
      expect(imported.vocab!.length).toBe(28);
      imported.model.dispose();
    }
    expect(() => importTorchLanguageModel(bytes, { vocab: tokens.slice(0, 20), backend })).toThrow(
      /the vocabulary has 20 tokens but the model's output layer 28/,
    );
    expect(() => importTorchLanguageModel(bytes, { vocab: ['a', 'b'], backend })).toThrow(/has no '<unk>'/);
    expect(() => importTorchLanguageModel(bytes, { vocab: '{"a": 1', backend })).toThrow(/not valid JSON/);
  });

  describe('refusals name what was expected', () => {
    let state: Map<string, NamedTensor>;
    beforeAll(() => {
      state = decodeSafetensors(read('lm-gru-embedding.safetensors')).tensors;
    });
    const edited = (edit: (s: Map<string, NamedTensor>) => void) => {
      const copy = new Map(state);
      edit(copy);
      return () => importTorchStateDict(copy, { backend });
    };

    it('no recurrent layer, a missing layer, an unknown gate count, proj_size', () => {
      expect(edited((s) => [...s.keys()].filter((k) => k.startsWith('rnn.')).forEach((k) => s.delete(k)))).toThrow(
        /no recurrent layer found: expected nn.LSTM\/GRU\/RNN weights named '<prefix>weight_hh_l0'/,
      );
      expect(edited((s) => s.delete('rnn.weight_ih_l1'))).toThrow(/missing 'rnn.weight_ih_l1' \(layer 1\)/);
      expect(edited((s) => s.set('rnn.weight_hh_l0', { shape: [48, 24], data: new Float32Array(48 * 24) }))).toThrow(
        /'rnn.weight_hh_l0' has shape \[48, 24\]: expected \(G H, H\) with G = 4 \(LSTM\), 3 \(GRU\) or 1/,
      );
      expect(edited((s) => s.set('rnn.weight_hr_l0', { shape: [2, 24], data: new Float32Array(48) }))).toThrow(
        /proj_size are not supported/,
      );
      expect(edited((s) => s.set('other.rnn.weight_hh_l0', s.get('rnn.weight_hh_l0')!))).toThrow(
        /more than one recurrent layer: weights under 'other.rnn.' and 'rnn.'/,
      );
    });

    it('a transposed output layer or embedding, a stray tensor, an inconsistent layer', () => {
      const w = state.get('linear.weight')!;
      expect(edited((s) => s.set('linear.weight', { shape: [w.shape[1], w.shape[0]], data: w.data }))).toThrow(
        /no output layer found: expected an nn.Linear weight \(V, 24\) with its bias \(V\)/,
      );
      const e = state.get('embedding.weight')!;
      expect(edited((s) => s.set('embedding.weight', { shape: [e.shape[1], e.shape[0]], data: e.data }))).toThrow(
        /layer 0 takes 16 inputs but the vocabulary has 28 tokens, and there is no embedding \(an nn.Embedding weight \[28, 16\]\)/,
      );
      expect(edited((s) => s.set('extra.running_mean', { shape: [3], data: new Float32Array(3) }))).toThrow(
        /unexpected tensors 'extra.running_mean' \[3\]/,
      );
      const hh1 = state.get('rnn.weight_ih_l1')!;
      expect(
        edited((s) => s.set('rnn.weight_ih_l1', { shape: [72, 12], data: hh1.data.subarray(0, 72 * 12) })),
      ).toThrow(/'rnn.weight_ih_l1' has shape \[72, 12\] but a GRU with H = 24, 2 layer\(s\) needs \[72, 24\]/);
      expect(edited((s) => s.set('linear.bias', { shape: [28], data: new Float32Array(28).fill(NaN) }))).toThrow(
        /'linear.bias': value NaN at index 0 is not finite/,
      );
      expect(ImportError.name).toBe('ImportError');
    });

    it('layers without biases (bias=False) import with zero biases', () => {
      const copy = new Map([...state].filter(([k]) => !k.startsWith('rnn.bias')));
      const { model } = importTorchStateDict(copy, { backend });
      expect(
        model
          .parameters()
          .get('rnn.bias_hh_l1')!
          .toArray()
          .every((v) => v === 0),
      ).toBe(true);
      model.dispose();
    });
  });

  it('the files the package wrote for torch (load_state_dict(strict=True)) still give the compared logits', () => {
    const dir = join(fixtures, 'from-js');
    const cases = JSON.parse(readFileSync(join(dir, 'models.json'), 'utf8')) as {
      file: string;
      X: number[][];
      logits: number[];
    }[];
    for (const { file, X, logits } of cases) {
      const { model } = loadModel(readFileSync(join(dir, file)), { backend });
      expect(maxDiff(evalLogits(model, Float32Array.from(X.flat()), X.length, X[0].length), logits), file).toBeLessThan(
        1e-6,
      );
      model.dispose();
    }
  });
});

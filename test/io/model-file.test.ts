// saveModel / loadModel: every model the zoo builds round-trips exactly (spec, vocabulary, parameters
// bit for bit, logits), the model describes itself (no caller spec can disagree with it), and a file
// that does not describe a loadable model is refused before anything is allocated.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  createBackend,
  createLanguageModel,
  describeLanguageModel,
  encodeSafetensors,
  fetchModel,
  loadCheckpoint,
  loadModel,
  LSTM,
  LSTMScratch,
  ParameterStore,
  readSafetensorsHeader,
  RNNLMScratch,
  saveCheckpoint,
  saveModel,
  Vocab,
  type Backend,
  type LanguageModelSpec,
} from '../../src/internal.js';
import { languageModelShapes } from '../../src/models/zoo.js';
import { randomIds } from '../support/backends.js';
import { evalLogits } from '../support/logits.js';

const vocab = new Vocab([...'the time machine by h g wells']);
const V = vocab.length;

const SPECS: LanguageModelSpec[] = [
  { kind: 'lstm-scratch', vocabSize: V, numHiddens: 6, lr: 4, seed: 1 },
  { kind: 'gru-scratch', vocabSize: V, numHiddens: 5, lr: 4, seed: 2 },
  { kind: 'rnn-scratch', vocabSize: V, numHiddens: 7, lr: 1, seed: 3 },
  { kind: 'lstm', vocabSize: V, numHiddens: 6, lr: 4, seed: 4 },
  { kind: 'lstm', vocabSize: V, numHiddens: 4, numLayers: 2, dropout: 0.25, lr: 4, seed: 5 },
  { kind: 'gru', vocabSize: V, numHiddens: 4, numLayers: 2, bidirectional: true, lr: 2, seed: 6 },
  { kind: 'rnn', vocabSize: V, numHiddens: 3, numLayers: 3, bidirectional: true, dropout: 0.5, lr: 1, seed: 7 },
  { kind: 'gru', vocabSize: V, numHiddens: 5, embeddingDim: 3, lr: 1, seed: 8 },
  { kind: 'lstm', vocabSize: V, numHiddens: 4, numLayers: 2, bidirectional: true, embeddingDim: 7, lr: 1, seed: 9 },
];

function withoutSeed(spec: LanguageModelSpec): Omit<LanguageModelSpec, 'seed'> {
  const { seed: _seed, ...rest } = spec;
  return { numLayers: 1, bidirectional: false, dropout: 0, ...rest };
}

describe('model files', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend('wasm');
  });

  it.each(
    SPECS.map(
      (s) =>
        [
          `${s.kind} L${s.numLayers ?? 1}${s.bidirectional ? ' bi' : ''}${s.embeddingDim ? ` emb ${s.embeddingDim}` : ''}`,
          s,
        ] as const,
    ),
  )('%s: the model describes itself and round-trips bit for bit', (_, spec) => {
    const model = createLanguageModel(spec, backend);
    const described = describeLanguageModel(model);
    expect(isScratch(spec) ? described : { ...described }).toEqual(
      isScratch(spec) ? { kind: spec.kind, vocabSize: V, numHiddens: spec.numHiddens, lr: spec.lr } : withoutSeed(spec),
    );
    const bytes = saveModel(model, { vocab });
    const loaded = loadModel(bytes, { backend });
    expect(loaded.spec).toEqual(described);
    expect(loaded.vocab!.idxToToken).toEqual(vocab.idxToToken);
    expect(loaded.training).toBeNull();
    const before = model.stateDict();
    const after = loaded.model.stateDict();
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [name, tensor] of before) expect(after.get(name), name).toEqual(tensor);
    const ids = randomIds(spec.seed!, 10, V);
    expect(evalLogits(loaded.model, ids, 2, 5)).toEqual(evalLogits(model, ids, 2, 5));
    // The dropout rate came back too: it is part of the spec.
    if (spec.dropout) expect((loaded.model.rnn as LSTM).dropout).toBe(spec.dropout);
    loaded.model.dispose();
    model.dispose();
  });

  it('computes every spec’s parameter names and shapes without building the model', () => {
    for (const spec of SPECS) {
      const model = createLanguageModel(spec, backend);
      const built = new Map([...model.parameters()].map(([name, p]) => [name, [...p.shape]]));
      expect([...languageModelShapes(spec)]).toEqual([...built]);
      model.dispose();
    }
  });

  it('keeps loading the files of the first format, and the deprecated saveCheckpoint ignores a wrong spec', () => {
    const spec = SPECS[4];
    const model = createLanguageModel(spec, backend);
    const legacy = encodeSafetensors(model.stateDict(), {
      format: 'lstm-simd/1',
      spec: JSON.stringify(spec),
      vocab: JSON.stringify(vocab.toJSON()),
    });
    const loaded = loadCheckpoint(legacy, backend);
    expect(loaded.model.stateDict()).toEqual(model.stateDict());
    // Before, a spec that disagreed with the model (here: one layer) wrote a file that could not be loaded.
    const bytes = saveCheckpoint(model, { ...spec, numLayers: 1 }, vocab);
    expect(loadModel(bytes, { backend }).spec.numLayers).toBe(2);
  });

  it('fetchModel loads from a URL (browsers); an HTTP error says which', async () => {
    const model = createLanguageModel(SPECS[3], backend);
    const bytes = saveModel(model, { vocab });
    const fetch = (async (url: string) =>
      url.endsWith('lm.safetensors')
        ? new Response(bytes)
        : new Response('no', { status: 404 })) as typeof globalThis.fetch;
    const loaded = await fetchModel('https://example.test/lm.safetensors', { fetch, backend });
    expect(loaded.model.stateDict()).toEqual(model.stateDict());
    await expect(fetchModel('https://example.test/missing', { fetch, backend })).rejects.toThrow(
      /GET https:\/\/example.test\/missing failed: HTTP 404/,
    );
    loaded.model.dispose();
    model.dispose();
  });

  it('stores a training state and its tensors beside the model', () => {
    const model = createLanguageModel(SPECS[3], backend);
    const state = { epoch: 3, history: [{ loss: 1.5 }], randomStates: { 'rnn.dropout': 12345 } };
    const moment = { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) };
    const bytes = saveModel(model, { vocab, training: { state, tensors: new Map([['exp_avg.linear.bias', moment]]) } });
    const { training } = loadModel(bytes, { backend });
    expect(training!.state).toEqual(state);
    expect(training!.tensors.get('exp_avg.linear.bias')).toEqual(moment);
  });

  it('refuses models it cannot describe, vocabularies of the wrong size and reserved metadata', () => {
    const custom = new RNNLMScratch(new LSTMScratch(3, 4, 0.01, { backend, seed: 1 }), { vocabSize: V });
    expect(() => saveModel(custom)).toThrow(/one-hot tokens \(numInputs = vocabSize\), got 3 inputs/);
    const scratchHeadOverFused = new RNNLMScratch(new LSTM({ numInputs: V, numHiddens: 3, backend }), { vocabSize: V });
    expect(() => saveModel(scratchHeadOverFused)).toThrow(/cannot describe RNNLMScratch over LSTM/);
    const model = createLanguageModel(SPECS[0], backend);
    expect(() => saveModel(model, { vocab: new Vocab([...'ab']) })).toThrow(/vocabulary has 3 tokens but the model/);
    expect(() => saveModel(model, { metadata: { sha256: 'x' } })).toThrow(/'sha256' is reserved/);
  });

  describe('refusals', () => {
    let good: Uint8Array;
    let spec: LanguageModelSpec;
    beforeAll(() => {
      spec = SPECS[5];
      good = saveModel(createLanguageModel(spec, backend), { vocab });
    });

    /** The file with its metadata edited (tensors unchanged, checksum kept). */
    function withMetadata(edit: (metadata: Record<string, string>) => void): Uint8Array {
      const loaded = loadModel(good, { backend });
      const metadata = { ...loaded.metadata };
      edit(metadata);
      const bytes = encodeSafetensors(loaded.model.stateDict(), metadata);
      loaded.model.dispose();
      return bytes;
    }

    function refused(bytes: Uint8Array, pattern: RegExp): void {
      const store = ParameterStore.of(backend);
      const live = store.liveElements;
      const heapUsed = backend.heap.usedBytes;
      const start = performance.now();
      expect(() => loadModel(bytes, { backend })).toThrow(CheckpointError);
      expect(() => loadModel(bytes, { backend })).toThrow(pattern);
      expect(performance.now() - start).toBeLessThan(1000);
      // A refused file leaks nothing: no parameter and no heap memory stays allocated.
      expect(store.liveElements).toBe(live);
      expect(backend.heap.usedBytes).toBe(heapUsed);
    }

    it('checks the checksum of the data section', () => {
      const bytes = good.slice();
      bytes[bytes.length - 3] ^= 0x10; // one bit of one weight
      refused(bytes, /does not match its checksum/);
    });

    it('refuses a spec that the tensors do not match before building the model (no 6000-unit model for a 36 KB file)', () => {
      const big = withMetadata((m) => (m.model = JSON.stringify({ ...spec, numHiddens: 6000 })));
      refused(big, /parameter 'rnn.weight_ih_l0' has shape \[12, 16\] but the spec needs \[18000, 16\]/);
      const shallow = withMetadata((m) => (m.model = JSON.stringify({ ...spec, numLayers: 1 })));
      refused(shallow, /unexpected tensor 'rnn.weight_ih_l1'/);
      const deep = withMetadata((m) => (m.model = JSON.stringify({ ...spec, numLayers: 3 })));
      refused(deep, /missing parameter 'rnn.weight_ih_l2' \[12, 8\]/);
    });

    it('refuses damaged and unknown metadata', () => {
      refused(
        withMetadata((m) => (m.format = 'other/1')),
        /not an lstm-simd model file \(metadata format is 'other\/1'/,
      );
      refused(
        withMetadata((m) => delete m.format),
        /metadata format is missing/,
      );
      refused(
        withMetadata((m) => (m.model = '{"kind": "lstm"')),
        /metadata 'model' is not valid JSON/,
      );
      refused(
        withMetadata((m) => (m.model = JSON.stringify({ ...spec, kind: 'transformer' }))),
        /unknown model 'transformer'/,
      );
      refused(
        withMetadata((m) => (m.model = JSON.stringify({ ...spec, numHiddens: '4' }))),
        /numHiddens must be a positive integer/,
      );
      refused(
        withMetadata((m) => (m.model = JSON.stringify({ ...spec, extra: 1 }))),
        /unknown model spec field 'extra'/,
      );
      refused(
        withMetadata((m) => (m.model = 'null')),
        /model spec is invalid: a model spec must be an object/,
      );
      refused(
        withMetadata((m) => (m.vocab = '{"format": "x"}')),
        /vocabulary is invalid/,
      );
      refused(
        withMetadata((m) => (m.vocab = JSON.stringify(new Vocab([...'ab']).toJSON()))),
        /vocabulary has 3 tokens but the model spec 16/,
      );
    });

    it('refuses non-finite weights', () => {
      const model = createLanguageModel(spec, backend);
      const bias = model.parameters().get('linear.bias')!;
      bias.assign(Array.from({ length: bias.size }, (_, i) => (i === 2 ? NaN : 0)));
      refused(saveModel(model, { vocab }), /parameter 'linear.bias' has the non-finite value NaN at index 2/);
      model.dispose();
    });

    it('writes a SHA-256 of the data section into the metadata', () => {
      const header = readSafetensorsHeader(good);
      expect(header.metadata.sha256).toMatch(/^[0-9a-f]{64}$/);
    });
  });
});

function isScratch(spec: LanguageModelSpec): boolean {
  return spec.kind.endsWith('-scratch');
}

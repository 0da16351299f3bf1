// Importing Keras 3 language models (scripts/torch-golden/keras.py: PyTorch models whose weights are
// written in Keras 3's .weights.h5 layout, and as .keras archives, stored and deflated). The imported
// model's logits must match PyTorch's for the same weights within 1e-5: that checks the conversion
// (kernel transposes, gate order i,f,c,o and z,r,h -> r,z,n, one LSTM/RNN bias, the GRU's (2, 3H) bias).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jsfive from 'jsfive';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend, decodeSafetensors, type Backend } from '../../src/internal.js';
import { importKerasLanguageModel, type Hdf5Module } from '../../src/io/keras.js';
import { maxDiff } from '../support/compare.js';
import { evalLogits } from '../support/logits.js';

const dir = join(__dirname, '../fixtures/keras');
const read = (file: string) => new Uint8Array(readFileSync(join(dir, file)));

describe('Keras 3 import', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend('wasm');
  });

  it.each([
    ['lstm.weights.h5', 'lstm', { kind: 'lstm', vocabSize: 11, numHiddens: 6, numLayers: 1 }],
    ['lstm.keras', 'lstm', { kind: 'lstm', vocabSize: 11, numHiddens: 6, numLayers: 1 }],
    [
      'gru-embedding.weights.h5',
      'gru-embedding',
      { kind: 'gru', vocabSize: 13, numHiddens: 4, numLayers: 2, embeddingDim: 5 },
    ],
    [
      'gru-embedding.keras',
      'gru-embedding',
      { kind: 'gru', vocabSize: 13, numHiddens: 4, numLayers: 2, embeddingDim: 5 },
    ],
    ['simple-rnn.weights.h5', 'simple-rnn', { kind: 'rnn', vocabSize: 9, numHiddens: 7, numLayers: 2 }],
  ])('%s gives PyTorch’s logits within 1e-5', async (file, golden, expected) => {
    const { model, spec } = await importKerasLanguageModel(read(file), { backend });
    expect(spec).toMatchObject(expected);
    const { tensors } = decodeSafetensors(read(`${golden}.expected.safetensors`));
    const X = tensors.get('X')!;
    expect(maxDiff(evalLogits(model, X.data, X.shape[0], X.shape[1]), tensors.get('logits')!.data)).toBeLessThan(1e-5);
    model.dispose();
  });

  it('refuses a GRU with reset_after=False, and files that are not Keras 3 weights', async () => {
    await expect(importKerasLanguageModel(read('gru-reset-before.weights.h5'), { backend })).rejects.toThrow(
      /layer 'gru': a GRU with reset_after=False \(bias \[12\]\) applies the reset gate before the recurrent product/,
    );
    await expect(importKerasLanguageModel(read('lstm.expected.safetensors'), { backend })).rejects.toThrow(
      /not an HDF5 file/,
    );
    // The HDF5 module can be given (e.g. in a browser bundle) instead of imported.
    const { model } = await importKerasLanguageModel(read('lstm.weights.h5'), {
      backend,
      hdf5: jsfive as unknown as Hdf5Module,
    });
    model.dispose();
  });
});

// Module.stateDict / loadStateDict: PyTorch's names, one call each way, and the checks of
// torch's load_state_dict(strict=True) with every problem listed and nothing written on failure.
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend, GRU, Linear, LSTM, Random, RNNLM, StateDictError, type Backend } from '../../src/internal.js';
import { fromArray } from '../../src/tensor/tensor.js';

describe('state dicts', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend('js');
  });

  function model(seed: number): RNNLM {
    const rnn = new LSTM({ numInputs: 5, numHiddens: 3, numLayers: 2, bidirectional: true, seed, backend });
    return new RNNLM(rnn, { vocabSize: 5, seed: seed + 1 });
  }

  it("lists PyTorch's names and shapes and copies the values", () => {
    const m = model(1);
    const state = m.stateDict();
    expect([...state.keys()]).toEqual([
      ...['l0', 'l0_reverse', 'l1', 'l1_reverse'].flatMap((s) =>
        ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((w) => `rnn.${w}_${s}`),
      ),
      'linear.weight',
      'linear.bias',
    ]);
    expect(state.get('rnn.weight_ih_l1')!.shape).toEqual([12, 6]);
    expect(state.get('linear.weight')!.data).toBeInstanceOf(Float32Array);
    expect([...state.get('linear.bias')!.data]).toEqual([...m.parameters().get('linear.bias')!.toArray()]);
    state.get('linear.bias')!.data[0] = 99; // a copy
    expect(m.parameters().get('linear.bias')!.toArray()[0]).not.toBe(99);
  });

  it('loads into another model of the same architecture, from a Map or a plain object', () => {
    const source = model(1);
    const target = model(2);
    target.loadStateDict(source.stateDict());
    expect(target.stateDict()).toEqual(source.stateDict());
    const other = model(3);
    other.loadStateDict(Object.fromEntries(source.stateDict()));
    expect(other.stateDict()).toEqual(source.stateDict());
  });

  it('lists every missing, unexpected and mis-shaped key and writes nothing', () => {
    const target = model(2);
    const before = target.stateDict();
    const state = model(1).stateDict();
    state.delete('rnn.bias_hh_l1');
    state.set('rnn.extra', { shape: [1], data: Float32Array.of(1) });
    const w = state.get('linear.weight')!; // (5, 6): the transposed (6, 5) has the same size
    state.set('linear.weight', { shape: [6, 5], data: w.data });
    state.set('linear.bias', { shape: [5], data: Float32Array.of(0, 0, Infinity, 0, 0) });
    let error: StateDictError | undefined;
    try {
      target.loadStateDict(state);
    } catch (e) {
      error = e as StateDictError;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect(error!.missingKeys).toEqual(['rnn.bias_hh_l1']);
    expect(error!.unexpectedKeys).toEqual(['rnn.extra']);
    expect(error!.message).toMatch(/'linear.weight': shape \[6, 5\] in the state dict but \[5, 6\] in the model/);
    expect(error!.message).toMatch(/'linear.bias': value Infinity at index 2 is not finite/);
    expect(error!.message).toMatch(/missing keys: 'rnn.bias_hh_l1'; unexpected keys: 'rnn.extra'/);
    expect(target.stateDict()).toEqual(before);
  });

  it('without strict reports what did not match; a prefix selects a submodule’s keys', () => {
    const source = model(1);
    const layer = new LSTM({ numInputs: 5, numHiddens: 3, numLayers: 2, bidirectional: true, seed: 9, backend });
    // The whole model's dict into its recurrent layer: the keys under 'rnn.', the others ignored.
    expect(layer.loadStateDict(source.stateDict(), { prefix: 'rnn.' })).toEqual({
      missingKeys: [],
      unexpectedKeys: [],
    });
    expect(layer.stateDict()).toEqual(source.rnn.stateDict());
    const head = new Linear(6, 5, { backend, seed: 1 });
    const partial = new Map([['weight', source.stateDict().get('linear.weight')!]]);
    expect(() => head.loadStateDict(partial)).toThrow(/missing keys: 'bias'/);
    expect(head.loadStateDict(partial, { strict: false })).toEqual({ missingKeys: ['bias'], unexpectedKeys: [] });
    expect(head.weight.toArray()).toEqual(source.linear.weight.toArray());
    // Shapes are checked even without strict.
    const gru = new GRU({ numInputs: 5, numHiddens: 3, backend });
    expect(() => gru.loadStateDict(source.stateDict(), { prefix: 'rnn.', strict: false })).toThrow(
      /'rnn.weight_ih_l0': shape \[12, 5\] in the state dict but \[9, 5\] in the model/,
    );
  });

  it('Tensor.assign checks the shape of a tensor-like, and the length of an array', () => {
    const t = fromArray([1, 2, 3, 4, 5, 6], [2, 3], backend);
    expect(() => t.assign({ shape: [3, 2], data: [1, 2, 3, 4, 5, 6] })).toThrow(
      /got shape \[3,2\] for a tensor of shape \[2,3\]/,
    );
    expect(() => t.assign([1, 2, 3])).toThrow(/got 3 values for shape \[2,3\]/);
    t.assign({ shape: [2, 3], data: Float32Array.of(6, 5, 4, 3, 2, 1) });
    expect([...t.toArray()]).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('lists the random generators a model trains with, and their state continues a stream', () => {
    const m = model(1);
    expect([...m.randomGenerators().keys()]).toEqual(['rnn.dropout']);
    const random = new Random(5);
    random.uniform();
    const state = random.getState();
    const next = [random.uniform(), random.uniform()];
    const resumed = new Random(0).setState(state);
    expect([resumed.uniform(), resumed.uniform()]).toEqual(next);
    expect(() => new Random(0).setState(-1)).toThrow(/integer in \[0, 2\^32\)/);
  });
});

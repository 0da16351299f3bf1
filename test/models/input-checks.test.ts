// Bad inputs the fuzzing found accepted or mis-reported: token ids that are not integers in range
// (NaN became 0, 2^32 + 1 became 1 in an Int32Array before any check), tensors from another backend
// (a kernel would read the same offset of its own heap), null inputs, and backward() on a graph whose
// tape is gone (it silently did nothing).
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createBackend,
  GRUScratch,
  Linear,
  LSTM,
  LSTMScratch,
  RNNLM,
  RNNLMScratch,
  type Backend,
} from '../../src/internal.js';
import { sum } from '../../src/tensor/ops.js';
import { endStep, zeros } from '../../src/tensor/tensor.js';

describe('input checks', () => {
  let backend: Backend;
  let other: Backend;
  beforeAll(async () => {
    backend = await createBackend('wasm');
    other = await createBackend('js');
  });

  const V = 6;
  const models = () => [
    new RNNLMScratch(new LSTMScratch(V, 4, 0.01, { backend, seed: 1 }), { vocabSize: V, seed: 2 }),
    new RNNLMScratch(new GRUScratch(V, 4, 0.01, { backend, seed: 1 }), { vocabSize: V, seed: 2 }),
    new RNNLM(new LSTM({ numInputs: V, numHiddens: 4, backend, seed: 1 }), { vocabSize: V, seed: 2 }),
  ];

  it('token ids and targets must be integers in [0, V): NaN, 2^32 + 1, 1.5, -1 and V are refused', () => {
    for (const model of models()) {
      for (const bad of [NaN, 2 ** 32 + 1, 1.5, -1, V, Infinity]) {
        const ids = [0, 1, 2, bad, 4, 5];
        expect(() => model.forward(ids, 2, 3), `${model.rnn.constructor.name} id ${bad}`).toThrow(
          new RegExp(`${String(bad).replace('+', '\\+')} at \\(1, 0\\) is outside \\[0, 6\\)`),
        );
        const [logits] = model.forward([0, 1, 2, 3, 4, 5], 2, 3);
        expect(() => model.loss(logits, ids)).toThrow(RangeError);
        endStep(backend);
      }
      expect(() => model.forward(null as unknown as number[], 1, 1)).toThrow(TypeError);
      expect(() => model.forward(null as unknown as number[], 1, 1)).toThrow(/as an array or typed array, got null/);
    }
  });

  it('layers refuse null and tensors of another backend with a clear error', () => {
    const lstm = new LSTM({ numInputs: 3, numHiddens: 2, backend });
    const scratch = new LSTMScratch(3, 2, 0.01, { backend });
    const linear = new Linear(3, 2, { backend });
    const foreign = zeros([2, 1, 3], other);
    expect(() => lstm.forward(foreign)).toThrow(/LSTM: inputs lives on another backend \(js\) than the module \(wasm-/);
    expect(() => scratch.forward(foreign)).toThrow(/LSTMScratch: inputs lives on another backend/);
    expect(() => linear.forward(zeros([1, 3], other))).toThrow(/Linear: x lives on another backend/);
    expect(() => lstm.forward(zeros([2, 1, 3], backend), [zeros([1, 1, 2], other), zeros([1, 1, 2], other)])).toThrow(
      /LSTM: the state lives on another backend/,
    );
    expect(() => lstm.forward(null as never)).toThrow(new TypeError('LSTM: inputs must be a Tensor, got null'));
    expect(() => scratch.forward(undefined as never)).toThrow(/LSTMScratch: inputs must be a Tensor, got undefined/);
    expect(() => linear.forward({} as never)).toThrow(/Linear: x must be a Tensor, got object/);
    endStep(backend);
    endStep(other);
  });

  it('backward() twice, or after endStep, is an error; a new forward pass works again', () => {
    const model = models()[2];
    const [logits] = model.forward([0, 1, 2, 3, 4, 5], 2, 3);
    const loss = model.loss(logits, [1, 2, 3, 4, 5, 0]);
    loss.backward();
    expect(() => loss.backward()).toThrow(/the graph of this tensor is gone: backward\(\) already ran on it/);
    const again = sum(model.forward([0, 1, 2, 3, 4, 5], 2, 3)[0]);
    endStep(backend);
    expect(() => again.backward()).toThrow(/graph of this tensor is gone/);
    const fresh = sum(model.forward([0, 1, 2, 3, 4, 5], 2, 3)[0]);
    expect(() => fresh.backward()).not.toThrow();
    endStep(backend);
  });
});

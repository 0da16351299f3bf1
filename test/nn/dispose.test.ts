// dispose(): a model's parameters and gradients go back to the backend for real (1,000 models built
// and disposed leave the heap and the process where they started), the next model reuses the range
// as one contiguous run, and any use after dispose is a clear error instead of a read of freed memory.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  contiguousRuns,
  createBackend,
  createLanguageModel,
  LSTM,
  ParameterStore,
  SGD,
  type Backend,
} from '../../src/internal.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('dispose', () => {
  let backend: Backend;
  beforeAll(async () => {
    // One thread even in the threads project: the worker threads' own allocations move the process's
    // RSS by a few MB whatever the models do, which would swamp the 5% this test measures. Threaded
    // disposal is covered by test/kernels/threads.test.ts.
    backend = await createBackend('wasm', { threads: 1 });
  });

  const spec = { kind: 'lstm', vocabSize: 28, numHiddens: 64, numLayers: 2, lr: 1, seed: 1 } as const;

  it('1,000 models built and disposed: heap bytes in use and RSS come back within 5%', () => {
    const cycle = () => createLanguageModel(spec, backend).dispose();
    // Warm up: compiled code (V8 tiers functions up for a while: RSS steps by several MB early on with
    // nothing leaked: measured under vitest, a 17 MB step between the 1,000th and 1,500th model, flat
    // after), the JS heap's and the wasm heap's extent. A leaked model would hold ~200 KB of parameters:
    // 1,000 of them are far above the 5% allowed below.
    for (let i = 0; i < 2000; i++) cycle();
    gc();
    const heapStart = backend.heap.usedBytes;
    const rssStart = process.memoryUsage().rss;
    const jsStart = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1000; i++) cycle();
    gc();
    expect(backend.heap.usedBytes).toBe(heapStart);
    expect(process.memoryUsage().rss).toBeLessThan(rssStart * 1.05);
    expect(process.memoryUsage().heapUsed).toBeLessThan(jsStart * 1.05);
    // What dispose gives back: a live model holds its parameters in the store, a disposed one nothing.
    const model = createLanguageModel(spec, backend);
    expect(ParameterStore.of(backend).liveElements).toBeGreaterThanOrEqual(model.numParameters());
    model.dispose();
    expect(ParameterStore.of(backend).liveElements).toBe(0);
  });

  it('returns the arenas to the heap when the last model goes, and reuses a freed range contiguously', () => {
    const heapBefore = backend.heap.usedBytes;
    const a = createLanguageModel(spec, backend);
    const b = createLanguageModel({ ...spec, seed: 2 }, backend);
    const aRange = contiguousRuns(a.parameters().values());
    expect(aRange).toHaveLength(1);
    a.dispose();
    const c = createLanguageModel({ ...spec, seed: 3 }, backend); // takes a's range, in one run
    const cRuns = contiguousRuns(c.parameters().values());
    expect(cRuns).toHaveLength(1);
    expect(cRuns[0].offset).toBe(aRange[0].offset);
    expect(
      c
        .parameters()
        .get('linear.weight')!
        .gradToArray()!
        .every((g) => g === 0),
    ).toBe(true);
    b.dispose();
    c.dispose();
    expect(backend.heap.usedBytes).toBe(heapBefore);
  });

  it('any use after dispose throws a clear error', () => {
    const model = createLanguageModel(spec, backend);
    const optimizer = new SGD(model.parameters(), 0.1);
    const weight = model.parameters().get('rnn.weight_hh_l1')!;
    const stepper = (model.rnn as LSTM).stepper(1);
    stepper.dispose();
    expect(() => stepper.stepTokens([1])).toThrow(/arena 'generation' was disposed/);
    model.dispose();
    expect(model.disposed).toBe(true);
    expect(() => weight.toArray()).toThrow(/this parameter's module was disposed/);
    expect(() => model.forward([1, 2, 3], 1, 3)).toThrow(/module was disposed/);
    expect(() => model.stateDict()).toThrow(/module was disposed/);
    expect(() => optimizer.step()).toThrow(/module was disposed/);
    expect(() => model.predict('a', 2, { length: 28, idxToToken: [], indexOf: () => 0 })).toThrow(
      /module was disposed/,
    );
    model.dispose(); // twice is harmless
  });
});

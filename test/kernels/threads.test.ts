// The wasm backend on several threads: how calls are cut (split.ts), that every cut kernel
// and whole models give the single-threaded results within float32 summation-order
// tolerance (thread counts that do not divide the batch or the hidden units, more threads
// than cores, the thresholds' own choices on bigger shapes), that a worker's failure reaches the
// caller, the thread-count API and its fallback, and that a process with workers exits.
//
// Tolerances: a cut changes only the order of float32 sums (a gemm's k shares, the loss's and
// the column sums' row shares, the products of a recurrent step on fewer rows), so results
// agree to a few float32 ulps of the values summed: 1e-5 relative to the largest value here.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createBackend,
  defaultThreads,
  MAX_DEFAULT_THREADS,
  ready,
  RNNLM,
  setThreads,
  type Backend,
} from '../../src/index.js';
import { GEMM_QUANTUM, gemmAxis, shares } from '../../src/backend/wasm/split.js';
import { setDefaultThreads } from '../../src/backend/wasm/thread-count.js';
import { setWorkerPlatform, workerPlatform } from '../../src/backend/wasm/worker-platform.js';
import { clipGradients } from '../../src/optim/clip.js';
import type { CellKind } from '../../src/internal.js';
import { noGrad } from '../../src/tensor/tape.js';
import { endStep } from '../../src/tensor/tensor.js';
import { randomArray, randomIds } from '../support/backends.js';
import { maxAbs, maxDiff } from '../support/compare.js';
import { makeLayer } from '../layers/support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** |got - want| within `relative` of the largest |want| (at least of 1). */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, label: string, relative = 1e-5): void {
  expect(got.length, label).toBe(want.length);
  expect(maxDiff(got, want) / Math.max(1, maxAbs(want)), label).toBeLessThanOrEqual(relative);
}

describe('cutting calls into shares', () => {
  it('shares: contiguous, whole quanta, as equal as they allow, none empty while there are quanta', () => {
    expect(shares(10, 1)).toEqual([0, 10]);
    expect(shares(10, 2)).toEqual([0, 5, 10]);
    expect(shares(7, 3)).toEqual([0, 2, 4, 7]);
    expect(shares(100, 2, 16)).toEqual([0, 48, 100]);
    expect(shares(33, 4, 4)).toEqual([0, 8, 16, 24, 33]);
    for (const [count, parts, quantum] of [
      [1000, 3, 16],
      [5, 5, 1],
      [17, 4, 4],
    ]) {
      const b = shares(count, parts, quantum);
      expect(b).toHaveLength(parts + 1);
      for (let p = 0; p < parts; p++) {
        expect(b[p + 1]).toBeGreaterThan(b[p]);
        if (p + 1 < parts) expect(b[p + 1] % quantum).toBe(0);
      }
    }
  });

  it('gemm: along the longest dimension long enough for two shares, m before n before k on ties', () => {
    expect(gemmAxis(512, 512, 512)).toBe('m');
    expect(gemmAxis(32768, 28, 32)).toBe('m'); // the output layer of a training step
    expect(gemmAxis(32, 128, 31744)).toBe('k'); // dW_hh at C1
    expect(gemmAxis(28, 1024, 256)).toBe('n');
    expect(gemmAxis(63, 63, 31)).toBe('n'); // too few rows for two shares of 32
    expect(gemmAxis(8, 16, 16)).toBeUndefined();
    expect(GEMM_QUANTUM.n % 16).toBe(0);
  });
});

/** Runs `call` on copies of `inputs` in a fresh arena of `backend`; returns the named outputs. */
function runKernel(
  backend: Backend,
  inputs: Record<string, Float32Array>,
  outputs: string[],
  call: (p: Record<string, number>) => number | void,
): { result: number; out: Record<string, Float32Array> } {
  const arena = backend.createArena('threads-test');
  const slices = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, arena.allocate(v.length)]));
  for (const [k, v] of Object.entries(inputs)) slices[k].view().set(v);
  const result = Number(call(Object.fromEntries(Object.entries(slices).map(([k, s]) => [k, s.ptr]))) ?? 0);
  const out = Object.fromEntries(outputs.map((k) => [k, Float32Array.from(slices[k].view())]));
  arena.dispose();
  return { result, out };
}

describe('every cut kernel equals the single-threaded one', async () => {
  const one = await createBackend('wasm', { threads: 1 });
  // Three threads: shares that do not divide the sizes below; splitAll cuts every call.
  const three = await createBackend('wasm', { threads: 3, splitAll: true });
  const both = (
    inputs: Record<string, Float32Array>,
    outputs: string[],
    call: (b: Backend, p: Record<string, number>) => number | void,
  ) => [runKernel(one, inputs, outputs, (p) => call(one, p)), runKernel(three, inputs, outputs, (p) => call(three, p))];

  it('runs on three threads', () => {
    expect(one.threads).toBe(1);
    expect(three.threads).toBe(3);
  });

  it.each([
    [301, 77, 65],
    [40, 301, 50],
    [20, 30, 1001],
  ])('gemm %i x %i x %i, every layout, beta 0.5, strided C', (m, n, k) => {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      const ldc = n + 3;
      const inputs = { a: randomArray(1, m * k), b: randomArray(2, k * n), c: randomArray(3, m * ldc) };
      const [want, got] = both(inputs, ['c'], (be, p) =>
        be.gemm(ta, tb, m, n, k, 0.75, p.a, ta ? m : k, p.b, tb ? k : n, 0.5, p.c, ldc),
      );
      expectClose(got.out.c, want.out.c, `gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`);
    }
  });

  it('elementwise kernels, the optimizers and the reductions', () => {
    const n = 10_001;
    const inputs = {
      x: randomArray(4, n),
      y: randomArray(5, n),
      z: randomArray(6, n),
      m: randomArray(7, n, 0, 1),
      v: randomArray(8, n, 0, 1),
      w: randomArray(13, n, 1, 2),
      u: randomArray(14, n),
      g: randomArray(21, n, -0.1, 0.1),
      sums: randomArray(9, 101),
    };
    const names = ['x', 'y', 'z', 'm', 'v', 'w', 'u', 'g', 'sums'];
    const [want, got] = both(inputs, names, (b, p) => {
      b.sigmoid(p.x, p.z, n);
      b.tanhBackward(p.z, p.y, p.x, n);
      b.axpy(0.5, p.x, p.y, n);
      b.mul(p.x, p.y, p.z, n);
      b.copy(p.z, p.x, n);
      b.copy(p.z + 1, p.z, n - 1); // overlapping: one memmove
      b.sgdStep(p.y, p.x, n, 0.1);
      b.adamStep(p.x, p.y, p.m, p.v, n, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001, 0.01, false);
      b.adamStep(p.x, p.y, p.m, p.v, n, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001, 0.01, true); // AdamW
      b.sgdMomentumStep(p.z, p.y, p.u, n, 0.1, 0.01, 0.9, 0.1, true, false);
      b.sgdMomentumStep(p.z, p.x, -1, n, 0.1, 0.01, 0, 0, false, true); // no velocity buffer
      b.rmspropStep(p.x, p.y, p.w, p.g, p.z, n, 0.01, 0.99, 1e-8, 0.01, 0.9, true); // centered, momentum
      b.rmspropStep(p.y, p.x, p.w, -1, -1, n, 0.01, 0.99, 1e-8, 0, 0, false);
      b.addBias(p.z, p.sums, p.y, 99, 101);
      b.columnSums(p.y, 99, 101, p.sums, true);
      b.rowSums(p.x, 99, 101, p.v, false);
      return b.sumOfSquares(p.y, n);
    });
    for (const name of names) expectClose(got.out[name], want.out[name], name);
    expect(Math.abs(got.result - want.result) / want.result).toBeLessThanOrEqual(1e-6);
  });

  it('the embedding gather and scatter-add (repeated ids), and the regression losses', () => {
    const vocab = 37;
    const width = 19;
    const n = 1003;
    const ids = new Float32Array(new Int32Array(randomIds(15, n, vocab)).buffer);
    const inputs = {
      table: randomArray(16, vocab * width),
      ids,
      out: randomArray(17, n * (width + 3)),
      prediction: randomArray(18, n),
      target: randomArray(19, n),
      grad: randomArray(20, n),
    };
    const names = ['table', 'out', 'grad'];
    const [want, got] = both(inputs, names, (b, p) => {
      b.gatherRows(p.table, width, p.ids, n, p.out, width + 3);
      b.scatterAddRows(p.out, width + 3, p.ids, n, width, p.table);
      const mse = b.mseWithGradient(p.prediction, p.target, n, p.grad) + b.mseForward(p.prediction, p.target, n);
      return mse + b.maeWithGradient(p.target, p.prediction, n, p.grad) + b.maeForward(p.prediction, p.target, n);
    });
    // The gather copies and the scatter-add keeps the order of the ids: bit for bit.
    for (const name of names) expect(got.out[name], name).toEqual(want.out[name]);
    expect(got.result).toBe(want.result);
  });

  it('the loss, its gradient and its backward: each share divides by all the rows', () => {
    const rows = 1001;
    const cols = 28;
    const targets = new Float32Array(new Int32Array(randomIds(10, rows, cols)).buffer);
    const inputs = { logits: randomArray(11, rows * cols, -3, 3), targets, grad: randomArray(12, rows * cols) };
    const [want, got] = both(inputs, ['grad'], (b, p) => {
      const loss = b.crossEntropyWithGradient(p.logits, p.targets, rows, cols, p.grad);
      b.crossEntropyBackward(p.logits, p.targets, rows, cols, 0.5, p.grad);
      return loss + 10 * b.crossEntropyForward(p.logits, p.targets, rows, cols);
    });
    expectClose(got.out.grad, want.out.grad, 'gradient');
    expect(Math.abs(got.result - want.result) / want.result).toBeLessThanOrEqual(1e-6);
  });
});

/** Trains `cell`'s RNNLM for `steps` SGD steps on `backend`; returns the losses and the final parameters. */
function trainLanguageModel(backend: Backend, cell: CellKind, B: number, T: number, H: number, steps: number) {
  const V = 11;
  const layer = makeLayer(cell, { numInputs: V, numHiddens: H, numLayers: 2, seed: 1, backend });
  const model = new RNNLM(layer, { vocabSize: V, lr: 1, seed: 2 });
  const optimizer = model.configureOptimizers();
  const parameters = [...model.parameters().values()];
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const batch = { X: randomIds(10 + s, B * T, V), Y: randomIds(20 + s, B * T, V), batchSize: B, numSteps: T };
    const loss = model.trainingStep(batch);
    optimizer.zeroGrad();
    loss.backward();
    clipGradients(parameters, 1);
    optimizer.step();
    losses.push(loss.item());
    endStep(backend);
  }
  const weights = new Map([...model.parameters()].map(([name, p]) => [name, p.toArray()]));
  return { losses, weights, model };
}

describe('whole models on several threads equal one thread', async () => {
  const one = await createBackend('wasm', { threads: 1 });
  const two = await createBackend('wasm', { threads: 2, splitAll: true });
  const four = await createBackend('wasm', { threads: 4, splitAll: true });

  it.each(['lstm', 'gru', 'rnn'] as CellKind[])(
    '%s language model: three training steps at B = 7 (not a multiple of 2 or 4), losses and weights',
    (cell) => {
      const want = trainLanguageModel(one, cell, 7, 9, 13, 3);
      for (const backend of [two, four]) {
        const got = trainLanguageModel(backend, cell, 7, 9, 13, 3);
        expectClose(got.losses, want.losses, `${backend.threads} threads: losses`);
        for (const [name, w] of want.weights)
          expectClose(got.weights.get(name)!, w, `${backend.threads} threads: ${name}`);
      }
    },
  );

  it.each([
    ['lstm', 30],
    ['gru', 33],
    ['rnn', 12],
  ] as [CellKind, number][])(
    '%s at one batch row over 40 steps (W_hh packed, hidden units cut, H = %i): outputs, state, generation',
    (cell, H) => {
      const V = 9;
      const results = [one, two, four].map((backend) => {
        const layer = makeLayer(cell, {
          numInputs: V,
          numHiddens: H,
          numLayers: 2,
          bidirectional: true,
          seed: 4,
          backend,
        });
        const ids = randomIds(6, 40, V);
        const [out, state] = noGrad(() => layer.forwardTokens(ids, 1, 40));
        const values = out.toArray();
        const hN = (Array.isArray(state) ? state[0] : state).toArray();
        endStep(backend);
        const model = new RNNLM(makeLayer(cell, { numInputs: V, numHiddens: H, numLayers: 2, seed: 5, backend }), {
          vocabSize: V,
          seed: 6,
        });
        model.linear.weight.assign(model.linear.weight.toArray().map((v) => v * 8));
        const vocab = { length: V, idxToToken: [...'abcdefghi'], indexOf: (t: string) => 'abcdefghi'.indexOf(t) };
        return { values, hN, text: model.predict('abc', 60, vocab) };
      });
      for (const got of results.slice(1)) {
        expectClose(got.values, results[0].values, 'outputs');
        expectClose(got.hN, results[0].hN, 'final state');
        expect(got.text).toBe(results[0].text);
      }
    },
  );

  it('cuts bigger calls by its own thresholds (no splitAll) with the same results', async () => {
    const threaded = await createBackend('wasm', { threads: 2 });
    const want = trainLanguageModel(one, 'lstm', 256, 16, 32, 2);
    const got = trainLanguageModel(threaded, 'lstm', 256, 16, 32, 2);
    expectClose(got.losses, want.losses, 'losses');
    for (const [name, w] of want.weights) expectClose(got.weights.get(name)!, w, name);
    threaded.dispose();
  });
});

describe('failures, disposal, thread counts', () => {
  afterEach(() => vi.restoreAllMocks());

  it("reports a worker's failure (a kernel reading past the memory) on the calling thread", async () => {
    const backend = await createBackend('wasm', { threads: 2, splitAll: true });
    // sigmoid over 2K elements that start K before the end of memory: the calling thread's share
    // reads the last K floats, the worker's share starts past the end and traps at its first load.
    const K = 1024;
    const arena = backend.createArena('failure');
    const y = arena.allocate(2 * K);
    const x = backend.heap.sizeBytes / 4 - K;
    expect(() => backend.sigmoid(x, y.ptr, 2 * K)).toThrow(/sigmoid failed on kernel worker 1: .*out of bounds/);
    // The workers still serve.
    backend.fill(y.ptr, 2, 2 * K);
    expect(y.view().every((v) => v === 2)).toBe(true);
    backend.dispose();
    expect(() => backend.fill(y.ptr, 3, 2 * K)).toThrow(/disposed/);
  });

  it('a share of a team call (one row, hidden units cut) that fails breaks the barrier instead of hanging', async () => {
    const backend = await createBackend('wasm', { threads: 2, splitAll: true });
    const H = 64;
    const G = 4 * H;
    const T = 3;
    const arena = backend.createArena('team-failure');
    const [gates, weightHh, bias, out, tanhCells, hN, cN, packed] = [
      T * G,
      G * H,
      G,
      T * H,
      T * H,
      H,
      H,
      2 * G * H,
    ].map((n) => arena.allocate(n));
    weightHh.view().set(randomArray(1, G * H, -0.1, 0.1));
    backend.packRecurrentWeights(weightHh.ptr, G, H, packed.ptr);
    // c_t of step 0 ends at the last float of memory, so the share of the second member writes past it.
    const cells = backend.heap.sizeBytes / 4 - H / 2;
    const forward = (cellsPtr: number) =>
      backend.lstmForward(
        T,
        1,
        H,
        false,
        gates.ptr,
        weightHh.ptr,
        bias.ptr,
        bias.ptr,
        -1,
        -1,
        out.ptr,
        H,
        cellsPtr,
        tanhCells.ptr,
        hN.ptr,
        cN.ptr,
        packed.ptr,
        -1,
        -1,
      );
    expect(() => forward(cells)).toThrow(/out of bounds/);
    // The team serves the next call, with the single-threaded result.
    const one = await createBackend('wasm', { threads: 1 });
    const results = [backend, one].map((b) => {
      const layer = makeLayer('lstm', { numInputs: 5, numHiddens: H, seed: 7, backend: b });
      const values = noGrad(() => layer.forwardTokens(randomIds(8, 40, 5), 1, 40)[0].toArray());
      endStep(b);
      return values;
    });
    expectClose(results[0], results[1], 'outputs after the failure');
    backend.dispose();
  });

  it('defaults to the cores, at most 4; setThreads and ready({ threads }) choose', async () => {
    const configured = defaultThreads(); // the project's (test/support/threads-setup.ts)
    setDefaultThreads(undefined);
    expect(defaultThreads()).toBe(Math.max(1, Math.min(workerPlatform().cores(), MAX_DEFAULT_THREADS)));
    const backend = await setThreads(3);
    expect(backend.threads).toBe(3);
    expect(await ready()).toBe(backend);
    expect(await ready({ threads: 3 })).toBe(backend);
    const two = await ready({ threads: 2 });
    expect(two.threads).toBe(2);
    expect((await createBackend('wasm')).threads).toBe(2);
    expect(() => setThreads(0)).toThrow(/threads must be an integer from 1 to 64, got 0/);
    expect(() => setThreads(1.5)).toThrow(/from 1 to 64/);
    expect(() => setThreads(65)).toThrow(/from 1 to 64/);
    setDefaultThreads(configured);
  });

  it('runs on one thread, and says so once, where threads cannot run', async () => {
    const node = workerPlatform();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    setWorkerPlatform({ ...node, unavailableReason: () => 'no shared memory here (a test)' });
    try {
      const a = await createBackend('wasm', { threads: 2 });
      const b = await createBackend('wasm', { threads: 4 });
      expect([a.threads, b.threads]).toEqual([1, 1]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/1 thread instead of 2: no shared memory here/);
    } finally {
      setWorkerPlatform(node);
    }
  });

  it('a `source` without `threadsSource` means one thread; asking for more is an error', async () => {
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(`${ROOT}/dist/wasm/lstm-simd.simd.wasm`);
    expect((await createBackend('wasm', { build: 'simd', source: bytes })).threads).toBe(1);
    await expect(createBackend('wasm', { build: 'simd', source: bytes, threads: 2 })).rejects.toThrow(/threadsSource/);
    const threadsBytes = await readFile(`${ROOT}/dist/wasm/lstm-simd.simd-threads.wasm`);
    const threaded = await createBackend('wasm', {
      build: 'simd',
      source: bytes,
      threadsSource: threadsBytes,
      threads: 2,
    });
    expect(threaded.threads).toBe(2);
    threaded.dispose();
    await expect(createBackend('wasm', { build: 'simd', threadsSource: bytes, threads: 2 })).rejects.toThrow(/not one/);
  });

  it("a Node process with workers ends when its work does (the package's Node entry, no dispose)", () => {
    const script = `
      import { createBackend, LSTM, RNNLM } from 'lstm-simd';
      const backend = await createBackend('wasm', { threads: 2 });
      const model = new RNNLM(new LSTM({ numInputs: 5, numHiddens: 64, seed: 1, backend }), { vocabSize: 5 });
      const ids = Int32Array.from({ length: 512 * 8 }, (_, i) => i % 5);
      const loss = model.trainingStep({ X: ids, Y: ids, batchSize: 512, numSteps: 8 });
      loss.backward();
      console.log('threads', backend.threads, 'loss', loss.item().toFixed(3));`;
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.error, 'the process did not end within 30 s').toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/^threads 2 loss \d/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

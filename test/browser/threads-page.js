// Runs in Chromium, in a cross-origin isolated page (served with COOP/COEP by wasm.test.ts):
// the wasm backend on two threads (module Workers over a shared memory; this page's thread
// only spins, it may not wait) against one thread: a gemm cut along each dimension, training
// steps of the language model at a batch two threads do not divide, and generation at one
// batch row (hidden units cut, a barrier per step). The test asserts; this page only measures.

// @ts-expect-error: the test server serves the built package at /dist (its types are dist/index.d.ts)
import * as lib from '/dist/index.js';

/** Largest |a - b| over the largest |b| (at least 1). */
function relativeDiff(a, b) {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return a.length === b.length ? diff / scale : Infinity;
}

function randomArray(seed, length, lo = -1, hi = 1) {
  const generator = new lib.Random(seed);
  return Float32Array.from({ length }, () => lo + (hi - lo) * generator.uniform());
}

function randomIds(seed, length, vocabSize) {
  const generator = new lib.Random(seed);
  return Int32Array.from({ length }, () => Math.min(vocabSize - 1, Math.floor(generator.uniform() * vocabSize)));
}

function gemm(backend, m, n, k, transA, transB) {
  const arena = backend.createArena('gemm');
  const [a, b, c] = [m * k, k * n, m * n].map((size) => arena.allocate(size));
  a.view().set(randomArray(1, m * k));
  b.view().set(randomArray(2, k * n));
  c.view().set(randomArray(3, m * n));
  backend.gemm(transA, transB, m, n, k, 1, a.ptr, transA ? m : k, b.ptr, transB ? k : n, 0.5, c.ptr, n);
  const out = Float32Array.from(c.view());
  arena.dispose();
  return out;
}

const V = 11;
const vocab = { length: V, idxToToken: [...'abcdefghijk'], indexOf: (t) => 'abcdefghijk'.indexOf(t) };

function train(backend, B, T, H) {
  const model = new lib.RNNLM(new lib.LSTM({ numInputs: V, numHiddens: H, seed: 1, backend }), {
    vocabSize: V,
    seed: 2,
  });
  const optimizer = model.configureOptimizers();
  const parameters = [...model.parameters().values()];
  const losses = [];
  for (let s = 0; s < 3; s++) {
    const loss = model.trainingStep({
      X: randomIds(10 + s, B * T, V),
      Y: randomIds(20 + s, B * T, V),
      batchSize: B,
      numSteps: T,
    });
    optimizer.zeroGrad();
    loss.backward();
    lib.clipGradients(parameters, 1);
    optimizer.step();
    losses.push(loss.item());
    lib.endStep(backend);
  }
  return { losses, weights: parameters.flatMap((p) => [...p.toArray()]) };
}

function generate(backend, H) {
  const model = new lib.RNNLM(new lib.LSTM({ numInputs: V, numHiddens: H, numLayers: 2, seed: 3, backend }), {
    vocabSize: V,
    seed: 4,
  });
  model.linear.weight.assign(model.linear.weight.toArray().map((v) => v * 8));
  const started = performance.now();
  const text = model.predict('abc', 200, vocab);
  return { text, ms: performance.now() - started };
}

export async function runThreadChecks() {
  const one = await lib.createBackend('wasm', { threads: 1 });
  const two = await lib.createBackend('wasm', { threads: 2, splitAll: true });
  const twoByThresholds = await lib.createBackend('wasm', { threads: 2 });
  const gemms = [
    [300, 40, 50, false, false],
    [30, 400, 50, true, false],
    [30, 40, 500, false, true],
    [256, 256, 256, true, true],
  ].map(([m, n, k, ta, tb]) => ({
    shape: `${m}x${n}x${k} ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`,
    diff: Math.max(
      relativeDiff(gemm(two, m, n, k, ta, tb), gemm(one, m, n, k, ta, tb)),
      relativeDiff(gemm(twoByThresholds, m, n, k, ta, tb), gemm(one, m, n, k, ta, tb)),
    ),
  }));
  const trained = [one, two].map((backend) => train(backend, 7, 9, 24));
  const generated = [one, two, twoByThresholds].map((backend) => generate(backend, 64));
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    threads: [one.threads, two.threads, twoByThresholds.threads],
    variant: two.variant,
    gemms,
    lossDiff: relativeDiff(trained[1].losses, trained[0].losses),
    weightDiff: relativeDiff(trained[1].weights, trained[0].weights),
    texts: generated.map((g) => g.text),
  };
}

import { defineConfig } from 'vitest/config';

// Four projects:
// - node:    everything, on js and on whichever wasm build Node picks without flags (baseline SIMD on Node 20),
//            the wasm backends on one thread;
// - relaxed: the kernel and fused-layer suites again in a Node started with
//            --experimental-wasm-relaxed-simd, so the relaxed build is exercised on Node 20 too
//            (the library itself never needs the flag);
// - threads: every suite that runs the wasm backend (kernels, layers, models, nn, train, series,
//            lab, io, demo, cli), again with its backends on two threads (the threads builds,
//            baseline and relaxed), every kernel call that can be cut cut however small
//            (test/support/threads-setup.ts); the js variants are left to the node project;
// - browser: the built package in Debian's Chromium through playwright-core, in a page without
//            cross-origin isolation (one thread) and in one with it (two threads).
/** Node 20 validates relaxed SIMD only behind this flag; Node 22 and later have it, and Node 24 rejects the flag. */
const RELAXED_SIMD_FLAG = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          setupFiles: ['test/support/threads-setup.ts'],
          pool: 'forks',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'relaxed',
          include: ['test/kernels/**/*.test.ts', 'test/layers/**/*.test.ts'],
          pool: 'forks',
          execArgv: RELAXED_SIMD_FLAG,
          env: { LSTM_SIMD_EXPECT_RELAXED: '1' },
          setupFiles: ['test/support/threads-setup.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'threads',
          include: ['test/{kernels,layers,models,nn,train,series,lab,io,demo,cli}/**/*.test.ts'],
          // gradcheck: float64 js only, nothing of the wasm backend runs there. chapter:
          // the chapter's full trainings (8 minutes on one thread on a busy 2-core machine): their kernels
          // are the ones threads.test.ts and the other model suites check here on two threads; so are the
          // word-level LM's (30 epochs, the slowest test of the node project).
          exclude: ['test/layers/gradcheck.test.ts', 'test/models/chapter.test.ts', 'test/models/word-level.test.ts'],
          pool: 'forks',
          execArgv: RELAXED_SIMD_FLAG,
          env: { LSTM_SIMD_EXPECT_RELAXED: '1', LSTM_SIMD_TEST_THREADS: '2' },
          setupFiles: ['test/support/threads-setup.ts'],
          // Every call cut, each a hand-off to a worker: on a busy machine the real-corpus training tests
          // (resume, divergence, lab) take several times their one-thread time.
          testTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

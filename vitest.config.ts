import { defineConfig } from 'vitest/config';

// Three projects:
// - node:    everything, on js and on whichever wasm build Node picks without flags (baseline SIMD on Node 20);
// - relaxed: the kernel and fused-layer suites again in a Node started with
//            --experimental-wasm-relaxed-simd, so the relaxed build is exercised on Node 20 too
//            (the library itself never needs the flag);
// - browser: the built package in Debian's Chromium through playwright-core.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          pool: 'forks',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'relaxed',
          include: ['test/kernels/**/*.test.ts', 'test/layers/**/*.test.ts'],
          pool: 'forks',
          execArgv: ['--experimental-wasm-relaxed-simd'],
          env: { LSTM_SIMD_EXPECT_RELAXED: '1' },
          testTimeout: 60_000,
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

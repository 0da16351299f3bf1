// The built package in a real browser (Chromium, see test/support/browser.ts): the repository is
// served on 127.0.0.1; test/browser/index.html imports /dist/index.js as an ES module and page.js
// measures gemm and the activations on the wasm and js backends against float64, in a page
// without cross-origin isolation (so threads fall back to one, with one warning). A second server
// sends COOP/COEP: there threads.html runs the wasm backend on two threads (module Workers over a
// shared memory) against one thread (threads-page.js).

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaticServer } from '../../scripts/static-server.js';
import { launchChromium, serveRepository, skipBrowserReason, watchPage } from '../support/browser.js';

interface GemmResult {
  shape: string;
  wasmErrorOverBound: number;
  jsErrorOverBound: number;
  maxDiff: number;
  diffOverBound: number;
}
interface ActivationResult {
  op: string;
  wasmMaxError: number;
  jsMaxError: number;
  maxDiff: number;
}
interface BackendChecks {
  variant: string;
  gemm: GemmResult[];
  activations: ActivationResult[];
}
interface PageChecks {
  userAgent: string;
  crossOriginIsolated: boolean;
  threadsWithoutIsolation: number[];
  hasSimd: boolean;
  hasRelaxedSimd: boolean;
  streamingCompiles: number;
  defaultLoad: BackendChecks;
  sourceUrl: BackendChecks;
  relaxedSourceUrl?: BackendChecks;
}

/** The activations' accuracy contract (test/kernels/elementwise.test.ts): 2e-7 absolute against float64. */
const ACTIVATION_MAX_ERROR = 2e-7;

function expectAccurate(checks: BackendChecks): void {
  for (const g of checks.gemm) {
    // Both within the float32 summation bound of the exact product (<= 1), so they agree to twice it.
    expect(g.wasmErrorOverBound, `${checks.variant} gemm ${g.shape}`).toBeLessThanOrEqual(1);
    expect(g.jsErrorOverBound, `js gemm ${g.shape}`).toBeLessThanOrEqual(1);
    expect(g.diffOverBound, `gemm ${g.shape}: wasm and js differ by ${g.maxDiff}`).toBeLessThanOrEqual(2);
  }
  for (const a of checks.activations) {
    expect(a.wasmMaxError, `${checks.variant} ${a.op}`).toBeLessThanOrEqual(ACTIVATION_MAX_ERROR);
    expect(a.jsMaxError, `js ${a.op}`).toBeLessThanOrEqual(ACTIVATION_MAX_ERROR);
    expect(a.maxDiff, `${a.op}: wasm vs js`).toBeLessThanOrEqual(2 * ACTIVATION_MAX_ERROR);
  }
}

interface ThreadChecks {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  threads: number[];
  variant: string;
  gemms: { shape: string; diff: number }[];
  lossDiff: number;
  weightDiff: number;
  texts: string[];
}

/** Opens `url` in a new page of `browser`, watched for failures; its console warnings go to `warnings`. */
async function openPage(browser: Browser, url: string, failures: string[], warnings: string[]): Promise<Page> {
  const page = await browser.newPage();
  watchPage(page, failures);
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

describe.skipIf(skipBrowserReason !== undefined)('the built package in Chromium', () => {
  const failures: string[] = [];
  const warnings: string[] = [];
  const isolatedWarnings: string[] = [];
  const servers: StaticServer[] = [];
  let browser: Browser | undefined;
  let page: Page | undefined;
  let checks: PageChecks;
  let threadChecks: ThreadChecks;

  beforeAll(async () => {
    browser = await launchChromium();
    const plain = await serveRepository(failures, { isolated: false });
    const isolated = await serveRepository(failures);
    servers.push(plain, isolated);
    page = await openPage(browser, `${plain.origin}/test/browser/index.html`, failures, warnings);
    checks = (await page.evaluate('window.checks')) as PageChecks;
    const threadsPage = await openPage(
      browser,
      `${isolated.origin}/test/browser/threads.html`,
      failures,
      isolatedWarnings,
    );
    threadChecks = (await threadsPage.evaluate('window.checks')) as ThreadChecks;
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  it('loads the module without a console error, page error or failed request', () => {
    expect(failures).toEqual([]);
    expect(checks, 'the page produced no result').toBeDefined();
    expect(checks.hasSimd).toBe(true);
  });

  it('picks the wasm backend by default: the relaxed build where Chromium validates it', () => {
    expect(checks.defaultLoad.variant).toMatch(/^wasm/);
    expect(checks.defaultLoad.variant).toBe(checks.hasRelaxedSimd ? 'wasm-relaxed' : 'wasm-simd');
    // Chromium >= 114 has relaxed SIMD; Debian's is far newer.
    expect(checks.hasRelaxedSimd, checks.userAgent).toBe(true);
  });

  it('computes gemm and the activations within tolerance of float64, as the js backend does', () => {
    expectAccurate(checks.defaultLoad);
  });

  it('loads the .wasm through `source` (a URL string and a URL), compiling it as a stream', () => {
    expect(checks.sourceUrl.variant).toBe('wasm-simd');
    expectAccurate(checks.sourceUrl);
    expect(checks.relaxedSourceUrl?.variant).toBe('wasm-relaxed');
    expectAccurate(checks.relaxedSourceUrl!);
    // application/wasm from the server means the loader takes WebAssembly.compileStreaming.
    expect(checks.streamingCompiles).toBe(2);
  });

  it('without cross-origin isolation, runs on one thread when asked for two, and says so once', () => {
    expect(checks.crossOriginIsolated).toBe(false);
    expect(checks.threadsWithoutIsolation).toEqual([1, 1]);
    const threadWarnings = warnings.filter((w) => w.startsWith('lstm-simd: running the kernels on 1 thread'));
    expect(threadWarnings).toHaveLength(1);
    expect(threadWarnings[0]).toMatch(/Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy/);
  });

  it('cross-origin isolated (COOP/COEP), runs on two threads with the results of one', () => {
    expect(threadChecks.crossOriginIsolated).toBe(true);
    expect(threadChecks.threads).toEqual([1, 2, 2]);
    expect(threadChecks.variant).toBe('wasm-relaxed');
    expect(isolatedWarnings).toEqual([]);
    for (const g of threadChecks.gemms) expect(g.diff, `gemm ${g.shape}`).toBeLessThanOrEqual(1e-5);
    expect(threadChecks.lossDiff, 'training losses').toBeLessThanOrEqual(1e-5);
    expect(threadChecks.weightDiff, 'weights after three steps').toBeLessThanOrEqual(1e-5);
    expect(threadChecks.texts[1], 'generation, every kernel call cut').toBe(threadChecks.texts[0]);
    expect(threadChecks.texts[2], 'generation, cut by the thresholds').toBe(threadChecks.texts[0]);
  });

  it('runs the vanishing-gradient lab in the page (the core imports no node: module) and renders its report', async () => {
    // A string, not a function: the test's transpiler would add helpers the page does not have.
    const result = (await page!.evaluate(`(async () => {
      const lib = await import('/dist/index.js');
      await lib.setBackend('wasm');
      const settings = lib.labSettings(true, 2);
      const tiny = { epochs: 1, stepsPerEpoch: 5, valBatches: 1, batchSize: 16 };
      settings.checksum = { ...settings.checksum, ...tiny, lengths: [8] };
      settings.gradients = { ...settings.gradients, ...tiny, length: 8, measureBatch: 8 };
      settings.gates = { ...settings.gates, ...tiny, markupLength: 10, resetLength: 10 };
      const report = await lib.runLab(['checksum', 'gradients', 'gates'], { settings });
      return {
        backend: report.backend,
        runs: report.checksum.runs.length,
        agreement: Math.max(...report.gradients.cells.map((c) => c.trained.fusedScratchDifference)),
        svgs: (lib.labReportHtml(report).match(/<svg /g) || []).length,
      };
    })()`)) as { backend: string; runs: number; agreement: number; svgs: number };
    expect(result.backend).toMatch(/^wasm/);
    expect(result.runs).toBe(3);
    expect(result.agreement).toBeLessThan(1e-12);
    expect(result.svgs).toBeGreaterThanOrEqual(1 + 4 + 4);
    expect(failures).toEqual([]);
  });
});

// The built package in a real browser: Debian's Chromium, driven by playwright-core
// (never a browser that playwright downloads). A tiny static server serves the package
// root; test/browser/index.html imports /dist/index.js as an ES module and page.js
// measures gemm and the activations on the wasm and js backends against float64.
//
// Needs dist/ (npm test builds it first) and /usr/bin/chromium (apt-get install chromium).

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.LSTM_SIMD_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** Serves files under ROOT on 127.0.0.1 and a random port; records every request it could not serve. */
function serveRoot(failures: string[]): Promise<{ server: Server; origin: string }> {
  const server = createServer(async (request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = path.join(ROOT, pathname);
    const type = CONTENT_TYPES[path.extname(file)];
    if (!file.startsWith(ROOT) || type === undefined) {
      failures.push(`403 ${pathname}`);
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    } catch {
      failures.push(`404 ${pathname}`);
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    });
  });
}

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

const skipReason = process.env.LSTM_SIMD_SKIP_BROWSER === '1' ? 'LSTM_SIMD_SKIP_BROWSER=1' : undefined;

describe.skipIf(skipReason !== undefined)('the built package in Chromium', () => {
  const failures: string[] = [];
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let checks: PageChecks;

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist', 'index.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    }
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no browser at ${CHROMIUM}: install Debian's Chromium (apt-get install -y chromium; .ci/run does), ` +
          'or set LSTM_SIMD_SKIP_BROWSER=1 to skip this test',
      );
    }
    const served = await serveRoot(failures);
    server = served.server;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') failures.push(`console.error: ${message.text()}`);
    });
    page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => failures.push(`request failed: ${request.url()}`));
    await page.goto(`${served.origin}/test/browser/index.html`, { waitUntil: 'load' });
    checks = (await page.evaluate('window.checks')) as PageChecks;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
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

// The built package in a real browser: Debian's Chromium, driven by playwright-core
// (never a browser that playwright downloads). A tiny static server serves the package
// root; test/browser/index.html imports /dist/index.js as an ES module and page.js
// measures gemm and the activations on the wasm and js backends against float64, in a page
// without cross-origin isolation (so threads fall back to one, with one warning). A second
// server sends COOP/COEP: there threads.html runs the wasm backend on two threads (module
// Workers over a shared memory) against one thread (threads-page.js).
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

/** The headers that make a page cross-origin isolated (SharedArrayBuffer, so threads). */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Serves files under ROOT on 127.0.0.1 and a random port, with the isolation headers when `isolated`;
 * records every request it could not serve.
 */
function serveRoot(failures: string[], isolated = false): Promise<{ server: Server; origin: string }> {
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
      response
        .writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...(isolated ? ISOLATION_HEADERS : {}) })
        .end(body);
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

const skipReason = process.env.LSTM_SIMD_SKIP_BROWSER === '1' ? 'LSTM_SIMD_SKIP_BROWSER=1' : undefined;

/** Opens `url` in a new page of `browser`; collects console errors and warnings, page errors and failed requests. */
async function openPage(browser: Browser, url: string, failures: string[], warnings: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') failures.push(`console.error: ${message.text()}`);
    if (message.type() === 'warning') warnings.push(message.text());
  });
  page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => failures.push(`request failed: ${request.url()}`));
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

describe.skipIf(skipReason !== undefined)('the built package in Chromium', () => {
  const failures: string[] = [];
  const warnings: string[] = [];
  const isolatedWarnings: string[] = [];
  const servers: Server[] = [];
  let browser: Browser | undefined;
  let checks: PageChecks;
  let threadChecks: ThreadChecks;

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
    const plain = await serveRoot(failures);
    const isolated = await serveRoot(failures, true);
    servers.push(plain.server, isolated.server);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    const page = await openPage(browser, `${plain.origin}/test/browser/index.html`, failures, warnings);
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
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
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
});

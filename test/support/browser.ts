// The browser tests' shared machinery: Debian's Chromium driven by playwright-core (scripts/chromium.js:
// never a browser that playwright downloads), the repository served on 127.0.0.1 by the same static
// server as `npm run demo`, and a page watcher that records every console error, page error and
// failed request (of the page and of its workers).
//
// Needs dist/ (npm test builds it first) and /usr/bin/chromium (apt-get install chromium; .ci/run does).

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium as launchBrowser } from '../../scripts/chromium.js';
import { serveStatic, type StaticServer } from '../../scripts/static-server.js';

/** The repository root, which the tests serve (pages import /dist/index.js). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Why the browser tests are skipped (LSTM_SIMD_SKIP_BROWSER=1), or undefined when they run. */
export const skipBrowserReason = process.env.LSTM_SIMD_SKIP_BROWSER === '1' ? 'LSTM_SIMD_SKIP_BROWSER=1' : undefined;

/** Launches Chromium after checking that dist/ is built and the browser is installed (clear errors otherwise). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  }
  try {
    return await launchBrowser();
  } catch (error) {
    throw new Error(`${(error as Error).message} (LSTM_SIMD_SKIP_BROWSER=1 skips the browser tests)`, { cause: error });
  }
}

/**
 * Serves the repository root on 127.0.0.1, and `files` (URL path -> file), cross-origin isolated unless
 * `isolated` is false. Every request that is not served goes to `failures`; every request, as
 * 'status path', to `requests` if given.
 */
export function serveRepository(
  failures: string[],
  options: { files?: Record<string, string>; requests?: string[]; isolated?: boolean } = {},
): Promise<StaticServer> {
  return serveStatic({
    root: REPO_ROOT,
    files: options.files,
    isolated: options.isolated,
    onRequest: (status, pathname) => {
      if (status >= 400) failures.push(`server: ${status} ${pathname}`);
      options.requests?.push(`${status} ${pathname}`);
    },
  });
}

/** Records console errors, uncaught errors and failed requests of the page and its workers into `failures`. */
export function watchPage(page: Page, failures: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') failures.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => failures.push(`request failed: ${request.url()}`));
  page.on('worker', (worker) => {
    worker.on('console', (message) => {
      if (message.type() === 'error') failures.push(`worker console.error: ${message.text()}`);
    });
  });
}

/** A folder for what a test leaves to look at (screenshots, downloads, timings): out/test-artifacts/<name>. */
export function artifactDir(name: string): string {
  const dir = path.join(REPO_ROOT, 'out', 'test-artifacts', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

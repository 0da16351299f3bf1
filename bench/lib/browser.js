// Chromium as a bench backend: the bench's own workload modules (lib/workloads.js over dist/) run in a
// page of Debian's Chromium (bench/browser/harness.js), one row per wasm build: 'chromium-simd' and
// 'chromium-relaxed'. Loaded only when a suite asks for it and Chromium is installed.
//
// Each sample is timed in the page (performance.now() around `reps` back-to-back calls; the page is
// cross-origin isolated, so the clock is not coarsened to 100 µs) and handed to tinybench as the
// sample's duration: the DevTools round trip from Node (0.1-1 ms) is not counted. Samples are taken
// in the same interleaved rounds as the other backends: while the page computes, Node waits.

import { launchChromium } from '../../scripts/chromium.js';
import { serveStatic } from '../../scripts/static-server.js';
import { PACKAGE_ROOT } from './environment.js';

/** The wasm build behind each label. */
export const BROWSER_BUILDS = { 'chromium-simd': 'simd', 'chromium-relaxed': 'relaxed' };

/**
 * @returns {Promise<BrowserHandle>}
 * @typedef {{
 *   labels: string[],
 *   info: string,
 *   prepare(label: string, spec: { factory: string, args: unknown[], call: string }): Promise<import('./types.js').Runner>,
 *   close(): Promise<void>,
 * }} BrowserHandle
 */
export async function loadBrowser() {
  let browser;
  let served;
  try {
    served = await serveStatic({ root: PACKAGE_ROOT });
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${served.origin}/bench/browser/index.html`);
    await page
      .waitForFunction(() => 'benchHarness' in window, null, { timeout: 30_000 })
      .catch(() => {
        throw new Error(`the harness page did not load${errors.length ? `: ${errors.join('; ')}` : ''}`);
      });
    const { hasRelaxedSimd, crossOriginIsolated } = await page.evaluate(() => ({
      hasRelaxedSimd: window.benchHarness.hasRelaxedSimd,
      crossOriginIsolated: window.crossOriginIsolated,
    }));
    const labels = hasRelaxedSimd ? ['chromium-simd', 'chromium-relaxed'] : ['chromium-simd'];
    let nextId = 0;
    return {
      labels,
      info:
        `Chromium ${browser.version()}: ${labels.join(', ')}, timed in the page; the demo page's 'auto' picks ` +
        `${hasRelaxedSimd ? 'relaxed' : 'baseline'} SIMD` +
        (crossOriginIsolated ? '' : ' (not cross-origin isolated: a 100 µs clock)'),
      async prepare(label, spec) {
        const id = `${label}-${nextId++}`;
        await page.evaluate(
          ([i, s]) => window.benchHarness.prepare(i, s),
          /** @type {const} */ ([id, { ...spec, build: BROWSER_BUILDS[label] }]),
        );
        return {
          runTimed: (reps) =>
            page.evaluate(([i, n]) => window.benchHarness.run(i, n), /** @type {const} */ ([id, reps])),
          check: () => page.evaluate((i) => window.benchHarness.check(i), id),
          dispose: () => page.evaluate((i) => window.benchHarness.dispose(i), id),
        };
      },
      async close() {
        await browser.close();
        await served.close();
      },
    };
  } catch (error) {
    await browser?.close();
    await served?.close();
    return browserUnavailable(`Chromium not used (${error.message.split('\n')[0]})`);
  }
}

/**
 * A handle with no Chromium labels, whose `info` line says why.
 * @param {string} info
 * @returns {BrowserHandle}
 */
export function browserUnavailable(info) {
  return {
    labels: [],
    info,
    async prepare() {
      throw new Error(info);
    },
    async close() {},
  };
}

/**
 * Runner specs of a workload on every Chromium label of the run.
 * @param {import('./types.js').SuiteContext} ctx
 * @param {{ factory: string, args: unknown[], call: string }} spec  workloads[factory](lib, backend, ...args)[call]()
 */
export function browserRunners(ctx, spec) {
  return Object.fromEntries(
    ctx.browser.labels.map((label) => [label, { prepare: () => ctx.browser.prepare(label, spec) }]),
  );
}

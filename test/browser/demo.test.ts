// The demo page (demo/) in Chromium, as a user drives it: served on 127.0.0.1 by the same server as
// `npm run demo`, with the corpus served from its real path. Small runs (16 hidden units, 4 epochs of
// 64 batches) check that perplexity falls, that the page paints every second while the worker trains,
// that text appears, pausing, download then load, loading a PyTorch state dict with its vocabulary,
// the vanishing-gradient lab (a tiny budget) with its plots, and that nothing is requested once the
// page has loaded (the browser is offline from then on). The last test times two epochs of the
// chapter's configuration (B = 1024, T = 32, H = 32) for the record; the 50-epoch figure is
// bench/browser-chapter.js. A screenshot, the downloaded model and the timings go to
// out/test-artifacts/demo/.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaticServer } from '../../scripts/static-server.js';
import {
  artifactDir,
  launchChromium,
  REPO_ROOT,
  serveRepository,
  skipBrowserReason,
  watchPage,
} from '../support/browser.js';
import { corpusPath, readCorpusText } from '../support/corpus.js';

interface HistoryRow {
  epoch: number;
  trainPerplexity: number;
  valPerplexity: number;
  seconds: number;
}

/** The lab with a tiny budget (lab.test.ts's): every section runs and plots in seconds. */
const TINY = { epochs: 1, stepsPerEpoch: 5, valBatches: 1, batchSize: 16 };
const LAB_SETTINGS = {
  checksum: { ...TINY, lengths: [8, 12] },
  gradients: { ...TINY, length: 12, measureBatch: 8 },
  gates: { ...TINY, markupLength: 12, resetLength: 12 },
  tanh: { epochs: 1, batchSize: 256 },
};

/** The small run: 2048 training windows in batches of 128, 512 validation windows. */
const SMALL = { numHiddens: '16', maxEpochs: '4', batchSize: '128', numTrain: '8192', numVal: '512', seed: '3' };

describe.skipIf(skipBrowserReason !== undefined)('the demo page in Chromium', () => {
  const failures: string[] = [];
  const requests: string[] = [];
  const artifacts = artifactDir('demo');
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let requestsWhenLoaded = 0;

  /** The rows of the page's "Every epoch" table. */
  async function history(): Promise<HistoryRow[]> {
    return page.$$eval('#history-rows tr', (rows) =>
      rows.map((row) => {
        const cells = Array.from(row.querySelectorAll('td'), (td) => Number(td.textContent));
        return { epoch: cells[0], trainPerplexity: cells[1], valPerplexity: cells[2], seconds: cells[3] };
      }),
    );
  }

  async function fill(fields: Record<string, string>): Promise<void> {
    for (const [id, value] of Object.entries(fields)) await page.fill(`#${id}`, value);
  }

  /** Waits until the page says `state` with `rows` epochs in its table. */
  async function waitFor(state: string, rows: number, timeout = 90_000): Promise<void> {
    await page.waitForFunction(
      ([s, n]) => document.body.dataset.state === s && document.querySelectorAll('#history-rows tr').length === n,
      [state, rows] as const,
      { timeout },
    );
  }

  const generatedText = () => page.textContent('#generated');

  beforeAll(async () => {
    browser = await launchChromium();
    server = await serveRepository(failures, { files: { '/demo/timemachine.txt': corpusPath() }, requests });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    // Every animation frame of the page, from before its own scripts run.
    await context.addInitScript(() => {
      const times: number[] = [];
      (window as unknown as { frameTimes: number[] }).frameTimes = times;
      const tick = (t: number) => {
        times.push(t);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    page = await context.newPage();
    watchPage(page, failures);
    const labSettings = encodeURIComponent(JSON.stringify(LAB_SETTINGS));
    await page.goto(`${server.origin}/demo/?lab-settings=${labSettings}`, { waitUntil: 'load' });
    // Loaded: the session's backends, the text, and the lab's worker.
    await page.waitForFunction(
      () =>
        document.body.dataset.state === 'idle' &&
        !document.querySelector('#start')!.matches(':disabled') &&
        !document.querySelector('#lab-run')!.matches(':disabled'),
    );
    requestsWhenLoaded = requests.length;
    await context.setOffline(true);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads the text from its folder and the fastest backend', async () => {
    const characters = readCorpusText().length.toLocaleString('en');
    expect(await page.textContent('#text-source')).toBe(`timemachine.txt: ${characters} characters`);
    expect(await page.textContent('#backend option[value=auto]')).toBe('automatic (wasm-relaxed)');
    expect(requests).toContain('200 /demo/timemachine.txt');
  });

  it('trains: perplexity falls over 4 epochs, the page paints every second, generated text appears', async () => {
    await page.click('text=More settings');
    await fill(SMALL);
    const startedAt = await page.evaluate(() => performance.now());
    await page.click('#start');
    await waitFor('done', 4);
    const endedAt = await page.evaluate(() => performance.now());

    const rows = await history();
    expect(rows.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i].valPerplexity, `validation perplexity, epoch ${i + 1}`).toBeLessThan(rows[i - 1].valPerplexity);
    }
    expect(rows[3].trainPerplexity).toBeLessThan(rows[0].trainPerplexity);
    expect(rows[0].valPerplexity).toBeLessThan(28); // the uniform guess

    // The main thread kept painting: no second without an animation frame while the worker trained.
    const frames = (await page.evaluate('window.frameTimes')) as number[];
    const during = [startedAt, ...frames.filter((t) => t > startedAt && t < endedAt), endedAt];
    const longestGap = Math.max(...during.slice(1).map((t, i) => t - during[i]));
    expect(endedAt - startedAt, 'training long enough to judge the frame rate').toBeGreaterThan(1000);
    expect(longestGap, `longest time without a frame (ms), ${during.length} frames`).toBeLessThan(1000);

    const text = await generatedText();
    expect(text).toMatch(/^it has .{50,}/);
    expect(await page.textContent('#stat-epoch')).toBe('4 of 4');
    expect(await page.textContent('#stat-backend')).toBe('WebAssembly, relaxed SIMD');
    expect(await page.locator('#plot svg path').count()).toBe(2); // the training and the validation curve
    await page.screenshot({ path: path.join(artifacts, 'demo.png'), fullPage: true });
    writeFileSync(
      path.join(artifacts, 'small-run.json'),
      JSON.stringify({ rows, frames: during.length - 2, seconds: (endedAt - startedAt) / 1000, longestGap }, null, 2),
    );
  });

  it('pauses, then resumes to the end', async () => {
    await fill({ maxEpochs: '9' });
    await page.click('#start'); // "Train more"
    await page.waitForFunction(() => document.querySelectorAll('#history-rows tr').length >= 5);
    await page.click('#pause');
    await page.waitForFunction(() => document.body.dataset.state === 'paused');
    expect(await page.textContent('#start')).toBe('Resume');
    const pausedRows = (await history()).length;
    expect(pausedRows).toBeLessThan(9);
    await page.click('#start');
    await waitFor('done', 9);
    expect((await history()).map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('downloads the model, loads it back after a reset: the same generated text', async () => {
    const before = await generatedText();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('lstm-h16-epoch9.safetensors');
    const file = path.join(artifacts, download.suggestedFilename());
    await download.saveAs(file);
    expect(readFileSync(file).length).toBeGreaterThan(1000);

    await page.click('#reset');
    await page.waitForFunction(() => document.body.dataset.state === 'idle');
    expect(await generatedText()).not.toBe(before);

    await page.setInputFiles('#model-file', file);
    await page.waitForFunction(() => document.body.dataset.state === 'paused');
    await page.waitForFunction((text) => document.querySelector('#generated')!.textContent === text, before);
    expect(await page.textContent('#model-summary')).toMatch(
      /^LSTM \(fused layer\), 16 hidden units, .* loaded from lstm-h16-epoch9\.safetensors$/,
    );
    expect(await page.inputValue('#numHiddens')).toBe('16');
  });

  it('loads a PyTorch state dict with its vocabulary and generates from it', async () => {
    const fixtures = path.join(REPO_ROOT, 'test', 'fixtures', 'torch');
    await page.setInputFiles('#vocab-file', path.join(fixtures, 'lm-vocab.json'));
    await page.setInputFiles('#model-file', path.join(fixtures, 'lm-lstm-d2l.safetensors'));
    await page.waitForFunction(() => /PyTorch/.test(document.querySelector('#model-summary')!.textContent ?? ''));
    expect(await page.textContent('#model-summary')).toMatch(
      /^LSTM \(fused layer\), 32 hidden units, .* loaded from lm-lstm-d2l\.safetensors \(PyTorch\)$/,
    );
    await page.waitForFunction(() => document.querySelector('#generated')!.textContent!.length > 100);
    expect(await generatedText()).toMatch(/^it has[a-z ]{100}$/);
    expect(await page.inputValue('#numHiddens')).toBe('32');
  });

  it('runs the vanishing-gradient lab in its own worker and shows its report with the plots', async () => {
    await page.click('#lab-run');
    await page.waitForFunction(() => !document.querySelector<HTMLIFrameElement>('#lab-report')!.hidden, null, {
      timeout: 120_000,
    });
    expect(await page.textContent('#lab-status')).toMatch(/^Done in /);
    const report = page.frameLocator('#lab-report');
    await expect.poll(() => report.locator('svg').count()).toBeGreaterThanOrEqual(1 + 4 + 4 + 1);
    expect(await report.locator('h2').allTextContents()).toEqual([
      expect.stringMatching(/checksum task/),
      expect.stringMatching(/Gradient flow/),
      expect.stringMatching(/gates at work/),
      expect.stringMatching(/Exercise 4/),
      'Settings',
    ]);
    expect(await page.getAttribute('#lab-download', 'href')).toMatch(/^blob:/);
  }, 180_000);

  it('makes no request after it has loaded (it runs offline) and logs no error', async () => {
    expect(requests.slice(requestsWhenLoaded)).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('times two epochs of the chapter (B = 1024, T = 32, H = 32), scratch and concise, for the record', async () => {
    const timings: Record<string, unknown> = {};
    for (const implementation of ['concise', 'scratch']) {
      await page.click('#reset');
      await page.waitForFunction(() => document.body.dataset.state === 'idle');
      await page.selectOption('#implementation', implementation);
      await fill({
        numHiddens: '32',
        maxEpochs: '2',
        batchSize: '1024',
        numSteps: '32',
        numTrain: '10000',
        numVal: '5000',
      });
      await page.click('#start');
      await waitFor('done', 2);
      const rows = await history();
      timings[implementation] = {
        secondsPerEpoch: rows.map((r) => r.seconds),
        valPerplexity: rows.map((r) => r.valPerplexity),
      };
      expect(rows.every((r) => r.seconds > 0 && Number.isFinite(r.seconds))).toBe(true);
    }
    const build = await page.textContent('#stat-backend');
    expect(build).toBe('WebAssembly, relaxed SIMD');
    const userAgent = await page.evaluate(() => navigator.userAgent);
    writeFileSync(
      path.join(artifacts, 'chapter-timing.json'),
      JSON.stringify({ build, userAgent, ...timings }, null, 2),
    );
    expect(failures).toEqual([]);
  }, 180_000); // about 5 s on an idle machine; a busy one slows the first epoch most (tier-up)
});

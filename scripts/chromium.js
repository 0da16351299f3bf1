// Debian's Chromium driven by playwright-core (which never downloads a browser here): the path, the
// flags and the launch shared by the browser tests, the browser bench and the chapter timing script.

import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** The browser: $LSTM_SIMD_CHROMIUM, else Debian's (apt-get install chromium; .ci/run does). */
export const CHROMIUM_PATH = process.env.LSTM_SIMD_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, no sandbox (containers), no GPU, and none of the browser's own network traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/**
 * Launches Chromium; a clear error when it is not installed.
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no browser at ${CHROMIUM_PATH}: install Debian's Chromium (apt-get install -y chromium; .ci/run does), ` +
        'or set LSTM_SIMD_CHROMIUM to another Chromium',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
}

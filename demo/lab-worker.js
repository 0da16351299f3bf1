// The demo's second module worker: the vanishing-gradient lab (runLab, the functions behind
// `lstm-simd lab`), so that it runs beside the training session without holding it up. It reports
// progress, then the lab's self-contained HTML report (inline CSS and SVG), which the page shows.
//
// Messages in: run { sections, quick, text, overrides? }, cancel. Messages out: ready { backend },
// progress { message }, report { html, seconds }, cancelled, error { message }.

import { createBackend, LAB_SECTIONS, labReportHtml, labSettings, runLab, yieldToEventLoop } from '../dist/index.js';

/** @param {{ type: string } & Record<string, unknown>} message */
const post = (message) => self.postMessage(message);

const backend = createBackend('wasm');
backend.then(
  (b) => post({ type: 'ready', backend: b.variant, sections: [...LAB_SECTIONS] }),
  (error) => post({ type: 'error', message: `the lab's backend did not load: ${error?.message ?? error}` }),
);

let running = false;
let cancelRequested = false;

class Cancelled extends Error {}

/**
 * The profile's settings with `overrides` (per section, e.g. { gates: { epochs: 1 } }) merged in.
 * @param {boolean} quick
 * @param {Record<string, Record<string, unknown>> | undefined} overrides
 */
function settingsWith(quick, overrides) {
  const settings = /** @type {Record<string, any>} */ (labSettings(quick));
  for (const [section, values] of Object.entries(overrides ?? {})) {
    if (!(section in settings) || section === 'seed')
      throw new RangeError(`lab settings: unknown section '${section}'`);
    settings[section] = { ...settings[section], ...values };
  }
  return /** @type {import('../dist/index.js').LabSettings} */ (settings);
}

self.onmessage = async (/** @type {MessageEvent} */ event) => {
  const message = event.data;
  if (message?.type === 'cancel') {
    cancelRequested = running;
    return;
  }
  if (message?.type !== 'run' || running) return;
  running = true;
  cancelRequested = false;
  try {
    const report = await runLab(message.sections, {
      quick: message.quick,
      settings: settingsWith(message.quick, message.overrides),
      text: message.text,
      backend: await backend,
      onProgress: (progress) => post({ type: 'progress', message: progress }),
      // Between two trainings: a turn of the event loop (a cancel message gets in), then stop if asked.
      pause: async () => {
        await yieldToEventLoop();
        if (cancelRequested) throw new Cancelled();
      },
    });
    post({ type: 'report', html: labReportHtml(report), seconds: report.seconds.total });
  } catch (error) {
    if (error instanceof Cancelled) post({ type: 'cancelled' });
    else post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  } finally {
    running = false;
  }
};

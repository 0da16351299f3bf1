// The demo's module worker: it owns the training session (backends, model, data) and turns the
// page's messages into session commands. Everything heavy runs here, so the page's main thread only
// paints. Commands run as they arrive; training yields after every batch, so a pause, a new prefix or
// a download is served between two batches.
//
// Messages in (the `type` field): text { name, text }, start { config }, pause, reset,
// generate { settings }, save, load { bytes, fileName, backend?, vocabJson?, lr? }.
// Messages out: the session's events (see session.js).

import { TrainingSession } from './session.js';

/** @param {{ type: string } & Record<string, unknown>} message @param {Transferable[]} [transfer] */
function post(message, transfer = []) {
  self.postMessage(message, { transfer });
}

const session = TrainingSession.create(post).catch((error) => {
  post({ type: 'error', command: 'init', message: `the backends did not load: ${error?.message ?? error}` });
  throw error;
});

/** @type {Record<string, (s: TrainingSession, m: any) => unknown>} */
const COMMANDS = {
  text: (s, m) => s.setText(m.name, m.text),
  start: (s, m) => s.start(m.config),
  pause: (s) => s.pause(),
  reset: (s) => s.reset(),
  generate: (s, m) => s.setGeneration(m.settings),
  save: (s) => s.save(),
  load: (s, m) => s.load(m.bytes, m.fileName, { backend: m.backend, vocabJson: m.vocabJson, lr: m.lr }),
};

self.onmessage = async (/** @type {MessageEvent} */ event) => {
  const message = event.data;
  const command = COMMANDS[message?.type];
  if (command === undefined) {
    post({ type: 'error', command: String(message?.type), message: `unknown command '${message?.type}'` });
    return;
  }
  let s;
  try {
    s = await session;
    await command(s, message);
  } catch (error) {
    s?.postError(message.type, error);
    s?.postState();
  }
};

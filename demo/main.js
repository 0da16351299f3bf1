// The demo page's main thread: the form, the buttons and what is drawn. The model lives in the worker
// (worker.js); this thread only sends commands and paints the events that come back, so it never
// blocks. It does not import the library at all: the worker sends the plot as SVG text.

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const select = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ (document.getElementById(id));
const button = (/** @type {string} */ id) => /** @type {HTMLButtonElement} */ (document.getElementById(id));

const CORPUS_FILE = 'timemachine.txt';
/** Form fields that describe the model or its data: fixed while a model exists. */
const MODEL_FIELDS = ['cell', 'implementation', 'numHiddens', 'lr', 'batchSize', 'numSteps', 'gradientClipVal'];
const DATA_FIELDS = ['numTrain', 'numVal', 'seed', 'backend'];
const NUMBER_FIELDS = [
  'numHiddens',
  'maxEpochs',
  'lr',
  'batchSize',
  'numSteps',
  'gradientClipVal',
  'numTrain',
  'numVal',
  'seed',
];

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
/** What the worker last reported. */
const view = {
  state: 'loading',
  /** @type {Record<string, { lr: number, maxEpochs: number }>} */
  defaults: {},
  /** @type {any[]} */
  history: [],
  maxEpochs: 0,
  hasText: false,
  /** The text last sent to the session: the lab's output-tanh section trains on it too. */
  text: '',
};

/** @param {{ type: string } & Record<string, unknown>} message @param {Transferable[]} [transfer] */
function send(message, transfer = []) {
  worker.postMessage(message, transfer);
}

// ---- Events from the worker ---------------------------------------------------------------------------

/** @type {Record<string, (message: any) => void>} */
const HANDLERS = {
  ready(message) {
    view.defaults = message.defaults;
    const backend = select('backend');
    for (const option of backend.options) {
      option.disabled = option.value !== 'auto' && !message.backends.includes(option.value);
    }
    backend.options[0].textContent = `automatic (${message.autoBackend})`;
    $('stat-backend').textContent = describeBackend(message.autoBackend);
    setState('idle');
    sendGeneration();
  },
  state(message) {
    view.maxEpochs = message.maxEpochs || view.maxEpochs;
    if (message.text) {
      $('text-source').textContent = `${message.text.name}: ${message.text.characters.toLocaleString('en')} characters`;
      view.hasText = true;
    }
    if (message.data?.note) $('text-source').textContent += ` (${message.data.note})`;
    if (message.model) {
      const { spec, variant, parameters, origin } = message.model;
      $('stat-backend').textContent = describeBackend(variant);
      if (origin !== 'new') showModelSettings(spec);
      $('model-summary').textContent =
        `${modelName(spec.kind)}, ${spec.numHiddens} hidden units, ${parameters.toLocaleString('en')} parameters` +
        (origin === 'new' ? '' : `, loaded from ${origin}`);
    } else {
      $('model-summary').textContent = 'No model yet.';
      clearProgress();
    }
    setState(message.state, message.epoch);
  },
  batch(message) {
    const progress = /** @type {HTMLProgressElement} */ ($('epoch-progress'));
    progress.max = message.numBatches;
    progress.value = message.batch;
    $('stat-epoch').textContent =
      `${message.epoch} of ${view.maxEpochs} (batch ${message.batch}/${message.numBatches})`;
    $('stat-tokens').textContent = formatRate(message.tokensPerSecond);
  },
  epoch(message) {
    view.history = message.history;
    view.maxEpochs = message.maxEpochs;
    const { record } = message;
    $('stat-epoch').textContent = `${record.epoch} of ${message.maxEpochs}`;
    $('stat-train-ppl').textContent = record.trainPerplexity.toFixed(2);
    $('stat-val-ppl').textContent = Number.isFinite(record.valPerplexity) ? record.valPerplexity.toFixed(2) : '–';
    $('stat-epoch-seconds').textContent = record.seconds.toFixed(2);
    $('stat-tokens').textContent = formatRate(record.tokensPerSecond);
    const elapsed = view.history.reduce((sum, r) => sum + r.seconds, 0);
    const remaining = (message.maxEpochs - record.epoch) * (elapsed / view.history.length);
    $('stat-elapsed').textContent =
      `${formatSeconds(elapsed)}` + (remaining > 0 ? ` (${formatSeconds(remaining)} to go)` : '');
    $('plot').innerHTML = message.plot;
    appendHistoryRow(record);
  },
  generated(message) {
    const out = $('generated');
    out.replaceChildren();
    if (message.text === '') {
      const placeholder = document.createElement('span');
      placeholder.className = 'placeholder';
      placeholder.textContent = view.state === 'idle' ? 'Start training to see text appear.' : 'Type a prefix.';
      out.append(placeholder);
      return;
    }
    const prefix = document.createElement('strong');
    prefix.textContent = message.prefix;
    out.append(prefix, message.text.slice(message.prefix.length));
    out.dataset.epoch = String(message.epoch);
  },
  saved(message) {
    const url = URL.createObjectURL(new Blob([message.bytes], { type: 'application/octet-stream' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = message.fileName;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
  error(message) {
    const box = $('error');
    box.textContent = message.message;
    box.hidden = false;
  },
};

worker.onmessage = (/** @type {MessageEvent} */ event) => HANDLERS[event.data.type]?.(event.data);
worker.onerror = (/** @type {ErrorEvent} */ event) => {
  event.preventDefault();
  HANDLERS.error({ message: `the worker failed: ${event.message || 'it could not be loaded'}` });
  console.error('lstm-simd demo: the worker failed', event.message);
};

// ---- Commands -----------------------------------------------------------------------------------------

button('start').addEventListener('click', () => {
  clearError();
  if (view.state === 'idle') clearProgress();
  send({ type: 'start', config: readSettings() });
});
button('pause').addEventListener('click', () => send({ type: 'pause' }));
button('reset').addEventListener('click', () => {
  clearError();
  send({ type: 'reset' });
});
button('download').addEventListener('click', () => send({ type: 'save' }));

input('model-file').addEventListener('change', async () => {
  const file = input('model-file').files?.[0];
  if (!file) return;
  clearError();
  const vocabFile = input('vocab-file').files?.[0];
  const bytes = new Uint8Array(await file.arrayBuffer());
  const vocabJson = vocabFile ? await vocabFile.text() : undefined;
  clearProgress();
  const lr = Number(input('lr').value) || undefined; // for a PyTorch model trained further
  send({ type: 'load', bytes, fileName: file.name, backend: select('backend').value, vocabJson, lr }, [bytes.buffer]);
  input('model-file').value = '';
});

input('text-file').addEventListener('change', async () => {
  const file = input('text-file').files?.[0];
  if (!file) return;
  clearError();
  view.text = await file.text();
  send({ type: 'text', name: file.name, text: view.text });
  updateLabButtons();
});

// A new cell or implementation brings the chapter's learning rate and epochs for it.
for (const id of ['cell', 'implementation']) {
  select(id).addEventListener('change', () => {
    const defaults = view.defaults[modelKind()];
    if (!defaults) return;
    input('lr').value = String(defaults.lr);
    input('maxEpochs').value = String(defaults.maxEpochs);
  });
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let generationTimer;
$('generation').addEventListener('input', () => {
  clearTimeout(generationTimer);
  generationTimer = setTimeout(sendGeneration, 150);
});
$('generation').addEventListener('submit', (event) => event.preventDefault());
$('settings').addEventListener('submit', (event) => event.preventDefault());

function sendGeneration() {
  const settings = {
    prefix: input('prefix').value,
    numPreds: Number(input('numPreds').value),
    temperature: Number(input('temperature').value),
  };
  if (!Number.isInteger(settings.numPreds) || settings.numPreds < 1) return; // the user is still typing
  send({ type: 'generate', settings });
}

// ---- The form -----------------------------------------------------------------------------------------

function modelKind() {
  const cell = select('cell').value;
  return select('implementation').value === 'scratch' ? `${cell}-scratch` : cell;
}

/** The settings as the session takes them (numbers parsed; the worker checks their ranges). */
function readSettings() {
  /** @type {Record<string, unknown>} */
  const settings = { kind: modelKind(), backend: select('backend').value };
  for (const id of NUMBER_FIELDS) {
    // An empty field is NaN, not Number('') = 0: the worker then names it.
    settings[id] = input(id).value.trim() === '' ? NaN : Number(input(id).value);
  }
  return settings;
}

/** A loaded model's settings, shown in the (then locked) form. */
function showModelSettings(/** @type {any} */ spec) {
  const scratch = spec.kind.endsWith('-scratch');
  select('cell').value = spec.kind.replace('-scratch', '');
  select('implementation').value = scratch ? 'scratch' : 'concise';
  input('numHiddens').value = String(spec.numHiddens);
  input('lr').value = String(spec.lr);
}

/** Enables what makes sense in `state` and says what is going on. */
function setState(/** @type {string} */ state, epoch = 0) {
  view.state = state;
  document.body.dataset.state = state;
  if (state === 'training') startFrameRate();
  const training = state === 'training';
  const hasModel = state === 'paused' || state === 'done' || training;
  button('start').disabled = training || state === 'loading' || !view.hasText;
  button('start').textContent = state === 'paused' ? 'Resume' : state === 'done' ? 'Train more' : 'Start';
  button('pause').disabled = !training;
  button('reset').disabled = !hasModel;
  button('download').disabled = !hasModel;
  for (const id of [...MODEL_FIELDS, ...DATA_FIELDS]) {
    /** @type {HTMLInputElement | HTMLSelectElement} */ ($(id)).disabled = hasModel;
  }
  input('maxEpochs').disabled = training;
  input('text-file').disabled = training;
  input('model-file').disabled = state === 'loading';
  const epochs = `${epoch} of ${view.maxEpochs || input('maxEpochs').value} epochs`;
  $('status').textContent =
    {
      loading: 'Loading the backends…',
      idle: view.hasText ? 'Ready: choose a model and press Start.' : 'Waiting for a text to train on.',
      training: `Training… (${epochs} done)`,
      paused: `Paused after ${epochs}. Resume continues from the end of the last complete epoch.`,
      done: `Done: ${epochs}. Raise the epochs to train further.`,
    }[state] ?? state;
}

// ---- Drawing ------------------------------------------------------------------------------------------

function appendHistoryRow(/** @type {any} */ record) {
  const row = document.createElement('tr');
  for (const value of [
    String(record.epoch),
    record.trainPerplexity.toFixed(3),
    Number.isFinite(record.valPerplexity) ? record.valPerplexity.toFixed(3) : '–',
    record.seconds.toFixed(3),
    formatRate(record.tokensPerSecond),
  ]) {
    const cell = document.createElement('td');
    cell.textContent = value;
    row.append(cell);
  }
  $('history-rows').append(row);
}

function clearProgress() {
  view.history = [];
  for (const id of [
    'stat-epoch',
    'stat-train-ppl',
    'stat-val-ppl',
    'stat-tokens',
    'stat-epoch-seconds',
    'stat-elapsed',
  ]) {
    $(id).textContent = '–';
  }
  $('plot').replaceChildren();
  $('history-rows').replaceChildren();
  /** @type {HTMLProgressElement} */ ($('epoch-progress')).value = 0;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

function modelName(/** @type {string} */ kind) {
  const cell = kind.replace('-scratch', '').toUpperCase();
  return kind.endsWith('-scratch') ? `${cell} from scratch` : `${cell} (fused layer)`;
}

function describeBackend(/** @type {string} */ variant) {
  return (
    {
      'wasm-relaxed': 'WebAssembly, relaxed SIMD',
      'wasm-simd': 'WebAssembly, baseline SIMD',
      js: 'JavaScript (reference)',
    }[variant] ?? variant
  );
}

function formatRate(/** @type {number} */ perSecond) {
  if (!Number.isFinite(perSecond)) return '–';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}

function formatSeconds(/** @type {number} */ seconds) {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - 60 * minutes)} s`;
}

// The page's own frame rate while the worker trains: it stays at the display's rate. Counted only
// then, so that an idle page requests no frames.
const frameRate = { frames: 0, windowStart: 0, running: false };
function countFrame(/** @type {number} */ now) {
  if (view.state !== 'training') {
    frameRate.running = false;
    return;
  }
  frameRate.frames++;
  if (now - frameRate.windowStart >= 1000) {
    $('stat-fps').textContent = String(Math.round((frameRate.frames * 1000) / (now - frameRate.windowStart)));
    frameRate.frames = 0;
    frameRate.windowStart = now;
  }
  requestAnimationFrame(countFrame);
}
function startFrameRate() {
  if (frameRate.running) return;
  frameRate.running = true;
  frameRate.frames = 0;
  frameRate.windowStart = performance.now();
  requestAnimationFrame(countFrame);
}

// ---- The corpus -----------------------------------------------------------------------------------------

async function loadCorpus() {
  let response;
  try {
    response = await fetch(CORPUS_FILE);
  } catch {
    response = undefined;
  }
  if (!response?.ok) {
    $('text-source').textContent =
      `${CORPUS_FILE} is not next to this page: start the page with \`npm run demo -- --data path/to/${CORPUS_FILE}\`, ` +
      'or choose any text file below.';
    setState(view.state);
    return;
  }
  view.text = await response.text();
  send({ type: 'text', name: CORPUS_FILE, text: view.text });
  updateLabButtons();
}

// ---- The vanishing-gradient lab (its own worker) ------------------------------------------------------

const labWorker = new Worker(new URL('./lab-worker.js', import.meta.url), { type: 'module' });
const lab = { ready: false, running: false, started: 0 };
/** Settings for tests and experiments: ?lab-settings={"gates":{"epochs":1},...} overrides the profile's. */
const labOverrides = JSON.parse(new URLSearchParams(location.search).get('lab-settings') ?? 'null') ?? undefined;

function updateLabButtons() {
  const sections = labSections();
  button('lab-run').disabled = !lab.ready || lab.running || sections.length === 0 || !view.text;
  button('lab-cancel').disabled = !lab.running;
}

function labSections() {
  return [.../** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[name=section]'))]
    .filter((box) => box.checked)
    .map((box) => box.value);
}

/** @type {Record<string, (message: any) => void>} */
const LAB_HANDLERS = {
  ready(message) {
    lab.ready = true;
    $('lab-status').textContent = `Ready (${describeBackend(message.backend)}).`;
    updateLabButtons();
  },
  progress(message) {
    const seconds = (performance.now() - lab.started) / 1000;
    $('lab-status').textContent = `${formatSeconds(seconds)}: ${message.message}`;
  },
  report(message) {
    lab.running = false;
    $('lab-status').textContent = `Done in ${formatSeconds(message.seconds)}.`;
    const frame = /** @type {HTMLIFrameElement} */ ($('lab-report'));
    frame.hidden = false;
    frame.srcdoc = message.html;
    const link = /** @type {HTMLAnchorElement} */ ($('lab-download'));
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([message.html], { type: 'text/html' }));
    link.hidden = false;
    updateLabButtons();
  },
  cancelled() {
    lab.running = false;
    $('lab-status').textContent = 'Cancelled.';
    updateLabButtons();
  },
  error(message) {
    lab.running = false;
    $('lab-error').textContent = message.message;
    $('lab-error').hidden = false;
    $('lab-status').textContent = 'The lab stopped.';
    updateLabButtons();
  },
};

labWorker.onmessage = (/** @type {MessageEvent} */ event) => LAB_HANDLERS[event.data.type]?.(event.data);
labWorker.onerror = (/** @type {ErrorEvent} */ event) => {
  event.preventDefault();
  LAB_HANDLERS.error({ message: `the lab's worker failed: ${event.message || 'it could not be loaded'}` });
  console.error('lstm-simd demo: the lab worker failed', event.message);
};

// The report's frame is as tall as its content up to most of the window (then it scrolls inside).
$('lab-report').addEventListener('load', () => {
  const frame = /** @type {HTMLIFrameElement} */ ($('lab-report'));
  const height = frame.contentDocument?.documentElement.scrollHeight;
  if (height) frame.style.height = `${Math.min(height + 4, Math.round(0.85 * window.innerHeight))}px`;
});

button('lab-run').addEventListener('click', () => {
  $('lab-error').hidden = true;
  const quick =
    /** @type {HTMLInputElement} */ (document.querySelector('input[name=profile]:checked')).value === 'quick';
  lab.running = true;
  lab.started = performance.now();
  $('lab-status').textContent = 'Starting…';
  labWorker.postMessage({ type: 'run', sections: labSections(), quick, text: view.text, overrides: labOverrides });
  updateLabButtons();
});
button('lab-cancel').addEventListener('click', () => {
  labWorker.postMessage({ type: 'cancel' });
  $('lab-status').textContent = 'Cancelling after the current training…';
});
$('lab-form').addEventListener('change', updateLabButtons);
$('lab-form').addEventListener('submit', (event) => event.preventDefault());

loadCorpus();

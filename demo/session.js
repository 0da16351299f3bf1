// The demo's training session: what the worker owns (the backends, the text, the model, its vocabulary
// and trainer) behind a few commands, and the events it reports through `post`. worker.js connects it
// to the page's messages; the tests drive it directly in Node.
//
// Training runs in Trainer.fitAsync, which yields to the event loop after every batch, so commands
// (pause, a new prefix, download) are served between batches. Pausing stops after the current batch;
// starting again resumes from the end of the last complete epoch (the trainer's state), so an
// interrupted epoch runs again in full, on the parameters it had reached.
//
// Events (the `type` field):
//   ready      once: the backends created, the build the default uses, the model defaults
//   state      after every command: idle | training | paused | done, the epoch, the model, the data
//   batch      after training batches (at most every BATCH_EVENT_MS): loss, tokens/s
//   epoch      after every epoch: the record, the perplexity plot (SVG), the history so far
//   generated  text from the prefix (after each epoch, about every GENERATE_EVERY_MS while training,
//              and when the prefix or the model changes)
//   saved      a model file (bytes, file name)
//   error      a command failed (the message names the field or the file)

import {
  boardToSvg,
  buildCorpus,
  createBackend,
  createLanguageModel,
  hasRelaxedSimd,
  importTorchLanguageModel,
  loadModel,
  MODEL_DEFAULTS,
  preprocess,
  ProgressBoard,
  readSafetensorsHeader,
  saveModel,
  TimeMachine,
  Trainer,
  TrainingDivergedError,
  Vocab,
} from '../dist/index.js';

/** Least time between two `batch` events, and between two generations while training (ms). */
const BATCH_EVENT_MS = 100;
const GENERATE_EVERY_MS = 1500;
/** The share of the windows that train when a text is too short for the configured counts. */
const TRAIN_SHARE = 2 / 3;

/** Backend choices: 'auto' is the relaxed-SIMD build where the engine has it, else baseline SIMD. */
export const BACKEND_CHOICES = ['auto', 'wasm-relaxed', 'wasm-simd', 'js'];

/**
 * @typedef {import('../dist/index.js').ModelKind} ModelKind
 * @typedef {import('../dist/index.js').LanguageModelSpec} LanguageModelSpec
 * @typedef {import('../dist/index.js').RNNLMScratch} LanguageModel
 * @typedef {import('../dist/index.js').Backend} Backend
 * @typedef {import('../dist/index.js').TrainerState} TrainerState
 * @typedef {import('../dist/index.js').EpochRecord} EpochRecord
 *
 * @typedef {{
 *   kind: ModelKind,          // 'lstm' | 'gru' | 'rnn' (concise, fused layers) or '<cell>-scratch' (d2l's)
 *   numHiddens: number,
 *   lr: number,
 *   maxEpochs: number,        // total epochs of the run (raising it after 'done' trains further)
 *   batchSize: number,
 *   numSteps: number,
 *   gradientClipVal: number,  // 0: no clipping
 *   numTrain: number,         // training windows (d2l: 10 000); fewer if the text is short
 *   numVal: number,           // validation windows after them (d2l: 5 000)
 *   seed: number,             // initial weights and the per-epoch shuffles
 *   backend: string,          // one of BACKEND_CHOICES
 * }} SessionConfig
 *
 * @typedef {{ prefix: string, numPreds: number, temperature: number }} GenerationSettings
 * @typedef {(message: { type: string } & Record<string, unknown>, transfer?: Transferable[]) => void} Post
 */

export class TrainingSession {
  /**
   * Creates every backend the engine can run (so that switching needs no network later) and reports
   * `ready`.
   * @param {Post} post
   */
  static async create(post) {
    /** @type {Map<string, Backend>} */
    const backends = new Map();
    if (hasRelaxedSimd()) backends.set('wasm-relaxed', await createBackend('wasm', { build: 'relaxed' }));
    backends.set('wasm-simd', await createBackend('wasm', { build: 'simd' }));
    backends.set('js', await createBackend('js'));
    const session = new TrainingSession(backends, post);
    post({
      type: 'ready',
      backends: [...backends.keys()],
      autoBackend: session.backendLabel('auto'),
      defaults: MODEL_DEFAULTS,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
    });
    return session;
  }

  /**
   * @param {Map<string, Backend>} backends  by label: 'wasm-relaxed', 'wasm-simd', 'js'
   * @param {Post} post
   */
  constructor(backends, post) {
    this.backends = backends;
    this.post = post;
    /** @type {'idle' | 'training' | 'paused' | 'done'} */
    this.state = 'idle';
    /** @type {{ name: string, text: string } | null} */
    this.text = null;
    /** @type {GenerationSettings} */
    this.generation = { prefix: 'it has', numPreds: 100, temperature: 0 };
    this.clearModel();
  }

  /** Forgets the model and its run (without disposing it). */
  clearModel() {
    /** @type {LanguageModel | null} */
    this.model = null;
    /** @type {LanguageModelSpec | null} */
    this.spec = null;
    /** @type {Vocab | null} */
    this.vocab = null;
    /** Label of the model's backend. */
    this.modelBackend = '';
    /** Where the model came from: 'new' or the name of the file it was loaded from. */
    this.origin = 'new';
    /** Seed of the data's per-epoch shuffles (fixed for the model's life, so a resumed run continues them). */
    this.dataSeed = 0;
    /** @type {TrainerState | null} what the next start resumes from (the end of the last complete epoch) */
    this.resumeState = null;
    /** @type {Trainer | null} */
    this.trainer = null;
    /** @type {Promise<void> | null} the running fitAsync */
    this.running = null;
    /** @type {{ numTrain: number, numVal: number, numTrainBatches: number, note: string } | null} */
    this.dataInfo = null;
    this.maxEpochs = 0;
  }

  /** The backend a choice resolves to. */
  backendLabel(choice = 'auto') {
    if (!BACKEND_CHOICES.includes(choice)) {
      throw new RangeError(`backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${choice}'`);
    }
    const label = choice === 'auto' ? (this.backends.has('wasm-relaxed') ? 'wasm-relaxed' : 'wasm-simd') : choice;
    if (!this.backends.has(label)) {
      throw new RangeError(`the ${label} backend is not available in this browser (${[...this.backends.keys()]})`);
    }
    return label;
  }

  /**
   * The text to train on (the page fetched it or the user picked it). A model keeps its vocabulary:
   * characters of a new text that it lacks become <unk>.
   * @param {string} name
   * @param {string} text
   */
  setText(name, text) {
    if (typeof text !== 'string' || preprocess(text).trim().length === 0) {
      throw new RangeError(`${name}: the text has no letters to train on`);
    }
    this.text = { name, text };
    this.postState();
  }

  /**
   * Trains until config.maxEpochs (a new model from `config` if there is none), reporting as it goes.
   * Resolves when training pauses, finishes or fails.
   * @param {SessionConfig} config
   */
  async start(config) {
    if (this.running) throw new Error('start: training is already running');
    if (this.text === null) throw new Error('start: there is no text to train on yet');
    const settings = checkConfig(config);
    if (this.model === null) this.buildModel(settings);
    const data = this.buildData(settings);
    const trainer = new Trainer({ maxEpochs: settings.maxEpochs, gradientClipVal: settings.gradientClipVal });
    this.trainer = trainer;
    this.maxEpochs = settings.maxEpochs;
    if ((this.resumeState?.epoch ?? 0) >= settings.maxEpochs) {
      this.state = 'done';
      this.postState();
      return;
    }
    this.state = 'training';
    this.postState();
    this.running = this.train(trainer, data);
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  /**
   * @param {Trainer} trainer
   * @param {TimeMachine} data
   */
  async train(trainer, data) {
    const model = /** @type {LanguageModel} */ (this.model);
    let lastBatchEvent = -Infinity;
    let lastGeneration = performance.now();
    let epochStart = 0;
    let epochTokens = 0;
    const callbacks = {
      /** @param {import('../dist/index.js').BatchEnd} info */
      onBatchEnd: (info) => {
        const now = performance.now();
        if (info.batch === 0) {
          epochStart = now - info.seconds * 1000;
          epochTokens = 0;
        }
        epochTokens += info.tokens;
        if (now - lastBatchEvent >= BATCH_EVENT_MS || info.batch === info.numBatches - 1) {
          lastBatchEvent = now;
          this.post({
            type: 'batch',
            epoch: info.epoch + 1,
            batch: info.batch + 1,
            numBatches: info.numBatches,
            loss: info.loss,
            perplexity: Math.exp(info.loss),
            tokensPerSecond: epochTokens / ((now - epochStart) / 1000),
          });
        }
        if (now - lastGeneration >= GENERATE_EVERY_MS) {
          lastGeneration = now;
          this.generateOrReport();
        }
      },
      /** @param {EpochRecord} record */
      onEpochEnd: (record) => {
        this.resumeState = trainer.state();
        this.postEpoch(record);
        lastGeneration = performance.now();
        this.generateOrReport();
      },
    };
    try {
      const history = await trainer.fitAsync(model, data, {
        resume: this.resumeState ?? undefined,
        callbacks: [callbacks],
      });
      this.state = history.stopReason === 'stopped' ? 'paused' : 'done';
    } catch (error) {
      // A divergence leaves the model at its last good epoch: the run can go on (e.g. with a lower lr).
      if (error instanceof TrainingDivergedError) this.resumeState = error.state;
      this.state = 'paused';
      this.postError('train', error);
    }
    this.postState();
  }

  /** Stops training after the current batch. */
  pause() {
    this.trainer?.stop();
  }

  /** Stops training, frees the model: the next start builds a new one from its config. */
  async reset() {
    await this.stopAndWait();
    this.model?.dispose();
    this.clearModel();
    this.state = 'idle';
    this.postState();
    this.post({ type: 'generated', text: '', prefix: this.generation.prefix, epoch: 0 });
  }

  /**
   * New generation settings; generates at once when there is a model.
   * @param {Partial<GenerationSettings>} settings
   */
  setGeneration(settings) {
    const next = { ...this.generation, ...settings };
    if (typeof next.prefix !== 'string') throw new TypeError('prefix must be a string');
    if (!Number.isInteger(next.numPreds) || next.numPreds < 1 || next.numPreds > 2000) {
      throw new RangeError(`length must be an integer from 1 to 2000, got ${next.numPreds}`);
    }
    if (!(next.temperature >= 0 && next.temperature <= 10)) {
      throw new RangeError(`temperature must be from 0 (greedy) to 10, got ${next.temperature}`);
    }
    this.generation = next;
    this.generate();
  }

  /**
   * Text from the prefix: greedy (d2l's predict) at temperature 0, else sampled with a fixed seed (the
   * same model gives the same text). The prefix goes through the corpus's preprocessing first.
   */
  generate() {
    const { model, vocab } = this;
    if (!model || !vocab) return;
    const { numPreds, temperature } = this.generation;
    const prefix = preprocess(this.generation.prefix);
    const epoch = this.resumeState?.epoch ?? 0;
    if (prefix.length === 0) {
      this.post({ type: 'generated', prefix, text: '', epoch });
      return;
    }
    const text =
      temperature === 0
        ? model.predict(prefix, numPreds, vocab)
        : model.sample(prefix, numPreds, vocab, { temperature, seed: 1 });
    this.post({ type: 'generated', prefix, text, epoch });
  }

  /** generate(), with a failure reported as an `error` event (training goes on). */
  generateOrReport() {
    try {
      this.generate();
    } catch (error) {
      this.postError('generate', error);
    }
  }

  /** The model as the package's model file (parameters, spec, vocabulary, checksum): a `saved` event. */
  save() {
    const { model, vocab, spec } = this;
    if (!model || !vocab || !spec) throw new Error('download: there is no model yet (start training or load one)');
    const epochs = this.resumeState?.epoch ?? 0;
    const bytes = saveModel(model, {
      vocab,
      metadata: { 'demo.text': this.text?.name ?? '', 'demo.epochs': String(epochs) },
    });
    const fileName = `${spec.kind}-h${spec.numHiddens}-epoch${epochs}.safetensors`;
    this.post({ type: 'saved', bytes, fileName }, [bytes.buffer]);
  }

  /**
   * Replaces the model with one from a file (stopping training first): the package's model file
   * (saveModel; its vocabulary inside, else `vocabJson` as Vocab.toJSON() writes it), or a PyTorch
   * state dict saved as safetensors (nn.LSTM/GRU/RNN + nn.Linear, d2l's names included), which needs
   * `vocabJson`: its tokens in index order as a JSON list, or a VocabJSON. `lr` is the imported
   * model's learning rate if it trains further (a model file has its own).
   * @param {Uint8Array} bytes
   * @param {string} fileName
   * @param {{ backend?: string, vocabJson?: string, lr?: number }} [options]
   */
  async load(bytes, fileName, options = {}) {
    await this.stopAndWait();
    const label = this.backendLabel(options.backend);
    const backend = this.backends.get(label);
    let loaded;
    try {
      loaded = isModelFile(bytes)
        ? loadModelFile(bytes, backend, options.vocabJson)
        : importTorch(bytes, backend, options.vocabJson, options.lr);
    } catch (error) {
      throw new Error(`${fileName}: ${messageOf(error)}`, { cause: error });
    }
    this.model?.dispose();
    this.clearModel();
    this.model = loaded.model;
    this.spec = loaded.spec;
    this.vocab = loaded.vocab;
    this.modelBackend = label;
    this.origin = loaded.pytorch ? `${fileName} (PyTorch)` : fileName;
    this.dataSeed = loaded.spec.seed ?? 0;
    this.state = 'paused';
    this.postState();
    this.generateOrReport();
  }

  /** @param {ReturnType<typeof checkConfig>} config */
  buildModel(config) {
    const text = /** @type {{ text: string }} */ (this.text).text;
    const { vocab } = buildCorpus(text);
    const label = this.backendLabel(config.backend);
    const spec = {
      kind: config.kind,
      vocabSize: vocab.length,
      numHiddens: config.numHiddens,
      lr: config.lr,
      seed: config.seed,
    };
    this.model = createLanguageModel(spec, this.backends.get(label));
    this.spec = spec;
    this.vocab = vocab;
    this.modelBackend = label;
    this.origin = 'new';
    this.dataSeed = config.seed;
  }

  /**
   * The text as d2l's TimeMachine with the model's vocabulary. A text too short for the configured
   * window counts trains on two thirds of its windows and validates on the rest.
   * @param {ReturnType<typeof checkConfig>} config
   */
  buildData(config) {
    const { text, name } = /** @type {{ name: string, text: string }} */ (this.text);
    const vocab = /** @type {Vocab} */ (this.vocab);
    const windows = Math.max(0, buildCorpus(text, { vocab }).corpus.length - config.numSteps);
    let { numTrain, numVal } = config;
    let note = '';
    if (numTrain + numVal > windows) {
      numTrain = Math.max(1, Math.floor(windows * TRAIN_SHARE));
      numVal = Math.max(0, windows - numTrain);
      note = `${name} has ${windows} windows of ${config.numSteps + 1} characters: ${numTrain} train, ${numVal} validate`;
    }
    const data = new TimeMachine({
      text,
      vocab,
      batchSize: config.batchSize,
      numSteps: config.numSteps,
      numTrain,
      numVal,
      seed: this.dataSeed,
    });
    this.dataInfo = { numTrain, numVal, numTrainBatches: data.numTrainBatches, note };
    return data;
  }

  /** @param {EpochRecord} record */
  postEpoch(record) {
    const state = /** @type {TrainerState} */ (this.resumeState);
    const board = ProgressBoard.fromJSON(state.board);
    const plot = boardToSvg(board.curves, { xMax: Math.max(this.maxEpochs, 1), width: 640, height: 360 });
    this.post({ type: 'epoch', record, maxEpochs: this.maxEpochs, history: state.history, plot });
  }

  postState() {
    this.post({
      type: 'state',
      state: this.state,
      epoch: this.resumeState?.epoch ?? 0,
      maxEpochs: this.maxEpochs,
      model: this.spec && {
        spec: this.spec,
        backend: this.modelBackend,
        variant: this.backends.get(this.modelBackend)?.variant,
        parameters: this.model?.numParameters() ?? 0,
        origin: this.origin,
      },
      text: this.text && { name: this.text.name, characters: this.text.text.length },
      data: this.dataInfo,
    });
  }

  /**
   * @param {string} command
   * @param {unknown} error
   */
  postError(command, error) {
    this.post({ type: 'error', command, message: messageOf(error) });
  }

  async stopAndWait() {
    if (!this.running) return;
    this.trainer?.stop();
    await this.running;
  }
}

/**
 * Checks the page's settings (they come from form fields): every number in its range, named.
 * @param {SessionConfig} config
 */
export function checkConfig(config) {
  if (config === null || typeof config !== 'object') throw new TypeError('start: the settings are missing');
  const { kind } = config;
  if (!Object.hasOwn(MODEL_DEFAULTS, kind)) {
    throw new RangeError(`model must be one of ${Object.keys(MODEL_DEFAULTS).join(', ')}, got '${kind}'`);
  }
  const integer = (/** @type {string} */ name, /** @type {number} */ min, /** @type {number} */ max) => {
    const value = /** @type {Record<string, unknown>} */ (config)[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
    }
    return value;
  };
  const number = (/** @type {string} */ name, /** @type {number} */ min, /** @type {number} */ max) => {
    const value = /** @type {Record<string, unknown>} */ (config)[name];
    if (typeof value !== 'number' || !(value >= min && value <= max)) {
      throw new RangeError(`${name} must be a number from ${min} to ${max}, got ${String(value)}`);
    }
    return value;
  };
  return {
    kind,
    numHiddens: integer('numHiddens', 1, 1024),
    lr: number('lr', 1e-6, 1000),
    maxEpochs: integer('maxEpochs', 1, 10_000),
    batchSize: integer('batchSize', 1, 8192),
    numSteps: integer('numSteps', 1, 1024),
    gradientClipVal: number('gradientClipVal', 0, 1e6),
    numTrain: integer('numTrain', 1, 10_000_000),
    numVal: integer('numVal', 0, 10_000_000),
    seed: integer('seed', 0, 2 ** 32 - 1),
    backend: config.backend ?? 'auto',
  };
}

/**
 * Whether `bytes` are the package's model file (metadata format 'lstm-simd/...'), rather than another
 * safetensors file. Not safetensors at all: the reader's error says why.
 * @param {Uint8Array} bytes
 */
function isModelFile(bytes) {
  return String(readSafetensorsHeader(bytes).metadata.format ?? '').startsWith('lstm-simd/');
}

/**
 * @param {Uint8Array} bytes
 * @param {Backend | undefined} backend
 * @param {string | undefined} vocabJson
 */
function loadModelFile(bytes, backend, vocabJson) {
  const { model, spec, vocab } = loadModel(bytes, { backend });
  try {
    if (vocab !== null) return { model, spec, vocab, pytorch: false };
    if (vocabJson === undefined)
      throw new Error('the file has no vocabulary: choose its vocabulary file (JSON) as well');
    const given = Vocab.fromJSON(vocabJson);
    if (given.length !== spec.vocabSize) {
      throw new Error(`the vocabulary has ${given.length} tokens but the model ${spec.vocabSize}`);
    }
    return { model, spec, vocab: given, pytorch: false };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * @param {Uint8Array} bytes
 * @param {Backend | undefined} backend
 * @param {string | undefined} vocabJson
 * @param {number | undefined} lr
 */
function importTorch(bytes, backend, vocabJson, lr) {
  if (vocabJson === undefined) {
    throw new Error(
      'not an lstm-simd model file, so read as a PyTorch state dict, which needs its vocabulary: ' +
        'choose the vocabulary file (a JSON list of its tokens in index order) as well',
    );
  }
  const { model, spec, vocab } = importTorchLanguageModel(bytes, { vocab: vocabJson, lr, backend });
  return { model, spec, vocab: /** @type {Vocab} */ (vocab), pytorch: true };
}

/** @param {unknown} error */
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

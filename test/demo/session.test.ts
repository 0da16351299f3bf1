// The demo's training session (demo/session.js), driven directly in Node as the worker drives it:
// the events a page receives, pausing and resuming, reset, download and load, the checks on the
// page's settings. The page itself runs in Chromium in test/browser/demo.test.ts.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, TrainingSession, type SessionConfig } from '../../demo/session.js';
import { createBackend, importTorchLanguageModel } from '../../src/index.js';
import { readCorpusText } from '../support/corpus.js';

/** A d2l LSTM language model trained in PyTorch, its state dict as safetensors, and its token list (files' fixtures). */
const TORCH_FIXTURES = join(__dirname, '../fixtures/torch');
const torchModel = () => new Uint8Array(readFileSync(join(TORCH_FIXTURES, 'lm-lstm-d2l.safetensors')));
const torchVocab = () => readFileSync(join(TORCH_FIXTURES, 'lm-vocab.json'), 'utf8');

interface Event {
  type: string;
  [key: string]: unknown;
}
interface EpochEvent extends Event {
  record: { epoch: number; trainPerplexity: number; valPerplexity: number; seconds: number };
  history: { epoch: number; valPerplexity: number }[];
  plot: string;
}

/** A small run: a slice of the book, 16 hidden units, 3 epochs of 8 batches. */
const SMALL: SessionConfig = {
  kind: 'lstm',
  numHiddens: 16,
  lr: 4,
  maxEpochs: 3,
  batchSize: 128,
  numSteps: 16,
  gradientClipVal: 1,
  numTrain: 1024,
  numVal: 256,
  seed: 7,
  backend: 'auto',
};

/** A session that records its events; `onEvent` may act on them (e.g. pause). */
async function recordingSession(onEvent?: (event: Event, session: TrainingSession) => void) {
  const events: Event[] = [];
  const holder: { session?: TrainingSession } = {};
  const session = await TrainingSession.create((message) => {
    events.push(message as Event);
    if (holder.session) onEvent?.(message as Event, holder.session);
  });
  holder.session = session;
  session.setText('timemachine.txt', readCorpusText().slice(0, 60_000));
  const of = <T extends Event = Event>(type: string) => events.filter((e) => e.type === type) as T[];
  return { session, events, of };
}

describe('the demo session', () => {
  it('reports ready with its backends, then trains: epochs, a falling perplexity, a plot, generated text', async () => {
    const { session, events, of } = await recordingSession();
    const ready = events[0];
    expect(ready.type).toBe('ready');
    expect(ready.backends).toEqual(expect.arrayContaining(['wasm-simd', 'js']));
    expect(['wasm-relaxed', 'wasm-simd']).toContain(ready.autoBackend);

    await session.start(SMALL);
    const epochs = of<EpochEvent>('epoch');
    expect(epochs.map((e) => e.record.epoch)).toEqual([1, 2, 3]);
    const val = epochs.map((e) => e.record.valPerplexity);
    expect(val[0]).toBeLessThan(28); // the uniform guess over 28 tokens
    expect(val[2]).toBeLessThan(val[0]);
    expect(epochs[2].history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    // The plot is boardToSvg's: a training and a validation curve against epoch.
    expect(epochs[2].plot).toMatch(/^<svg/);
    expect(epochs[2].plot.match(/<path /g)).toHaveLength(2);

    const batches = of('batch');
    expect(batches.length).toBeGreaterThanOrEqual(3); // at least each epoch's last batch
    expect(batches.every((b) => (b.tokensPerSecond as number) > 0)).toBe(true);

    const generated = of('generated');
    expect(generated.length).toBeGreaterThanOrEqual(3); // after every epoch
    const last = generated[generated.length - 1];
    expect(last.text).toMatch(/^it has/);
    expect((last.text as string).length).toBe('it has'.length + 100);

    const states = of('state').map((e) => e.state);
    expect(states).toContain('training');
    expect(states[states.length - 1]).toBe('done');
    const finalState = of('state').at(-1)!;
    expect(finalState.epoch).toBe(3);
    expect((finalState.model as { variant: string }).variant).toBe(ready.autoBackend);
  });

  it('pauses at an epoch boundary and resumes to exactly the run it would have been', async () => {
    const straight = await recordingSession();
    await straight.session.start(SMALL);

    const paused = await recordingSession((event, session) => {
      if (event.type === 'epoch' && (event as EpochEvent).record.epoch === 1) session.pause();
    });
    await paused.session.start(SMALL);
    expect(paused.session.state).toBe('paused');
    expect(paused.of<EpochEvent>('epoch').map((e) => e.record.epoch)).toEqual([1]);
    await paused.session.start(SMALL);
    expect(paused.session.state).toBe('done');

    // d2l's SGD keeps no state and the data's shuffles depend on (seed, epoch): the same numbers, bit for bit.
    const perplexities = (events: EpochEvent[]) =>
      events.map((e) => [e.record.trainPerplexity, e.record.valPerplexity]);
    expect(perplexities(paused.of<EpochEvent>('epoch'))).toEqual(perplexities(straight.of<EpochEvent>('epoch')));
    expect(paused.of('generated').at(-1)!.text).toBe(straight.of('generated').at(-1)!.text);
  });

  it('pauses within an epoch: starting again reruns that epoch from the last complete one', async () => {
    let batchesSeen = 0;
    const { session, of } = await recordingSession((event, s) => {
      if (event.type === 'batch' && (event.epoch as number) === 2 && ++batchesSeen === 1) s.pause();
    });
    await session.start({ ...SMALL, batchSize: 32 }); // 32 batches an epoch: batch events arrive mid-epoch
    expect(session.state).toBe('paused');
    expect(of('state').at(-1)!.epoch).toBe(1);
    await session.start({ ...SMALL, batchSize: 32 });
    expect(of<EpochEvent>('epoch').map((e) => e.record.epoch)).toEqual([1, 2, 3]);
  });

  it('trains further when the epochs are raised after it is done', async () => {
    const { session, of } = await recordingSession();
    await session.start({ ...SMALL, maxEpochs: 1 });
    expect(session.state).toBe('done');
    await session.start({ ...SMALL, maxEpochs: 2 });
    expect(of<EpochEvent>('epoch').map((e) => e.record.epoch)).toEqual([1, 2]);
    expect(of<EpochEvent>('epoch')[1].history).toHaveLength(2);
  });

  it('downloads the model file and loads it back: the same model, vocabulary and generated text', async () => {
    const { session, of } = await recordingSession();
    await session.start({ ...SMALL, maxEpochs: 2 });
    session.setGeneration({ prefix: 'The Time', numPreds: 40, temperature: 0 });
    const before = of('generated').at(-1)!.text as string;
    expect(before).toMatch(/^the time/); // the prefix goes through the corpus's preprocessing

    session.save();
    const saved = of('saved').at(-1)!;
    expect(saved.fileName).toBe('lstm-h16-epoch2.safetensors');
    const bytes = saved.bytes as Uint8Array;

    const other = await recordingSession();
    other.session.setGeneration({ prefix: 'The Time', numPreds: 40, temperature: 0 });
    await other.session.load(bytes, saved.fileName as string);
    expect(other.session.state).toBe('paused');
    const state = other.of('state').at(-1)!;
    expect((state.model as { spec: { kind: string; numHiddens: number } }).spec).toMatchObject({
      kind: 'lstm',
      numHiddens: 16,
    });
    expect((state.model as { origin: string }).origin).toBe('lstm-h16-epoch2.safetensors');
    expect(other.of('generated').at(-1)!.text).toBe(before);

    // Sampling uses a fixed seed: the same model samples the same text.
    session.setGeneration({ temperature: 0.8 });
    other.session.setGeneration({ temperature: 0.8 });
    expect(other.of('generated').at(-1)!.text).toBe(of('generated').at(-1)!.text);
  });

  it('loads a PyTorch state dict with its vocabulary, and generates what the imported model generates', async () => {
    const { session, of } = await recordingSession();
    session.setGeneration({ prefix: 'time traveller', numPreds: 30, temperature: 0 });
    await expect(session.load(torchModel(), 'd2l.safetensors')).rejects.toThrow(
      /^d2l\.safetensors: not an lstm-simd model file, so read as a PyTorch state dict, which needs its vocabulary/,
    );
    await session.load(torchModel(), 'd2l.safetensors', { vocabJson: torchVocab(), lr: 2 });
    const state = of('state').at(-1)!;
    expect(state.state).toBe('paused');
    expect(state.model).toMatchObject({
      spec: { kind: 'lstm', numHiddens: 32, lr: 2 },
      origin: 'd2l.safetensors (PyTorch)',
    });

    // The same build as the session's model: relaxed SIMD rounds differently and could flip a near-tie.
    const build = session.backendLabel('auto') === 'wasm-relaxed' ? 'relaxed' : 'simd';
    const reference = importTorchLanguageModel(torchModel(), {
      vocab: torchVocab(),
      backend: await createBackend('wasm', { build }),
    });
    const expected = reference.model.predict('time traveller', 30, reference.vocab!);
    expect(of('generated').at(-1)!.text).toBe(expected);
    expect(expected).toMatch(/^time traveller[a-z ]{30}$/);

    // It trains further on the page's text like any model (the vocabulary is the file's).
    await session.start({ ...SMALL, maxEpochs: 1 });
    expect(of<EpochEvent>('epoch')).toHaveLength(1);
  });

  it('refuses a file that is not a model, naming it, and keeps the model it has', async () => {
    const { session, of } = await recordingSession();
    await session.start({ ...SMALL, maxEpochs: 1 });
    await expect(session.load(new TextEncoder().encode('not a model'), 'notes.txt')).rejects.toThrow(/^notes\.txt: /);
    expect(session.model?.disposed).toBe(false);
    session.setGeneration({ numPreds: 5 });
    expect(of('generated').at(-1)!.text).toMatch(/^it has.{5}$/);
  });

  it('reset stops training and frees the model', async () => {
    const { session, of } = await recordingSession((event, s) => {
      if (event.type === 'epoch') void s.reset();
    });
    const started = session.start(SMALL); // builds the model before its first await
    const model = session.model!;
    await started;
    await expect.poll(() => session.state).toBe('idle');
    expect(model.disposed).toBe(true);
    expect(session.model).toBeNull();
    expect(of<EpochEvent>('epoch')).toHaveLength(1);
  });

  it('fits the windows to a short text and says so', async () => {
    const { session, of } = await recordingSession();
    session.setText('short.txt', readCorpusText().slice(0, 1000)); // under the 1024 + 256 windows asked for
    await session.start({ ...SMALL, maxEpochs: 1 });
    const data = of('state').at(-1)!.data as { numTrain: number; numVal: number; note: string };
    expect(data.numTrain + data.numVal).toBeLessThan(1000);
    expect(data.numTrain).toBeGreaterThan(data.numVal);
    expect(data.note).toMatch(/^short\.txt has \d+ windows/);
  });

  it('names the setting that is out of range', () => {
    expect(() => checkConfig({ ...SMALL, numHiddens: 0 })).toThrow(
      'numHiddens must be an integer from 1 to 1024, got 0',
    );
    expect(() => checkConfig({ ...SMALL, lr: NaN })).toThrow('lr must be a number');
    expect(() => checkConfig({ ...SMALL, batchSize: 1.5 })).toThrow('batchSize must be an integer');
    expect(() => checkConfig({ ...SMALL, kind: 'transformer' as never })).toThrow(/model must be one of lstm-scratch/);
    expect(() => checkConfig({ ...SMALL, numVal: -1 })).toThrow('numVal must be an integer from 0');
  });

  it('refuses a text without letters and a backend the engine lacks', async () => {
    const { session } = await recordingSession();
    expect(() => session.setText('digits.txt', '1234 5678')).toThrow('digits.txt: the text has no letters to train on');
    expect(() => session.backendLabel('webgpu')).toThrow(/backend must be one of auto, wasm-relaxed/);
  });
});

// Resuming continues the same trajectory bit for bit: 4 epochs straight against
// 2 epochs, a file (safetensors: the parameters, the optimiser's buffers and the
// keep-best parameters as tensors, the rest of trainer.state() as JSON metadata),
// then everything rebuilt from the file (a new backend, model, data module,
// optimiser and trainer) and 2 more epochs. This is what the CLI's --resume does.
import { describe, expect, it } from 'vitest';
import {
  createBackend,
  createLanguageModel,
  createOptimizer,
  decodeSafetensors,
  encodeSafetensors,
  trainerStateFromFile,
  trainerStateToFile,
  Trainer,
  WarmupCosineLR,
  type Backend,
  type History,
  type OptimizerName,
  type OptimizerOptions,
  type TrainerOptions,
} from '../../src/index.js';
import type { NamedTensor } from '../../src/io/safetensors.js';
import { chapterData, parameterValues } from '../support/training.js';

interface Setup {
  optimizer: OptimizerName;
  options: OptimizerOptions;
  trainer?: Partial<TrainerOptions>;
}

function build(backend: Backend, setup: Setup, maxEpochs: number, seed = 5) {
  const model = createLanguageModel({ kind: 'lstm-scratch', vocabSize: 28, numHiddens: 32, lr: 4, seed }, backend);
  const data = chapterData({ batchSize: 256, numTrain: 1024, numVal: 256 });
  const trainer = new Trainer({
    maxEpochs,
    gradientClipVal: 1,
    progress: false,
    optimizer: (p) => createOptimizer(setup.optimizer, p, setup.options),
    ...setup.trainer,
  });
  return { model, data, trainer };
}

/** The file a checkpoint would be: parameters under their names, the trainer state beside them. */
function save(parameters: Map<string, { shape: readonly number[]; toArray(): Float64Array }>, trainer: Trainer) {
  const { tensors, json } = trainerStateToFile(trainer.state());
  const all = new Map<string, NamedTensor>(tensors);
  for (const [name, p] of parameters)
    all.set(`model.${name}`, { shape: [...p.shape], data: Float32Array.from(p.toArray()) });
  return encodeSafetensors(all, { trainer: json });
}

const SETUPS: [string, Setup][] = [
  ['SGD with momentum', { optimizer: 'sgd', options: { lr: 2, momentum: 0.9, weightDecay: 1e-4 } }],
  ['Adam', { optimizer: 'adam', options: { lr: 0.01 } }],
  [
    'AdamW, a per-batch warm-up cosine schedule, keep-best and early stopping',
    {
      optimizer: 'adamw',
      options: { lr: 0.02, weightDecay: 0.05 },
      trainer: {
        lrSchedule: new WarmupCosineLR({ warmupSteps: 3, totalSteps: 16 }),
        lrScheduleInterval: 'batch',
        keepBest: true,
        earlyStopping: { patience: 3 },
      },
    },
  ],
];

describe('resuming from a saved state', () => {
  it.each(SETUPS)('%s: 2 + 2 epochs through a file equal 4 straight, bit for bit', async (_name, setup) => {
    const straight = build(await createBackend('wasm', { build: 'simd' }), setup, 4);
    const history = straight.trainer.fit(straight.model, straight.data);

    const first = build(await createBackend('wasm', { build: 'simd' }), setup, 4);
    let bytes = new Uint8Array();
    first.trainer.callbacks.push({
      onEpochEnd: (r) => {
        if (r.epoch === 2) {
          bytes = save(first.model.parameters(), first.trainer);
          first.trainer.stop();
        }
      },
    });
    expect(first.trainer.fit(first.model, first.data).stopReason).toBe('stopped');

    // Everything new: another backend (heap), a model with other initial weights, a fresh data module.
    const file = decodeSafetensors(bytes);
    const resumed = build(await createBackend('wasm', { build: 'simd' }), setup, 4, 99);
    for (const [name, p] of resumed.model.parameters()) p.assign(file.tensors.get(`model.${name}`)!.data);
    const state = trainerStateFromFile(file.tensors, file.metadata.trainer);
    expect(state.epoch).toBe(2);
    const rest: History = resumed.trainer.fit(resumed.model, resumed.data, { resume: state });

    expect(parameterValues(resumed.model.parameters())).toEqual(parameterValues(straight.model.parameters()));
    expect(rest.epochs.map(({ seconds: _s, tokensPerSecond: _t, ...r }) => r)).toEqual(
      history.epochs.map(({ seconds: _s, tokensPerSecond: _t, ...r }) => r),
    );
    expect(rest.board.curves).toEqual(history.board.curves);
    expect(rest.best).toEqual(history.best);
  });

  it("d2l's plain SGD keeps no state: startEpoch alone resumes it exactly", async () => {
    const setup: Setup = { optimizer: 'sgd', options: { lr: 4 } };
    const straight = build(await createBackend('wasm', { build: 'simd' }), setup, 3);
    straight.trainer.fit(straight.model, straight.data);
    const first = build(await createBackend('wasm', { build: 'simd' }), setup, 2);
    first.trainer.fit(first.model, first.data);
    const second = build(await createBackend('wasm', { build: 'simd' }), setup, 3, 99);
    for (const [name, p] of second.model.parameters()) p.assign(first.model.parameters().get(name)!.toArray());
    second.trainer.fit(second.model, second.data, { startEpoch: 2 });
    expect(parameterValues(second.model.parameters())).toEqual(parameterValues(straight.model.parameters()));
  });

  it('refuses resume and startEpoch together, and a state the optimiser cannot take', async () => {
    const backend = await createBackend('wasm', { build: 'simd' });
    const { model, data, trainer } = build(backend, { optimizer: 'adam', options: { lr: 0.01 } }, 1);
    trainer.fit(model, data);
    const state = trainer.state();
    expect(() => trainer.fit(model, data, { resume: state, startEpoch: 1 })).toThrow(/resume or startEpoch, not both/);
    const sgd = build(backend, { optimizer: 'sgd', options: { lr: 1 } }, 2);
    expect(() => sgd.trainer.fit(model, data, { resume: state })).toThrow(/the state is of a 'adam' optimiser/);
  });
});

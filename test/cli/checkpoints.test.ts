// Checkpoints of `lstm-simd train`, run as a user runs them (node bin/lstm-simd.js on the built package):
// written atomically after every epoch (a process killed mid-write leaves the previous file whole),
// resumed bit for bit with --resume, never written once training diverged, and a bad --out refused
// before any training.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backend/registry.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { loadModelFile } from '../../src/node/model-files.js';
import { corpusPath } from '../support/corpus.js';

const execFileAsync = promisify(execFile);
const root = resolve(__dirname, '../..');
const bin = join(root, 'bin/lstm-simd.js');

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [bin, ...args], {
      env: { ...process.env, LSTM_SIMD_DEBUG: '' },
      timeout: 300_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// A small concise model with dropout between two layers: the dropout generator's state matters.
const SMALL = ['--model', 'lstm', '--layers', '2', '--dropout', '0.3', '--hidden', '8', '--batch-size', '256'];

function epochLines(stdout: string): string[] {
  // The epoch lines without their timing columns.
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('epoch '))
    .map((l) => l.replace(/\/\d+/, '').replace(/ {2}[\d.]+ s .*$/, ''));
}

function history(file: string): unknown[] {
  const { epochs } = JSON.parse(readFileSync(file, 'utf8'));
  return epochs.map(({ seconds: _s, ...rest }: { seconds: number }) => rest);
}

describe('lstm-simd train checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lstm-simd-checkpoints-'));
  const data = ['--data', corpusPath(), '--quiet'];

  it('--resume continues the same trajectory bit for bit: 4 epochs in one go = 2 + 2 resumed', async () => {
    const once = join(dir, 'once');
    const split = join(dir, 'split');
    const a = await cli(['train', ...SMALL, ...data, '--epochs', '4', '--out', once, '--json', join(once, 'h.json')]);
    expect(a.stderr).toBe('');
    const b1 = await cli(['train', ...SMALL, ...data, '--epochs', '2', '--out', split]);
    expect(b1.code).toBe(0);
    const b2 = await cli([
      'train',
      '--resume',
      join(split, 'lstm.safetensors'),
      '--epochs',
      '4',
      ...data,
      '--out',
      split,
      '--json',
      join(split, 'h.json'),
    ]);
    expect(b2.stderr).toBe('');
    expect(b2.stdout).toMatch(/resuming .*lstm.safetensors after epoch 2/);
    expect([...epochLines(b1.stdout), ...epochLines(b2.stdout)]).toEqual(epochLines(a.stdout));
    expect(history(join(split, 'h.json'))).toEqual(history(join(once, 'h.json')));
    const backend = await createBackend('wasm');
    const one = loadModelFile(join(once, 'lstm.safetensors'), { backend });
    const two = loadModelFile(join(split, 'lstm.safetensors'), { backend });
    expect(two.spec).toEqual(one.spec);
    for (const [name, tensor] of one.model.stateDict()) expect(two.model.stateDict().get(name), name).toEqual(tensor);
    const [s1, s2] = [one, two].map((m) => m.training!.state as { randomStates: unknown; trainer: string });
    expect(s2.randomStates).toEqual(s1.randomStates);
    expect(JSON.parse(s2.trainer).epoch).toBe(4);
    // The same trainer state (optimiser, board, history), timings aside.
    const untimed = (json: string) =>
      JSON.parse(json, (key, value) => (key === 'seconds' || key === 'tokensPerSecond' ? undefined : value));
    expect(untimed(s2.trainer)).toEqual(untimed(s1.trainer));
    // Options that would change the trajectory cannot be mixed with --resume.
    const mixed = await cli(['train', '--resume', join(split, 'lstm.safetensors'), '--hidden', '16']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--hidden cannot be given with --resume: the checkpoint fixes it/);
  });

  it('trains with --optimizer, --lr-schedule, --early-stopping and --keep-best, and resumes Adam bit for bit', async () => {
    // The schedule's length is explicit: by default it is the --epochs of the run that starts it, and the
    // run that is resumed below starts with --epochs 1.
    const options = ['--optimizer', 'adam', '--lr-schedule', 'cosine:tMax=3', '--early-stopping', '5', '--keep-best'];
    const small = ['--model', 'gru', '--hidden', '8', '--batch-size', '512', ...options, ...data];
    const once = join(dir, 'adam-once');
    const split = join(dir, 'adam-split');
    const a = await cli(['train', ...small, '--epochs', '3', '--out', once, '--json', join(once, 'h.json')]);
    expect(a.stderr).toBe('');
    expect(a.stdout).toMatch(/adam lr 0\.01, cosine schedule/);
    const lrs = JSON.parse(readFileSync(join(once, 'h.json'), 'utf8')).epochs.map((e: { lr: number }) => e.lr);
    // CosineAnnealingLR over 3 epochs from 0.01: 0.01, 0.0075, 0.0025 (PyTorch's closed form).
    expect(lrs.map((lr: number) => Number(lr.toPrecision(6)))).toEqual([0.01, 0.0075, 0.0025]);
    expect((await cli(['train', ...small, '--epochs', '3', '--out', split])).code).toBe(0);
    const checkpoint = join(split, 'gru.safetensors');
    // A run that stopped after epoch 1, resumed up to 3.
    const first = join(dir, 'adam-first');
    expect((await cli(['train', ...small, '--epochs', '1', '--out', first])).code).toBe(0);
    const resumed = await cli([
      'train',
      '--resume',
      join(first, 'gru.safetensors'),
      '--epochs',
      '3',
      ...data,
      '--out',
      first,
    ]);
    expect(resumed.stderr).toBe('');
    const backend = await createBackend('wasm');
    const straight = loadModelFile(checkpoint, { backend }).model.stateDict();
    const continued = loadModelFile(join(first, 'gru.safetensors'), { backend }).model.stateDict();
    for (const [name, tensor] of straight) expect(continued.get(name), name).toEqual(tensor);
  });

  it('rejects optimiser and schedule options it cannot use, with one line each', async () => {
    const bad: [string[], RegExp][] = [
      [['--optimizer', 'lion'], /--optimizer must be one of sgd, adam, adamw, rmsprop, got 'lion'/],
      [['--optimizer', 'adam', '--momentum', '0.9'], /--momentum is not an option of adam/],
      [['--optimizer', 'sgd', '--weight-decay=-1'], /--weight-decay must be a number >= 0/],
      [['--lr-schedule', 'exp'], /--lr-schedule must be one of step, cosine, warmup-cosine, linear, got 'exp'/],
      [['--lr-schedule', 'step:gamma'], /--lr-schedule: 'gamma' is not key=number/],
      [['--lr-schedule', 'cosine:warmupSteps=2'], /--lr-schedule: 'cosine' has no option 'warmupSteps'/],
      [['--early-stopping', '0'], /--early-stopping must be an integer >= 1, got '0'/],
    ];
    for (const [args, message] of bad) {
      const result = await cli(['train', ...args, ...data, '--out', join(dir, 'never')]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0], args.join(' ')).toMatch(message);
      expect(result.stdout).toBe('');
    }
  });

  it('refuses an unwritable --out before training, and a file without training state for --resume', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const start = Date.now();
    const result = await cli(['train', ...SMALL, ...data, '--out', join(blocker, 'out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^lstm-simd: cannot write to --out .*a-file\/out: (ENOTDIR|EEXIST)/);
    expect(result.stdout).toBe(''); // nothing ran
    expect(Date.now() - start).toBeLessThan(20_000);
    const plain = join(dir, 'plain.safetensors');
    writeFileSync(plain, encodeSafetensors(new Map(), { format: 'other' }));
    expect((await cli(['train', '--resume', plain, ...data, '--out', dir])).stderr).toMatch(
      /plain.safetensors: not an lstm-simd model file/,
    );
  });

  it('exits non-zero on divergence, names the last good checkpoint and never overwrites it', async () => {
    const out = join(dir, 'diverge');
    expect((await cli(['train', ...SMALL, ...data, '--epochs', '1', '--out', out])).code).toBe(0);
    const checkpoint = join(out, 'lstm.safetensors');
    const good = readFileSync(checkpoint);
    // An lr that overflows float32 makes the parameters infinite and the loss NaN in the first epoch.
    const first = await cli(['train', ...SMALL, ...data, '--epochs', '2', '--lr', '1e39', '--out', out]);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/^lstm-simd: training diverged: the loss is NaN at epoch 1, batch \d+/);
    expect(first.stderr).toMatch(/this run wrote no checkpoint .*lstm.safetensors is as it was/);
    expect(readFileSync(checkpoint).equals(good)).toBe(true);
    // The same from a resumed run: its checkpoint (epoch 1) stays the last good one. The metadata edit
    // keeps the checksum valid: it covers the data section only.
    // The model's lr (the book's SGD) and the optimiser state saved with it must agree, so both change.
    const { tensors, metadata } = decodeSafetensors(good);
    const spec = JSON.parse(metadata.model);
    const training = JSON.parse(metadata.training);
    const trainerState = JSON.parse(training.trainer);
    trainerState.optimizer.lr = 1e39;
    trainerState.optimizer.options.lr = 1e39;
    const hotTraining = JSON.stringify({ ...training, trainer: JSON.stringify(trainerState) });
    const hot = join(out, 'hot.safetensors');
    const hotMetadata = { ...metadata, model: JSON.stringify({ ...spec, lr: 1e39 }), training: hotTraining };
    writeFileSync(hot, encodeSafetensors(tensors, hotMetadata));
    const resumed = await cli(['train', '--resume', hot, '--epochs', '3', ...data, '--out', out]);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toMatch(/training diverged: the loss is NaN at epoch 2, batch \d+/);
    expect(resumed.stderr).toMatch(/the last good checkpoint is .*hot.safetensors \(epoch 1\); it was not overwritten/);
    expect(readFileSync(checkpoint).equals(good)).toBe(true);
  });

  it('generate runs a language model trained in PyTorch: --weights (safetensors) --vocab (JSON token list)', async () => {
    const torch = join(root, 'test/fixtures/torch');
    const weights = join(torch, 'lm-gru-embedding.safetensors');
    const vocab = join(torch, 'lm-vocab.json');
    const result = await cli([
      'generate',
      '--weights',
      weights,
      '--vocab',
      vocab,
      '--prefix',
      'the time ',
      '--num',
      '30',
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^the time [a-z ]{30}\n$/);
    const swapped = await cli(['generate', '--weights', vocab, '--vocab', weights]);
    expect(swapped.stderr).toMatch(/^lstm-simd: .*lm-vocab.json: not a safetensors file/);
    // A Keras 3 model the same way (.keras archive; V = 11 tokens).
    const kerasVocab = join(dir, 'keras-vocab.json');
    writeFileSync(kerasVocab, JSON.stringify([' ', '<unk>', ...'abcdefghi']));
    const keras = await cli([
      'generate',
      '--weights',
      join(root, 'test/fixtures/keras/lstm.keras'),
      '--vocab',
      kerasVocab,
      '--prefix',
      'a big',
      '--num',
      '20',
    ]);
    expect(keras.stderr).toBe('');
    expect(keras.stdout).toMatch(/^a big([a-i ]|<unk>){20}\n$/);
    const alone = await cli(['generate', '--weights', weights]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--weights needs --vocab FILE/);
  });

  it('SIGKILL in the middle of writes leaves a whole file every time (8 kills)', async () => {
    const target = join(dir, 'killed.bin');
    const size = 4_000_000;
    writeFileSync(target, new Uint8Array(size).fill(1));
    // A child that rewrites the file atomically in a loop, alternating two contents; it says 'go' once
    // it is writing, and is killed at a random moment after.
    const child = `
      import { writeFileAtomically } from ${JSON.stringify(join(root, 'dist/node/files.js'))};
      const a = new Uint8Array(${size}).fill(1), b = new Uint8Array(${size}).fill(2);
      for (let i = 0; ; i++) { if (i === 1) process.stdout.write('go'); writeFileAtomically(${JSON.stringify(target)}, i % 2 ? a : b); }`;
    for (let kill = 0; kill < 8; kill++) {
      const writer = spawn(process.execPath, ['--input-type=module', '-e', child]);
      await new Promise((go) => writer.stdout.once('data', go));
      await new Promise((wait) => setTimeout(wait, 5 + ((kill * 37) % 90)));
      writer.kill('SIGKILL');
      await new Promise((exit) => writer.on('exit', exit));
      const bytes = readFileSync(target);
      expect(bytes.length, `kill ${kill}`).toBe(size);
      expect(bytes.every((x) => x === bytes[0]) && (bytes[0] === 1 || bytes[0] === 2), `kill ${kill}`).toBe(true);
    }
    // What a killed writer leaves besides is its temporary file, never a damaged target.
    expect(readdirSync(dir).filter((f) => f.startsWith('killed.bin') && !f.endsWith('.tmp'))).toEqual(['killed.bin']);
  });
});

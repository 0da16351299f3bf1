// Fuzzing the model loader: seeded mutants of a real model file (bit flips, truncations, appended bytes,
// edits of the header length and of the header's JSON: offsets, shapes, dtypes, entries, metadata, the
// spec, the vocabulary, the checksum). Every mutant must be refused with a SafetensorsError or a
// CheckpointError, never another error type, within 5 s; a mutant that loads must be a structurally
// valid file (checked here independently of the reader) whose tensors are the loaded model's.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  createBackend,
  createLanguageModel,
  loadModel,
  ParameterStore,
  Random,
  SafetensorsError,
  saveModel,
  Vocab,
  type Backend,
} from '../../src/internal.js';

const MUTANTS = 2400;
const vocab = new Vocab([...'the time machine, by h. g. wells']);

type Outcome = 'accepted' | 'safetensors' | 'checkpoint' | 'untyped';

interface Parsed {
  header: Record<string, unknown>;
  data: Uint8Array;
}

function parse(bytes: Uint8Array): Parsed {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  return { header, data: bytes.slice(8 + length) };
}

function assemble(headerText: string, data: Uint8Array, lengthDelta = 0): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, json.length + lengthDelta)), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The format's rules, written independently of src/io/safetensors.ts: is this a structurally valid file? */
function structurallyValid(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const length = new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true);
  if (length > BigInt(bytes.length - 8)) return false;
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(length))));
  } catch {
    return false;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return false;
  const dataLength = bytes.length - 8 - Number(length);
  const ranges: [number, number][] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Object.values(value).some((v) => typeof v !== 'string'))
        return false;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = value as { dtype: unknown; shape: unknown; data_offsets: unknown };
    const width = ({ F32: 4, F16: 2, BF16: 2, F64: 8 } as Record<string, number>)[String(dtype)];
    if (!width || !Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) return false;
    if (![...shape, ...offsets].every((n) => Number.isSafeInteger(n) && n >= 0)) return false;
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    if (offsets[1] - offsets[0] !== size * width) return false;
    ranges.push([offsets[0], offsets[1]]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [begin, stop] of ranges) {
    if (begin !== end) return false;
    end = stop;
  }
  return end === dataLength;
}

function checksumHolds(bytes: Uint8Array): boolean {
  const { header, data } = parse(bytes);
  const recorded = (header.__metadata__ as Record<string, string>).sha256;
  return recorded === undefined || recorded === createHash('sha256').update(data).digest('hex');
}

/** Whether the loaded parameters are exactly the file's F32 tensors of the same names. */
function holdsTensorsOf(state: Map<string, { shape: number[]; data: Float32Array }>, bytes: Uint8Array): boolean {
  const { header, data } = parse(bytes);
  return [...state].every(([name, tensor]) => {
    const entry = header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const [begin, end] = entry.data_offsets;
    const values = new Float32Array(data.slice(begin, end).buffer);
    return entry.dtype === 'F32' && values.every((v, i) => Object.is(v, tensor.data[i]));
  });
}

/** A mutant of `base` and the name of the mutation, from one seeded generator. */
function mutate(base: Uint8Array, random: Random): [string, Uint8Array] {
  const pick = <T>(items: readonly T[]): T => items[random.int(items.length)];
  const kind = pick(['flip', 'flip', 'truncate', 'append', 'length', 'edit', 'edit', 'edit', 'edit', 'duplicate']);
  const bytes = base.slice();
  const headerEnd = 8 + Number(new DataView(base.buffer).getBigUint64(0, true));
  switch (kind) {
    case 'flip': {
      const flips = 1 + random.int(4);
      for (let i = 0; i < flips; i++) {
        const where = random.uniform() < 0.7 ? random.int(headerEnd) : random.int(bytes.length);
        bytes[where] ^= 1 << random.int(8);
      }
      return [`flip ${flips}`, bytes];
    }
    case 'truncate':
      return ['truncate', bytes.subarray(0, random.int(bytes.length))];
    case 'append': {
      const extra = Uint8Array.from({ length: 1 + random.int(16) }, () => random.int(256));
      const out = new Uint8Array(bytes.length + extra.length);
      out.set(bytes);
      out.set(extra, bytes.length);
      return ['append', out];
    }
    case 'length': {
      const view = new DataView(bytes.buffer);
      const values = [
        0n,
        1n,
        7n,
        2n ** 64n - 1n,
        2n ** 53n + 1n,
        BigInt(bytes.length),
        BigInt(headerEnd - 8 + random.int(9) - 4),
      ];
      view.setBigUint64(0, pick(values), true);
      return ['length', bytes];
    }
    case 'duplicate': {
      // A key written twice in the raw text (JSON.parse would silently keep the last one).
      const { header, data } = parse(base);
      const name = pick(Object.keys(header));
      const text = JSON.stringify(header).replace(/\}$/, `,${JSON.stringify(name)}:${JSON.stringify(header[name])}}`);
      return ['duplicate key', assemble(text, data)];
    }
    default: {
      const { header, data } = parse(base);
      const [what, edited] = editHeader(header, random, pick);
      const delta = random.uniform() < 0.1 ? pick([-1, 1, 8]) : 0;
      return [
        `edit ${what}${delta ? ` length${delta > 0 ? '+' : ''}${delta}` : ''}`,
        assemble(JSON.stringify(edited), data, delta),
      ];
    }
  }
}

function editHeader(
  header: Record<string, unknown>,
  random: Random,
  pick: <T>(items: readonly T[]) => T,
): [string, unknown] {
  const names = Object.keys(header).filter((n) => n !== '__metadata__');
  const name = pick(names);
  const entry = { ...(header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] }) };
  const [begin, end] = entry.data_offsets;
  const metadata = { ...(header.__metadata__ as Record<string, string>) };
  const spec = JSON.parse(metadata.model);
  const target = pick(['offsets', 'shape', 'dtype', 'entry', 'metadata', 'spec', 'top']);
  const withEntry = (value: unknown) => ({ ...header, [name]: value });
  switch (target) {
    case 'offsets': {
      const offsets = pick<unknown>([
        [String(begin), String(end)],
        [-4, end],
        [begin + 0.5, end + 0.5],
        [end, begin],
        [begin, end + 4],
        [begin + 4, end + 4],
        [begin, end, end],
        [begin],
        null,
        [begin, 2 ** 60],
        [begin - 4, end - 4],
      ]);
      return [`offsets of ${name}`, withEntry({ ...entry, data_offsets: offsets })];
    }
    case 'shape': {
      const shape = pick<unknown>([
        [...entry.shape].reverse(),
        [...entry.shape, 1],
        [entry.shape.reduce((a, b) => a * b, 1)],
        [0],
        ['4'],
        [-entry.shape[0], ...entry.shape.slice(1).map((d) => -d)],
        [2 ** 31, 2 ** 31],
        [],
        'shape',
      ]);
      return [`shape of ${name}`, withEntry({ ...entry, shape })];
    }
    case 'dtype':
      return [
        `dtype of ${name}`,
        withEntry({ ...entry, dtype: pick<unknown>(['F16', 'BF16', 'F64', 'I64', 'F33', 32, null]) }),
      ];
    case 'entry': {
      const edit = pick(['delete', 'rename', 'extra field', 'missing field', 'not an object', 'copy']);
      const out = { ...header };
      if (edit === 'delete') delete out[name];
      else if (edit === 'rename') {
        delete out[name];
        out[`${name}_x`] = entry;
      } else if (edit === 'extra field') out[name] = { ...entry, strides: [1] };
      else if (edit === 'missing field') out[name] = { dtype: entry.dtype, shape: entry.shape };
      else if (edit === 'not an object') out[name] = [entry.dtype, entry.shape, entry.data_offsets];
      else out[`${name}.copy`] = entry; // overlapping range
      return [`${edit} ${name}`, out];
    }
    case 'metadata': {
      const key = pick(Object.keys(metadata));
      const edit = pick(['delete', 'number', 'garbage', 'truncate']);
      const out: Record<string, unknown> = { ...metadata };
      if (edit === 'delete') delete out[key];
      else if (edit === 'number') out[key] = 42;
      else if (edit === 'garbage') out[key] = '{"';
      else out[key] = metadata[key].slice(0, random.int(metadata[key].length));
      return [`metadata ${key} ${edit}`, { ...header, __metadata__: out }];
    }
    case 'spec': {
      const [field, value] = pick<[string, unknown]>([
        ['numHiddens', 6000],
        ['numHiddens', spec.numHiddens + 1],
        ['numHiddens', 0],
        ['numLayers', 3],
        ['numLayers', 1],
        ['vocabSize', spec.vocabSize + 1],
        ['kind', 'gru'],
        ['kind', 'lstm-scratch'],
        ['kind', '__proto__'],
        ['lr', -1],
        ['dropout', 2],
        ['bidirectional', 'yes'],
        ['bidirectional', true],
        ['extra', 1],
        ['numHiddens', '4'],
        ['numHiddens', 4.5],
      ]);
      const model = JSON.stringify({ ...spec, [field]: value });
      return [`spec ${field}=${String(value)}`, { ...header, __metadata__: { ...metadata, model } }];
    }
    default:
      return ['top level', pick<unknown>([[], null, 1, 'x', { __metadata__: metadata }])];
  }
}

describe('fuzzing the model loader', () => {
  let backend: Backend;
  let base: Uint8Array;
  beforeAll(async () => {
    backend = await createBackend('wasm');
    const spec = { kind: 'lstm', vocabSize: vocab.length, numHiddens: 4, numLayers: 2, lr: 1, seed: 1 } as const;
    const model = createLanguageModel(spec, backend);
    base = saveModel(model, { vocab, training: { state: { epoch: 1 } } });
    model.dispose();
  });

  it(`${MUTANTS} seeded mutants: typed rejections only, no hang, nothing invalid accepted, nothing leaked`, () => {
    const store = ParameterStore.of(backend);
    const heapBefore = backend.heap.usedBytes;
    const random = new Random(20261201);
    const counts: Record<Outcome, number> = { accepted: 0, safetensors: 0, checkpoint: 0, untyped: 0 };
    const untyped: string[] = [];
    const invalidAccepted: string[] = [];
    let slowest = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const [what, bytes] = mutate(base, random);
      const start = performance.now();
      let outcome: Outcome;
      try {
        const { model } = loadModel(bytes, { backend });
        outcome = 'accepted';
        // Accepted: a valid file whose checksum, if it still has one, holds, and the model holds its tensors.
        if (!structurallyValid(bytes) || !checksumHolds(bytes) || !holdsTensorsOf(model.stateDict(), bytes)) {
          invalidAccepted.push(`#${i} ${what}`);
        }
        model.dispose();
      } catch (error) {
        if (error instanceof SafetensorsError) outcome = 'safetensors';
        else if (error instanceof CheckpointError) outcome = 'checkpoint';
        else {
          outcome = 'untyped';
          untyped.push(`#${i} ${what}: ${(error as Error).name}: ${(error as Error).message}`);
        }
      }
      slowest = Math.max(slowest, performance.now() - start);
      counts[outcome]++;
    }
    expect(untyped).toEqual([]);
    expect(invalidAccepted).toEqual([]);
    expect(slowest).toBeLessThan(5000);
    // The mutations reach both layers of checks, and harmless edits (e.g. in token counts) still load.
    expect(counts.safetensors).toBeGreaterThan(MUTANTS / 5);
    expect(counts.checkpoint).toBeGreaterThan(MUTANTS / 10);
    expect(counts.accepted).toBeGreaterThan(0);
    expect(store.liveElements).toBe(0);
    expect(backend.heap.usedBytes).toBe(heapBefore);
  });

  it('the unmutated file loads, and each structural mutation class is refused with the right error', () => {
    const { model } = loadModel(base, { backend });
    model.dispose();
    const { header, data } = parse(base);
    const name = Object.keys(header).find((n) => n !== '__metadata__')!;
    const entry = header[name] as { data_offsets: number[] };
    const stringOffsets = { ...header, [name]: { ...entry, data_offsets: entry.data_offsets.map(String) } };
    expect(() => loadModel(assemble(JSON.stringify(stringOffsets), data), { backend })).toThrow(SafetensorsError);
    expect(() => loadModel(base.subarray(0, base.length - 1), { backend })).toThrow(/exceed the \d+ bytes of data/);
  });
});

// The safetensors reader is as strict as the reference implementation: every structural defect is a
// SafetensorsError that names the tensor and the problem, and valid files from other writers (unpadded
// headers, F16/BF16/F64, empty tensors) read correctly.
import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
} from '../../src/io/safetensors.js';

/** A file from a header object (or raw header text) and a data section, the header unpadded. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), declaredLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function floats(...values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

function rejects(bytes: Uint8Array, pattern: RegExp, tensor?: string): void {
  let caught: unknown;
  try {
    decodeSafetensors(bytes);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  expect((caught as Error).message).toMatch(pattern);
  expect((caught as SafetensorsError).tensor).toBe(tensor);
}

const a = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
const b = { dtype: 'F32', shape: [1], data_offsets: [8, 12] };

describe('safetensors', () => {
  it('round-trips float32 tensors and string metadata, with the data 8-byte aligned', () => {
    const tensors = new Map([
      ['w', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
      ['scalar', { shape: [], data: Float32Array.from([7]) }],
      ['f64', { shape: [2], data: Float64Array.from([0.1, 1e-3]) }],
    ]);
    const bytes = encodeSafetensors(tensors, { note: 'x' });
    const header = readSafetensorsHeader(bytes);
    expect(header.dataStart % 8).toBe(0);
    const { tensors: read, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ note: 'x' });
    expect([...read.keys()]).toEqual(['w', 'empty', 'scalar', 'f64']);
    expect(read.get('w')).toEqual({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) });
    expect(read.get('empty')!.data).toHaveLength(0);
    expect(read.get('scalar')).toEqual({ shape: [], data: Float32Array.from([7]) });
    expect(read.get('f64')!.data).toEqual(Float32Array.from([0.1, 1e-3]));
  });

  it('reads F16, BF16 and F64, and unpadded headers from other writers', () => {
    const data = new Uint8Array(2 * 2 + 2 * 2 + 8);
    const view = new DataView(data.buffer);
    view.setUint16(0, 0x3c00, true); // 1 in half precision
    view.setUint16(2, 0xc000, true); // -2
    view.setUint16(4, 0x3f80, true); // 1 in bfloat16
    view.setUint16(6, 0x4049, true); // 3.140625
    view.setFloat64(8, Math.PI, true);
    const header = {
      h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      bf: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
      d: { dtype: 'F64', shape: [1], data_offsets: [8, 16] },
    };
    const { tensors } = decodeSafetensors(file(header, data)); // header length 137: odd, unpadded
    expect([...tensors.get('h')!.data]).toEqual([1, -2]);
    expect([...tensors.get('bf')!.data]).toEqual([1, 3.140625]);
    expect(tensors.get('d')!.data[0]).toBe(Math.fround(Math.PI));
  });

  it('refuses a bad header length, a non-UTF-8 or non-JSON header and duplicate keys', () => {
    rejects(new Uint8Array(5), /shorter than the 8-byte header length/);
    rejects(file({}, new Uint8Array(0), 1000), /header length 1000 exceeds the 2 bytes after it/);
    const huge = file({});
    new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
    rejects(huge, /exceeds 100000000 bytes/);
    rejects(file('[1, 2]'), /does not start with '\{'/);
    const invalidUtf8 = file('{"a":1}');
    invalidUtf8[12] = 0xff;
    rejects(invalidUtf8, /not valid UTF-8/);
    rejects(file('{"a": '), /not valid JSON/);
    rejects(file(`{"w": ${JSON.stringify(a)}, "w": ${JSON.stringify(a)}}`, floats(1, 2)), /the key 'w' twice/);
    rejects(file('{"__metadata__": {"k": "1", "k": "2"}}'), /the key 'k' twice/);
    rejects(file({ __metadata__: { k: 1 } }), /metadata 'k' must be a string/);
    rejects(file({ __metadata__: ['x'] }), /'__metadata__' must be an object of strings/);
  });

  it('refuses offsets that are not two non-negative integers (no string concatenation)', () => {
    rejects(file({ w: { ...a, data_offsets: ['0', '8'] } }, floats(1, 2)), /data_offsets must be \[begin, end\]/, 'w');
    rejects(file({ w: { ...a, data_offsets: [-8, 0] } }, floats(1, 2)), /two non-negative integers/, 'w');
    rejects(file({ w: { ...a, data_offsets: [0.5, 8.5] } }, floats(1, 2)), /two non-negative integers/, 'w');
    rejects(file({ w: { ...a, data_offsets: [0, 8, 9] } }, floats(1, 2)), /two non-negative integers/, 'w');
    rejects(file({ w: { ...a, data_offsets: [8, 0] } }, floats(1, 2)), /end before they begin/, 'w');
    rejects(file({ w: { ...a, data_offsets: [0, 16] } }, floats(1, 2)), /exceed the 8 bytes of data/, 'w');
  });

  it('refuses byte ranges that overlap, leave gaps or trailing bytes, or do not match the shape', () => {
    rejects(file({ a, b: { ...b, data_offsets: [4, 8] } }, floats(1, 2, 3)), /overlap the tensor before/, 'b');
    rejects(file({ a, b: { ...b, data_offsets: [4, 8] } }, floats(1, 2)), /overlap the tensor before/, 'b');
    rejects(file({ a: { ...a, data_offsets: [4, 12] } }, floats(1, 2, 3)), /leave bytes \[0, 4\) unused/, 'a');
    rejects(file({ a, b }, floats(1, 2, 3, 4)), /cover 12 of the 16 data bytes/);
    rejects(file({ a: { ...a, shape: [3] } }, floats(1, 2)), /shape \[3\] F32 needs 12 bytes/, 'a');
    rejects(file({ a: { ...a, shape: [2 ** 40, 2 ** 40] } }, floats(1, 2)), /needs .* bytes/, 'a');
    rejects(file({ a: { ...a, shape: [2, -1] } }, floats(1, 2)), /shape must be a list of non-negative/, 'a');
    rejects(file({ a: { ...a, shape: '2' } }, floats(1, 2)), /shape must be a list/, 'a');
  });

  it('refuses unknown and unsupported dtypes and unexpected fields', () => {
    rejects(
      file({ a: { ...a, dtype: 'I64', data_offsets: [0, 16] } }, new Uint8Array(16)),
      /I64 is not supported/,
      'a',
    );
    rejects(file({ a: { ...a, dtype: 'F33' } }, floats(1, 2)), /F33 is unknown/, 'a');
    rejects(file({ a: { ...a, dtype: 32 } }, floats(1, 2)), /dtype must be a string/, 'a');
    rejects(file({ a: { ...a, strides: [1] } }, floats(1, 2)), /unexpected field 'strides'/, 'a');
    rejects(file({ a: [1, 2] }, floats(1, 2)), /must be an object/, 'a');
  });

  it('writes only what it can read back: bad names, shapes and metadata are refused', () => {
    expect(() => encodeSafetensors(new Map([['w', { shape: [3], data: [1, 2] }]]))).toThrow(
      /shape \[3\] does not match 2/,
    );
    expect(() => encodeSafetensors(new Map([['__metadata__', { shape: [0], data: [] }]]))).toThrow(/reserved/);
    expect(() => encodeSafetensors(new Map(), { k: 1 as unknown as string })).toThrow(/metadata 'k' must be a string/);
  });
});

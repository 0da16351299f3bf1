// The safetensors format (huggingface/safetensors), read and written in memory:
// 8 bytes little-endian header length N, N bytes of UTF-8 JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}},
// then the raw little-endian row-major data. Only F32 is written; F32, F16, BF16
// and F64 are read (converted to float32).
//
// The reader is as strict as the reference implementation (safetensors/src/tensor.rs),
// because a model file may come from anywhere: the header length is bounded and exact,
// the JSON is valid UTF-8 with no duplicate keys, every offset is a non-negative
// integer, the byte ranges are contiguous, do not overlap and cover the data exactly
// (no trailing bytes), and each shape's size matches its bytes. The whole header is
// checked before any tensor is allocated, and every rejection is a SafetensorsError
// naming the tensor and the problem.

/** A tensor as read: float32 values, row-major. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** A tensor to write: any numbers (Tensor.toArray()'s Float64Array, a Float32Array, a plain array). */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

/** One tensor's header entry; begin and end are byte offsets into the data section. */
export interface TensorEntry {
  dtype: FloatDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** The validated header: the entries in file order, the metadata, and where the data section starts. */
export interface SafetensorsHeader {
  entries: Map<string, TensorEntry>;
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  /** The tensor the problem is in, when it is in one. */
  readonly tensor?: string;

  constructor(message: string, tensor?: string) {
    super(tensor === undefined ? message : `tensor '${tensor}': ${message}`);
    this.tensor = tensor;
  }
}

/** The reference reader's bound on the header (safetensors/src/tensor.rs MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

/** Bytes per element of the dtypes this reader converts to float32. */
const FLOAT_WIDTHS = { F32: 4, F16: 2, BF16: 2, F64: 8 } as const;
export type FloatDtype = keyof typeof FLOAT_WIDTHS;

/** The other dtypes of the format: recognised, so that the error says "not supported" rather than "unknown". */
const OTHER_DTYPES = new Set([
  'BOOL',
  'U8',
  'I8',
  'I16',
  'U16',
  'I32',
  'U32',
  'I64',
  'U64',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F6_E2M3',
  'F6_E3M2',
  'F4',
  'C64',
]);

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function encodeSafetensors(
  tensors: Map<string, TensorLike> | Iterable<readonly [string, TensorLike]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string')
      throw new SafetensorsError(`metadata '${key}' must be a string, got ${typeof value}`);
  }
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  const entries = [...tensors];
  let offset = 0;
  for (const [name, tensor] of entries) {
    if (name === METADATA_KEY) throw new SafetensorsError(`'${METADATA_KEY}' is reserved for the metadata`);
    if (Object.hasOwn(header, name)) throw new SafetensorsError('appears twice', name);
    const shape = [...tensor.shape];
    if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new SafetensorsError(`shape [${shape}] must be non-negative integers`, name);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== tensor.data.length) {
      throw new SafetensorsError(`shape [${shape}] does not match ${tensor.data.length} values`, name);
    }
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + size * 4] };
    offset += size * 4;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (as the reference writer does).
  const unpadded = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - (unpadded % 8)) % 8);
  const encodedHeader = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + encodedHeader.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(encodedHeader.length), true);
  out.set(encodedHeader, 8);
  let position = 8 + encodedHeader.length;
  for (const [, tensor] of entries) {
    const { data } = tensor;
    if (littleEndianHost) {
      // The data section starts 8-byte aligned and each tensor is a whole number of floats: a direct view.
      new Float32Array(out.buffer, position, data.length).set(data);
      position += data.length * 4;
    } else {
      for (let i = 0; i < data.length; i++, position += 4) view.setFloat32(position, data[i], true);
    }
  }
  return out;
}

/** Reads and checks the whole header without touching the data: what a loader validates before allocating. */
export function readSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError('expected the file as a Uint8Array');
  if (bytes.length < 8) {
    throw new SafetensorsError(`not a safetensors file: ${bytes.length} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`not a safetensors file: header length ${declared} exceeds ${MAX_HEADER_BYTES} bytes`);
  }
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) {
    throw new SafetensorsError(
      `not a safetensors file: header length ${headerLength} exceeds the ${bytes.length - 8} bytes after it`,
    );
  }
  const headerBytes = bytes.subarray(8, 8 + headerLength);
  if (headerBytes[0] !== 0x7b) throw new SafetensorsError("not a safetensors file: the header does not start with '{'");
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError('the header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new SafetensorsError(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SafetensorsError('the header is not a JSON object');
  }
  const duplicate = firstDuplicateKey(json);
  if (duplicate !== null) throw new SafetensorsError(`the header has the key '${duplicate}' twice`);

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const entries = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) metadata = checkMetadata(value);
    else entries.set(name, checkEntry(name, value, dataLength));
  }
  checkCoverage(entries, dataLength);
  return { entries, metadata, dataStart };
}

export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  const header = readSafetensorsHeader(bytes);
  const tensors = new Map<string, NamedTensor>();
  for (const [name, entry] of header.entries) tensors.set(name, readTensor(bytes, header, entry));
  return { tensors, metadata: header.metadata };
}

/** One tensor's values as float32, from a header readSafetensorsHeader validated. */
export function readTensor(bytes: Uint8Array, header: SafetensorsHeader, entry: TensorEntry): NamedTensor {
  const width = FLOAT_WIDTHS[entry.dtype];
  const size = (entry.end - entry.begin) / width;
  const start = header.dataStart + entry.begin;
  const data = new Float32Array(size);
  if (entry.dtype === 'F32' && littleEndianHost) {
    // Copy the bytes (the data may be misaligned for a direct Float32Array view of the file).
    new Uint8Array(data.buffer).set(bytes.subarray(start, start + size * 4));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + start, size * width);
    for (let i = 0; i < size; i++) {
      data[i] =
        entry.dtype === 'F32'
          ? view.getFloat32(i * 4, true)
          : entry.dtype === 'F64'
            ? view.getFloat64(i * 8, true)
            : entry.dtype === 'F16'
              ? halfToFloat(view.getUint16(i * 2, true))
              : bfloat16ToFloat(view.getUint16(i * 2, true));
    }
  }
  return { shape: [...entry.shape], data };
}

function checkMetadata(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SafetensorsError(`'${METADATA_KEY}' must be an object of strings`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw new SafetensorsError(`metadata '${key}' must be a string, got ${JSON.stringify(item)}`);
    }
  }
  return value as Record<string, string>;
}

function checkEntry(name: string, value: unknown, dataLength: number): TensorEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SafetensorsError('the entry must be an object {dtype, shape, data_offsets}', name);
  }
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') {
      throw new SafetensorsError(`unexpected field '${key}' (expected dtype, shape, data_offsets)`, name);
    }
  }
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string')
    throw new SafetensorsError(`dtype must be a string, got ${JSON.stringify(dtype)}`, name);
  if (!Object.hasOwn(FLOAT_WIDTHS, dtype)) {
    const known = OTHER_DTYPES.has(dtype) ? 'is not supported' : 'is unknown';
    throw new SafetensorsError(`dtype ${dtype} ${known} (supported: ${Object.keys(FLOAT_WIDTHS).join(', ')})`, name);
  }
  if (!Array.isArray(shape) || shape.some((d) => !isIndex(d))) {
    throw new SafetensorsError(`shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`, name);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isIndex(offsets[0]) || !isIndex(offsets[1])) {
    throw new SafetensorsError(
      `data_offsets must be [begin, end], two non-negative integers, got ${JSON.stringify(offsets)}`,
      name,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new SafetensorsError(`data_offsets [${begin}, ${end}] end before they begin`, name);
  if (end > dataLength) {
    throw new SafetensorsError(`data_offsets [${begin}, ${end}] exceed the ${dataLength} bytes of data`, name);
  }
  const width = FLOAT_WIDTHS[dtype as FloatDtype];
  let size = (shape as number[]).includes(0) ? 0 : 1;
  for (const d of shape as number[]) {
    if (size * width > dataLength) break; // too big already: stop before the product leaves the exact integers
    size *= d;
  }
  if (size * width !== end - begin) {
    throw new SafetensorsError(
      `shape [${shape}] ${dtype} needs ${size * width} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      name,
    );
  }
  return { dtype: dtype as FloatDtype, shape: [...(shape as number[])], begin, end };
}

/** The byte ranges, in order of their start, must tile [0, dataLength) exactly. */
function checkCoverage(entries: Map<string, TensorEntry>, dataLength: number): void {
  const ranges = [...entries].sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const [name, { begin, end }] of ranges) {
    if (begin < expected) {
      throw new SafetensorsError(
        `data_offsets [${begin}, ${end}] overlap the tensor before (which ends at ${expected})`,
        name,
      );
    }
    if (begin > expected) {
      throw new SafetensorsError(`data_offsets [${begin}, ${end}] leave bytes [${expected}, ${begin}) unused`, name);
    }
    expected = end;
  }
  if (expected !== dataLength) {
    throw new SafetensorsError(`the tensors cover ${expected} of the ${dataLength} data bytes (trailing bytes)`);
  }
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The first object key that appears twice in one object of a JSON text (JSON.parse keeps the last silently;
 * the format forbids duplicates). The text must be valid JSON. Iterative: no depth limit.
 */
function firstDuplicateKey(json: string): string | null {
  const objects: (Set<string> | null)[] = []; // null for arrays
  for (let i = 0; i < json.length; i++) {
    const ch = json.charCodeAt(i);
    if (ch === 0x7b) objects.push(new Set());
    else if (ch === 0x5b) objects.push(null);
    else if (ch === 0x7d || ch === 0x5d) objects.pop();
    else if (ch === 0x22) {
      const start = i;
      for (i++; json.charCodeAt(i) !== 0x22; i++) if (json.charCodeAt(i) === 0x5c) i++;
      let next = i + 1;
      while (next < json.length && /\s/.test(json[next])) next++;
      const keys = objects[objects.length - 1];
      if (json[next] === ':' && keys) {
        const key = JSON.parse(json.slice(start, i + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
    }
  }
  return null;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function bfloat16ToFloat(b: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, b << 16, false);
  return view.getFloat32(0, false);
}

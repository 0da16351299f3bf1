// The safetensors format (huggingface/safetensors), read and written in memory:
// 8 bytes little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}},
// then the raw little-endian row-major data. Only F32 is written; F32, F16 and
// BF16 are read (converted to float32).

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const MAX_HEADER_BYTES = 100_000_000;

export function encodeSafetensors(
  tensors: Map<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const size = tensor.shape.reduce((a, b) => a * b, 1);
    if (size !== tensor.data.length) {
      throw new SafetensorsError(
        `tensor '${name}': shape [${tensor.shape}] does not match ${tensor.data.length} values`,
      );
    }
    header[name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + size * 4] };
    offset += size * 4;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (as the reference writer does).
  const headerBytes = new TextEncoder().encode(json);
  json += ' '.repeat((8 - (headerBytes.length % 8)) % 8);
  const encodedHeader = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + encodedHeader.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(encodedHeader.length), true);
  out.set(encodedHeader, 8);
  let position = 8 + encodedHeader.length;
  for (const tensor of tensors.values()) {
    for (let i = 0; i < tensor.data.length; i++, position += 4) view.setFloat32(position, tensor.data[i], true);
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw new SafetensorsError('not a safetensors file: shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    throw new SafetensorsError(`not a safetensors file: header length ${headerLength} exceeds the file`);
  }
  let header: Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new SafetensorsError(`not a safetensors file: the header is not JSON (${(error as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const size = shape.reduce((a, b) => a * b, 1);
    const width = dtype === 'F32' ? 4 : dtype === 'F16' || dtype === 'BF16' ? 2 : 0;
    if (width === 0) throw new SafetensorsError(`tensor '${name}': dtype ${dtype} is not supported (F32, F16, BF16)`);
    const [begin, end] = offsets;
    if (!(begin >= 0 && end <= dataLength && end - begin === size * width)) {
      throw new SafetensorsError(
        `tensor '${name}': data_offsets [${begin}, ${end}] do not fit shape [${shape}] ${dtype}`,
      );
    }
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const at = dataStart + begin + i * width;
      data[i] =
        dtype === 'F32'
          ? view.getFloat32(at, true)
          : dtype === 'F16'
            ? halfToFloat(view.getUint16(at, true))
            : bfloat16ToFloat(view.getUint16(at, true));
    }
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
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

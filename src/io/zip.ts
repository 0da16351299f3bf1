// Reading the files of a zip archive (what a Keras 3 `.keras` file is: config.json, metadata.json and
// model.weights.h5). Only what such archives use: entries stored or deflated, no encryption, no
// zip64. Deflated entries are inflated with DecompressionStream('deflate-raw') (browsers and Node >= 18).

export class ZipError extends Error {
  override name = 'ZipError';
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;

/** Whether the bytes start like a zip archive. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === LOCAL_HEADER;
}

/** The archive's files by name. */
export async function readZip(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-directory record is in the last 22 + 65535 bytes (its comment is at most 65535).
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === END_OF_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ZipError('not a zip archive: no end-of-directory record');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const files = new Map<string, Uint8Array>();
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_HEADER) {
      throw new ZipError('the zip directory is damaged');
    }
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localAt = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (localAt + 30 > bytes.length || view.getUint32(localAt, true) !== LOCAL_HEADER) {
      throw new ZipError(`zip entry '${name}': damaged local header`);
    }
    const dataAt = localAt + 30 + view.getUint16(localAt + 26, true) + view.getUint16(localAt + 28, true);
    if (dataAt + compressedSize > bytes.length) throw new ZipError(`zip entry '${name}' runs past the end of the file`);
    const data = bytes.subarray(dataAt, dataAt + compressedSize);
    if (method === 0) files.set(name, data);
    else if (method === 8) files.set(name, await inflate(data, size, name));
    else throw new ZipError(`zip entry '${name}': compression method ${method} is not supported (stored or deflate)`);
  }
  return files;
}

async function inflate(data: Uint8Array, size: number, name: string): Promise<Uint8Array> {
  try {
    const input = new Uint8Array(data); // an ArrayBuffer-backed copy, as streams want
    const stream = new Blob([input]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    const out = new Uint8Array(await new Response(stream).arrayBuffer());
    if (out.length !== size) throw new Error(`${out.length} bytes instead of ${size}`);
    return out;
  } catch (error) {
    throw new ZipError(`zip entry '${name}' does not inflate: ${(error as Error).message}`);
  }
}

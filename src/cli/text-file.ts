// Reading a training text given on the command line: any UTF-8 file, checked to be UTF-8 (a binary
// or Latin-1 file is an error naming it, not a corpus of replacement characters), without its BOM; with
// the SHA-1 of its bytes, which a checkpoint records so that --resume refuses another text.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { sha1Of } from '../node/corpus.js';

/** The text of a UTF-8 file and its SHA-1; throws a one-line error naming the file when it cannot be used. */
export async function readTextFile(path: string): Promise<{ text: string; sha1: string }> {
  const file = resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(error));
    throw new Error(`cannot read the text file ${file}: ${why}`, { cause: error });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // drops a leading BOM
  } catch (error) {
    throw new Error(`the text file ${file} is not valid UTF-8`, { cause: error });
  }
  if (text.trim() === '') throw new Error(`the text file ${file} is empty`);
  return { text, sha1: sha1Of(bytes) };
}

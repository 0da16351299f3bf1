// Writing files so that a crash never destroys what was there: the bytes go to a temporary file in the
// same directory, are flushed to the disk, and the temporary file is renamed over the target (a rename
// within a directory is atomic on POSIX file systems and on NTFS). A process killed at any point leaves
// either the old file or the new one, never a partial one. Node only.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes `bytes` to `file` atomically (temporary file + fsync + rename), creating the directory if needed. */
export function writeFileAtomically(file: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  let fd: number | null = null;
  try {
    fd = openSync(temporary, 'wx');
    for (let written = 0; written < data.length;) written += writeSync(fd, data, written);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temporary, file);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(temporary);
    } catch {
      // never created, or already renamed
    }
    throw error;
  }
}

/**
 * Throws an Error naming the directory and the reason unless files can be created in `dir` (made if
 * missing): checked before a long run, so that a bad --out fails at once instead of after training.
 */
export function checkWritableDirectory(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.lstm-simd-write-test.${process.pid}.${randomBytes(6).toString('hex')}`);
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (error as Error).message);
    throw new Error(`cannot write to ${what} ${dir}: ${why}`, { cause: error });
  }
}

// Running the command line as a user runs it: `node bin/lstm-simd.js ...` on the built package
// (npm test builds first), and the check that bad input gives one clear line and no stack trace.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const run = promisify(execFile);
const bin = resolve(__dirname, '../../bin/lstm-simd.js');

/** Runs `lstm-simd ...args`; resolves with the exit code and the output (never rejects). */
export async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, LSTM_SIMD_DEBUG: '', ...env },
      timeout: 300_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A non-zero exit whose first stderr line is 'lstm-simd: ...' matching `pattern`, without a stack trace. */
export function expectOneLineError(result: { code: number; stderr: string }, pattern: RegExp) {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^lstm-simd: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

// The synchronous SHA-256 against Node's OpenSSL one, across the padding boundaries (55/56/64 bytes).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/io/sha256.js';

describe('sha256Hex', () => {
  it('matches node:crypto on every padding case and on a megabyte', () => {
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000, 1 << 20]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);
      expect(sha256Hex(bytes), `${n} bytes`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('hashes a view, not its whole buffer', () => {
    const buffer = new Uint8Array(100).fill(9);
    const view = buffer.subarray(10, 30);
    expect(sha256Hex(view)).toBe(createHash('sha256').update(view).digest('hex'));
  });
});

// The heap: first-fit regions in one WebAssembly.Memory, growth on demand,
// typed-array views that follow the memory when it grows, a clear error at the limit.
import { describe, expect, it } from 'vitest';
import { Heap, OutOfMemoryError } from '../../src/internal.js';

const PAGE_BYTES = 65536;
const PAGE_FLOATS = PAGE_BYTES / 4;

describe('Heap', () => {
  it('hands out 64-byte aligned, non-overlapping regions after the reserved bytes', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const heap = new Heap({ memory, reservedBytes: 1000 });
    const sizes = [1, 15, 16, 17, 100, 0, 3];
    const regions = sizes.map((n) => ({ ptr: heap.allocate(n), n }));
    let previousEnd = 1000;
    for (const { ptr, n } of regions) {
      const start = heap.byteOffset(ptr);
      expect(start % 64).toBe(0);
      expect(start).toBeGreaterThanOrEqual(previousEnd);
      previousEnd = start + Math.max(n, 1) * 4;
    }
  });

  it('grows the memory on demand and keeps earlier contents', () => {
    const heap = new Heap();
    const first = heap.allocate(100);
    heap.floats.set([1, 2, 3], first);
    const before = heap.sizeBytes;
    const big = heap.allocate(5 * PAGE_FLOATS);
    expect(heap.sizeBytes).toBeGreaterThanOrEqual(before + 5 * PAGE_BYTES);
    expect([...heap.floats.subarray(first, first + 3)]).toEqual([1, 2, 3]);
    heap.floats[big + 5 * PAGE_FLOATS - 1] = 7; // the last element is addressable
    expect(heap.floats[big + 5 * PAGE_FLOATS - 1]).toBe(7);
  });

  it('refreshes its views after growth (old views are detached)', () => {
    const heap = new Heap();
    const ptr = heap.allocate(10);
    const oldFloats = heap.floats;
    const oldInts = heap.ints;
    heap.floats[ptr] = 42.5;
    heap.allocate(3 * PAGE_FLOATS);
    expect(oldFloats.length).toBe(0); // the buffer behind it was detached by memory.grow
    expect(heap.floats === oldFloats).toBe(false);
    expect(heap.floats.length).toBe(heap.sizeBytes / 4);
    expect(heap.ints.length).toBe(heap.sizeBytes / 4);
    expect(heap.ints === oldInts).toBe(false);
    expect(heap.floats[ptr]).toBe(42.5);
  });

  it('refreshes its views when someone else grows the memory', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 10 });
    const heap = new Heap({ memory });
    const ptr = heap.allocate(4);
    heap.floats[ptr] = 3;
    memory.grow(1); // e.g. a kernel, or another heap user
    expect(heap.floats.length).toBe(2 * PAGE_FLOATS);
    expect(heap.floats[ptr]).toBe(3);
  });

  it('reuses released regions first-fit, coalesces neighbours and returns the tail', () => {
    const heap = new Heap();
    const a = heap.allocate(64);
    const b = heap.allocate(64);
    const c = heap.allocate(64);
    const d = heap.allocate(64);
    const used = heap.usedBytes;
    expect(used).toBe(4 * 256);
    heap.release(b);
    expect(heap.usedBytes).toBe(3 * 256);
    expect(heap.allocate(64)).toBe(b); // exact fit reused
    heap.release(b);
    heap.release(c); // b and c coalesce into one 512-byte hole
    expect(heap.allocate(128)).toBe(b);
    expect(heap.allocate(16)).toBe(heap.allocate(0) - 16); // later allocations continue after d
    heap.release(d);
    heap.release(a);
    expect(heap.allocate(64)).toBe(a);
  });

  it('lowers its top when the last region is released, so the space is handed out again', () => {
    const heap = new Heap();
    const a = heap.allocate(10);
    const b = heap.allocate(1000);
    heap.release(b);
    expect(heap.usedBytes).toBe(64);
    expect(heap.allocate(2000)).toBe(b);
    heap.release(a);
  });

  it('rejects releasing a region twice or one it never handed out', () => {
    const heap = new Heap();
    const a = heap.allocate(8);
    heap.release(a);
    expect(() => heap.release(a)).toThrow(/not an allocated region/);
    expect(() => heap.release(a + 1)).toThrow(/not an allocated region/);
  });

  it('rejects negative or fractional sizes', () => {
    const heap = new Heap();
    expect(() => heap.allocate(-1)).toThrow(RangeError);
    expect(() => heap.allocate(1.5)).toThrow(RangeError);
  });

  it('throws OutOfMemoryError when a heap with a small maximum is exhausted, and stays usable', () => {
    const heap = new Heap({ maximumPages: 4 });
    const a = heap.allocate(PAGE_FLOATS); // 1 page
    heap.floats[a] = 5;
    expect(() => heap.allocate(4 * PAGE_FLOATS)).toThrow(OutOfMemoryError);
    let error: unknown;
    try {
      heap.allocate(4 * PAGE_FLOATS);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OutOfMemoryError);
    expect((error as Error).name).toBe('OutOfMemoryError');
    // Needs 5 pages (320 KiB with the first region) where 4 (256 KiB) is the limit.
    expect((error as Error).message).toMatch(
      /out of memory: need 0\.31 MiB but the heap may grow to at most 0\.25 MiB/,
    );
    // What fits still fits, and nothing was lost.
    const b = heap.allocate(2 * PAGE_FLOATS);
    expect(heap.floats[a]).toBe(5);
    expect(heap.sizeBytes).toBeLessThanOrEqual(4 * PAGE_BYTES);
    heap.release(b);
  });

  it('throws OutOfMemoryError when the engine refuses to grow the memory', () => {
    // The memory's own maximum (2 pages) is below the heap's: memory.grow throws, the heap reports it.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const heap = new Heap({ memory, maximumPages: 100 });
    expect(() => heap.allocate(3 * PAGE_FLOATS)).toThrow(OutOfMemoryError);
    expect(() => heap.allocate(3 * PAGE_FLOATS)).toThrow(/refused to grow/);
    expect(heap.allocate(PAGE_FLOATS / 2)).toBeGreaterThanOrEqual(0);
  });

  it('has float64 views and int indices in float64 mode', () => {
    const heap = new Heap({ bytesPerElement: 8 });
    const ptr = heap.allocate(10);
    expect(heap.floats).toBeInstanceOf(Float64Array);
    heap.floats[ptr] = 1 / 3; // kept in float64
    expect(heap.floats[ptr]).toBe(1 / 3);
    expect(heap.intIndex(ptr)).toBe(ptr * 2);
    expect(heap.byteOffset(ptr)).toBe(ptr * 8);
  });
});

// Arenas: bump allocation inside one heap region, relocation (contents kept)
// when they outgrow it, reset and dispose.
import { describe, expect, it } from 'vitest';
import { Arena, Heap, OutOfMemoryError } from '../../src/internal.js';

const PAGE_FLOATS = 65536 / 4;

describe('Arena', () => {
  it('hands out slices at 16-element (64-byte) boundaries', () => {
    const heap = new Heap();
    const arena = new Arena(heap, 'a', 100);
    const slices = [1, 16, 17, 0, 5].map((n) => arena.allocate(n));
    expect(slices.map((s) => s.offset)).toEqual([0, 16, 32, 64, 64]);
    for (const s of slices) expect(heap.byteOffset(s.ptr) % 64).toBe(0);
    expect(arena.usedElements).toBe(80);
    expect(slices[2].view().length).toBe(17);
  });

  it("moves to a bigger region when it outgrows its own and keeps every slice's contents", () => {
    const heap = new Heap();
    const arena = new Arena(heap, 'params', 32);
    const a = arena.allocate(20);
    a.view().set(Float32Array.from({ length: 20 }, (_, i) => i + 0.5));
    // Something else right after the arena, so that it cannot just extend in place.
    const blocker = new Arena(heap, 'blocker', 16);
    const b = blocker.allocate(16);
    b.view().fill(-1);
    const oldPtr = a.ptr;
    const generation = arena.generation;
    const big = arena.allocate(3 * PAGE_FLOATS); // also grows the memory
    expect(arena.generation).toBeGreaterThan(generation);
    expect(a.ptr).not.toBe(oldPtr);
    expect([...a.view()]).toEqual(Array.from({ length: 20 }, (_, i) => i + 0.5));
    expect([...b.view()]).toEqual(new Array(16).fill(-1));
    expect(big.view().length).toBe(3 * PAGE_FLOATS);
    expect(big.ptr + big.length).toBeLessThanOrEqual(heap.floats.length);
  });

  it('gives views of the current memory after growth (views taken before are detached)', () => {
    const heap = new Heap();
    const arena = new Arena(heap, 'a');
    const a = arena.allocate(8);
    const early = a.view();
    early.fill(3);
    arena.allocate(4 * PAGE_FLOATS);
    expect(early.length).toBe(0); // detached by memory.grow: recompute views after allocating
    expect([...a.view()]).toEqual(new Array(8).fill(3));
  });

  it('grows geometrically when filled piece by piece', () => {
    const heap = new Heap();
    const arena = new Arena(heap, 'a');
    const first = arena.allocate(1);
    first.view()[0] = 9;
    for (let i = 0; i < 1000; i++) arena.allocate(64);
    expect(arena.generation).toBeLessThanOrEqual(12);
    expect(first.view()[0]).toBe(9);
    expect(arena.capacityElements).toBeGreaterThanOrEqual(arena.usedElements);
  });

  it('reset reuses the same region and keeps the high-water mark', () => {
    const heap = new Heap();
    const arena = new Arena(heap, 'scratch');
    arena.allocate(500);
    arena.allocate(300);
    const base = arena.base;
    const high = arena.highWaterElements;
    arena.reset();
    expect(arena.usedElements).toBe(0);
    expect(arena.resets).toBe(1);
    const again = arena.allocate(100);
    expect(again.offset).toBe(0);
    expect(arena.base).toBe(base);
    expect(arena.highWaterElements).toBe(high);
  });

  it('dispose returns the region to the heap, and the arena can be used again', () => {
    const heap = new Heap();
    const keep = heap.allocate(16);
    const arena = new Arena(heap, 'temp', 5000);
    const used = heap.usedBytes;
    arena.dispose();
    expect(heap.usedBytes).toBeLessThan(used);
    expect(arena.capacityElements).toBe(0);
    const again = arena.allocate(10);
    again.view().fill(1);
    expect(again.view().length).toBe(10);
    heap.release(keep);
  });

  it('reuses space that another arena released', () => {
    const heap = new Heap();
    const first = new Arena(heap, 'first', 4096);
    const firstBase = first.base;
    new Arena(heap, 'after', 16);
    first.dispose();
    const second = new Arena(heap, 'second', 2048);
    expect(second.base).toBe(firstBase);
  });

  it('throws OutOfMemoryError beyond a small heap maximum and keeps its slices valid', () => {
    const heap = new Heap({ maximumPages: 2 });
    const arena = new Arena(heap, 'a');
    const a = arena.allocate(100);
    a.view().fill(4);
    expect(() => arena.allocate(2 * PAGE_FLOATS)).toThrow(OutOfMemoryError);
    expect([...a.view()]).toEqual(new Array(100).fill(4));
    expect(arena.usedElements).toBe(112);
    const b = arena.allocate(1000); // still works below the limit
    expect(b.view().length).toBe(1000);
  });

  it('gives int32 views of slices (targets) on float32 heaps', () => {
    const heap = new Heap();
    const arena = new Arena(heap, 'a');
    const targets = arena.allocate(5);
    targets.intView().set([0, 1, 2, 3, -4]);
    expect([...targets.intView()]).toEqual([0, 1, 2, 3, -4]);
    expect(heap.ints[targets.ptr + 4]).toBe(-4);
  });

  it('rejects negative or fractional sizes', () => {
    const arena = new Arena(new Heap(), 'a');
    expect(() => arena.allocate(-3)).toThrow(RangeError);
    expect(() => arena.allocate(0.5)).toThrow(RangeError);
  });
});

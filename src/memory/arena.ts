// Arenas: bump allocators over one contiguous heap region each.
//
// Long-lived arenas hold parameters, gradients and optimizer state, so that an
// optimizer step or a norm is one kernel call over one contiguous block. The
// scratch arena holds a step's temporaries and is reset after the step.
//
// An allocation is an `ArenaSlice`: an offset relative to its arena. When an
// arena outgrows its region it moves to a bigger one (contents copied), and
// every slice stays valid because `ptr` is computed from the arena's base.

import type { Heap, Ptr } from './heap.js';

export class ArenaSlice {
  /** The arena's dispose count when the slice was made: a slice from before a dispose points at freed memory. */
  private readonly disposals: number;

  constructor(
    readonly arena: Arena,
    /** Elements from the start of the arena. */
    readonly offset: number,
    /** Number of elements. */
    readonly length: number,
  ) {
    this.disposals = arena.disposals;
  }

  /** Element offset into the heap; recompute after any allocation (the arena may move). */
  get ptr(): Ptr {
    if (this.disposals !== this.arena.disposals) {
      throw new Error(`lstm-simd: arena '${this.arena.name}' was disposed; its memory is no longer this slice's`);
    }
    return this.arena.base + this.offset;
  }

  /** A view of this slice's floats; invalid after the next allocation. */
  view(): Float32Array | Float64Array {
    const floats = this.arena.heap.floats;
    return floats.subarray(this.ptr, this.ptr + this.length);
  }

  /** A view of this slice as int32 (for integer data such as targets); float32 heaps only. */
  intView(): Int32Array {
    const start = this.arena.heap.intIndex(this.ptr);
    return this.arena.heap.ints.subarray(start, start + this.length);
  }
}

/** Element alignment of every slice: 16 floats = 64 bytes. */
const SLICE_ALIGN = 16;

export class Arena {
  private region: Ptr = -1;
  private capacity = 0;
  private used = 0;
  private highWater = 0;
  /** Incremented whenever the arena moves to a new region. */
  generation = 0;
  /** Incremented by every reset: slices from before a reset are dead. */
  resets = 0;
  /** Incremented by every dispose: slices from before a dispose are dead (ArenaSlice.ptr throws). */
  disposals = 0;

  constructor(
    readonly heap: Heap,
    readonly name: string,
    initialElements = 0,
  ) {
    if (initialElements > 0) this.reserve(initialElements);
  }

  get base(): Ptr {
    return this.region < 0 ? 0 : this.region;
  }

  /** Elements handed out since the last reset. */
  get usedElements(): number {
    return this.used;
  }

  get capacityElements(): number {
    return this.capacity;
  }

  /** The most this arena held at once since it was made. */
  get highWaterElements(): number {
    return this.highWater;
  }

  allocate(elements: number): ArenaSlice {
    if (!Number.isInteger(elements) || elements < 0) {
      throw new RangeError(`Arena '${this.name}': element count must be a non-negative integer, got ${elements}`);
    }
    const offset = this.used;
    const end = offset + Math.ceil(elements / SLICE_ALIGN) * SLICE_ALIGN;
    if (end > this.capacity) this.reserve(end);
    this.used = end;
    if (end > this.highWater) this.highWater = end;
    return new ArenaSlice(this, offset, elements);
  }

  /** Makes room for `elements` in total, moving the arena if it must. */
  reserve(elements: number): void {
    if (elements <= this.capacity) return;
    // Grow by half again so that an arena filled piece by piece moves O(log n) times.
    const capacity = Math.max(elements, Math.ceil(this.capacity * 1.5), 1024);
    const region = this.heap.allocate(capacity);
    if (this.region >= 0) {
      const floats = this.heap.floats;
      floats.copyWithin(region, this.region, this.region + this.used);
      this.heap.release(this.region);
    }
    this.region = region;
    this.capacity = capacity;
    this.generation++;
  }

  /** Forgets every slice (they must no longer be used) but keeps the region. */
  reset(): void {
    this.used = 0;
    this.resets++;
  }

  /**
   * Forgets the slices that start at or after `elements` (which must be a slice boundary): the free of a
   * bump allocator's top, for owners that hand back ranges (ParameterStore).
   */
  truncate(elements: number): void {
    if (!Number.isInteger(elements) || elements < 0 || elements > this.used || elements % SLICE_ALIGN !== 0) {
      throw new RangeError(`Arena '${this.name}': cannot truncate ${this.used} elements to ${elements}`);
    }
    this.used = elements;
  }

  /** Returns the region to the heap; the arena may be used again afterwards (earlier slices may not). */
  dispose(): void {
    if (this.region >= 0) this.heap.release(this.region);
    this.region = -1;
    this.capacity = 0;
    this.used = 0;
    this.disposals++;
  }
}

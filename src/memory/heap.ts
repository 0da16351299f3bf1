// The heap: one WebAssembly.Memory that holds every float a backend touches.
// JavaScript owns it. Kernels see byte pointers; TypeScript sees element
// offsets ("Ptr") into `floats` and `ints`. Regions are handed out first-fit
// and handed back by arenas; the memory grows on demand, and the typed-array
// views are rebuilt whenever it does.

/** An element offset into a heap's `floats` (and, for int data, `ints`) view. */
export type Ptr = number;

export type FloatArray = Float32Array | Float64Array;

const PAGE_BYTES = 65536;
/** wasm32 cannot address more than 4 GiB. */
export const MAX_PAGES = 65536;
/** Every region starts on a 64-byte boundary: whole cache lines, aligned v128 loads. */
const ALIGN_BYTES = 64;

/** Thrown when the heap cannot grow to hold an allocation: past its maximum size, or the engine refused. */
export class OutOfMemoryError extends Error {
  /** Always 'OutOfMemoryError'. */
  override name = 'OutOfMemoryError';
}

interface Region {
  start: number; // bytes
  size: number; // bytes
}

export interface HeapOptions {
  /** 4 (float32) or 8 (float64, the js backend's gradient-check mode). */
  bytesPerElement?: 4 | 8;
  /** Bytes at the start of memory that belong to the module (static data). */
  reservedBytes?: number;
  /** An existing memory (the one a wasm module imports). */
  memory?: WebAssembly.Memory;
  /** Upper bound in 64 KiB pages (default and maximum: 65536, i.e. 4 GiB). */
  maximumPages?: number;
}

export class Heap {
  readonly memory: WebAssembly.Memory;
  readonly bytesPerElement: 4 | 8;
  readonly maximumPages: number;
  private readonly base: number;
  private top: number; // first byte never handed out
  private free: Region[] = []; // sorted by start, coalesced
  private floatView: FloatArray;
  private intView: Int32Array;
  private viewBuffer: ArrayBuffer;

  constructor(options: HeapOptions = {}) {
    this.bytesPerElement = options.bytesPerElement ?? 4;
    this.maximumPages = Math.min(options.maximumPages ?? MAX_PAGES, MAX_PAGES);
    this.memory = options.memory ?? new WebAssembly.Memory({ initial: 1, maximum: this.maximumPages });
    this.base = roundUp(options.reservedBytes ?? 0, ALIGN_BYTES);
    this.top = this.base;
    this.viewBuffer = this.memory.buffer;
    this.floatView = this.makeFloatView();
    this.intView = new Int32Array(this.viewBuffer);
  }

  /** All of memory as floats; valid until the next allocation that grows memory. */
  get floats(): FloatArray {
    if (this.viewBuffer !== this.memory.buffer) this.refreshViews();
    return this.floatView;
  }

  /** All of memory as int32, indexed so that `ints[ptr * elementSize/4]` is element `ptr`. */
  get ints(): Int32Array {
    if (this.viewBuffer !== this.memory.buffer) this.refreshViews();
    return this.intView;
  }

  /** Int32 index of element offset `ptr` (equal to `ptr` in float32 mode). */
  intIndex(ptr: Ptr): number {
    return this.bytesPerElement === 4 ? ptr : ptr * 2;
  }

  /** Byte address of element offset `ptr`: what a wasm kernel is given. */
  byteOffset(ptr: Ptr): number {
    return ptr * this.bytesPerElement;
  }

  get sizeBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes handed out and not returned. */
  get usedBytes(): number {
    let freeBytes = 0;
    for (const region of this.free) freeBytes += region.size;
    return this.top - this.base - freeBytes;
  }

  /** A region of at least `elements` elements; returns its element offset. */
  allocate(elements: number): Ptr {
    if (!Number.isInteger(elements) || elements < 0) {
      throw new RangeError(`Heap.allocate: element count must be a non-negative integer, got ${elements}`);
    }
    const size = roundUp(Math.max(elements, 1) * this.bytesPerElement, ALIGN_BYTES);
    for (let i = 0; i < this.free.length; i++) {
      const region = this.free[i];
      if (region.size < size) continue;
      const start = region.start;
      if (region.size === size) this.free.splice(i, 1);
      else {
        region.start += size;
        region.size -= size;
      }
      this.sizes.set(start, size);
      return start / this.bytesPerElement;
    }
    const start = this.top;
    this.ensureBytes(start + size);
    this.top = start + size;
    this.sizes.set(start, size);
    return start / this.bytesPerElement;
  }

  /** Returns a region obtained from `allocate`. */
  release(ptr: Ptr): void {
    const start = ptr * this.bytesPerElement;
    const size = this.sizes.get(start);
    if (size === undefined) throw new Error(`Heap.release: ${ptr} is not an allocated region`);
    this.sizes.delete(start);
    let i = 0;
    while (i < this.free.length && this.free[i].start < start) i++;
    this.free.splice(i, 0, { start, size });
    // Coalesce with the neighbours, and give the tail back to `top`.
    if (i + 1 < this.free.length && start + size === this.free[i + 1].start) {
      this.free[i].size += this.free[i + 1].size;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].start + this.free[i - 1].size === start) {
      this.free[i - 1].size += this.free[i].size;
      this.free.splice(i, 1);
    }
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      this.free.pop();
    }
  }

  private readonly sizes = new Map<number, number>();

  private ensureBytes(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pagesNeeded = Math.ceil((bytes - have) / PAGE_BYTES);
    const current = have / PAGE_BYTES;
    // Grow geometrically so that a sequence of small requests stays cheap.
    const wanted = Math.min(Math.max(pagesNeeded, Math.ceil(current / 4)), this.maximumPages - current);
    if (wanted < pagesNeeded) {
      throw new OutOfMemoryError(
        `lstm-simd: out of memory: need ${mib(bytes)} but the heap may grow to at most ${mib(
          this.maximumPages * PAGE_BYTES,
        )} (wasm32 limit or the configured maximum)`,
      );
    }
    try {
      this.memory.grow(wanted);
    } catch (error) {
      try {
        this.memory.grow(pagesNeeded);
      } catch {
        throw new OutOfMemoryError(
          `lstm-simd: out of memory: the engine refused to grow the heap from ${mib(have)} to ${mib(
            bytes,
          )} (${(error as Error).message})`,
        );
      }
    }
    this.refreshViews();
  }

  private refreshViews(): void {
    this.viewBuffer = this.memory.buffer;
    this.floatView = this.makeFloatView();
    this.intView = new Int32Array(this.viewBuffer);
  }

  private makeFloatView(): FloatArray {
    return this.bytesPerElement === 4 ? new Float32Array(this.viewBuffer) : new Float64Array(this.viewBuffer);
  }
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

function mib(bytes: number): string {
  // Two decimals so that small limits read right (4 pages: 0.25 MiB, not 0.3).
  return `${Number((bytes / 2 ** 20).toFixed(2))} MiB`;
}

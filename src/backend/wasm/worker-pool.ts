// The calling side of the kernel workers: persistent workers, each serving calls through
// its slot of the backend's shared memory (the protocol is in worker-loop.js). A call
// with several members starts the workers' shares, runs member 0's on the calling thread,
// then waits for the others. Nothing is allocated or posted per call.

import {
  ARGS,
  CALL,
  CALLER_WAITING,
  DONE,
  EXIT,
  FAILED,
  FUNCTION,
  MAX_ARGS,
  MESSAGE_CAPACITY,
  MESSAGE_LENGTH,
  MESSAGE_START,
  RESULT,
  SLEEPING,
  SLOT_BYTES,
} from './worker-loop.js';
import type { WorkerHandle, WorkerPlatform } from './worker-platform.js';

/** Spins of the calling thread before it sleeps while waiting for a worker (where it may sleep). */
const SPINS_BEFORE_SLEEP = 1 << 16;

const HEADER_BYTES = 64;

/** Bytes of shared memory a pool of `workers` workers needs (header and slots). */
export function poolBytes(workers: number): number {
  return HEADER_BYTES + workers * SLOT_BYTES;
}

export class WorkerPool {
  private readonly slots: Int32Array[];
  private readonly numbers: Float64Array[];
  private readonly messages: Uint16Array[];
  private readonly header: Int32Array;
  private readonly calls: number[];
  private disposed = false;

  private constructor(
    private readonly handles: WorkerHandle[],
    memory: WebAssembly.Memory,
    base: number,
    private readonly names: readonly string[],
    private readonly callerMayBlock: boolean,
    /** Called when the calling thread's share fails, before waiting for the workers (see breakTeam). */
    private readonly onCallerFailure: () => void,
  ) {
    const buffer = memory.buffer;
    this.header = new Int32Array(buffer, base, HEADER_BYTES / 4);
    const slotAt = (w: number) => base + HEADER_BYTES + w * SLOT_BYTES;
    this.slots = handles.map((_, w) => new Int32Array(buffer, slotAt(w), SLOT_BYTES / 4));
    this.numbers = handles.map((_, w) => new Float64Array(buffer, slotAt(w), SLOT_BYTES / 8));
    this.messages = handles.map((_, w) => new Uint16Array(buffer, slotAt(w) + MESSAGE_START, MESSAGE_CAPACITY));
    this.calls = handles.map(() => 0);
  }

  /**
   * Starts `workers` workers on the threads build `module` over `memory`; their slots take
   * poolBytes(workers) bytes at byte address `base` (zeroed, 64-byte aligned, never moved).
   * `names`: the exports calls may name; `team`: the team block a failed share breaks (by
   * breakTeam, the workers' export, and `onCallerFailure` on this thread).
   */
  static async start(
    platform: WorkerPlatform,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    base: number,
    workers: number,
    names: readonly string[],
    team: number,
    onCallerFailure: () => void,
  ): Promise<WorkerPool> {
    const started = await Promise.allSettled(
      Array.from({ length: workers }, (_, w) =>
        platform.spawn({
          module,
          memory,
          header: base,
          slot: base + HEADER_BYTES + w * SLOT_BYTES,
          team,
          names: [...names],
        }),
      ),
    );
    const handles = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = started.find((s) => s.status === 'rejected');
    if (failure) {
      for (const handle of handles) handle.terminate();
      throw failure.reason;
    }
    return new WorkerPool(handles, memory, base, names, platform.callerMayBlock, onCallerFailure);
  }

  /** Number of workers (the calling thread not counted). */
  get size(): number {
    return this.handles.length;
  }

  /**
   * Runs export `name` (`call` on this thread) with argsFor(0) here and with argsFor(member) on
   * workers 1 .. members - 1, at the same time; returns every member's result (0 for none).
   * Rethrows the first failure, after all members have finished.
   */
  run(
    name: string,
    members: number,
    argsFor: (member: number) => readonly number[],
    call: (...args: readonly number[]) => number | void,
  ): number[] {
    if (this.disposed) throw new Error('lstm-simd: this backend has been disposed');
    const index = this.names.indexOf(name);
    if (index < 0) throw new Error(`lstm-simd: '${name}' cannot run on the kernel workers`);
    for (let member = 1; member < members; member++) this.start(member - 1, index, argsFor(member));
    const results: number[] = [];
    let failure: unknown;
    try {
      results.push(Number(call(...argsFor(0)) ?? 0));
    } catch (error) {
      failure = error;
      this.onCallerFailure();
    }
    for (let member = 1; member < members; member++) {
      const w = member - 1;
      this.finish(w);
      if (this.slots[w][FAILED] !== 0 && failure === undefined) {
        const text = String.fromCharCode(...this.messages[w].subarray(0, this.slots[w][MESSAGE_LENGTH]));
        failure = new Error(`lstm-simd: ${name} failed on kernel worker ${member}: ${text}`);
      }
      results.push(this.numbers[w][RESULT]);
    }
    if (failure !== undefined) throw failure;
    return results;
  }

  /** Ends every worker; the pool must not be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.slots.forEach((slot, w) => {
      slot[FUNCTION] = EXIT;
      Atomics.store(slot, CALL, ++this.calls[w]);
      Atomics.notify(slot, CALL);
    });
    for (const handle of this.handles) handle.terminate();
  }

  private start(w: number, index: number, args: readonly number[]): void {
    if (args.length > MAX_ARGS) throw new Error(`lstm-simd: a worker call takes at most ${MAX_ARGS} arguments`);
    const slot = this.slots[w];
    const numbers = this.numbers[w];
    slot[FUNCTION] = index;
    for (let i = 0; i < args.length; i++) numbers[ARGS + i] = args[i];
    Atomics.store(slot, CALL, ++this.calls[w]);
    if (Atomics.load(slot, SLEEPING) !== 0) Atomics.notify(slot, CALL);
  }

  /** Waits until worker w has finished its current call: spins, then (where allowed) sleeps. */
  private finish(w: number): void {
    const slot = this.slots[w];
    const call = this.calls[w];
    for (let i = 0; i < SPINS_BEFORE_SLEEP; i++) if (Atomics.load(slot, DONE) === call) return;
    if (!this.callerMayBlock) {
      while (Atomics.load(slot, DONE) !== call) {
        // spin: a page's main thread may not wait
      }
      return;
    }
    Atomics.store(this.header, CALLER_WAITING, 1);
    for (let done = Atomics.load(slot, DONE); done !== call; done = Atomics.load(slot, DONE)) {
      Atomics.wait(slot, DONE, done);
    }
    Atomics.store(this.header, CALLER_WAITING, 0);
  }
}

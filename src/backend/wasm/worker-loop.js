// The loop a kernel worker runs, in a Node worker thread or a browser Worker (the entry
// files worker-browser.js and src/node/worker.js hand it its start message). It is plain
// JavaScript, not TypeScript, so that Node can start it straight from src/ (the tests) as
// well as from dist/.
//
// A worker instantiates the threads build of the kernels on the backend's shared memory,
// then serves calls through a slot of that memory: the calling thread writes which export
// and its arguments, bumps CALL and wakes the worker; the worker runs the export, writes its
// result and sets DONE to the same number. No message is posted per call. Between calls a
// worker spins for a while (a call is often followed by another within microseconds), then
// sleeps in Atomics.wait.

/** Bytes of one worker's slot; every slot starts on a cache line. */
export const SLOT_BYTES = 640;
/** Most arguments a kernel takes. */
export const MAX_ARGS = 24;

// Int32 indices into a slot. The caller writes the first cache lines, the worker the later ones.
/** Call number, bumped by the caller to start a call. */
export const CALL = 0;
/** Index of the export to call (into the start message's `names`), or EXIT. */
export const FUNCTION = 1;
/** Float64 index of the first argument (byte 8). */
export const ARGS = 1;
/** Call number of the last call the worker finished. */
export const DONE = 64;
/** 1 when that call threw; the message is at MESSAGE. */
export const FAILED = 65;
/** 1 while the worker sleeps in Atomics.wait on CALL (the caller then wakes it). */
export const SLEEPING = 66;
/** Float64 index of the call's result (byte 272). */
export const RESULT = 34;
/** Length of the error message in UTF-16 code units, which follow from byte 288. */
export const MESSAGE_LENGTH = 70;
/** Byte offset of the error message in a slot. */
export const MESSAGE_START = 288;
/** UTF-16 code units of an error message that fit in the slot. */
export const MESSAGE_CAPACITY = (SLOT_BYTES - MESSAGE_START) / 2;
/** Int32 index, in the slot of worker 0's position (the header), of the caller's "waiting for DONE" flag. */
export const CALLER_WAITING = 0;

/** FUNCTION value that ends the loop (the backend is disposed). */
export const EXIT = -1;

/** How long a worker spins for the next call before it sleeps. */
const SPIN_MS = 1;

/**
 * @typedef {object} WorkerStart
 * @property {WebAssembly.Module} module  the threads build
 * @property {WebAssembly.Memory} memory  the backend's shared memory
 * @property {number} header  byte address of the pool's header (CALLER_WAITING)
 * @property {number} slot  byte address of this worker's slot
 * @property {number} team  byte address of the team block (assembly/team.ts), broken when a call fails
 * @property {string[]} names  the exports calls may name, by index
 */

/**
 * Instantiates the kernels and serves calls until told to exit. `ready` is called once the
 * worker serves (or with the error that kept it from starting).
 * @param {WorkerStart} start
 * @param {(error?: unknown) => void} ready
 */
export async function serveKernels(start, ready) {
  /** @type {Function[]} */
  let functions;
  /** @type {Function} */
  let breakTeam;
  try {
    const instance = await WebAssembly.instantiate(start.module, {
      env: {
        memory: start.memory,
        abort() {
          throw new Error('lstm-simd: a wasm kernel aborted');
        },
      },
    });
    const exports = /** @type {Record<string, Function>} */ (instance.exports);
    // The stub runtime's start function only sets this instance's globals.
    exports._initialize?.();
    functions = start.names.map((name) => exports[name]);
    breakTeam = exports.breakTeam;
  } catch (error) {
    ready(error);
    return;
  }
  const buffer = start.memory.buffer;
  const slot = new Int32Array(buffer, start.slot, SLOT_BYTES / 4);
  const numbers = new Float64Array(buffer, start.slot, SLOT_BYTES / 8);
  const text = new Uint16Array(buffer, start.slot + MESSAGE_START, MESSAGE_CAPACITY);
  const header = new Int32Array(buffer, start.header, 16);
  // Read before announcing: the first call may come the moment the caller hears of us.
  let seen = Atomics.load(slot, CALL);
  ready();
  for (;;) {
    waitForCall(slot, seen);
    seen = Atomics.load(slot, CALL);
    const index = slot[FUNCTION];
    if (index === EXIT) return;
    const a = numbers.subarray(ARGS, ARGS + MAX_ARGS);
    try {
      numbers[RESULT] =
        functions[index](
          a[0],
          a[1],
          a[2],
          a[3],
          a[4],
          a[5],
          a[6],
          a[7],
          a[8],
          a[9],
          a[10],
          a[11],
          a[12],
          a[13],
          a[14],
          a[15],
          a[16],
          a[17],
          a[18],
          a[19],
          a[20],
          a[21],
          a[22],
          a[23],
        ) ?? 0;
      slot[FAILED] = 0;
    } catch (error) {
      const message = String(error instanceof Error ? error.message : error).slice(0, MESSAGE_CAPACITY);
      for (let i = 0; i < message.length; i++) text[i] = message.charCodeAt(i);
      slot[MESSAGE_LENGTH] = message.length;
      slot[FAILED] = 1;
      // Members waiting for this one at a barrier would wait for ever.
      breakTeam(start.team);
    }
    Atomics.store(slot, DONE, seen);
    if (Atomics.load(header, CALLER_WAITING) !== 0) Atomics.notify(slot, DONE);
  }
}

/**
 * Returns once CALL differs from `seen`: spins for SPIN_MS, then sleeps.
 * @param {Int32Array} slot
 * @param {number} seen
 */
function waitForCall(slot, seen) {
  const deadline = performance.now() + SPIN_MS;
  for (let i = 1; Atomics.load(slot, CALL) === seen; i++) {
    if ((i & 1023) === 0 && performance.now() > deadline) {
      // Announce the sleep before checking CALL again: the caller bumps CALL before it reads SLEEPING,
      // so either it sees us asleep and wakes us, or we see its call.
      Atomics.store(slot, SLEEPING, 1);
      while (Atomics.load(slot, CALL) === seen) Atomics.wait(slot, CALL, seen);
      Atomics.store(slot, SLEEPING, 0);
      return;
    }
  }
}

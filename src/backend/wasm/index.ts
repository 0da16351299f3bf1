// The wasm backend: each Kernels method converts element offsets to byte
// addresses and calls the AssemblyScript kernel of the same name.
//
// With more than one thread the backend runs the threads build on a shared memory and
// keeps threads - 1 kernel workers (worker-pool.ts); a call big enough to pay for it is
// cut into shares, one per thread, the calling thread taking the first: elementwise kernels,
// the loss and the optimizers by ranges, gemm along its longest dimension (worker shares of
// a sum over k go to partial buffers, added at the end), the recurrent kernels by batch rows
// (rows never meet in the recurrence), or at one batch row over a packed W_hh by hidden units,
// the team meeting at a barrier after every step (assembly/team.ts). Models see one backend.

import { Arena } from '../../memory/arena.js';
import { Heap, MAX_PAGES, type Ptr } from '../../memory/heap.js';
import {
  decodeLogitsOffset,
  decodeLogitsSize,
  GATE_COUNT,
  PACK_ROWS,
  type Backend,
  type BackendVariant,
  type CellKind,
} from '../backend.js';
import type { KernelExports } from './exports.js';
import { compileKernels, instantiateKernels, pickBuild, type LoadOptions, type SimdBuild } from './loader.js';
import { GEMM_QUANTUM, gemmAxis, shares } from './split.js';
import { availableThreads, defaultSplitAll, defaultThreads } from './thread-count.js';
import { poolBytes, WorkerPool } from './worker-pool.js';
import { workerPlatform } from './worker-platform.js';

/** Options of the WebAssembly backend: the build, where its module comes from, heap bound, threads. */
export interface WasmBackendOptions extends LoadOptions {
  /** Upper bound of the heap in 64 KiB pages (default 65536 = 4 GiB). */
  maximumPages?: number;
  /**
   * Threads the kernels run on (default: setThreads, else the machine's logical cores, at most 4).
   * More than one needs shared memory (in a browser, a cross-origin isolated page); where there is
   * none the backend runs on one thread and says so once on the console. With `source` and no
   * `threadsSource` the default is 1.
   */
  threads?: number;
  /** Tests: cut every kernel call that can be cut, however small (default: off). */
  splitAll?: boolean;
}

/** The exports the kernel workers may run: every kernel the backend cuts into shares. */
const SHARED_KERNELS = [
  'gemm',
  'sigmoid',
  'tanh',
  'sigmoidBackward',
  'tanhBackward',
  'add',
  'sub',
  'mul',
  'scale',
  'axpy',
  'fill',
  'copy',
  'addBias',
  'columnSums',
  'rowSums',
  'gatherRows',
  'crossEntropyForward',
  'crossEntropyBackward',
  'crossEntropyWithGradient',
  'sgdStep',
  'sgdMomentumStep',
  'adamStep',
  'rmspropStep',
  'sumOfSquares',
  'lstmForward',
  'lstmBackward',
  'gruForward',
  'gruBackward',
  'rnnForward',
  'rnnBackward',
  'packRecurrentWeights',
  'decodeGreedy',
] as const;
type SharedKernel = (typeof SHARED_KERNELS)[number];

// ---- when a call is worth cutting -----------------------------------------------------------
// Rough single-thread costs on the machine the figures were measured on (README); a call is cut
// into as many shares as give each at least MIN_SHARE_NS of work, so that starting a worker
// (about a microsecond when it spins, tens when it sleeps) stays small beside its share.

/** Least work worth a share of its own. */
const MIN_SHARE_NS = 5_000;
/** Per flop of a gemm or a recurrent product (about 40 GFLOP/s). */
const NS_PER_FLOP = 0.025;
/** Per element of an elementwise kernel, an optimizer step or a reduction (memory-bound, or a few exps). */
const NS_PER_ELEMENT = 0.5;
/** Per logit of the loss (an exp and a few passes over the row). */
const NS_PER_LOGIT = 1.5;
/** Per gate unit of a recurrent time step's gate pass, beside its product. */
const NS_PER_GATE_UNIT = 1;
/**
 * Least product per time step (gates x hidden x hidden multiply-adds) for which one batch row is cut
 * by hidden units: below it the barrier after every step costs more than the share saves.
 */
const MIN_UNIT_SPLIT_MADDS = 4 * 160 * 160;

/** Wasm's "no buffer" for optional pointers: -1. */
const NONE = -1;
/** The kernels' `team` for a call that runs alone. */
const NO_TEAM = 0;

/** One thread's share of a call cut by rows: its first row, its row count, its index. */
interface RowShare {
  first: number;
  count: number;
  member: number;
}

/** Ends a backend's workers when it is garbage-collected without dispose(). */
const abandoned = new FinalizationRegistry<WorkerPool>((pool) => pool.dispose());

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly variant: BackendVariant;
  readonly scratch: Arena;
  /** Threads the kernels run on (this one and threads - 1 workers). */
  readonly threads: number;
  /** Per thread: packing buffers for gemm, grown to the largest call seen, never shrunk. */
  private readonly workspaces: Arena[];
  /** Per worker thread: partial results of a cut reduction (a share of a sum over k, of column sums...). */
  private readonly partials: Arena[];

  private constructor(
    readonly heap: Heap,
    readonly kernels: KernelExports,
    readonly build: SimdBuild,
    private readonly pool: WorkerPool | null,
    /** Byte address of the barrier block of the unit-split recurrent forwards (with a pool). */
    private readonly team: number,
    private readonly splitAll: boolean,
  ) {
    this.variant = build === 'relaxed' ? 'wasm-relaxed' : 'wasm-simd';
    this.threads = pool ? pool.size + 1 : 1;
    this.scratch = new Arena(heap, 'scratch');
    this.workspaces = Array.from({ length: this.threads }, (_, t) => new Arena(heap, `gemm-workspace-${t}`));
    this.partials = Array.from({ length: this.threads }, (_, t) => new Arena(heap, `partials-${t}`));
  }

  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const build = pickBuild(options.build);
    const threads = availableThreads(threadsWanted(options));
    const shared = threads > 1;
    const module = await compileKernels(build, shared ? options.threadsSource : options.source, shared);
    const maximumPages = Math.min(options.maximumPages ?? MAX_PAGES, MAX_PAGES);
    const memory = createMemory(maximumPages, shared);
    const notThatBuild = `lstm-simd: the module given as the ${shared ? 'threads' : 'single-threaded'} '${build}' build is not one (\`source\` takes the single-threaded build, \`threadsSource\` the threads build)`;
    let kernels: KernelExports;
    try {
      kernels = await instantiateKernels(module, memory);
    } catch (error) {
      // A module of the other kind imports an unshared memory where a shared one is given, or the reverse.
      throw new Error(`${notThatBuild}: ${(error as Error).message}`, { cause: error });
    }
    if ((kernels.isRelaxedBuild() === 1) !== (build === 'relaxed')) {
      throw new Error(`lstm-simd: the module given as the '${build}' build is the other build`);
    }
    if ((kernels.isThreadsBuild() === 1) !== shared) throw new Error(notThatBuild);
    const heap = new Heap({ memory, reservedBytes: kernels.heapBase(), maximumPages });
    const splitAll = options.splitAll ?? defaultSplitAll();
    if (!shared) return new WasmBackend(heap, kernels, build, null, NO_TEAM, splitAll);

    // The barrier block and the workers' slots: one region, zeroed, never released or moved.
    const teamBytes = kernels.teamBytes();
    const control = heap.allocate((teamBytes + poolBytes(threads - 1)) / 4);
    heap.floats.fill(0, control, control + (teamBytes + poolBytes(threads - 1)) / 4);
    const team = heap.byteOffset(control);
    const pool = await WorkerPool.start(
      workerPlatform(),
      module,
      memory,
      team + teamBytes,
      threads - 1,
      SHARED_KERNELS,
      team,
      () => kernels.breakTeam(team),
    );
    const backend = new WasmBackend(heap, kernels, build, pool, team, splitAll);
    abandoned.register(backend, pool, backend);
    return backend;
  }

  createArena(name: string, initialElements = 0): Arena {
    return new Arena(this.heap, name, initialElements);
  }

  /** Ends the kernel workers (if any); the backend must not be used afterwards. */
  dispose(): void {
    if (!this.pool) return;
    abandoned.unregister(this);
    this.pool.dispose();
  }

  // ---- running a call on one or several threads -----------------------------------------------

  /** How many threads a call of about `nanoseconds` of work, cut into at most `parts` shares, runs on. */
  private membersFor(nanoseconds: number, parts: number): number {
    if (this.threads === 1 || parts <= 1) return 1;
    const worthwhile = this.splitAll ? this.threads : Math.floor(nanoseconds / MIN_SHARE_NS);
    return Math.max(1, Math.min(this.threads, Math.floor(parts), worthwhile));
  }

  /** Runs kernel `name` with argsFor(member) on `members` threads (member 0 on this one); returns their results. */
  private run(name: SharedKernel, members: number, argsFor: (member: number) => readonly number[]): number[] {
    const call = this.kernels[name] as unknown as (...args: readonly number[]) => number | void;
    if (members === 1) return [Number(call(...argsFor(0)) ?? 0)];
    try {
      return this.pool!.run(name, members, argsFor, call);
    } catch (error) {
      // A failed share may have broken the team, or left it mid-barrier: start the next call afresh.
      this.heap.floats.fill(0, this.team / 4, (this.team + this.kernels.teamBytes()) / 4);
      throw error;
    }
  }

  /**
   * Runs kernel `name` over `count` independent rows (or elements), cut into shares of whole
   * multiples of `quantum` when the call's `nanoseconds` pay for it; returns each share's result.
   */
  private runRows(
    name: SharedKernel,
    count: number,
    nanoseconds: number,
    quantum: number,
    argsFor: (share: RowShare) => readonly number[],
  ): number[] {
    const members = this.membersFor(nanoseconds, Math.ceil(count / quantum));
    const bounds = shares(count, members, quantum);
    return this.run(name, members, (member) =>
      argsFor({ first: bounds[member], count: bounds[member + 1] - bounds[member], member }),
    );
  }

  /** An elementwise kernel over n elements: shares of whole 64-byte lines. */
  private elementwise(
    name: SharedKernel,
    n: number,
    argsFor: (first: number, count: number) => readonly number[],
  ): void {
    this.runRows(name, n, n * NS_PER_ELEMENT, 16, (s) => argsFor(s.first, s.count));
  }

  /** Byte address of at least `bytes` of gemm workspace for thread `member`, or 0 when none is needed. */
  private workspace(member: number, bytes: number): number {
    if (bytes <= 0) return 0;
    const arena = this.workspaces[member];
    arena.reserve(Math.ceil(bytes / 4));
    return arena.base * 4;
  }

  /** `elements` floats of thread `member`'s partial-result buffer (valid until its next call). */
  private partial(member: number, elements: number): Ptr {
    const arena = this.partials[member];
    arena.reserve(elements);
    return arena.base;
  }

  // ---- matrix multiply --------------------------------------------------------------------------

  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Ptr,
    lda: number,
    b: Ptr,
    ldb: number,
    beta: number,
    c: Ptr,
    ldc: number,
  ): void {
    const ta = transA ? 1 : 0;
    const tb = transB ? 1 : 0;
    const axis = this.threads > 1 ? gemmAxis(m, n, k) : undefined;
    const length = axis === 'm' ? m : axis === 'n' ? n : k;
    const members = axis ? this.membersFor(2 * m * n * k * NS_PER_FLOP, length / GEMM_QUANTUM[axis]) : 1;
    if (members === 1) {
      const work = this.workspace(0, this.kernels.gemmWorkspaceBytes(ta, tb, m, n, k));
      this.kernels.gemm(ta, tb, m, n, k, alpha, a * 4, lda, b * 4, ldb, beta, c * 4, ldc, work);
      return;
    }
    const bounds = shares(length, members, GEMM_QUANTUM[axis!]);
    // A cut along k: worker shares write their part of the sum to a dense (m, n) partial, added to C at the end.
    const partials = axis === 'k' ? bounds.slice(1, -1).map((_, w) => this.partial(w + 1, m * n)) : [];
    this.run('gemm', members, (member) => {
      const first = bounds[member];
      const size = bounds[member + 1] - first;
      const [mi, ni, ki] = axis === 'm' ? [size, n, k] : axis === 'n' ? [m, size, k] : [m, n, size];
      let aShare = a;
      let bShare = b;
      let cShare = c;
      let ldcShare = ldc;
      let betaShare = beta;
      if (axis === 'm') {
        aShare += transA ? first : first * lda;
        cShare += first * ldc;
      } else if (axis === 'n') {
        bShare += transB ? first * ldb : first;
        cShare += first;
      } else {
        aShare += transA ? first * lda : first;
        bShare += transB ? first : first * ldb;
        if (member > 0) [cShare, ldcShare, betaShare] = [partials[member - 1], n, 0];
      }
      const work = this.workspace(member, this.kernels.gemmWorkspaceBytes(ta, tb, mi, ni, ki));
      return [ta, tb, mi, ni, ki, alpha, aShare * 4, lda, bShare * 4, ldb, betaShare, cShare * 4, ldcShare, work];
    });
    for (const partial of partials) {
      if (ldc === n) this.axpy(1, partial, c, m * n);
      else for (let r = 0; r < m; r++) this.kernels.axpy(1, (partial + r * n) * 4, (c + r * ldc) * 4, n);
    }
  }

  // ---- elementwise ------------------------------------------------------------------------------

  sigmoid(x: Ptr, y: Ptr, n: number): void {
    this.elementwise('sigmoid', n, (i, count) => [(x + i) * 4, (y + i) * 4, count]);
  }
  tanh(x: Ptr, y: Ptr, n: number): void {
    this.elementwise('tanh', n, (i, count) => [(x + i) * 4, (y + i) * 4, count]);
  }
  sigmoidBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void {
    this.elementwise('sigmoidBackward', n, (i, count) => [(y + i) * 4, (dy + i) * 4, (dx + i) * 4, count]);
  }
  tanhBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void {
    this.elementwise('tanhBackward', n, (i, count) => [(y + i) * 4, (dy + i) * 4, (dx + i) * 4, count]);
  }
  add(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    this.elementwise('add', n, (i, count) => [(a + i) * 4, (b + i) * 4, (out + i) * 4, count]);
  }
  sub(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    this.elementwise('sub', n, (i, count) => [(a + i) * 4, (b + i) * 4, (out + i) * 4, count]);
  }
  mul(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    this.elementwise('mul', n, (i, count) => [(a + i) * 4, (b + i) * 4, (out + i) * 4, count]);
  }
  scale(x: Ptr, alpha: number, out: Ptr, n: number): void {
    this.elementwise('scale', n, (i, count) => [(x + i) * 4, alpha, (out + i) * 4, count]);
  }
  axpy(alpha: number, x: Ptr, y: Ptr, n: number): void {
    this.elementwise('axpy', n, (i, count) => [alpha, (x + i) * 4, (y + i) * 4, count]);
  }
  fill(x: Ptr, value: number, n: number): void {
    this.elementwise('fill', n, (i, count) => [(x + i) * 4, value, count]);
  }
  copy(src: Ptr, dst: Ptr, n: number): void {
    // Overlapping regions copy as one memmove: a share could overwrite what another still reads.
    if (Math.abs(dst - src) < n) this.kernels.copy(src * 4, dst * 4, n);
    else this.elementwise('copy', n, (i, count) => [(src + i) * 4, (dst + i) * 4, count]);
  }
  addBias(x: Ptr, bias: Ptr, out: Ptr, rows: number, cols: number): void {
    this.runRows('addBias', rows, rows * cols * NS_PER_ELEMENT, 1, (s) => [
      (x + s.first * cols) * 4,
      bias * 4,
      (out + s.first * cols) * 4,
      s.count,
      cols,
    ]);
  }
  columnSums(x: Ptr, rows: number, cols: number, out: Ptr, accumulate: boolean): void {
    // Worker shares sum their rows into partials, added to out at the end.
    const partials: Ptr[] = [];
    this.runRows('columnSums', rows, rows * cols * NS_PER_ELEMENT, 1, (s) => {
      if (s.member === 0) return [(x + s.first * cols) * 4, s.count, cols, out * 4, accumulate ? 1 : 0];
      const partial = this.partial(s.member, cols);
      partials.push(partial);
      return [(x + s.first * cols) * 4, s.count, cols, partial * 4, 0];
    });
    for (const partial of partials) this.kernels.add(out * 4, partial * 4, out * 4, cols);
  }
  rowSums(x: Ptr, rows: number, cols: number, out: Ptr, accumulate: boolean): void {
    this.runRows('rowSums', rows, rows * cols * NS_PER_ELEMENT, 1, (s) => [
      (x + s.first * cols) * 4,
      s.count,
      cols,
      (out + s.first) * 4,
      accumulate ? 1 : 0,
    ]);
  }

  // ---- loss ---------------------------------------------------------------------------------------
  // Every share's kernel divides by all the rows: its result is its part of the mean.

  crossEntropyForward(logits: Ptr, targets: Ptr, rows: number, cols: number): number {
    return sum(
      this.runRows('crossEntropyForward', rows, rows * cols * NS_PER_LOGIT, 4, (s) => [
        (logits + s.first * cols) * 4,
        (targets + s.first) * 4,
        s.count,
        cols,
        rows,
      ]),
    );
  }
  crossEntropyBackward(logits: Ptr, targets: Ptr, rows: number, cols: number, dLoss: number, dlogits: Ptr): void {
    this.runRows('crossEntropyBackward', rows, rows * cols * NS_PER_LOGIT, 4, (s) => [
      (logits + s.first * cols) * 4,
      (targets + s.first) * 4,
      s.count,
      cols,
      dLoss,
      (dlogits + s.first * cols) * 4,
      rows,
    ]);
  }
  crossEntropyWithGradient(logits: Ptr, targets: Ptr, rows: number, cols: number, gradient: Ptr): number {
    return sum(
      this.runRows('crossEntropyWithGradient', rows, rows * cols * NS_PER_LOGIT, 4, (s) => [
        (logits + s.first * cols) * 4,
        (targets + s.first) * 4,
        s.count,
        cols,
        (gradient + s.first * cols) * 4,
        rows,
      ]),
    );
  }

  // Regression losses run on the calling thread: their n is a batch's outputs (B x outputs), far
  // below a share's worth, and each returns the mean over all n.
  mseForward(prediction: Ptr, target: Ptr, n: number): number {
    return this.kernels.mseForward(prediction * 4, target * 4, n);
  }
  mseWithGradient(prediction: Ptr, target: Ptr, n: number, gradient: Ptr): number {
    return this.kernels.mseWithGradient(prediction * 4, target * 4, n, gradient * 4);
  }
  maeForward(prediction: Ptr, target: Ptr, n: number): number {
    return this.kernels.maeForward(prediction * 4, target * 4, n);
  }
  maeWithGradient(prediction: Ptr, target: Ptr, n: number, gradient: Ptr): number {
    return this.kernels.maeWithGradient(prediction * 4, target * 4, n, gradient * 4);
  }

  // ---- optimizers -------------------------------------------------------------------------------

  sgdStep(param: Ptr, grad: Ptr, n: number, lr: number): void {
    this.elementwise('sgdStep', n, (i, count) => [(param + i) * 4, (grad + i) * 4, count, lr]);
  }
  sgdMomentumStep(
    param: Ptr,
    grad: Ptr,
    velocity: Ptr,
    n: number,
    lr: number,
    weightDecay: number,
    momentum: number,
    dampening: number,
    nesterov: boolean,
    firstStep: boolean,
  ): void {
    this.elementwise('sgdMomentumStep', n, (i, count) => [
      (param + i) * 4,
      (grad + i) * 4,
      optionalBytes(velocity, i),
      count,
      lr,
      weightDecay,
      momentum,
      dampening,
      nesterov ? 1 : 0,
      firstStep ? 1 : 0,
    ]);
  }
  adamStep(
    param: Ptr,
    grad: Ptr,
    m: Ptr,
    v: Ptr,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    correction1: number,
    correction2: number,
    weightDecay: number,
    decoupled: boolean,
  ): void {
    this.elementwise('adamStep', n, (i, count) => [
      (param + i) * 4,
      (grad + i) * 4,
      (m + i) * 4,
      (v + i) * 4,
      count,
      lr,
      beta1,
      beta2,
      eps,
      correction1,
      correction2,
      weightDecay,
      decoupled ? 1 : 0,
    ]);
  }
  rmspropStep(
    param: Ptr,
    grad: Ptr,
    squareAvg: Ptr,
    gradAvg: Ptr,
    velocity: Ptr,
    n: number,
    lr: number,
    alpha: number,
    eps: number,
    weightDecay: number,
    momentum: number,
    centered: boolean,
  ): void {
    this.elementwise('rmspropStep', n, (i, count) => [
      (param + i) * 4,
      (grad + i) * 4,
      (squareAvg + i) * 4,
      optionalBytes(gradAvg, i),
      optionalBytes(velocity, i),
      count,
      lr,
      alpha,
      eps,
      weightDecay,
      momentum,
      centered ? 1 : 0,
    ]);
  }
  sumOfSquares(x: Ptr, n: number): number {
    return sum(this.runRows('sumOfSquares', n, n * NS_PER_ELEMENT, 16, (s) => [(x + s.first) * 4, s.count]));
  }

  // ---- fused recurrent layers ------------------------------------------------------------------
  // The kernels call gemm inside their time loops: h_{t-1} W_hh^T (forward, B x G H x H)
  // and dGates_t W_hh (backward, B x H x G H); each thread has its own gemm workspace.

  /** Byte address of thread `member`'s gemm workspace for the recurrent products of `rows` rows. */
  private recurrentWorkspace(member: number, rows: number, hidden: number, gateCount: number, packedHh: Ptr): number {
    if (rows === 1 && packedHh >= 0) return 0; // the packed one-row product needs no gemm (forward only)
    const g = gateCount * hidden;
    const bytes = Math.max(
      this.kernels.gemmWorkspaceBytes(0, 1, rows, g, hidden),
      this.kernels.gemmWorkspaceBytes(0, 0, rows, hidden, g),
    );
    return this.workspace(member, bytes);
  }

  /**
   * Runs a forward kernel: its shares are batch rows, or at one row over a packed W_hh, hidden units
   * (a team with a barrier per step). argsFor(rows share, team, members) gives a share's arguments;
   * `work` is the share's gemm workspace.
   */
  private recurrentForward(
    name: SharedKernel,
    gateCount: number,
    steps: number,
    batch: number,
    hidden: number,
    packedHh: Ptr,
    argsFor: (share: RowShare, work: number, team: number, members: number) => readonly number[],
  ): void {
    const stepNs = gateCount * hidden * (2 * hidden * NS_PER_FLOP + NS_PER_GATE_UNIT);
    if (batch === 1 && packedHh >= 0) {
      // A team is every thread of the backend (its barrier counts on it; see assembly/team.ts).
      const pays = gateCount * hidden * hidden >= MIN_UNIT_SPLIT_MADDS || this.splitAll;
      const members = pays && this.membersFor(steps * stepNs, hidden / 4) > 1 ? this.threads : 1;
      const team = members > 1 ? this.team : NO_TEAM;
      this.run(name, members, (member) => argsFor({ first: 0, count: 1, member }, 0, team, members));
      return;
    }
    this.runRows(name, batch, steps * batch * stepNs, batch >= 8 * this.threads ? 4 : 1, (share) =>
      argsFor(share, this.recurrentWorkspace(share.member, share.count, hidden, gateCount, packedHh), NO_TEAM, 1),
    );
  }

  /**
   * Runs a backward kernel in shares of batch rows. argsFor(share, work, rowsGrad) gives a share's
   * arguments; rowsGrad is where the share adds its token rows' gate gradients: inputRowsGrad for the
   * first share, a zeroed partial table for the others (added to inputRowsGrad at the end).
   */
  private recurrentBackward(
    name: SharedKernel,
    gateCount: number,
    steps: number,
    batch: number,
    hidden: number,
    inputRowsGrad: Ptr,
    ids: Ptr,
    argsFor: (share: RowShare, work: number, rowsGrad: number) => readonly number[],
  ): void {
    const G = gateCount * hidden;
    const stepNs = G * (4 * hidden * NS_PER_FLOP + NS_PER_GATE_UNIT);
    // The partial tables need the vocabulary's size: the largest id + 1.
    const tableRows = inputRowsGrad >= 0 ? largestId(this.heap, ids, steps * batch) + 1 : 0;
    const partials: Ptr[] = [];
    this.runRows(name, batch, steps * batch * stepNs, batch >= 8 * this.threads ? 4 : 1, (share) => {
      let rowsGrad = optionalBytes(inputRowsGrad);
      if (share.member > 0 && inputRowsGrad >= 0) {
        const table = this.partial(share.member, tableRows * G);
        this.kernels.fill(table * 4, 0, tableRows * G);
        partials.push(table);
        rowsGrad = table * 4;
      }
      return argsFor(share, this.recurrentWorkspace(share.member, share.count, hidden, gateCount, -1), rowsGrad);
    });
    for (const table of partials) this.kernels.add(inputRowsGrad * 4, table * 4, inputRowsGrad * 4, tableRows * G);
  }

  gatherRows(table: Ptr, width: number, ids: Ptr, n: number, out: Ptr, ldOut: number): void {
    this.runRows('gatherRows', n, n * width * NS_PER_ELEMENT, 1, (s) => [
      table * 4,
      width,
      (ids + s.first) * 4,
      s.count,
      (out + s.first * ldOut) * 4,
      ldOut,
    ]);
  }
  // On the calling thread: two ids may name one table row, so shares of the ids would race on it.
  scatterAddRows(src: Ptr, ldSrc: number, ids: Ptr, n: number, width: number, table: Ptr): void {
    this.kernels.scatterAddRows(src * 4, ldSrc, ids * 4, n, width, table * 4);
  }
  lstmForward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    weightHh: Ptr,
    biasIh: Ptr,
    biasHh: Ptr,
    h0: Ptr,
    c0: Ptr,
    out: Ptr,
    ldOut: number,
    cells: Ptr,
    tanhCells: Ptr,
    hN: Ptr,
    cN: Ptr,
    packedHh: Ptr,
    inputRows: Ptr,
    ids: Ptr,
  ): void {
    const H = hidden;
    const G = 4 * H;
    this.recurrentForward(
      'lstmForward',
      4,
      steps,
      batch,
      H,
      packedHh,
      ({ first, count, member }, work, team, members) => [
        steps,
        batch,
        count,
        H,
        reverse ? 1 : 0,
        (gates + first * G) * 4,
        weightHh * 4,
        biasIh * 4,
        biasHh * 4,
        optionalBytes(h0, first * H),
        optionalBytes(c0, first * H),
        (out + first * ldOut) * 4,
        ldOut,
        (cells + first * H) * 4,
        (tanhCells + first * H) * 4,
        (hN + first * H) * 4,
        (cN + first * H) * 4,
        optionalBytes(packedHh),
        work,
        optionalBytes(inputRows),
        optionalBytes(ids, first),
        team,
        member,
        members,
      ],
    );
  }
  lstmBackward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    cells: Ptr,
    tanhCells: Ptr,
    c0: Ptr,
    weightHh: Ptr,
    dOut: Ptr,
    ldOut: number,
    dhN: Ptr,
    dcN: Ptr,
    dGates: Ptr,
    dh0: Ptr,
    dc0: Ptr,
    initialGradient: boolean,
    inputRowsGrad: Ptr,
    ids: Ptr,
  ): void {
    const H = hidden;
    const G = 4 * H;
    this.recurrentBackward(
      'lstmBackward',
      4,
      steps,
      batch,
      H,
      inputRowsGrad,
      ids,
      ({ first, count }, work, rowsGrad) => [
        steps,
        batch,
        count,
        H,
        reverse ? 1 : 0,
        (gates + first * G) * 4,
        (cells + first * H) * 4,
        (tanhCells + first * H) * 4,
        (c0 + first * H) * 4,
        weightHh * 4,
        (dOut + first * ldOut) * 4,
        ldOut,
        (dhN + first * H) * 4,
        (dcN + first * H) * 4,
        (dGates + first * G) * 4,
        (dh0 + first * H) * 4,
        (dc0 + first * H) * 4,
        work,
        initialGradient ? 1 : 0,
        rowsGrad,
        optionalBytes(ids, first),
      ],
    );
  }
  gruForward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    weightHh: Ptr,
    biasIh: Ptr,
    biasHh: Ptr,
    h0: Ptr,
    out: Ptr,
    ldOut: number,
    hiddenN: Ptr,
    work: Ptr,
    hN: Ptr,
    packedHh: Ptr,
    inputRows: Ptr,
    ids: Ptr,
  ): void {
    const H = hidden;
    const G = 3 * H;
    this.recurrentForward(
      'gruForward',
      3,
      steps,
      batch,
      H,
      packedHh,
      ({ first, count, member }, gemmWork, team, members) => [
        steps,
        batch,
        count,
        H,
        reverse ? 1 : 0,
        (gates + first * G) * 4,
        weightHh * 4,
        biasIh * 4,
        biasHh * 4,
        optionalBytes(h0, first * H),
        (out + first * ldOut) * 4,
        ldOut,
        (hiddenN + first * H) * 4,
        (work + first * G) * 4,
        (hN + first * H) * 4,
        optionalBytes(packedHh),
        gemmWork,
        optionalBytes(inputRows),
        optionalBytes(ids, first),
        team,
        member,
        members,
      ],
    );
  }
  gruBackward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    hiddenN: Ptr,
    h0: Ptr,
    out: Ptr,
    ldOut: number,
    weightHh: Ptr,
    dOut: Ptr,
    dhN: Ptr,
    dGatesIh: Ptr,
    dGatesHh: Ptr,
    dh0: Ptr,
    initialGradient: boolean,
    inputRowsGrad: Ptr,
    ids: Ptr,
  ): void {
    const H = hidden;
    const G = 3 * H;
    this.recurrentBackward(
      'gruBackward',
      3,
      steps,
      batch,
      H,
      inputRowsGrad,
      ids,
      ({ first, count }, work, rowsGrad) => [
        steps,
        batch,
        count,
        H,
        reverse ? 1 : 0,
        (gates + first * G) * 4,
        (hiddenN + first * H) * 4,
        (h0 + first * H) * 4,
        (out + first * ldOut) * 4,
        ldOut,
        weightHh * 4,
        (dOut + first * ldOut) * 4,
        (dhN + first * H) * 4,
        (dGatesIh + first * G) * 4,
        (dGatesHh + first * G) * 4,
        (dh0 + first * H) * 4,
        work,
        initialGradient ? 1 : 0,
        rowsGrad,
        optionalBytes(ids, first),
      ],
    );
  }
  rnnForward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    weightHh: Ptr,
    biasIh: Ptr,
    biasHh: Ptr,
    h0: Ptr,
    out: Ptr,
    ldOut: number,
    hN: Ptr,
    packedHh: Ptr,
    inputRows: Ptr,
    ids: Ptr,
  ): void {
    const H = hidden;
    this.recurrentForward(
      'rnnForward',
      1,
      steps,
      batch,
      H,
      packedHh,
      ({ first, count, member }, work, team, members) => [
        steps,
        batch,
        count,
        H,
        reverse ? 1 : 0,
        (gates + first * H) * 4,
        weightHh * 4,
        biasIh * 4,
        biasHh * 4,
        optionalBytes(h0, first * H),
        (out + first * ldOut) * 4,
        ldOut,
        (hN + first * H) * 4,
        optionalBytes(packedHh),
        work,
        optionalBytes(inputRows),
        optionalBytes(ids, first),
        team,
        member,
        members,
      ],
    );
  }
  rnnBackward(
    steps: number,
    batch: number,
    hidden: number,
    reverse: boolean,
    gates: Ptr,
    weightHh: Ptr,
    dOut: Ptr,
    ldOut: number,
    dhN: Ptr,
    dGates: Ptr,
    dh0: Ptr,
    initialGradient: boolean,
    inputRowsGrad: Ptr,
    ids: Ptr,
  ): void {
    const H = hidden;
    this.recurrentBackward(
      'rnnBackward',
      1,
      steps,
      batch,
      H,
      inputRowsGrad,
      ids,
      ({ first, count }, work, rowsGrad) => [
        steps,
        batch,
        count,
        H,
        reverse ? 1 : 0,
        (gates + first * H) * 4,
        weightHh * 4,
        (dOut + first * ldOut) * 4,
        ldOut,
        (dhN + first * H) * 4,
        (dGates + first * H) * 4,
        (dh0 + first * H) * 4,
        work,
        initialGradient ? 1 : 0,
        rowsGrad,
        optionalBytes(ids, first),
      ],
    );
  }
  packRecurrentWeights(weightHh: Ptr, rows: number, cols: number, packed: Ptr): void {
    // Shares of whole blocks of PACK_ROWS rows: each fills its own stretch of the packed copy.
    const blockFloats = PACK_ROWS * Math.ceil(cols / 4) * 4;
    this.runRows('packRecurrentWeights', rows, rows * cols * NS_PER_ELEMENT, PACK_ROWS, (s) => [
      (weightHh + s.first * cols) * 4,
      s.count,
      cols,
      (packed + (s.first / PACK_ROWS) * blockFloats) * 4,
    ]);
  }
  transpose(src: Ptr, rows: number, cols: number, dst: Ptr, accumulate: boolean): void {
    this.kernels.transpose(src * 4, rows, cols, dst * 4, accumulate ? 1 : 0);
  }
  /**
   * One kernel call for all the tokens: with a team, every member steps its units and computes the
   * output layer (all of a small one, its rows of a large one), meeting at one or two barriers per
   * token (see assembly/decode.ts).
   */
  decodeGreedy(
    cell: CellKind,
    tokens: number,
    hidden: number,
    outputs: number,
    weightHh: Ptr,
    biasIh: Ptr,
    biasHh: Ptr,
    packedHh: Ptr,
    inputRows: Ptr,
    h: Ptr,
    c: Ptr,
    _outWeight: Ptr,
    packedOut: Ptr,
    outBias: Ptr,
    ids: Ptr,
    exclude: number,
    scratch: Ptr,
  ): void {
    const G = GATE_COUNT[cell] * hidden;
    const madds = (G + outputs) * hidden;
    const tokenNs = 2 * madds * NS_PER_FLOP + G * NS_PER_GATE_UNIT;
    const pays = madds >= MIN_UNIT_SPLIT_MADDS || this.splitAll;
    const members = pays && this.membersFor(tokens * tokenNs, hidden / 4) > 1 ? this.threads : 1;
    const team = members > 1 ? this.team : NO_TEAM;
    // Each member its own logits (a small output layer is computed whole by every member).
    const logitsOf = (member: number) =>
      member === 0 ? scratch + decodeLogitsOffset(cell, hidden) : this.partial(member, decodeLogitsSize(outputs));
    this.run('decodeGreedy', members, (member) => [
      cell === 'lstm' ? 0 : cell === 'gru' ? 1 : 2,
      tokens,
      hidden,
      outputs,
      weightHh * 4,
      biasIh * 4,
      biasHh * 4,
      packedHh * 4,
      inputRows * 4,
      h * 4,
      optionalBytes(c),
      packedOut * 4,
      outBias * 4,
      ids * 4,
      exclude,
      scratch * 4,
      logitsOf(member) * 4,
      team,
      member,
      members,
    ]);
  }
}

/** The threads `options` ask for: `threads`, else 1 for a `source` without `threadsSource`, else the default. */
function threadsWanted(options: WasmBackendOptions): number {
  if (options.source !== undefined && options.threadsSource === undefined) {
    if (options.threads !== undefined && options.threads > 1) {
      throw new Error(
        `lstm-simd: threads: ${options.threads} with a \`source\` also needs \`threadsSource\`, the threads build ` +
          '(e.g. dist/wasm/lstm-simd.relaxed-threads.wasm)',
      );
    }
    return options.threads ?? 1;
  }
  return options.threads ?? defaultThreads();
}

/** The heap's memory: shared (the threads builds import a shared memory with a maximum) or not. */
function createMemory(maximumPages: number, shared: boolean): WebAssembly.Memory {
  if (!shared) return new WebAssembly.Memory({ initial: 2, maximum: maximumPages });
  try {
    // A shared memory cannot move: the engine reserves its maximum up front.
    return new WebAssembly.Memory({ initial: 2, maximum: maximumPages, shared: true });
  } catch (error) {
    throw new Error(
      `lstm-simd: could not reserve a shared memory of ${maximumPages / 16} MiB for threads ` +
        `(${(error as Error).message}); pass a smaller maximumPages, or threads: 1`,
      { cause: error },
    );
  }
}

/** The byte address of an optional buffer (a packed W_hh, token rows, ids) `offset` elements in, or -1 (none). */
function optionalBytes(ptr: Ptr, offset = 0): number {
  return ptr < 0 ? NONE : (ptr + offset) * 4;
}

/** The largest of `count` int32 token ids at element offset `ids`. */
function largestId(heap: Heap, ids: Ptr, count: number): number {
  const ints = heap.ints;
  const start = heap.intIndex(ids);
  let largest = 0;
  for (let i = start; i < start + count; i++) if (ints[i] > largest) largest = ints[i];
  return largest;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

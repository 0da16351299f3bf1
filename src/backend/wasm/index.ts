// The wasm backend: each Kernels method converts element offsets to byte
// addresses and calls the AssemblyScript kernel of the same name.

import { Arena } from '../../memory/arena.js';
import { Heap, MAX_PAGES, type Ptr } from '../../memory/heap.js';
import type { Backend, BackendVariant } from '../backend.js';
import type { KernelExports } from './exports.js';
import { compileKernels, instantiateKernels, pickBuild, type LoadOptions, type SimdBuild } from './loader.js';

export interface WasmBackendOptions extends LoadOptions {
  /** Upper bound of the heap in 64 KiB pages (default 65536 = 4 GiB). */
  maximumPages?: number;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly variant: BackendVariant;
  readonly scratch: Arena;
  /** Packing buffers for gemm; grown to the largest call seen, never shrunk. */
  private readonly gemmWorkspace: Arena;

  private constructor(
    readonly heap: Heap,
    readonly kernels: KernelExports,
    readonly build: SimdBuild,
  ) {
    this.variant = build === 'relaxed' ? 'wasm-relaxed' : 'wasm-simd';
    this.scratch = new Arena(heap, 'scratch');
    this.gemmWorkspace = new Arena(heap, 'gemm-workspace');
  }

  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const build = pickBuild(options.build);
    const module = await compileKernels(build, options.source);
    const maximumPages = Math.min(options.maximumPages ?? MAX_PAGES, MAX_PAGES);
    const memory = new WebAssembly.Memory({ initial: 2, maximum: maximumPages });
    const kernels = await instantiateKernels(module, memory);
    if ((kernels.isRelaxedBuild() === 1) !== (build === 'relaxed')) {
      throw new Error(`lstm-simd: the module given as the '${build}' build is the other build`);
    }
    const heap = new Heap({ memory, reservedBytes: kernels.heapBase(), maximumPages });
    return new WasmBackend(heap, kernels, build);
  }

  createArena(name: string, initialElements = 0): Arena {
    return new Arena(this.heap, name, initialElements);
  }

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
    const work = this.workspace(this.kernels.gemmWorkspaceBytes(ta, tb, m, n, k));
    this.kernels.gemm(ta, tb, m, n, k, alpha, a * 4, lda, b * 4, ldb, beta, c * 4, ldc, work);
  }

  /** Byte address of at least `bytes` of gemm workspace, or 0 when none is needed. */
  private workspace(bytes: number): number {
    if (bytes <= 0) return 0;
    this.gemmWorkspace.reserve(Math.ceil(bytes / 4));
    return this.gemmWorkspace.base * 4;
  }

  sigmoid(x: Ptr, y: Ptr, n: number): void {
    this.kernels.sigmoid(x * 4, y * 4, n);
  }
  tanh(x: Ptr, y: Ptr, n: number): void {
    this.kernels.tanh(x * 4, y * 4, n);
  }
  sigmoidBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void {
    this.kernels.sigmoidBackward(y * 4, dy * 4, dx * 4, n);
  }
  tanhBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void {
    this.kernels.tanhBackward(y * 4, dy * 4, dx * 4, n);
  }
  add(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    this.kernels.add(a * 4, b * 4, out * 4, n);
  }
  sub(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    this.kernels.sub(a * 4, b * 4, out * 4, n);
  }
  mul(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    this.kernels.mul(a * 4, b * 4, out * 4, n);
  }
  scale(x: Ptr, alpha: number, out: Ptr, n: number): void {
    this.kernels.scale(x * 4, alpha, out * 4, n);
  }
  axpy(alpha: number, x: Ptr, y: Ptr, n: number): void {
    this.kernels.axpy(alpha, x * 4, y * 4, n);
  }
  fill(x: Ptr, value: number, n: number): void {
    this.kernels.fill(x * 4, value, n);
  }
  copy(src: Ptr, dst: Ptr, n: number): void {
    this.kernels.copy(src * 4, dst * 4, n);
  }
  addBias(x: Ptr, bias: Ptr, out: Ptr, rows: number, cols: number): void {
    this.kernels.addBias(x * 4, bias * 4, out * 4, rows, cols);
  }
  columnSums(x: Ptr, rows: number, cols: number, out: Ptr, accumulate: boolean): void {
    this.kernels.columnSums(x * 4, rows, cols, out * 4, accumulate ? 1 : 0);
  }
  rowSums(x: Ptr, rows: number, cols: number, out: Ptr, accumulate: boolean): void {
    this.kernels.rowSums(x * 4, rows, cols, out * 4, accumulate ? 1 : 0);
  }

  crossEntropyForward(logits: Ptr, targets: Ptr, rows: number, cols: number): number {
    return this.kernels.crossEntropyForward(logits * 4, targets * 4, rows, cols);
  }
  crossEntropyBackward(logits: Ptr, targets: Ptr, rows: number, cols: number, dLoss: number, dlogits: Ptr): void {
    this.kernels.crossEntropyBackward(logits * 4, targets * 4, rows, cols, dLoss, dlogits * 4);
  }
  crossEntropyWithGradient(logits: Ptr, targets: Ptr, rows: number, cols: number, gradient: Ptr): number {
    return this.kernels.crossEntropyWithGradient(logits * 4, targets * 4, rows, cols, gradient * 4);
  }

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

  sgdStep(param: Ptr, grad: Ptr, n: number, lr: number): void {
    this.kernels.sgdStep(param * 4, grad * 4, n, lr);
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
    this.kernels.sgdMomentumStep(
      param * 4,
      grad * 4,
      optionalBytes(velocity),
      n,
      lr,
      weightDecay,
      momentum,
      dampening,
      nesterov ? 1 : 0,
      firstStep ? 1 : 0,
    );
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
    this.kernels.adamStep(
      param * 4,
      grad * 4,
      m * 4,
      v * 4,
      n,
      lr,
      beta1,
      beta2,
      eps,
      correction1,
      correction2,
      weightDecay,
      decoupled ? 1 : 0,
    );
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
    this.kernels.rmspropStep(
      param * 4,
      grad * 4,
      squareAvg * 4,
      optionalBytes(gradAvg),
      optionalBytes(velocity),
      n,
      lr,
      alpha,
      eps,
      weightDecay,
      momentum,
      centered ? 1 : 0,
    );
  }
  sumOfSquares(x: Ptr, n: number): number {
    return this.kernels.sumOfSquares(x * 4, n);
  }

  // ---- fused recurrent layers ------------------------------------------------
  // The kernels call gemm inside their time loops: h_{t-1} W_hh^T (forward, B x G H x H)
  // and dGates_t W_hh (backward, B x H x G H); both share the gemm workspace.
  private recurrentWorkspace(batch: number, hidden: number, gateCount: number, packedHh: Ptr = -1): number {
    if (batch === 1 && packedHh >= 0) return 0; // the packed one-row product needs no gemm (forward only)
    const g = gateCount * hidden;
    const bytes = Math.max(
      this.kernels.gemmWorkspaceBytes(0, 1, batch, g, hidden),
      this.kernels.gemmWorkspaceBytes(0, 0, batch, hidden, g),
    );
    return this.workspace(bytes);
  }

  gatherRows(table: Ptr, width: number, ids: Ptr, n: number, out: Ptr, ldOut: number): void {
    this.kernels.gatherRows(table * 4, width, ids * 4, n, out * 4, ldOut);
  }
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
    const work = this.recurrentWorkspace(batch, hidden, 4, packedHh);
    this.kernels.lstmForward(
      steps,
      batch,
      hidden,
      reverse ? 1 : 0,
      gates * 4,
      weightHh * 4,
      biasIh * 4,
      biasHh * 4,
      optionalBytes(h0),
      optionalBytes(c0),
      out * 4,
      ldOut,
      cells * 4,
      tanhCells * 4,
      hN * 4,
      cN * 4,
      optionalBytes(packedHh),
      work,
      optionalBytes(inputRows),
      optionalBytes(ids),
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
    const work = this.recurrentWorkspace(batch, hidden, 4);
    this.kernels.lstmBackward(
      steps,
      batch,
      hidden,
      reverse ? 1 : 0,
      gates * 4,
      cells * 4,
      tanhCells * 4,
      c0 * 4,
      weightHh * 4,
      dOut * 4,
      ldOut,
      dhN * 4,
      dcN * 4,
      dGates * 4,
      dh0 * 4,
      dc0 * 4,
      work,
      initialGradient ? 1 : 0,
      optionalBytes(inputRowsGrad),
      optionalBytes(ids),
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
    const gemmWork = this.recurrentWorkspace(batch, hidden, 3, packedHh);
    this.kernels.gruForward(
      steps,
      batch,
      hidden,
      reverse ? 1 : 0,
      gates * 4,
      weightHh * 4,
      biasIh * 4,
      biasHh * 4,
      optionalBytes(h0),
      out * 4,
      ldOut,
      hiddenN * 4,
      work * 4,
      hN * 4,
      optionalBytes(packedHh),
      gemmWork,
      optionalBytes(inputRows),
      optionalBytes(ids),
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
    const work = this.recurrentWorkspace(batch, hidden, 3);
    this.kernels.gruBackward(
      steps,
      batch,
      hidden,
      reverse ? 1 : 0,
      gates * 4,
      hiddenN * 4,
      h0 * 4,
      out * 4,
      ldOut,
      weightHh * 4,
      dOut * 4,
      dhN * 4,
      dGatesIh * 4,
      dGatesHh * 4,
      dh0 * 4,
      work,
      initialGradient ? 1 : 0,
      optionalBytes(inputRowsGrad),
      optionalBytes(ids),
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
    const work = this.recurrentWorkspace(batch, hidden, 1, packedHh);
    this.kernels.rnnForward(
      steps,
      batch,
      hidden,
      reverse ? 1 : 0,
      gates * 4,
      weightHh * 4,
      biasIh * 4,
      biasHh * 4,
      optionalBytes(h0),
      out * 4,
      ldOut,
      hN * 4,
      optionalBytes(packedHh),
      work,
      optionalBytes(inputRows),
      optionalBytes(ids),
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
    const work = this.recurrentWorkspace(batch, hidden, 1);
    this.kernels.rnnBackward(
      steps,
      batch,
      hidden,
      reverse ? 1 : 0,
      gates * 4,
      weightHh * 4,
      dOut * 4,
      ldOut,
      dhN * 4,
      dGates * 4,
      dh0 * 4,
      work,
      initialGradient ? 1 : 0,
      optionalBytes(inputRowsGrad),
      optionalBytes(ids),
    );
  }
  packRecurrentWeights(weightHh: Ptr, rows: number, cols: number, packed: Ptr): void {
    this.kernels.packRecurrentWeights(weightHh * 4, rows, cols, packed * 4);
  }
  transpose(src: Ptr, rows: number, cols: number, dst: Ptr, accumulate: boolean): void {
    this.kernels.transpose(src * 4, rows, cols, dst * 4, accumulate ? 1 : 0);
  }
}

/** The byte address of an optional buffer (a packed W_hh, token rows, ids), or -1 (the kernels' "none"). */
function optionalBytes(ptr: Ptr): number {
  return ptr < 0 ? -1 : ptr * 4;
}

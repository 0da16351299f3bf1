// The js backend: every kernel in plain TypeScript over a typed-array view of
// the heap. It is the reference the wasm kernels are tested against, and with
// `precision: 'float64'` the float64 oracle for finite-difference checks.

import { Arena } from '../../memory/arena.js';
import { Heap, type Ptr } from '../../memory/heap.js';
import type { Backend, BackendVariant, CellKind } from '../backend.js';
import { decodeGreedy } from './decode.js';
import * as ew from './elementwise.js';
import * as emb from './embedding.js';
import { gemm } from './gemm.js';
import * as loss from './loss.js';
import * as optim from './optim.js';
import * as regression from './regression-loss.js';
import * as rec from './recurrent.js';

/** Options of the js (reference) backend. */
export interface JsBackendOptions {
  /** 'float32' (default, as the wasm kernels) or 'float64' (for gradient checks and measurements). */
  precision?: 'float32' | 'float64';
  /** Upper bound of the heap in 64 KiB pages (default 65536 = 4 GiB). */
  maximumPages?: number;
}

export class JsBackend implements Backend {
  readonly name = 'js' as const;
  readonly variant: BackendVariant;
  readonly heap: Heap;
  readonly scratch: Arena;
  private readonly intIndex = (p: Ptr): number => this.heap.intIndex(p);

  constructor(options: JsBackendOptions = {}) {
    const bytesPerElement = options.precision === 'float64' ? 8 : 4;
    this.variant = bytesPerElement === 8 ? 'js-f64' : 'js';
    this.heap = new Heap({ bytesPerElement, maximumPages: options.maximumPages });
    this.scratch = new Arena(this.heap, 'scratch');
  }

  createArena(name: string, initialElements = 0): Arena {
    return new Arena(this.heap, name, initialElements);
  }

  /** The js kernels run on the calling thread. */
  readonly threads = 1;

  /** Nothing to end: the js backend has no workers. */
  dispose(): void {}

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
    gemm(this.heap.floats, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }

  sigmoid(x: Ptr, y: Ptr, n: number): void {
    ew.sigmoid(this.heap.floats, x, y, n);
  }
  tanh(x: Ptr, y: Ptr, n: number): void {
    ew.tanh(this.heap.floats, x, y, n);
  }
  sigmoidBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void {
    ew.sigmoidBackward(this.heap.floats, y, dy, dx, n);
  }
  tanhBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void {
    ew.tanhBackward(this.heap.floats, y, dy, dx, n);
  }
  add(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    ew.add(this.heap.floats, a, b, out, n);
  }
  sub(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    ew.sub(this.heap.floats, a, b, out, n);
  }
  mul(a: Ptr, b: Ptr, out: Ptr, n: number): void {
    ew.mul(this.heap.floats, a, b, out, n);
  }
  scale(x: Ptr, alpha: number, out: Ptr, n: number): void {
    ew.scale(this.heap.floats, x, alpha, out, n);
  }
  axpy(alpha: number, x: Ptr, y: Ptr, n: number): void {
    ew.axpy(this.heap.floats, alpha, x, y, n);
  }
  fill(x: Ptr, value: number, n: number): void {
    ew.fill(this.heap.floats, x, value, n);
  }
  copy(src: Ptr, dst: Ptr, n: number): void {
    ew.copy(this.heap.floats, src, dst, n);
  }
  addBias(x: Ptr, bias: Ptr, out: Ptr, rows: number, cols: number): void {
    ew.addBias(this.heap.floats, x, bias, out, rows, cols);
  }
  columnSums(x: Ptr, rows: number, cols: number, out: Ptr, accumulate: boolean): void {
    ew.columnSums(this.heap.floats, x, rows, cols, out, accumulate);
  }
  rowSums(x: Ptr, rows: number, cols: number, out: Ptr, accumulate: boolean): void {
    ew.rowSums(this.heap.floats, x, rows, cols, out, accumulate);
  }

  crossEntropyForward(logits: Ptr, targets: Ptr, rows: number, cols: number): number {
    return loss.crossEntropyForward(this.heap.floats, this.heap.ints, this.intIndex, logits, targets, rows, cols);
  }
  crossEntropyBackward(logits: Ptr, targets: Ptr, rows: number, cols: number, dLoss: number, dlogits: Ptr): void {
    loss.crossEntropyBackward(
      this.heap.floats,
      this.heap.ints,
      this.intIndex,
      logits,
      targets,
      rows,
      cols,
      dLoss,
      dlogits,
    );
  }
  crossEntropyWithGradient(logits: Ptr, targets: Ptr, rows: number, cols: number, gradient: Ptr): number {
    return loss.crossEntropyWithGradient(
      this.heap.floats,
      this.heap.ints,
      this.intIndex,
      logits,
      targets,
      rows,
      cols,
      gradient,
    );
  }

  mseForward(prediction: Ptr, target: Ptr, n: number): number {
    return regression.mseForward(this.heap.floats, prediction, target, n);
  }
  mseWithGradient(prediction: Ptr, target: Ptr, n: number, gradient: Ptr): number {
    return regression.mseWithGradient(this.heap.floats, prediction, target, n, gradient);
  }
  maeForward(prediction: Ptr, target: Ptr, n: number): number {
    return regression.maeForward(this.heap.floats, prediction, target, n);
  }
  maeWithGradient(prediction: Ptr, target: Ptr, n: number, gradient: Ptr): number {
    return regression.maeWithGradient(this.heap.floats, prediction, target, n, gradient);
  }

  sgdStep(param: Ptr, grad: Ptr, n: number, lr: number): void {
    optim.sgdStep(this.heap.floats, param, grad, n, lr);
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
    optim.sgdMomentumStep(
      this.heap.floats,
      param,
      grad,
      velocity,
      n,
      lr,
      weightDecay,
      momentum,
      dampening,
      nesterov,
      firstStep,
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
    optim.adamStep(
      this.heap.floats,
      param,
      grad,
      m,
      v,
      n,
      lr,
      beta1,
      beta2,
      eps,
      correction1,
      correction2,
      weightDecay,
      decoupled,
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
    optim.rmspropStep(
      this.heap.floats,
      param,
      grad,
      squareAvg,
      gradAvg,
      velocity,
      n,
      lr,
      alpha,
      eps,
      weightDecay,
      momentum,
      centered,
    );
  }
  sumOfSquares(x: Ptr, n: number): number {
    return optim.sumOfSquares(this.heap.floats, x, n);
  }

  // ---- fused recurrent layers ------------------------------------------------
  gatherRows(table: Ptr, width: number, ids: Ptr, n: number, out: Ptr, ldOut: number): void {
    emb.gatherRows(this.heap.floats, this.heap.ints, this.intIndex, table, width, ids, n, out, ldOut);
  }
  scatterAddRows(src: Ptr, ldSrc: number, ids: Ptr, n: number, width: number, table: Ptr): void {
    emb.scatterAddRows(this.heap.floats, this.heap.ints, this.intIndex, src, ldSrc, ids, n, width, table);
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
    _packedHh: Ptr,
    inputRows: Ptr,
    ids: Ptr,
  ): void {
    this.gatherTokenRows(inputRows, ids, steps * batch, 4 * hidden, gates);
    rec.lstmForward(
      this.heap.floats,
      steps,
      batch,
      hidden,
      reverse,
      gates,
      weightHh,
      biasIh,
      biasHh,
      h0,
      c0,
      out,
      ldOut,
      cells,
      tanhCells,
      hN,
      cN,
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
    rec.lstmBackward(
      this.heap.floats,
      steps,
      batch,
      hidden,
      reverse,
      gates,
      cells,
      tanhCells,
      c0,
      weightHh,
      dOut,
      ldOut,
      dhN,
      dcN,
      dGates,
      dh0,
      dc0,
      initialGradient,
    );
    this.scatterTokenRows(dGates, ids, steps * batch, 4 * hidden, inputRowsGrad);
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
    _packedHh: Ptr,
    inputRows: Ptr,
    ids: Ptr,
  ): void {
    this.gatherTokenRows(inputRows, ids, steps * batch, 3 * hidden, gates);
    rec.gruForward(
      this.heap.floats,
      steps,
      batch,
      hidden,
      reverse,
      gates,
      weightHh,
      biasIh,
      biasHh,
      h0,
      out,
      ldOut,
      hiddenN,
      work,
      hN,
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
    rec.gruBackward(
      this.heap.floats,
      steps,
      batch,
      hidden,
      reverse,
      gates,
      hiddenN,
      h0,
      out,
      ldOut,
      weightHh,
      dOut,
      dhN,
      dGatesIh,
      dGatesHh,
      dh0,
      initialGradient,
    );
    this.scatterTokenRows(dGatesIh, ids, steps * batch, 3 * hidden, inputRowsGrad);
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
    _packedHh: Ptr,
    inputRows: Ptr,
    ids: Ptr,
  ): void {
    this.gatherTokenRows(inputRows, ids, steps * batch, hidden, gates);
    rec.rnnForward(
      this.heap.floats,
      steps,
      batch,
      hidden,
      reverse,
      gates,
      weightHh,
      biasIh,
      biasHh,
      h0,
      out,
      ldOut,
      hN,
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
    rec.rnnBackward(
      this.heap.floats,
      steps,
      batch,
      hidden,
      reverse,
      gates,
      weightHh,
      dOut,
      ldOut,
      dhN,
      dGates,
      dh0,
      initialGradient,
    );
    this.scatterTokenRows(dGates, ids, steps * batch, hidden, inputRowsGrad);
  }
  /** The reference meaning of a token table's gradient: every gate-gradient row scatter-added to its token's row. */
  private scatterTokenRows(dGates: Ptr, ids: Ptr, n: number, width: number, inputRowsGrad: Ptr): void {
    if (inputRowsGrad >= 0) this.scatterAddRows(dGates, width, ids, n, width, inputRowsGrad);
  }
  /** The reference meaning of token input rows: gather them into the gates, then run the forward as usual. */
  private gatherTokenRows(inputRows: Ptr, ids: Ptr, n: number, width: number, gates: Ptr): void {
    if (inputRows >= 0) this.gatherRows(inputRows, width, ids, n, gates, width);
  }
  packRecurrentWeights(weightHh: Ptr, rows: number, cols: number, packed: Ptr): void {
    rec.packRecurrentWeights(this.heap.floats, weightHh, rows, cols, packed);
  }
  transpose(src: Ptr, rows: number, cols: number, dst: Ptr, accumulate: boolean): void {
    rec.transpose(this.heap.floats, src, rows, cols, dst, accumulate);
  }
  decodeGreedy(
    cell: CellKind,
    tokens: number,
    hidden: number,
    outputs: number,
    weightHh: Ptr,
    biasIh: Ptr,
    biasHh: Ptr,
    _packedHh: Ptr,
    inputRows: Ptr,
    h: Ptr,
    c: Ptr,
    outWeight: Ptr,
    _packedOut: Ptr,
    outBias: Ptr,
    ids: Ptr,
    exclude: number,
    scratch: Ptr,
  ): void {
    // prettier-ignore
    decodeGreedy(this, this.heap, {
      cell, tokens, hidden, outputs, weightHh, biasIh, biasHh, inputRows, h, c, outWeight, outBias, ids, exclude, scratch,
    });
  }
}

// The raw exports of the kernel module (assembly/index.ts). Pointers are byte
// addresses into the imported memory; the wasm backend converts from Ptr.

export interface KernelExports {
  heapBase(): number;
  isRelaxedBuild(): number;
  isThreadsBuild(): number;
  /** Bytes of the barrier block of a team of threads (assembly/team.ts). */
  teamBytes(): number;
  /** Marks a team broken (a member failed) and wakes its members waiting at the barrier. */
  breakTeam(team: number): void;

  gemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
    work: number,
  ): void;
  /** Bytes of packing workspace `gemm` needs for these arguments (0 if none). */
  gemmWorkspaceBytes(transA: number, transB: number, m: number, n: number, k: number): number;

  sigmoid(x: number, y: number, n: number): void;
  tanh(x: number, y: number, n: number): void;
  sigmoidBackward(y: number, dy: number, dx: number, n: number): void;
  tanhBackward(y: number, dy: number, dx: number, n: number): void;
  add(a: number, b: number, out: number, n: number): void;
  sub(a: number, b: number, out: number, n: number): void;
  mul(a: number, b: number, out: number, n: number): void;
  scale(x: number, alpha: number, out: number, n: number): void;
  axpy(alpha: number, x: number, y: number, n: number): void;
  fill(x: number, value: number, n: number): void;
  copy(src: number, dst: number, n: number): void;
  addBias(x: number, bias: number, out: number, rows: number, cols: number): void;
  columnSums(x: number, rows: number, cols: number, out: number, accumulate: number): void;
  rowSums(x: number, rows: number, cols: number, out: number, accumulate: number): void;

  // The loss kernels take totalRows, the rows the mean is over (rows, unless the call is a thread's share).
  crossEntropyForward(logits: number, targets: number, rows: number, cols: number, totalRows: number): number;
  crossEntropyBackward(
    logits: number,
    targets: number,
    rows: number,
    cols: number,
    dLoss: number,
    dlogits: number,
    totalRows: number,
  ): void;
  crossEntropyWithGradient(
    logits: number,
    targets: number,
    rows: number,
    cols: number,
    gradient: number,
    totalRows: number,
  ): number;
  mseForward(prediction: number, target: number, n: number): number;
  mseWithGradient(prediction: number, target: number, n: number, gradient: number): number;
  maeForward(prediction: number, target: number, n: number): number;
  maeWithGradient(prediction: number, target: number, n: number, gradient: number): number;

  sgdStep(param: number, grad: number, n: number, lr: number): void;
  sgdMomentumStep(
    param: number,
    grad: number,
    velocity: number,
    n: number,
    lr: number,
    weightDecay: number,
    momentum: number,
    dampening: number,
    nesterov: number,
    firstStep: number,
  ): void;
  adamStep(
    param: number,
    grad: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    correction1: number,
    correction2: number,
    weightDecay: number,
    decoupled: number,
  ): void;
  rmspropStep(
    param: number,
    grad: number,
    squareAvg: number,
    gradAvg: number,
    velocity: number,
    n: number,
    lr: number,
    alpha: number,
    eps: number,
    weightDecay: number,
    momentum: number,
    centered: number,
  ): void;
  sumOfSquares(x: number, n: number): number;

  gatherRows(table: number, width: number, ids: number, n: number, out: number, ldOut: number): void;
  scatterAddRows(src: number, ldSrc: number, ids: number, n: number, width: number, table: number): void;

  /** Runs `iterations` of a register-resident f32x4 multiply-add loop; returns a lane sum (keeps it live). */
  peakProbe(iterations: number): number;
  /** Floating-point operations per probe iteration. */
  peakProbeFlopsPerIteration(): number;

  // ---- fused recurrent layers (assembly/recurrent.ts); `work` is the gemm workspace ----
  // `rows` of the `batch` rows of every step run, from the given pointers on; the forwards'
  // team, member, members: a team that splits one row's hidden units (0, 0, 1: none).
  lstmForward(
    steps: number,
    batch: number,
    rows: number,
    hidden: number,
    reverse: number,
    gates: number,
    weightHh: number,
    biasIh: number,
    biasHh: number,
    h0: number,
    c0: number,
    out: number,
    ldOut: number,
    cells: number,
    tanhCells: number,
    hN: number,
    cN: number,
    packedHh: number,
    work: number,
    inputRows: number,
    ids: number,
    team: number,
    member: number,
    members: number,
  ): void;
  lstmBackward(
    steps: number,
    batch: number,
    rows: number,
    hidden: number,
    reverse: number,
    gates: number,
    cells: number,
    tanhCells: number,
    c0: number,
    weightHh: number,
    dOut: number,
    ldOut: number,
    dhN: number,
    dcN: number,
    dGates: number,
    dh0: number,
    dc0: number,
    work: number,
    initialGradient: number,
    inputRowsGrad: number,
    ids: number,
  ): void;
  gruForward(
    steps: number,
    batch: number,
    rows: number,
    hidden: number,
    reverse: number,
    gates: number,
    weightHh: number,
    biasIh: number,
    biasHh: number,
    h0: number,
    out: number,
    ldOut: number,
    hiddenN: number,
    rec: number,
    hN: number,
    packedHh: number,
    work: number,
    inputRows: number,
    ids: number,
    team: number,
    member: number,
    members: number,
  ): void;
  gruBackward(
    steps: number,
    batch: number,
    rows: number,
    hidden: number,
    reverse: number,
    gates: number,
    hiddenN: number,
    h0: number,
    out: number,
    ldOut: number,
    weightHh: number,
    dOut: number,
    dhN: number,
    dGatesIh: number,
    dGatesHh: number,
    dh0: number,
    work: number,
    initialGradient: number,
    inputRowsGrad: number,
    ids: number,
  ): void;
  rnnForward(
    steps: number,
    batch: number,
    rows: number,
    hidden: number,
    reverse: number,
    gates: number,
    weightHh: number,
    biasIh: number,
    biasHh: number,
    h0: number,
    out: number,
    ldOut: number,
    hN: number,
    packedHh: number,
    work: number,
    inputRows: number,
    ids: number,
    team: number,
    member: number,
    members: number,
  ): void;
  rnnBackward(
    steps: number,
    batch: number,
    rows: number,
    hidden: number,
    reverse: number,
    gates: number,
    weightHh: number,
    dOut: number,
    ldOut: number,
    dhN: number,
    dGates: number,
    dh0: number,
    work: number,
    initialGradient: number,
    inputRowsGrad: number,
    ids: number,
  ): void;
  packRecurrentWeights(weightHh: number, rows: number, cols: number, packed: number): void;
  decodeGreedy(
    cell: number,
    tokens: number,
    hidden: number,
    outputs: number,
    weightHh: number,
    biasIh: number,
    biasHh: number,
    packedHh: number,
    inputRows: number,
    h: number,
    c: number,
    packedOut: number,
    outBias: number,
    ids: number,
    exclude: number,
    scratch: number,
    logits: number,
    team: number,
    member: number,
    members: number,
  ): void;
  transpose(src: number, rows: number, cols: number, dst: number, accumulate: number): void;
}

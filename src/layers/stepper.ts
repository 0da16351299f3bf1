// Step-by-step inference for generation: one fused kernel call per layer and
// direction per token, the state carried between calls, nothing recorded and
// nothing allocated per step. Every buffer lives in one small arena of the
// stepper's own (states double-buffered, since a kernel's h0 and hN must not
// alias), so generating does not touch the scratch arena and the memory in use
// stays flat however many tokens are generated. Dropout is off (inference).
// The stepper works on a snapshot of derived weights (W_hh packed for one-row
// steps, layer 0's W_ih transposed for token ids): make a new one after the
// weights change (RNNLM.predict makes one per call).

import { decodeScratchSize, packedRecurrentSize, type Backend, type Ptr } from '../backend/backend.js';
import type { Arena, ArenaSlice } from '../memory/arena.js';
import { cellForward, GATE_COUNT } from './cell-kernels.js';
import type { RecurrentLayer } from './recurrent-layer.js';

/**
 * Step-by-step inference for generation on a fused layer (from {@link RecurrentLayer.stepper}): one
 * kernel call per layer and direction per token, nothing recorded, nothing allocated per step. It works
 * on a snapshot of the weights: make a new one after they change, and dispose() it when done.
 */
export class RecurrentStepper {
  private readonly backend: Backend;
  private readonly arena: Arena;
  private readonly gates: ArenaSlice[]; // per direction: (B, G H), reused by every layer
  private readonly saved: ArenaSlice; // (B, H): c_t (LSTM) or W_hn h + b_hn (GRU)
  private readonly tanhCells: ArenaSlice; // (B, H): tanh(c_t) (LSTM)
  private readonly work: ArenaSlice; // (B, 3H) GRU recurrent product
  private readonly outputs: ArenaSlice[]; // per layer: (B, D H)
  private readonly states: ArenaSlice[]; // two banks of (L D, B, H) hidden states ...
  private readonly cellStates: ArenaSlice[]; // ... and of cell states (LSTM)
  private readonly transposedIh: ArenaSlice[]; // per direction: W_ih^T of layer 0, (V, G H)
  private readonly ids: ArenaSlice; // (B) int32
  private readonly packedHh: ArenaSlice[][] | null; // [layer][direction]: W_hh packed for one-row steps
  private current = 0; // which bank holds the state
  private decoding: { weight: Ptr; packed: ArenaSlice; scratch: ArenaSlice; ids: ArenaSlice } | null = null;

  /** Throws a RangeError unless `batch` is a positive integer. */
  constructor(
    /** The layer whose weights were snapshotted. */
    readonly layer: RecurrentLayer,
    /** Rows stepped together (B). */
    readonly batch: number,
  ) {
    if (!Number.isInteger(batch) || batch < 1)
      throw new RangeError(`stepper: batch must be a positive integer, got ${batch}`);
    this.backend = layer.backend;
    const H = layer.hiddenSize;
    const D = layer.numDirections;
    const G = GATE_COUNT[layer.cell] * H;
    const stateSize = layer.numLayers * D * batch * H;
    this.arena = this.backend.createArena('generation');
    const a = this.arena;
    this.gates = Array.from({ length: D }, () => a.allocate(batch * G));
    this.saved = a.allocate(batch * H);
    this.tanhCells = a.allocate(batch * H);
    this.work = a.allocate(batch * G);
    this.outputs = Array.from({ length: layer.numLayers }, () => a.allocate(batch * D * H));
    this.states = [a.allocate(stateSize), a.allocate(stateSize)];
    this.cellStates = layer.hasCellState ? [a.allocate(stateSize), a.allocate(stateSize)] : [];
    this.transposedIh = Array.from({ length: D }, () => a.allocate(layer.numInputs * G));
    this.ids = a.allocate(batch);
    // The weights are fixed while generating: with one row, pack W_hh once for the faster product.
    this.packedHh =
      batch === 1 ? layer.weights.map((dirs) => dirs.map(() => a.allocate(packedRecurrentSize(G, H)))) : null;
    this.packedHh?.forEach((dirs, l) =>
      dirs.forEach((slice, d) => this.backend.packRecurrentWeights(layer.weights[l][d].weightHh.ptr, G, H, slice.ptr)),
    );
    // ... and layer 0's W_ih transposed once, for token ids (a row per id).
    layer.weights[0].forEach((w, d) =>
      this.backend.transpose(w.weightIh.ptr, G, layer.numInputs, this.transposedIh[d].ptr, false),
    );
    this.reset();
  }

  /** Back to the zero state. */
  reset(): void {
    for (const s of [...this.states, ...this.cellStates]) this.backend.fill(s.ptr, 0, s.length);
    this.current = 0;
  }

  /** The top layer's output of the last step: (B, D H) at this element offset (valid until dispose). */
  get output(): Ptr {
    return this.outputs[this.outputs.length - 1].ptr;
  }

  /** Hidden state (layers * directions, B, H) as a copy. */
  hiddenState(): Float64Array {
    return Float64Array.from(this.states[this.current].view());
  }

  /** One step on one token id per batch row (ids index layer 0's inputs, a vocabulary); returns `output`. */
  stepTokens(ids: ArrayLike<number>): Ptr {
    const layer = this.layer;
    if (ids.length !== this.batch) throw new RangeError(`stepper: expected ${this.batch} ids, got ${ids.length}`);
    const ints = this.backend.heap.ints;
    const base = this.backend.heap.intIndex(this.ids.ptr);
    for (let b = 0; b < this.batch; b++) {
      const id = ids[b];
      if (!Number.isInteger(id) || id < 0 || id >= layer.numInputs) {
        throw new RangeError(`stepper: token id ${id} is outside [0, ${layer.numInputs})`);
      }
      ints[base + b] = id;
    }
    return this.step(null);
  }

  /** One step on dense inputs x (B, numInputs) at element offset `x`; returns `output`. */
  stepInputs(x: Ptr): Ptr {
    return this.step(x);
  }

  /** Whether decodeGreedy runs on this stepper: one layer, one direction, one row. */
  get canDecodeGreedy(): boolean {
    return this.layer.numLayers === 1 && this.layer.numDirections === 1 && this.batch === 1;
  }

  /**
   * Greedy decoding in one kernel call (Kernels.decodeGreedy): steps on token `firstId`, then
   * `count - 1` times on the token just chosen, each chosen as the largest logit of the output layer
   * (outputWeight (V, H) and outputBias (V), element offsets) other than `exclude` (-1: none).
   * Returns the `count` chosen ids; the state moves on as with as many stepTokens calls, and `output`
   * is the last step's. The output weights are read (and packed) at the first call: they must not
   * change while the stepper lives. Throws unless canDecodeGreedy, or for an id outside [0, V).
   */
  decodeGreedy(firstId: number, count: number, outputWeight: Ptr, outputBias: Ptr, exclude: number): Int32Array {
    const { backend, layer } = this;
    if (!this.canDecodeGreedy) {
      throw new RangeError('stepper: decodeGreedy needs one layer, one direction and batch 1');
    }
    if (!Number.isInteger(firstId) || firstId < 0 || firstId >= layer.numInputs) {
      throw new RangeError(`stepper: token id ${firstId} is outside [0, ${layer.numInputs})`);
    }
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`stepper: count must be a non-negative integer, got ${count}`);
    const H = layer.hiddenSize;
    const V = layer.numInputs; // a language model: its outputs are its inputs' vocabulary
    if (this.decoding === null || this.decoding.weight !== outputWeight) {
      const a = this.arena;
      const packed = a.allocate(packedRecurrentSize(V, H));
      backend.packRecurrentWeights(outputWeight, V, H, packed.ptr);
      const scratch = a.allocate(decodeScratchSize(layer.cell, H, V));
      this.decoding = { weight: outputWeight, packed, scratch, ids: a.allocate(count + 1) };
    }
    const d = this.decoding;
    if (d.ids.length < count + 1) d.ids = this.arena.allocate(count + 1);
    const idBase = backend.heap.intIndex(d.ids.ptr);
    backend.heap.ints[idBase] = firstId;
    const w = layer.weights[0][0];
    const h = this.states[this.current].ptr;
    const c = layer.hasCellState ? this.cellStates[this.current].ptr : -1;
    // prettier-ignore
    backend.decodeGreedy(
      layer.cell, count, H, V, w.weightHh.ptr, w.biasIh.ptr, w.biasHh.ptr, this.packedHh![0][0].ptr,
      this.transposedIh[0].ptr, h, c, outputWeight, d.packed.ptr, outputBias, d.ids.ptr, exclude, d.scratch.ptr,
    );
    if (count > 0) backend.copy(h, this.output, H);
    return backend.heap.ints.slice(idBase + 1, idBase + 1 + count);
  }

  /** Returns the stepper's memory to the heap; it must not be used afterwards. */
  dispose(): void {
    this.arena.dispose();
  }

  private step(x: Ptr | null): Ptr {
    const { backend, layer, batch } = this;
    const H = layer.hiddenSize;
    const D = layer.numDirections;
    const G = GATE_COUNT[layer.cell] * H;
    const stateSize = batch * H;
    const from = this.current;
    const to = 1 - from;
    for (let l = 0; l < layer.numLayers; l++) {
      const out = this.outputs[l].ptr;
      const inWidth = l === 0 ? layer.numInputs : D * H;
      const input = l === 0 ? x : this.outputs[l - 1].ptr;
      layer.weights[l].forEach((w, d) => {
        const gates = this.gates[d].ptr;
        // Token ids: the kernel reads each id's row of W_ih^T itself; dense inputs: project them first.
        const inputRows = input === null ? this.transposedIh[d].ptr : -1;
        const ids = input === null ? this.ids.ptr : -1;
        if (input !== null) {
          backend.gemm(false, true, batch, G, inWidth, 1, input, inWidth, w.weightIh.ptr, inWidth, 0, gates, G);
        }
        const slot = (l * D + d) * stateSize;
        const hasCell = layer.cell === 'lstm';
        cellForward(backend, layer.cell, {
          steps: 1,
          batch,
          hidden: H,
          reverse: d === 1,
          gates,
          weightHh: w.weightHh.ptr,
          biasIh: w.biasIh.ptr,
          biasHh: w.biasHh.ptr,
          h0: this.states[from].ptr + slot,
          c0: hasCell ? this.cellStates[from].ptr + slot : -1,
          out: out + d * H,
          ldOut: D * H,
          saved: this.saved.ptr,
          tanhCells: this.tanhCells.ptr,
          work: this.work.ptr,
          hN: this.states[to].ptr + slot,
          cN: hasCell ? this.cellStates[to].ptr + slot : -1,
          packedHh: this.packedHh ? this.packedHh[l][d].ptr : -1,
          inputRows,
          ids,
        });
      });
    }
    this.current = to;
    return this.output;
  }
}

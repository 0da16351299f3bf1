// A copy of the parameters' values in an arena of its own, one copy kernel per
// contiguous run: what the Trainer restores after a divergence (the last good
// epoch) and at the end of a keep-best run (the best epoch).

import type { NamedTensor } from '../io/safetensors.js';
import type { Arena } from '../memory/arena.js';
import { runPointers } from '../nn/parameter-store.js';
import { ParameterLayout, type RunBuffer } from '../optim/parameter-layout.js';
import type { Tensor } from '../tensor/tensor.js';

/** A copy of a set of parameters' values (Trainer: last good epoch, best epoch). */
export class ParameterSnapshot {
  private readonly layout: ParameterLayout;
  private readonly arena: Arena | null;
  private readonly buffer: RunBuffer;

  /** Allocates the copy (not yet taken: call capture()). */
  constructor(parameters: Map<string, Tensor>) {
    this.layout = new ParameterLayout(parameters, 'ParameterSnapshot');
    this.arena = this.layout.backend?.createArena('parameter snapshot') ?? null;
    this.buffer = this.arena ? this.layout.allocate(this.arena) : [];
  }

  /** Copies the parameters' current values into the snapshot. */
  capture(): void {
    this.layout.runs.forEach((run, i) => run.backend.copy(runPointers(run).values, this.buffer[i].ptr, run.length));
  }

  /** Copies the snapshot back into the parameters. */
  restore(): void {
    this.layout.runs.forEach((run, i) => run.backend.copy(this.buffer[i].ptr, runPointers(run).values, run.length));
  }

  /** The snapshot per parameter name (float32 copies). */
  export(): Map<string, NamedTensor> {
    return this.layout.exportBuffer(this.buffer);
  }

  /** Fills the snapshot from exported tensors (every parameter name, same shapes). */
  load(tensors: Map<string, NamedTensor>, what: string): void {
    this.layout.importBuffer(this.buffer, tensors, '', what);
  }

  /** Returns the copy's memory to the heap. */
  dispose(): void {
    this.arena?.dispose();
  }
}

// Buffers shaped like a set of parameters. Optimiser state (momentum, Adam's m
// and v) and snapshots of the parameters (the last good state, the best epoch)
// mirror the parameters' contiguous runs: one arena slice per run, element i
// of the slice belonging to element i of the run, so that an update or a copy
// is one kernel call per run. The layout also maps each named parameter to its
// place in a run, which is how such a buffer is exported under parameter names
// (for a file) and imported again.

import type { Backend } from '../backend/backend.js';
import type { NamedTensor } from '../io/safetensors.js';
import type { Arena, ArenaSlice } from '../memory/arena.js';
import { contiguousRuns, type ParameterRun } from '../nn/parameter-store.js';
import type { Tensor } from '../tensor/tensor.js';

/** Where a named parameter sits: run `run`, elements [offset, offset + tensor.size) of it. */
interface Placement {
  name: string;
  tensor: Tensor;
  run: number;
  offset: number;
}

/** A buffer of a layout: one slice per run, in the layout's run order. */
export type RunBuffer = ArenaSlice[];

/** The runs of a set of parameters and each named parameter's place in them. */
export class ParameterLayout {
  readonly runs: ParameterRun[];
  /** The backend of every run; null when there are no parameters. */
  readonly backend: Backend | null;
  private readonly placements: Placement[];

  /**
   * @param parameters named parameters (a Module's `parameters()`), or plain tensors, which are then
   *   named by their position ('0', '1', ...) as in PyTorch's optimiser state_dict.
   * @param owner names the caller in error messages.
   */
  constructor(parameters: Map<string, Tensor> | Iterable<Tensor>, owner: string) {
    const named: [string, Tensor][] =
      parameters instanceof Map ? [...parameters] : [...parameters].map((tensor, i) => [String(i), tensor]);
    this.runs = contiguousRuns(named.map(([, tensor]) => tensor));
    this.backend = this.runs.length > 0 ? this.runs[0].backend : null;
    if (this.runs.some((run) => run.backend !== this.backend)) {
      throw new Error(`${owner}: the parameters live on several backends`);
    }
    this.placements = named.map(([name, tensor]) => {
      const start = tensor.storage.data.offset + tensor.offset;
      const run = this.runs.findIndex((r) => r.offset <= start && start + tensor.size <= r.offset + r.length);
      return { name, tensor, run, offset: start - this.runs[run].offset };
    });
  }

  /** A zero-filled buffer in `arena`. Read each slice's `ptr` only after every allocation. */
  allocate(arena: Arena): RunBuffer {
    const buffer = this.runs.map((run) => arena.allocate(run.length));
    for (const slice of buffer) this.backend?.fill(slice.ptr, 0, slice.length);
    return buffer;
  }

  /** A float32 copy of the buffer for each named parameter, under `prefix + name`, with its shape. */
  exportBuffer(buffer: RunBuffer, prefix = ''): Map<string, NamedTensor> {
    const out = new Map<string, NamedTensor>();
    for (const { name, tensor, run, offset } of this.placements) {
      const start = buffer[run].ptr + offset;
      const data = Float32Array.from(buffer[run].arena.heap.floats.subarray(start, start + tensor.size));
      out.set(prefix + name, { shape: [...tensor.shape], data });
    }
    return out;
  }

  /**
   * Fills the buffer from `tensors[prefix + name]` for every named parameter; a missing name or a
   * wrong shape throws, naming `what` (e.g. "adam state 'exp_avg'").
   */
  importBuffer(buffer: RunBuffer, tensors: Map<string, NamedTensor>, prefix: string, what: string): void {
    for (const { name, tensor, run, offset } of this.placements) {
      const saved = tensors.get(prefix + name);
      if (!saved) throw new Error(`${what} lacks '${prefix + name}'`);
      if (saved.shape.join() !== tensor.shape.join() || saved.data.length !== tensor.size) {
        throw new Error(
          `${what}: '${prefix + name}' has shape [${saved.shape}] (${saved.data.length} values) ` +
            `but the parameter has shape [${tensor.shape}]`,
        );
      }
      buffer[run].arena.heap.floats.set(saved.data, buffer[run].ptr + offset);
    }
  }

  /** The names buffers are exported under (without prefix). */
  get names(): string[] {
    return this.placements.map((p) => p.name);
  }
}

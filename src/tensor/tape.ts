// The autograd tape and the step lifecycle.
//
// Every differentiable op appends a node to the tape when it runs. Ops run in
// dependency order, so walking the tape backwards is a reverse topological
// order: `backward` needs no graph search.

export interface TapeNode {
  /** Accumulates this op's input gradients from its output's gradient. */
  backward(): void;
  /** True when the output's gradient was ever allocated (something downstream needed it). */
  hasGradient(): boolean;
}

const nodes: TapeNode[] = [];
let gradDepth = 0; // > 0 inside noGrad
let generation = 0; // advanced whenever the tape is emptied: outputs recorded before belong to a gone graph

/** Which tape the next recorded node joins; a backward or clearTape starts the next one. */
export function tapeGeneration(): number {
  return generation;
}

export function isRecording(): boolean {
  return gradDepth === 0;
}

export function record(node: TapeNode): void {
  if (gradDepth === 0) nodes.push(node);
}

/** Runs `fn` without recording: no graph, no gradients (inference, validation). */
export function noGrad<T>(fn: () => T): T {
  gradDepth++;
  try {
    return fn();
  } finally {
    gradDepth--;
  }
}

/** Runs every recorded node's backward, newest first, then forgets the tape. */
export function runBackward(): void {
  try {
    for (let i = nodes.length - 1; i >= 0; i--) {
      if (nodes[i].hasGradient()) nodes[i].backward();
    }
  } finally {
    nodes.length = 0;
    generation++;
  }
}

/** Number of nodes recorded since the last backward or endStep (for tests). */
export function tapeLength(): number {
  return nodes.length;
}

/** Forgets every recorded node (end of a step, or an abandoned forward pass). */
export function clearTape(): void {
  nodes.length = 0;
  generation++;
}

// d2l's ProgressBoard arithmetic, without the drawing: raw points are buffered
// per curve and every `everyN` of them become one plotted point, the mean of
// their x and of their y. With 10 training batches and 5 validation batches
// per epoch, as in the chapter, that gives 2 training points per epoch and 1
// validation point.

/** One plotted point. */
export interface BoardPoint {
  x: number;
  y: number;
}

/** A board as plain data (JSON-safe): the plotted points and the raw points not yet averaged. */
export interface BoardState {
  curves: Record<string, BoardPoint[]>;
  pending: Record<string, BoardPoint[]>;
}

/** d2l's ProgressBoard: curves of averaged points, by label ('train_ppl', 'val_ppl'). */
export class ProgressBoard {
  readonly curves = new Map<string, BoardPoint[]>();
  private readonly pending = new Map<string, BoardPoint[]>();

  /** A board that continues from `state` (a resumed run keeps drawing the same curves). */
  static fromJSON(state: BoardState): ProgressBoard {
    const board = new ProgressBoard();
    const copy = (points: BoardPoint[]) => points.map(({ x, y }) => ({ x, y }));
    for (const [label, points] of Object.entries(state.curves)) board.curves.set(label, copy(points));
    for (const [label, points] of Object.entries(state.pending)) board.pending.set(label, copy(points));
    return board;
  }

  /** The board as plain data (a resumed run's board continues from it). */
  toJSON(): BoardState {
    const copy = (map: Map<string, BoardPoint[]>) =>
      Object.fromEntries([...map].map(([label, points]) => [label, points.map(({ x, y }) => ({ x, y }))]));
    return { curves: copy(this.curves), pending: copy(this.pending) };
  }

  /** Adds a raw point; every `everyN` raw points of a label become one plotted point, their mean. */
  draw(x: number, y: number, label: string, everyN = 1): void {
    const buffer = this.pending.get(label) ?? [];
    buffer.push({ x, y });
    this.pending.set(label, buffer);
    if (buffer.length < everyN) return;
    const mean = (key: 'x' | 'y') => buffer.reduce((s, p) => s + p[key], 0) / buffer.length;
    const points = this.curves.get(label) ?? [];
    points.push({ x: mean('x'), y: mean('y') });
    this.curves.set(label, points);
    this.pending.set(label, []);
  }
}

// d2l's ProgressBoard arithmetic, without the drawing: raw points are buffered
// per curve and every `everyN` of them become one plotted point, the mean of
// their x and of their y. With 10 training batches and 5 validation batches
// per epoch, as in the chapter, that gives 2 training points per epoch and 1
// validation point.

export interface BoardPoint {
  x: number;
  y: number;
}

export class ProgressBoard {
  readonly curves = new Map<string, BoardPoint[]>();
  private readonly pending = new Map<string, BoardPoint[]>();

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

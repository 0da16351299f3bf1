// A one-line terminal progress bar: epoch, batches, loss, tokens/s, ETA.
// It writes through a function, so the core stays free of node: imports.

export interface ProgressBarOptions {
  write: (text: string) => void;
  /** Columns available (default 100). */
  width?: number;
}

export class ProgressBar {
  private lastLength = 0;

  constructor(private readonly options: ProgressBarOptions) {}

  update(info: {
    epoch: number;
    maxEpochs: number;
    batch: number;
    numBatches: number;
    loss: number;
    tokensPerSecond: number;
    etaSeconds: number;
  }): void {
    const slots = 20;
    const done = Math.round((info.batch / Math.max(info.numBatches, 1)) * slots);
    const bar = '#'.repeat(done) + '-'.repeat(slots - done);
    const line =
      `epoch ${info.epoch}/${info.maxEpochs} [${bar}] ${info.batch}/${info.numBatches}` +
      ` loss ${info.loss.toFixed(4)} ppl ${Math.exp(info.loss).toFixed(2)}` +
      ` ${formatRate(info.tokensPerSecond)} tok/s ETA ${formatDuration(info.etaSeconds)}`;
    const clipped = line.slice(0, (this.options.width ?? 100) - 1);
    this.options.write(`\r${clipped}${' '.repeat(Math.max(0, this.lastLength - clipped.length))}`);
    this.lastLength = clipped.length;
  }

  /** Clears the bar so that a normal line can be printed. */
  clear(): void {
    if (this.lastLength > 0) this.options.write(`\r${' '.repeat(this.lastLength)}\r`);
    this.lastLength = 0;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function formatRate(rate: number): string {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)}M` : rate >= 1e3 ? `${(rate / 1e3).toFixed(1)}k` : rate.toFixed(0);
}

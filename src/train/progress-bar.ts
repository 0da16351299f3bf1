// A one-line terminal progress bar, redrawn in place for each batch of an epoch:
//
//   epoch 12/50  [##########------]   6/10  ppl 8.41  412k tok/s  ETA 1m05s
//
// tok/s counts the training tokens of this epoch over the time spent on them; the ETA is for the
// whole run. The line is fitted to the terminal (the bar goes first, then the rate), so it never
// wraps. It writes through a function, so the core stays free of node: imports.

export interface ProgressBarOptions {
  write: (text: string) => void;
  /** Terminal columns (default 80). */
  width?: number;
}

export interface ProgressInfo {
  /** 1-based. */
  epoch: number;
  maxEpochs: number;
  /** Batches done in this epoch (1-based) and in all. */
  batch: number;
  numBatches: number;
  loss: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

const BAR_SLOTS = 16;

export class ProgressBar {
  private lastLength = 0;

  constructor(private readonly options: ProgressBarOptions) {}

  update(info: ProgressInfo): void {
    const line = fitLine(progressParts(info), (this.options.width ?? 80) - 1);
    this.options.write(`\r${line}${' '.repeat(Math.max(0, this.lastLength - line.length))}`);
    this.lastLength = line.length;
  }

  /** Clears the bar so that a normal line can be printed. */
  clear(): void {
    if (this.lastLength > 0) this.options.write(`\r${' '.repeat(this.lastLength)}\r`);
    this.lastLength = 0;
  }
}

/** The pieces of the line, most important first within each optional group. */
function progressParts(info: ProgressInfo): { epoch: string; bar: string; count: string; rest: string[] } {
  const done = Math.round((info.batch / Math.max(info.numBatches, 1)) * BAR_SLOTS);
  return {
    epoch: `epoch ${String(info.epoch).padStart(String(info.maxEpochs).length)}/${info.maxEpochs}`,
    bar: `[${'#'.repeat(done)}${'-'.repeat(BAR_SLOTS - done)}]`,
    count: `${String(info.batch).padStart(String(info.numBatches).length)}/${info.numBatches}`,
    rest: [
      `ppl ${formatPerplexity(Math.exp(info.loss))}`,
      `${formatCount(info.tokensPerSecond)} tok/s`,
      `ETA ${formatDuration(info.etaSeconds)}`,
    ],
  };
}

/** The longest form of the line that fits in `columns`: drops the bar, then the trailing fields. */
function fitLine(parts: ReturnType<typeof progressParts>, columns: number): string {
  const candidates = [
    [parts.epoch, parts.bar, parts.count, ...parts.rest],
    [parts.epoch, parts.count, ...parts.rest],
    [parts.epoch, parts.count, parts.rest[0], parts.rest[2]],
    [parts.epoch, parts.count],
  ];
  for (const fields of candidates) {
    const line = fields.join('  ');
    if (line.length <= columns) return line;
  }
  return candidates[candidates.length - 1].join('  ').slice(0, Math.max(columns, 0));
}

function formatPerplexity(ppl: number): string {
  if (!Number.isFinite(ppl)) return String(ppl);
  return ppl >= 1000 ? formatCount(ppl) : ppl.toFixed(2);
}

/** 146365 -> "146k", 1_234_567 -> "1.23M", 999 -> "999": three significant figures. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '?';
  const units: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (Math.abs(value) >= size) return `${Number((value / size).toPrecision(3))}${suffix}`;
  }
  return String(Math.round(value));
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

// The terminal progress bar: fitted to the terminal's width (never wraps), numbers people can read.
import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, ProgressBar, type ProgressInfo } from '../../src/train/progress-bar.js';

function render(info: ProgressInfo, width: number): string {
  let text = '';
  const bar = new ProgressBar({ write: (s) => (text = s), width });
  bar.update(info);
  return text.replace(/^\r/, '').trimEnd();
}

const typical: ProgressInfo = {
  epoch: 12,
  maxEpochs: 50,
  batch: 6,
  numBatches: 10,
  loss: Math.log(8.41),
  tokensPerSecond: 412_345.6,
  etaSeconds: 65,
};

describe('ProgressBar', () => {
  it('shows epoch, bar, batches, perplexity, rate and ETA in 80 columns', () => {
    const line = render(typical, 80);
    expect(line).toBe('epoch 12/50  [##########------]   6/10  ppl 8.41  412k tok/s  ETA 1m05s');
    expect(line.length).toBeLessThan(80);
  });

  it('never writes a line as wide as the terminal, whatever the numbers', () => {
    const extremes: ProgressInfo[] = [
      typical,
      { ...typical, epoch: 1000, maxEpochs: 1000, batch: 12345, numBatches: 12345 },
      { ...typical, loss: 40, tokensPerSecond: 2.5e9, etaSeconds: 1e7 },
      { ...typical, loss: NaN, tokensPerSecond: Infinity, etaSeconds: NaN },
    ];
    for (const info of extremes) {
      for (let width = 20; width <= 200; width += 7) {
        expect(render(info, width).length).toBeLessThan(width);
      }
    }
  });

  it('drops the bar before the numbers when the terminal is narrow', () => {
    const line = render(typical, 60);
    expect(line).not.toContain('[');
    expect(line).toContain('ppl 8.41');
    expect(line).toContain('412k tok/s');
  });

  it('clears what it drew', () => {
    const writes: string[] = [];
    const bar = new ProgressBar({ write: (s) => writes.push(s), width: 80 });
    bar.update(typical);
    bar.clear();
    const drawn = writes[0].length - 1;
    expect(writes[1]).toBe(`\r${' '.repeat(drawn)}\r`);
  });
});

describe('formatCount and formatDuration', () => {
  it('gives three significant figures with a unit instead of raw counts', () => {
    expect(formatCount(146365)).toBe('146k');
    expect(formatCount(1_234_567)).toBe('1.23M');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1000)).toBe('1k');
    expect(formatCount(45_400)).toBe('45.4k');
    expect(formatCount(Infinity)).toBe('?');
  });

  it('writes seconds, minutes and hours compactly', () => {
    expect(formatDuration(9.6)).toBe('10s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3h07m');
    expect(formatDuration(NaN)).toBe('?');
  });
});

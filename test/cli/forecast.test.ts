// `lstm-simd forecast` as a user runs it, on the committed monthly fixture (Nino 1+2 sea surface
// temperature, NOAA): the forecast must beat the seasonal-naive baseline's validation RMSE, and
// bad arguments or files give one clear line.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, expectOneLineError } from '../support/cli.js';

const FIXTURE = resolve(__dirname, '../fixtures/series/nino12-sst.csv');

interface Summary {
  origins: number;
  errors: Record<string, { rmse: number; mae: number; count: number; perStep: { rmse: number }[] }>;
  next: number[];
  epochs: { trainLoss: number; valLoss: number }[];
}

describe('lstm-simd forecast', () => {
  const out = mkdtempSync(join(tmpdir(), 'lstm-simd-forecast-'));

  it('beats the seasonal-naive and last-value baselines on the real monthly fixture (validation RMSE)', async () => {
    const json = join(out, 'sst.json');
    const args = ['--csv', FIXTURE, '--column', 'sst', '--date-column', 'month', '--lookback', '24', '--horizon', '6'];
    const result = await cli(['forecast', ...args, '--out', out, '--json', json, '--quiet']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/732 values from 1950-01 to 2010-12 every 1 month/);
    expect(result.stdout).toMatch(/validation: 141 origins from 1998-11 to 2010-07, 6 steps ahead each/);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as Summary;
    const model = summary.errors['LSTM (direct)'];
    const seasonal = summary.errors['seasonal naive (12)'];
    const last = summary.errors['last value'];
    // The same 141 origins x 6 steps for all three.
    for (const e of [model, seasonal, last]) expect(e.count).toBe(141 * 6);
    expect(model.rmse).toBeLessThan(seasonal.rmse);
    expect(model.rmse).toBeLessThan(last.rmse);
    expect(model.mae).toBeLessThan(seasonal.mae);
    // The baselines, computed here from the fixture on the same origins, agree with the command's.
    const values = readFileSync(FIXTURE, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    let squares = 0;
    for (let o = 586; o <= 726; o++) for (let h = 0; h < 6; h++) squares += (values[o + h - 12] - values[o + h]) ** 2;
    expect(seasonal.rmse).toBeCloseTo(Math.sqrt(squares / (141 * 6)), 10);
    expect(summary.next).toHaveLength(6);
    for (const v of summary.next) expect(v).toBeGreaterThan(15); // degrees Celsius, back in the column's units
    const svg = readFileSync(join(out, 'sst-forecast.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('seasonal naive (12)');
    expect(svg.match(/<path /g)).toHaveLength(3); // actual, LSTM, seasonal naive
  });

  it('forecasts recursively with a one-step model', async () => {
    const json = join(out, 'recursive.json');
    const args = ['--csv', FIXTURE, '--column', 'sst', '--lookback', '12', '--horizon', '3', '--strategy', 'recursive'];
    const result = await cli(['forecast', ...args, '--epochs', '5', '--model', 'gru', '--out', out, '--json', json]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as Summary;
    expect(Object.keys(summary.errors)).toEqual(['GRU (recursive)', 'seasonal naive (12)', 'last value']);
    expect(summary.errors['GRU (recursive)'].perStep).toHaveLength(3);
    expect(summary.epochs).toHaveLength(5);
  });

  it('rejects bad arguments and files with one clear line', async () => {
    const bad = join(out, 'bad.csv');
    writeFileSync(bad, 'month,sst\n2001-01,20.5\n2001-02,\n2001-03,21\n');
    const base = ['forecast', '--lookback', '2', '--horizon', '1'];
    expectOneLineError(await cli(['forecast', '--csv', FIXTURE]), /forecast needs --csv FILE, --column NAME/);
    expectOneLineError(
      await cli([...base, '--csv', join(out, 'none.csv'), '--column', 'x']),
      /cannot read CSV file .*none\.csv: no such file/,
    );
    expectOneLineError(
      await cli([...base, '--csv', FIXTURE, '--column', 'temp']),
      /nino12-sst\.csv: no column 'temp' in the header \(columns: 'month', 'sst'\)/,
    );
    expectOneLineError(
      await cli([...base, '--csv', bad, '--column', 'sst']),
      /bad\.csv: line 3 \(data row 2\), column 'sst': missing value \(an empty cell\)/,
    );
    expectOneLineError(
      await cli([...base, '--csv', FIXTURE, '--column', 'sst', '--lookback', '700', '--horizon', '12']),
      /the training part \(586 values\) is shorter than one window \(lookback 700 \+ horizon 12\)/,
    );
    expectOneLineError(
      await cli([...base, '--csv', FIXTURE, '--column', 'sst', '--strategy', 'magic']),
      /--strategy must be one of direct, recursive/,
    );
    expectOneLineError(
      await cli([...base, '--csv', FIXTURE, '--column', 'sst', '--horizon', '0']),
      /--horizon must be an integer >= 1/,
    );
  });

  it('is listed in the overview and has its own help', async () => {
    expect((await cli(['--help'])).stdout).toMatch(/lstm-simd forecast +train a sequence regressor/);
    const help = await cli(['forecast', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: lstm-simd forecast --csv FILE --column NAME --lookback N --horizon H/);
  });
});

// The lab's tasks: every label recomputed from the tokens by the task's rule, the checksum task's
// claim that its last digit alone says nothing (so chance is the baseline), and the data module's
// seeding (fresh training batches per epoch, fixed validation batches).
import { describe, expect, it } from 'vitest';
import { checksumTask, markupTask, resetTask, SequenceTaskData } from '../../src/lab/tasks.js';
import { Random } from '../../src/util/random.js';

describe('checksum task', () => {
  const T = 12;
  const task = checksumTask(T);
  const batch = task.batch(new Random(1), 20_000);

  it('labels say whether the last digit is greater than the first', () => {
    for (let b = 0; b < batch.batchSize; b++) {
      const first = batch.X[b * T];
      const last = batch.X[b * T + T - 1];
      expect(first).not.toBe(last);
      expect(batch.Y[b]).toBe(last > first ? 1 : 0);
    }
  });

  it('the last digit alone says nothing: P(label 1 | last digit) is 1/2 for every last digit', () => {
    const ones = new Array(10).fill(0);
    const counts = new Array(10).fill(0);
    for (let b = 0; b < batch.batchSize; b++) {
      const last = batch.X[b * T + T - 1];
      counts[last]++;
      ones[last] += batch.Y[b];
    }
    expect(counts[0] + counts[9]).toBe(0); // 1..8 only, so that both answers are possible
    for (let d = 1; d <= 8; d++) expect(Math.abs(ones[d] / counts[d] - 0.5)).toBeLessThan(0.03); // ~2500 each: 3 sigma
  });

  it('the digits in between are uniform and independent of the label', () => {
    const histogram = [new Array(10).fill(0), new Array(10).fill(0)];
    for (let b = 0; b < batch.batchSize; b++) {
      for (let t = 1; t < T - 1; t++) histogram[batch.Y[b]][batch.X[b * T + t]]++;
    }
    for (const h of histogram) {
      const total = h.reduce((a: number, v: number) => a + v, 0);
      for (const count of h) expect(Math.abs(count / total - 0.1)).toBeLessThan(0.005);
    }
  });

  it('is reproducible from the generator and rejects a bad length', () => {
    expect(task.batch(new Random(7), 5)).toEqual(task.batch(new Random(7), 5));
    expect(task.batch(new Random(7), 5)).not.toEqual(task.batch(new Random(8), 5));
    expect(() => checksumTask(1)).toThrow(/numSteps must be an integer >= 2, got 1/);
  });
});

describe('markup and reset tasks', () => {
  it('markup: labels are the majority of high digits, and the rest is markup', () => {
    const T = 20;
    const task = markupTask(T, 5);
    const batch = task.batch(new Random(2), 500);
    for (let b = 0; b < batch.batchSize; b++) {
      const row = Array.from({ length: T }, (_, t) => batch.X[b * T + t]);
      const digits = row.filter((id) => task.roles[id] === 'digit');
      expect(digits).toHaveLength(5);
      expect(row.filter((id) => task.roles[id] === 'filler')).toHaveLength(T - 5);
      expect(batch.Y[b]).toBe(digits.filter((d) => d >= 5).length >= 3 ? 1 : 0);
    }
    expect(() => markupTask(10, 4)).toThrow(/numDigits must be an odd positive integer/);
  });

  it('reset: labels are the majority of high digits after the last marker, an odd number of them', () => {
    const T = 30;
    const task = resetTask(T);
    const marker = task.tokens.indexOf('|');
    const batch = task.batch(new Random(3), 500);
    for (let b = 0; b < batch.batchSize; b++) {
      const row = Array.from({ length: T }, (_, t) => batch.X[b * T + t]);
      const lastMarker = row.lastIndexOf(marker);
      const tail = row.slice(lastMarker + 1);
      expect(lastMarker).toBeGreaterThanOrEqual(0);
      expect(tail.length % 2).toBe(1);
      expect(tail.length).toBeGreaterThanOrEqual(3);
      expect(batch.Y[b]).toBe(2 * tail.filter((d) => d >= 5).length > tail.length ? 1 : 0);
    }
  });
});

describe('SequenceTaskData', () => {
  it('draws fresh training batches every epoch and the same validation batches, all from the seed', () => {
    const make = () =>
      new SequenceTaskData(checksumTask(6), { batchSize: 4, numTrainBatches: 2, numValBatches: 2, seed: 5 });
    const data = make();
    const epoch1 = [...data.trainBatches()];
    const epoch2 = [...data.trainBatches()];
    expect(epoch1).toHaveLength(2);
    expect(epoch2[0].X).not.toEqual(epoch1[0].X);
    expect([...data.valBatches()]).toEqual([...data.valBatches()]);
    expect([...make().trainBatches()]).toEqual(epoch1);
    expect(
      () => new SequenceTaskData(checksumTask(6), { batchSize: 0, numTrainBatches: 1, numValBatches: 1, seed: 1 }),
    ).toThrow(/batchSize must be a positive integer/);
  });
});

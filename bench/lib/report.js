// Output: the console table, the target lines, and the JSON rows.

import { formatMs } from './measure.js';
import { peakOf, singleThreadLabel, threadsOf } from './suite.js';

/** Throughput as printed: GFLOP/s with two decimals, element rates with an SI prefix. */
export function formatThroughput(value, unit) {
  if (value === undefined || !Number.isFinite(value)) return '-';
  if (unit === 'GFLOP/s') return `${(value / 1e9).toFixed(value >= 1e11 ? 0 : 2)} GFLOP/s`;
  const base = unit === 'elements/s' ? 'elem' : unit.replace(/\/s$/, '');
  /** @type {[number, string][]} */
  const prefixes = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, prefix] of prefixes) {
    if (value >= scale) return `${(value / scale).toFixed(1)} ${prefix}${base}/s`;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** Ratio and % of peak for every measured row; `reference` is the wasm label ratios are taken against. */
export function derive(rows, peaks, reference) {
  return rows.map((row) => {
    const out = { ...row };
    if (row.throughput === undefined) return out;
    const ref = rows.find((r) => r.case === row.case && r.suite === row.suite && r.backend === reference);
    if (ref?.throughput) out.ratio = row.throughput / ref.throughput;
    if (threadsOf(row.backend) > 1) {
      // A threaded backend against one thread of the same build: the speed-up threads give.
      const single = singleThreadLabel(row.backend);
      const one = rows.find((r) => r.case === row.case && r.suite === row.suite && r.backend === single);
      if (one?.throughput) out.threadSpeedup = row.throughput / one.throughput;
    }
    const bestPeak = peakOf(peaks, row.backend);
    const peak = row.peakAlongside ?? bestPeak;
    const flopsPerSecond = row.unit === 'GFLOP/s' ? row.throughput : row.gflops;
    if (flopsPerSecond && peak && !row.isPeak) out.percentOfPeak = (100 * flopsPerSecond) / peak;
    // A probe well below its best means something else was using the core: the % is less reliable.
    const busy = [];
    if (row.peakAlongside && bestPeak && row.peakAlongside < 0.85 * bestPeak) {
      busy.push(`probe ran at ${((100 * row.peakAlongside) / bestPeak).toFixed(0)}% of its best`);
    }
    // Samples far apart mean interference too (a long call cannot dodge preemption).
    if (row.samples >= 3 && row.medianMs > 1.25 * row.minMs) {
      busy.push(`fastest sample ${((100 * (row.medianMs - row.minMs)) / row.medianMs).toFixed(0)}% below the median`);
    }
    if (busy.length > 0) out.busy = `noisy: ${busy.join(', ')}`;
    return out;
  });
}

/** The rows of one suite as a text table, a blank line between groups. */
export function formatTable(rows, reference) {
  const header = ['case', 'backend', 'median', 'throughput', `vs ${reference}`, '% peak', 'samples', ''];
  const align = ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l'];
  const lines = [];
  let group;
  for (const row of rows) {
    if (group !== undefined && row.group !== group) lines.push(null);
    group = row.group;
    const notes = [];
    if (row.problem) notes.push(`WRONG RESULT: ${row.problem}`);
    if (row.skipped) notes.push(`skipped: ${row.skipped}`);
    if (row.threadSpeedup !== undefined) {
      notes.push(`${row.threadSpeedup.toFixed(2)}x ${singleThreadLabel(row.backend)} (1 thread)`);
    }
    if (row.busy) notes.push(row.busy);
    if (row.note) notes.push(row.note);
    lines.push([
      row.case,
      row.backend,
      row.medianMs === undefined ? '-' : formatMs(row.medianMs),
      formatThroughput(row.throughput, row.unit),
      row.ratio === undefined ? '' : `${row.ratio >= 10 ? row.ratio.toFixed(0) : row.ratio.toFixed(2)}x`,
      row.percentOfPeak === undefined ? '' : `${row.percentOfPeak.toFixed(0)}%`,
      row.samples === undefined ? '' : row.reps > 1 ? `${row.samples}x${row.reps}` : String(row.samples),
      notes.join('; '),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.filter(Boolean).map((l) => l[i].length)));
  const render = (cells) =>
    cells
      .map((cell, i) =>
        align[i] === 'r' ? cell.padStart(widths[i]) : i === cells.length - 1 ? cell : cell.padEnd(widths[i]),
      )
      .join('  ')
      .trimEnd();
  const rule = widths
    .slice(0, -1)
    .map((w) => '-'.repeat(w))
    .join('  ');
  return [render(header), rule, ...lines.map((l) => (l ? render(l) : ''))].join('\n');
}

export function formatTargets(lines) {
  const width = Math.max(...lines.map((l) => l.title.length));
  return lines.map((l) => `${l.status.padEnd(5)}  ${l.title.padEnd(width)}  ${l.detail}`).join('\n');
}

/** Rows for --json: one {suite, case, backend, metric, value, unit} per figure. */
export function jsonRows(env, rows, targetsBySuite, reference) {
  const out = [];
  const push = (suite, caseName, backend, metric, value, unit) => {
    if (value !== undefined && value !== null && !(typeof value === 'number' && !Number.isFinite(value))) {
      out.push({ suite, case: caseName, backend, metric, value, unit });
    }
  };
  for (const [key, value] of Object.entries(env)) push('env', key, '', key, value, '');
  for (const r of rows) {
    if (r.throughput === undefined) {
      push(r.suite, r.case, r.backend, 'skipped', r.skipped ?? 'not measured', '');
      continue;
    }
    push(r.suite, r.case, r.backend, 'median_time', r.medianMs, 'ms');
    push(r.suite, r.case, r.backend, 'min_time', r.minMs, 'ms');
    push(r.suite, r.case, r.backend, 'mad_time', r.madMs, 'ms');
    push(r.suite, r.case, r.backend, 'throughput', r.unit === 'GFLOP/s' ? r.throughput / 1e9 : r.throughput, r.unit);
    if (r.unit !== 'GFLOP/s') push(r.suite, r.case, r.backend, 'nominal_gflops', r.gflops && r.gflops / 1e9, 'GFLOP/s');
    push(r.suite, r.case, r.backend, `ratio_vs_${reference}`, r.ratio, 'x');
    push(r.suite, r.case, r.backend, 'ratio_vs_1_thread', r.threadSpeedup, 'x');
    push(r.suite, r.case, r.backend, 'percent_of_peak', r.percentOfPeak, '%');
    push(r.suite, r.case, r.backend, 'peak_alongside', r.peakAlongside && r.peakAlongside / 1e9, 'GFLOP/s');
    push(r.suite, r.case, r.backend, 'samples', r.samples, 'count');
    push(r.suite, r.case, r.backend, 'result_ok', r.problem ? 0 : 1, 'bool');
  }
  for (const [suite, lines] of targetsBySuite) {
    for (const l of lines)
      push(suite, `target: ${l.title}`, l.backend, 'pass', l.pass === undefined ? undefined : l.pass ? 1 : 0, 'bool');
  }
  return out;
}

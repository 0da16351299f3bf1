// The lab end to end: every cell learns the checksum task at length 10 in the quick configuration
// (the acceptance test); a tiny run of every section gives a complete report; the HTML page is
// self-contained; the text summary has the tables.
import { describe, expect, it } from 'vitest';
import { createBackend } from '../../src/index.js';
import { runChecksum } from '../../src/lab/checksum.js';
import { runLab } from '../../src/lab/lab.js';
import { labReportHtml, labSummary } from '../../src/lab/report.js';
import { labSettings } from '../../src/lab/settings.js';
import { readCorpusText } from '../support/corpus.js';

describe('lstm-simd lab', () => {
  it('at length 10 every cell learns the checksum task (accuracy >= 0.95) in the quick configuration', async () => {
    const backend = await createBackend('wasm', { build: 'simd' });
    const settings = { ...labSettings(true).checksum, lengths: [10] };
    const { result } = await runChecksum(settings, 1, backend);
    expect(result.runs.map((r) => r.cell)).toEqual(['rnn', 'gru', 'lstm']);
    for (const run of result.runs) expect(run.accuracy, run.cell).toBeGreaterThanOrEqual(0.95);
  });

  it('runs every section and renders a self-contained report', async () => {
    const backend = await createBackend('wasm', { build: 'simd' });
    const settings = labSettings(true, 3);
    const tiny = { epochs: 1, stepsPerEpoch: 5, valBatches: 1, batchSize: 16 };
    settings.checksum = { ...settings.checksum, ...tiny, lengths: [8, 12] };
    settings.gradients = { ...settings.gradients, ...tiny, length: 12, measureBatch: 8 };
    settings.gates = { ...settings.gates, ...tiny, markupLength: 12, resetLength: 12 };
    settings.tanh = { ...settings.tanh, epochs: 1, batchSize: 256 };
    const messages: string[] = [];
    const report = await runLab(['tanh', 'gates', 'gradients', 'checksum'], {
      settings,
      text: readCorpusText(),
      backend,
      onProgress: (m) => messages.push(m),
    });
    expect(report.sections).toEqual(['checksum', 'gradients', 'gates', 'tanh']);
    expect(report.checksum!.runs).toHaveLength(6);
    for (const cell of report.gradients!.cells) {
      expect(cell.trained.hidden).toHaveLength(12);
      expect(cell.trained.fusedScratchDifference).toBeLessThan(1e-6);
    }
    expect(report.gradients!.cells[2].trained.forgetProductMean).toHaveLength(12);
    expect(report.gates!.tasks.map((t) => t.task)).toEqual(['markup', 'reset']);
    expect(report.gates!.tasks[1].runs[0].trace.F).toHaveLength(12);
    expect(report.tanh!.runs.map((r) => r.outputTanh)).toEqual([true, false]);
    expect(report.tanh!.runs[0].hidden.max).toBeLessThan(1); // |o tanh(c)| < 1 always
    expect(messages.length).toBeGreaterThanOrEqual(6 + 3 + 4 + 2);
    expect(report.seconds.total).toBeGreaterThan(0);

    const html = labReportHtml(report);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg")/i); // nothing to fetch or run (the SVG namespace is a name)
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(1 + 4 + 4 + 1);
    expect(html).toContain('Π f');
    expect(html).toContain('&quot;seed&quot;: 3'); // the settings, escaped inside <pre>
    const summary = labSummary(report);
    expect(summary).toMatch(/checksum accuracy \(chance 0\.5\)/);
    expect(summary).toMatch(/gradient flow at length 12/);
    expect(summary).toMatch(/O\*tanh\(C\)/);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // the numbers survive --json
  });

  it('refuses an unknown section and the tanh section without text', async () => {
    await expect(runLab(['bogus' as never])).rejects.toThrow(/unknown section 'bogus'/);
    await expect(runLab(['tanh'])).rejects.toThrow(/'tanh' section needs options.text/);
  });
});

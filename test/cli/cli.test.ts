// The command line, run as a user runs it: `node bin/lstm-simd.js ...` on the
// built package (npm test builds first). Bad input gives one clear line and a
// non-zero exit, never a stack trace.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, expectOneLineError } from '../support/cli.js';
import { corpusPath } from '../support/corpus.js';

describe('lstm-simd command line', () => {
  const out = mkdtempSync(join(tmpdir(), 'lstm-simd-cli-'));
  const emptyCache = mkdtempSync(join(tmpdir(), 'lstm-simd-cache-'));

  it('rejects bad arguments with one clear line', async () => {
    expectOneLineError(await cli(['train', '--epochs', 'many']), /--epochs must be an integer >= 1, got 'many'/);
    expectOneLineError(await cli(['train', '--model', 'transformer']), /--model must be one of lstm-scratch/);
    expectOneLineError(await cli(['train', '--lr=-1']), /--lr must be a positive number, got '-1'/);
    expectOneLineError(await cli(['train', '--lr', '-1']), /Option '--lr' argument is ambiguous/);
    expectOneLineError(await cli(['train', '--backend', 'gpu']), /--backend must be one of wasm, js/);
    expectOneLineError(await cli(['train', '--bogus']), /Unknown option '--bogus'/);
    expectOneLineError(await cli(['fly']), /unknown command 'fly'/);
    expectOneLineError(await cli(['generate']), /generate needs --checkpoint FILE/);
    expectOneLineError(
      await cli(['train', '--layers', '2']),
      /lstm-scratch is one of d2l's single-layer scratch cells/,
    );
    expectOneLineError(
      await cli(['train', '--model', 'lstm', '--dropout', '1']),
      /--dropout must be a number in \[0, 1\)/,
    );
    expectOneLineError(
      await cli(['lab', 'everything']),
      /the section must be one of checksum, gradients, gates, tanh, all/,
    );
    expectOneLineError(await cli(['lab', 'gates', '--seed=-1']), /--seed must be an integer >= 0, got '-1'/);
    expectOneLineError(
      await cli(['lab', 'tanh', '--quick', '--data', join(out, 'nope.txt')], { LSTM_SIMD_CACHE: emptyCache }),
      /nope\.txt/,
    );
  });

  it("prints the overview and each command's help", async () => {
    const overview = await cli(['--help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toMatch(/lstm-simd train +train the d2l/);
    expect(overview.stdout).toMatch(/lstm-simd generate +generate text/);
    expect(overview.stdout).toMatch(/lstm-simd lab +the vanishing-gradient lab/);
    for (const command of ['train', 'generate', 'lab']) {
      const help = await cli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: lstm-simd ${command}`));
      expect(help.stderr).toBe('');
    }
  });

  it('reports a missing data file and a missing checkpoint clearly', async () => {
    expectOneLineError(
      await cli(['train', '--data', join(out, 'nope.txt'), '--epochs', '1'], { LSTM_SIMD_CACHE: emptyCache }),
      /nope\.txt/,
    );
    expectOneLineError(
      await cli(['generate', '--checkpoint', join(out, 'missing.safetensors')]),
      /cannot read model file .*missing.safetensors: ENOENT/,
    );
    const junk = join(out, 'junk.safetensors');
    writeFileSync(junk, 'definitely not a checkpoint');
    expectOneLineError(
      await cli(['generate', '--checkpoint', junk]),
      /not a safetensors file|not an lstm-simd checkpoint/,
    );
  });

  it('trains, saves a checkpoint, a plot and the history, and generates from the checkpoint', async () => {
    const json = join(out, 'history.json');
    const result = await cli([
      'train',
      '--data',
      corpusPath(),
      '--epochs',
      '2',
      '--hidden',
      '16',
      '--out',
      out,
      '--json',
      json,
      '--seed',
      '3',
      '--quiet',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /epoch 1\/2 +train ppl \d+\.\d\d +val ppl \d+\.\d\d +\d+\.\d\d s +\d+(\.\d+)?[kM]? tok\/s/,
    );
    expect(result.stdout).toMatch(/predict\('it has', 50\): "it has.{50}"/);
    const summary = result.stdout.trim().split('\n').pop()!;
    expect(summary).toMatch(/^final: train perplexity \d+\.\d\d, val perplexity \d+\.\d\d after 2 epochs/);

    const history = JSON.parse(readFileSync(json, 'utf8'));
    expect(history.epochs).toHaveLength(2);
    for (const e of history.epochs) {
      expect(e.trainPerplexity).toBeGreaterThan(1);
      expect(e.trainPerplexity).toBeLessThan(28); // below the uniform baseline after an epoch
      expect(e.valPerplexity).toBeGreaterThan(1);
      expect(e.seconds).toBeGreaterThan(0);
    }
    const svg = readFileSync(join(out, 'lstm-scratch-perplexity.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('>training perplexity</text>');
    expect(svg).toContain('>validation perplexity</text>');
    expect(svg).toMatch(/>epoch<\/text>/);
    expect(svg).toMatch(/rotate\(-90[^>]*>perplexity<\/text>/);
    const checkpoint = join(out, 'lstm-scratch.safetensors');
    expect(existsSync(checkpoint)).toBe(true);

    const generated = await cli(['generate', '--checkpoint', checkpoint, '--prefix', 'time', '--num', '30']);
    expect(generated.code).toBe(0);
    expect(generated.stdout.replace(/\n$/, '')).toMatch(/^time[a-z <>]{30}$/);
    const sampled = await cli([
      'generate',
      '--checkpoint',
      checkpoint,
      '--num',
      '40',
      '--temperature',
      '0.8',
      '--seed',
      '1',
    ]);
    const again = await cli([
      'generate',
      '--checkpoint',
      checkpoint,
      '--num',
      '40',
      '--temperature',
      '0.8',
      '--seed',
      '1',
    ]);
    expect(sampled.stdout).toBe(again.stdout);
    expect(sampled.stdout.replace(/\n$/, '')).toHaveLength('it has'.length + 40);
  });

  it('lab writes the HTML report and the JSON numbers and prints the summary', async () => {
    const html = join(out, 'lab', 'gates.html');
    const json = join(out, 'lab', 'gates.json');
    const result = await cli(['lab', 'gates', '--quick', '--html', html, '--json', json, '--seed', '2']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^gates: LSTM on markup: accuracy \d\.\d{3}$/m);
    expect(result.stdout).toMatch(/gates on markup \(mean over the units the head weighs most, by the token read\):/);
    expect(result.stdout).toMatch(/^time: \d+\.\d s \(gates \d+\.\d s\) on wasm-/m);
    expect(result.stdout.trim().split('\n').pop()).toBe(`wrote ${html} and ${json}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('Skipping and resetting');
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.sections).toEqual(['gates']);
    expect(report.settings.seed).toBe(2);
    expect(report.gates.tasks[0].runs[0].accuracy).toBeGreaterThan(0.5);
  });
});

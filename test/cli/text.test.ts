// The command line on any text, run as a user runs it (`node bin/lstm-simd.js` on the built
// package): train --text at word and character level keeping case and punctuation, generate from
// the checkpoint with sampling options, the sweep's table and picture, and one clear line for
// each bad input.

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, epochLines, expectOneLineError } from '../support/cli.js';
import { readCorpusText } from '../support/corpus.js';

describe('lstm-simd on any text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lstm-simd-text-'));
  // The book's opening as it is written: capitals, punctuation, line breaks.
  const book = join(dir, 'book.txt');
  writeFileSync(book, readCorpusText().slice(0, 12_000));

  it('trains a word model on a text file and generates from its checkpoint, words joined by spaces', async () => {
    const out = join(dir, 'word');
    const args = ['train', '--text', book, '--level', 'word', '--epochs', '2', '--hidden', '16'];
    const result = await cli([
      ...args,
      '--batch-size',
      '8',
      '--num-steps',
      '8',
      '--out',
      out,
      '--seed',
      '1',
      '--quiet',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^lstm \(d2l .*words\): \d+ parameters, hidden 16, embedding 16 \(tied\), lm-dropout 0.5/,
    );
    expect(result.stdout).toMatch(
      /corpus .*book\.txt: \d+ words, charset all, vocab \d+; \d+ training and \d+ validation windows, 8 apart/,
    );
    expect(result.stdout).toMatch(/predict\('The Time Machine', 20\): "The Time Machine.{20,}"/);
    const checkpoint = join(out, 'lstm-word.safetensors');
    expect(existsSync(checkpoint)).toBe(true);
    expect(existsSync(join(out, 'lstm-word-perplexity.svg'))).toBe(true);

    const greedy = await cli([
      'generate',
      '--checkpoint',
      checkpoint,
      '--prefix',
      'The  Time\nTraveller',
      '--num',
      '12',
    ]);
    expect(greedy.stderr).toBe('');
    // The prefix as the model reads it, then 12 tokens: words after a space, punctuation marks after their word.
    expect(greedy.stdout).toMatch(/^The Time Traveller\S* \S/);
    expect(greedy.stdout).not.toContain('  ');
    const sampled = ['generate', '--checkpoint', checkpoint, '--prefix', 'The', '--num', '30', '--temperature', '0.9'];
    const a = await cli([...sampled, '--top-k', '20', '--top-p', '0.9', '--seed', '3']);
    const b = await cli([...sampled, '--top-k', '20', '--top-p', '0.9', '--seed', '3']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toContain('<unk>');
    expectOneLineError(
      await cli(['generate', '--checkpoint', checkpoint, '--prefix', 'The xylophone']),
      /the vocabulary has no "xylophone"/,
    );
    expectOneLineError(
      await cli(['generate', '--checkpoint', checkpoint, '--top-p', '1.5']),
      /--top-p must be in \(0, 1\]/,
    );
  });

  it('resumes a word model on a text file bit for bit, and refuses another text or other text options', async () => {
    const small = ['--text', book, '--level', 'word', '--hidden', '16', '--batch-size', '8', '--num-steps', '8'];
    const common = ['--seed', '2', '--quiet'];
    const once = await cli(['train', ...small, ...common, '--epochs', '3', '--out', join(dir, 'once')]);
    expect(once.stderr).toBe('');
    const split = join(dir, 'split');
    const first = await cli(['train', ...small, ...common, '--epochs', '2', '--out', split]);
    expect(first.code).toBe(0);
    const checkpoint = join(split, 'lstm-word.safetensors');
    // The text's path comes from the checkpoint; its settings too (word level, stride, fraction, tying).
    const resumed = await cli(['train', '--resume', checkpoint, '--epochs', '3', '--quiet', '--out', split]);
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout).toMatch(/hidden 16, embedding 16 \(tied\), lm-dropout 0.5/);
    expect(resumed.stdout).toMatch(/book\.txt: \d+ words, charset all, .* 8 apart; resuming .* after epoch 2/);
    expect([...epochLines(first.stdout), ...epochLines(resumed.stdout)]).toEqual(epochLines(once.stdout));
    expect(epochLines(once.stdout)).toHaveLength(3);

    const other = join(dir, 'other.txt');
    writeFileSync(other, readFileSync(book, 'utf8').replace('Time', 'Tide'));
    expectOneLineError(
      await cli(['train', '--resume', checkpoint, '--text', other, '--epochs', '4', '--out', split]),
      /the corpus .*other\.txt \(SHA-1 [0-9a-f]{40}\) is not the one the checkpoint was trained on/,
    );
    for (const option of [
      ['--level', 'char'],
      ['--stride', '1'],
      ['--tie-weights', 'off'],
      ['--min-freq', '2'],
    ]) {
      expectOneLineError(
        await cli(['train', '--resume', checkpoint, ...option]),
        new RegExp(`${option[0]} cannot be given with --resume: the checkpoint fixes it`),
      );
    }
    expectOneLineError(
      await cli(['train', '--resume', checkpoint, '--data', book]),
      /--data: the checkpoint was trained on .*book\.txt, not on the Time Machine/,
    );
  });

  it('trains a character model that keeps case and punctuation', async () => {
    const out = join(dir, 'char');
    const result = await cli([
      'train',
      '--text',
      book,
      '--model',
      'gru',
      '--epochs',
      '1',
      '--hidden',
      '16',
      '--batch-size',
      '64',
      '--out',
      out,
      '--quiet',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\d+ characters, charset all, vocab (\d+);/);
    const vocabSize = Number(/vocab (\d+);/.exec(result.stdout)![1]);
    expect(vocabSize).toBeGreaterThan(60); // capitals, digits, punctuation, newline
    const generated = await cli([
      'generate',
      '--checkpoint',
      join(out, 'gru.safetensors'),
      '--prefix',
      'The Time',
      '--num',
      '20',
    ]);
    expect(generated.stdout.startsWith('The Time')).toBe(true);
  });

  it('sweeps a grid and writes the table and the picture', async () => {
    const out = join(dir, 'sweep');
    const result = await cli([
      'sweep',
      '--text',
      book,
      '--hidden',
      '8,16',
      '--lr',
      '1,2',
      '--num-steps',
      '16',
      '--epochs',
      '1',
      '--batch-size',
      '32',
      '--out',
      out,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\[4\/4\] hidden 16, lr 2, 16 steps: val ppl \d+\.\d\d/);
    const table = readFileSync(join(out, 'sweep.md'), 'utf8').trim().split('\n');
    expect(table[2]).toMatch(/^\| hidden \| lr \| num steps \| parameters \| train ppl \| val ppl/);
    expect(table.slice(4)).toHaveLength(4);
    expect(table[4]).toMatch(/^\| 8 \| 1 \| 16 \| \d+ \| \d+\.\d\d \| \d+\.\d\d/);
    expect(readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n')).toHaveLength(5);
    expect(JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')).rows).toHaveLength(4);
    const svg = readFileSync(join(out, 'sweep.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('hidden 16');
    expect(svg).toContain('16 steps');
    expect((svg.match(/<circle/g) ?? []).length).toBe(8); // 4 models x (perplexity, seconds)
  });

  it('rejects bad text options with one clear line', async () => {
    const binary = join(dir, 'binary.txt');
    writeFileSync(binary, Uint8Array.from([0x66, 0x6f, 0xff, 0xfe, 0x00]));
    const tiny = join(dir, 'tiny.txt');
    writeFileSync(tiny, 'Too short.');
    expectOneLineError(
      await cli(['train', '--text', join(dir, 'nope.txt')]),
      /cannot read the text file .*nope\.txt: no such file/,
    );
    expectOneLineError(await cli(['train', '--text', binary]), /binary\.txt is not valid UTF-8/);
    expectOneLineError(
      await cli(['train', '--text', tiny, '--epochs', '1']),
      /tiny\.txt: a corpus of 10 tokens has 0 window/,
    );
    expectOneLineError(await cli(['train', '--text', book, '--data', book]), /--text and --data both name a corpus/);
    expectOneLineError(await cli(['train', '--level', 'sentence']), /--level must be one of char, word/);
    expectOneLineError(await cli(['train', '--val-fraction', '1']), /--val-fraction must be a number in \(0, 1\)/);
    expectOneLineError(
      await cli(['train', '--embedding', '8']),
      /embeddingDim, lmDropout and tieWeights need a concise model/,
    );
    expectOneLineError(
      await cli(['train', '--level', 'word', '--embedding', '8', '--hidden', '16']),
      /tieWeights needs embeddingDim = the recurrent output width 16, got 8/,
    );
    expectOneLineError(
      await cli(['sweep', '--hidden', '8,x']),
      /--hidden must be a comma-separated list of positive integers/,
    );
  });
});

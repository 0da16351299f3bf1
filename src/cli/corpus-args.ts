// The corpus options `train` and `sweep` share: which text (the Time Machine, or any UTF-8 file with
// --text), how it becomes tokens (--level, --case, --charset, --min-freq), and how it is cut into
// windows (--stride, --val-fraction). The book's characters keep d2l's pipeline exactly; any other
// text keeps its case and characters, and is split by fraction into windows that do not overlap.

import { resolve } from 'node:path';
import type { Charset } from '../data/text-format.js';
import { TimeMachine } from '../data/time-machine.js';
import type { Vocab } from '../data/vocab.js';
import { resolveTimeMachineText } from '../node/corpus.js';
import { choice, integer, text, UsageError, type OptionSpec, type ParsedArgs } from './args.js';
import type { TextSettings } from './run-state.js';
import { readTextFile } from './text-file.js';

/** The parseArgs entries of the corpus options. */
export const CORPUS_OPTIONS: OptionSpec = {
  text: { type: 'string' },
  data: { type: 'string' },
  level: { type: 'string' },
  case: { type: 'string' },
  charset: { type: 'string' },
  'min-freq': { type: 'string' },
  stride: { type: 'string' },
  'val-fraction': { type: 'string' },
};

/** Their help lines. */
export const CORPUS_USAGE = `  --text FILE         train on this UTF-8 text instead of the Time Machine
  --data PATH         timemachine.txt (default: cache, else download with SHA-1 check)
  --level LEVEL       char | word: tokens are characters, or words and punctuation marks (default char)
  --case CASE         lower | keep (default: lower for the Time Machine, keep for --text)
  --charset SET       letters | all | the characters to keep, others becoming spaces
                      (default: letters for the Time Machine, as d2l; all for --text)
  --min-freq N        tokens seen fewer times become <unk> (default 0: keep all)
  --stride N          tokens between windows (default 1 for the Time Machine's characters, as d2l;
                      num-steps otherwise)
  --val-fraction F    the last fraction of the windows validates (default: d2l's 10,000 + 5,000
                      windows for the Time Machine's characters; 0.1 otherwise)`;

/** The corpus options, validated. */
export interface CorpusChoice {
  level: 'char' | 'word';
  /** --text FILE, or undefined for the Time Machine. */
  textFile?: string;
  /** --data PATH (the Time Machine's file). */
  dataPath?: string;
  lowercase: boolean;
  charset: Charset;
  minFreq: number;
  /** Given --stride (else d2l's 1 for the book's characters, numSteps otherwise). */
  stride?: number;
  /** Given or default --val-fraction; undefined: d2l's fixed windows. */
  valFraction?: number;
}

/** Reads and checks the corpus options (UsageError on a bad one). */
export function corpusChoice(args: ParsedArgs): CorpusChoice {
  const textFile = text(args.text, 'text');
  const dataPath = text(args.data, 'data');
  if (textFile && dataPath) throw new UsageError('--text and --data both name a corpus: give one');
  const level = choice(args.level, 'level', ['char', 'word'] as const, 'char');
  const d2lData = !textFile && level === 'char';
  const given = args['val-fraction'];
  const valFraction = given === undefined ? (d2lData ? undefined : 0.1) : Number(given);
  if (
    given !== undefined &&
    (typeof given !== 'string' || given.trim() === '' || !(valFraction! > 0 && valFraction! < 1))
  ) {
    throw new UsageError(`--val-fraction must be a number in (0, 1), got '${String(given)}'`);
  }
  return {
    level,
    textFile,
    dataPath,
    lowercase: choice(args.case, 'case', ['lower', 'keep'] as const, textFile ? 'keep' : 'lower') === 'lower',
    charset: text(args.charset, 'charset') ?? (textFile ? 'all' : 'letters'),
    minFreq: integer(args['min-freq'], 'min-freq', 0, 0),
    stride: args.stride === undefined ? undefined : integer(args.stride, 'stride', 1),
    valFraction,
  };
}

/** The chosen text, where it came from and its SHA-1 (a warning for a Time Machine file with another checksum). */
export async function readCorpus(corpus: CorpusChoice): Promise<{ text: string; source: string; sha1: string }> {
  if (corpus.textFile) return { ...(await readTextFile(corpus.textFile)), source: corpus.textFile };
  const resolved = await resolveTimeMachineText({ path: corpus.dataPath });
  if (resolved.warning) console.error(`lstm-simd: warning: ${resolved.warning}`);
  return { text: resolved.text, source: resolved.source, sha1: resolved.sha1 };
}

/**
 * The batches of the chosen corpus (with `vocab`, a checkpoint's, its ids); a text too short for the
 * windows is a UsageError naming it.
 */
export function corpusData(
  corpus: CorpusChoice,
  text: string,
  { batchSize, numSteps, seed, vocab }: { batchSize: number; numSteps: number; seed: number; vocab?: Vocab },
): TimeMachine {
  const d2lData = !corpus.textFile && corpus.level === 'char';
  try {
    return new TimeMachine({
      text,
      batchSize,
      numSteps,
      seed,
      vocab,
      tokenizer: corpus.level,
      lowercase: corpus.lowercase,
      charset: corpus.charset,
      minFreq: corpus.minFreq,
      stride: corpus.stride ?? (d2lData ? 1 : numSteps),
      ...(corpus.valFraction !== undefined && { valFraction: corpus.valFraction }),
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(`${corpus.textFile ?? 'the corpus'}: ${error.message.replace(/^TimeMachine: /, '')}`);
  }
}

/** A one-line description of the data: tokens, format, vocabulary, windows. */
export function describeData(data: TimeMachine, source: string): string {
  const format = data.vocab.textFormat;
  return (
    `corpus ${source}: ${data.corpus.length} ${data.tokenizer === 'word' ? 'words' : 'characters'}` +
    `${format?.lowercase ? ', lowercased' : ''}, charset ${format?.charset ?? 'all'}, vocab ${data.vocab.length}; ` +
    `${data.numTrain} training and ${data.numVal} validation windows, ${data.stride} apart`
  );
}

/** What a checkpoint records of the corpus options (the stride and fraction as the data used them). */
export function textSettings(corpus: CorpusChoice, data: TimeMachine): TextSettings {
  return {
    file: corpus.textFile === undefined ? null : resolve(corpus.textFile),
    level: corpus.level,
    lowercase: corpus.lowercase,
    charset: corpus.charset,
    minFreq: corpus.minFreq,
    stride: data.stride,
    valFraction: corpus.valFraction ?? null,
  };
}

/**
 * The corpus options of a resumed run, from its checkpoint (d2l's without a record); --text may name
 * the file again (it must be the same text), --data the Time Machine's.
 */
export function recordedCorpus(recorded: TextSettings | undefined, args: ParsedArgs): CorpusChoice {
  const textFile = text(args.text, 'text');
  const dataPath = text(args.data, 'data');
  if (!recorded) {
    if (textFile) throw new UsageError('--text: the checkpoint was trained on the Time Machine, not on a text file');
    return { ...corpusChoice({}), dataPath };
  }
  if (recorded.file === null && textFile) {
    throw new UsageError('--text: the checkpoint was trained on the Time Machine, not on a text file');
  }
  if (recorded.file !== null && dataPath) {
    throw new UsageError(`--data: the checkpoint was trained on ${recorded.file}, not on the Time Machine`);
  }
  return {
    level: recorded.level,
    textFile: recorded.file === null ? undefined : (textFile ?? recorded.file),
    dataPath,
    lowercase: recorded.lowercase,
    charset: recorded.charset,
    minFreq: recorded.minFreq,
    stride: recorded.stride,
    valFraction: recorded.valFraction ?? undefined,
  };
}

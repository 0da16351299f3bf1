// The data pipeline: browser-safe (no node: imports).

export {
  CorpusChecksumError,
  decodeText,
  fetchVerified,
  loadTimeMachineText,
  sha1Hex,
  TIME_MACHINE_FILE_NAME,
  TIME_MACHINE_SHA1,
  TIME_MACHINE_URL,
  type FetchFunction,
  type TimeMachineSource,
} from './corpus.js';
export {
  buildCorpus,
  TimeMachine,
  type BuiltCorpus,
  type CorpusOptions,
  type TimeMachineOptions,
  type TokenBatch,
} from './time-machine.js';
export {
  D2L_TEXT_FORMAT,
  joinTokens,
  normalizeText,
  textFormat,
  tokenizeText,
  type Charset,
  type TextFormat,
} from './text-format.js';
export { preprocess, tokenize, tokenizeChars, tokenizeWords, type Tokenizer } from './tokenize.js';
export { compareCodePoints, UNK_TOKEN, Vocab, type TokenFreq, type VocabJSON, type VocabOptions } from './vocab.js';

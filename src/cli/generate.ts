// `lstm-simd generate`: text from a checkpoint written by `lstm-simd train`, or from a language model
// trained in PyTorch (its state_dict as safetensors and its vocabulary as JSON).

import { setBackend } from '../backend/registry.js';
import type { Vocab } from '../data/vocab.js';
import type { RNNLMScratch } from '../models/rnnlm-scratch.js';
import {
  importKerasModelFile,
  importTorchModelFile,
  isKerasFile,
  loadModelFile,
  readModelBytes,
} from '../node/model-files.js';
import { choice, integer, parse, positiveNumber, text, UsageError } from './args.js';
import type { Command } from './command.js';

const USAGE = `Usage: lstm-simd generate (--checkpoint FILE | --weights FILE --vocab FILE) [options]

  --checkpoint FILE   a checkpoint written by 'lstm-simd train' (.safetensors)
  --weights FILE      a PyTorch language model's state_dict as safetensors: nn.LSTM/GRU/RNN (+ nn.Embedding)
                      + nn.Linear, the architecture read from the names and shapes; or a Keras 3
                      .weights.h5 / .keras file ([Embedding] + LSTM/GRU/SimpleRNN + Dense; needs jsfive)
  --vocab FILE        its vocabulary: a JSON list of tokens in index order (json.dump(vocab.idx_to_token, f))
                      or an lstm-simd VocabJSON
  --prefix TEXT       text to warm the state up on (default 'it has')
  --num N             tokens to generate (default 100)
  --temperature T     sample from softmax(logits / T) instead of taking the argmax
  --seed N            seed of the sampling (default 42)
  --backend NAME      wasm | js (default wasm)`;

async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    checkpoint: { type: 'string' },
    weights: { type: 'string' },
    vocab: { type: 'string' },
    prefix: { type: 'string' },
    num: { type: 'string' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
  });
  const file = text(args.checkpoint, 'checkpoint');
  const weights = text(args.weights, 'weights');
  const vocabFile = text(args.vocab, 'vocab');
  if (file && (weights || vocabFile))
    throw new UsageError('give --checkpoint FILE or --weights FILE --vocab FILE, not both');
  if (!file && !(weights && vocabFile)) {
    throw new UsageError(
      weights || vocabFile
        ? `--weights needs --vocab FILE and --vocab needs --weights FILE`
        : 'generate needs --checkpoint FILE (or --weights FILE --vocab FILE)',
    );
  }
  const prefix = args.prefix === undefined ? 'it has' : text(args.prefix, 'prefix')!;
  const num = integer(args.num, 'num', 100, 0);
  const temperature = args.temperature === undefined ? undefined : positiveNumber(args.temperature, 'temperature', 1);
  const seed = integer(args.seed, 'seed', 42, 0);
  const backend = await setBackend(choice(args.backend, 'backend', ['wasm', 'js'] as const, 'wasm'));
  let model: RNNLMScratch;
  let vocab: Vocab | null;
  if (file) ({ model, vocab } = loadModelFile(file, { backend }));
  else if (isKerasFile(readModelBytes(weights!, 'weights'))) {
    ({ model, vocab } = await importKerasModelFile(weights!, vocabFile!, { backend }));
  } else ({ model, vocab } = importTorchModelFile(weights!, vocabFile!, { backend }));
  if (vocab === null) throw new Error(`${file} has no vocabulary to generate text with`);
  const output =
    temperature === undefined
      ? model.predict(prefix, num, vocab)
      : model.sample(prefix, num, vocab, { temperature, seed });
  console.log(output);
  return 0;
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a checkpoint',
  usage: USAGE,
  run,
};

// Writes model files with the package (dist/) for scripts/torch-golden/layers.py, which loads each into
// the matching torch module with load_state_dict(strict=True) and compares the logits:
//   node scripts/torch-golden/write-js-models.mjs test/fixtures/torch/from-js
// Seeded, so the files are the same on every run of the same package version.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, createLanguageModel, endStep, noGrad, saveModel } from '../../dist/index.js';

const out = process.argv[2];
if (!out) throw new Error('usage: node scripts/torch-golden/write-js-models.mjs OUT_DIR');
mkdirSync(out, { recursive: true });
const backend = await createBackend('wasm');
const V = 12;
const specs = [
  { kind: 'lstm', vocabSize: V, numHiddens: 6, numLayers: 2, bidirectional: true, lr: 1, seed: 1 },
  { kind: 'gru', vocabSize: V, numHiddens: 5, embeddingDim: 4, lr: 1, seed: 2 },
  { kind: 'rnn', vocabSize: V, numHiddens: 7, lr: 1, seed: 3 },
];
const X = [
  [1, 5, 0, 11, 3],
  [7, 7, 2, 9, 4],
];
const cases = specs.map((spec) => {
  const model = createLanguageModel(spec, backend);
  const file = `${spec.kind}${spec.embeddingDim ? '-embedding' : ''}.safetensors`;
  writeFileSync(join(out, file), saveModel(model));
  model.eval();
  const logits = noGrad(() => Array.from(model.forward(X.flat(), 2, 5)[0].toArray()));
  endStep(backend);
  return { file, X, logits };
});
writeFileSync(join(out, 'models.json'), JSON.stringify(cases) + '\n');
console.log(`wrote ${cases.length} models to ${out}`);

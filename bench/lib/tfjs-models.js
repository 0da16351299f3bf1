// The same workloads in TensorFlow.js (tf.layers), as a user of tfjs would write them:
//
// - recurrent layers: tf.layers.lstm / gru / simpleRNN with returnSequences: true and
//   recurrentActivation 'sigmoid' (tfjs defaults to 'hardSigmoid', a cheaper piecewise-linear
//   gate; the package and PyTorch use the logistic sigmoid). tfjs's GRU only has the
//   reset-before convention (PyTorch's resets after the recurrent matmul): same matmul work.
//   Weights are drawn with glorotUniform (tfjs's orthogonal default for the recurrent kernel
//   is slow to set up on big matrices; the initialiser does not change the cost of a call).
// - the language model: tf.oneHot of the token ids -> recurrent layer -> dense layer to V,
//   tf.losses.softmaxCrossEntropy (mean over the B x T tokens), tf.train.sgd. tfjs optimisers
//   have no clipping (Keras's clipnorm is per tensor anyway), so the step computes the global
//   norm of all gradients itself (tf.variableGrads, then sqrt of the sum of squares) and
//   scales every gradient by CLIP / max(norm, CLIP) before optimizer.applyGradients: the
//   same work as the package's clipGradients.
//
// Every call runs inside tf.tidy; the loss is read back (dataSync), as a training loop
// that reports its loss does.

import { CLIP, LEARNING_RATE, recordLoss, tokenIds, VOCAB } from './workloads.js';
import { randomFloats } from './fixtures.js';

/** A tfjs recurrent layer of the given cell with H units. */
export function tfRecurrentLayer(tf, cell, H, extra = {}) {
  const common = {
    units: H,
    returnSequences: true,
    kernelInitializer: 'glorotUniform',
    recurrentInitializer: 'glorotUniform',
    ...extra,
  };
  if (cell === 'lstm') return tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid' });
  if (cell === 'gru') return tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' });
  return tf.layers.simpleRNN(common); // activation tanh, as nn.RNN
}

/** The variables a layer or model trains (tf.Variable). */
function variablesOf(layerOrModel) {
  return layerOrModel.trainableWeights.map((w) => w.read());
}

/**
 * A tfjs recurrent layer on dense inputs x (B, T, I): forward(), and forwardBackward() with
 * loss sum(out * R) and the gradients of the layer's weights (tf.variableGrads).
 */
export function tfLayerWorkload(tf, cell, { B, T, H }, I = VOCAB, seed = 11) {
  const layer = tfRecurrentLayer(tf, cell, H, { inputShape: [T, I] });
  const x = tf.tensor3d(randomFloats(B * T * I, seed + 1), [B, T, I]);
  const r = tf.tensor3d(randomFloats(B * T * H, seed + 2), [B, T, H]);
  const small = tf.tensor3d(randomFloats(2 * T * I, seed + 3), [2, T, I]);
  layer.apply(small).dispose(); // builds the weights
  const vars = variablesOf(layer);
  return {
    forward: () => tf.tidy(() => void layer.apply(x).dataSync()),
    smallForward: () => tf.tidy(() => void layer.apply(small).dataSync()),
    forwardBackward: () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x), r)), vars);
        grads[vars[0].name].dataSync();
      }),
    smallForwardBackward: () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(layer.apply(small)), vars);
        grads[vars[0].name].dataSync();
      }),
    /** The last batch row's outputs at the last step, for checks. */
    sampleOutput: () =>
      tf.tidy(() =>
        layer
          .apply(x)
          .slice([B - 1, T - 1, 0], [1, 1, H])
          .dataSync(),
      ),
    dispose: () => {
      for (const t of [x, r, small]) t.dispose();
      layer.dispose();
    },
  };
}

/**
 * One training step inside tf.tidy: the gradients of `lossOf()` with respect to `vars`, scaled by
 * CLIP / max(global norm, CLIP), applied by `optimizer`; returns the loss, read back.
 */
export function clippedStep(tf, optimizer, vars, lossOf) {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(lossOf, vars);
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
    const factor = tf.div(CLIP, tf.maximum(norm, CLIP));
    optimizer.applyGradients(Object.fromEntries(names.map((n) => [n, tf.mul(grads[n], factor)])));
    return value.dataSync()[0];
  });
}

/** The language model: one-hot ids -> recurrent layer (returnSequences) -> dense to V. */
function tfLanguageModel(tf, cell, { T, H }) {
  return tf.sequential({
    layers: [
      tfRecurrentLayer(tf, cell, H, { inputShape: [T, VOCAB] }),
      tf.layers.dense({ units: VOCAB, kernelInitializer: 'glorotUniform' }),
    ],
  });
}

/**
 * The training step of the language model on ids (B, T): one-hot, forward, mean softmax
 * cross-entropy, gradients, global-norm clipping at CLIP, SGD; `forward()` the logits alone.
 */
export function tfLanguageModelWorkload(tf, cell, { B, T, H }, seed = 21) {
  const model = tfLanguageModel(tf, cell, { T, H });
  const vars = variablesOf(model);
  const optimizer = tf.train.sgd(LEARNING_RATE);
  const batchOf = (rows) => ({
    ids: tf.tensor2d(tokenIds(rows * T, seed + 2), [rows, T], 'int32'),
    targets: tf.tensor2d(tokenIds(rows * T, seed + 3), [rows, T], 'int32'),
  });
  const batch = batchOf(B);
  const small = batchOf(Math.min(B, 4));
  const losses = [];

  const step = ({ ids, targets }) =>
    clippedStep(tf, optimizer, vars, () => {
      const x = tf.oneHot(ids, VOCAB).toFloat();
      const y = tf.oneHot(targets, VOCAB).toFloat();
      return tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }));
    });
  const forward = ({ ids }) => tf.tidy(() => void model.apply(tf.oneHot(ids, VOCAB).toFloat()).dataSync());

  return {
    trainingStep: () => recordLoss(losses, step(batch)),
    smallTrainingStep: () => step(small),
    forward: () => forward(batch),
    smallForward: () => forward(small),
    losses,
    dispose: () => {
      for (const t of [batch.ids, batch.targets, small.ids, small.targets]) t.dispose();
      optimizer.dispose();
      model.dispose();
    },
  };
}

/**
 * Generation with B = 1: a stateful copy of the language model (batchInputShape [1, 1, V]),
 * stepped with model.predict once per token, greedy (argMax, read back to feed the next token).
 * generate(n) runs n steps from the first token, as the package's predict(prefix of 1, n).
 */
export function tfGenerationWorkload(tf, cell, H) {
  const model = tf.sequential({
    layers: [
      tfRecurrentLayer(tf, cell, H, { returnSequences: false, stateful: true, batchInputShape: [1, 1, VOCAB] }),
      tf.layers.dense({ units: VOCAB, kernelInitializer: 'glorotUniform' }),
    ],
  });
  const oneHots = Array.from({ length: VOCAB }, (_, id) =>
    tf.tidy(() => tf.oneHot(tf.tensor1d([id], 'int32'), VOCAB).reshape([1, 1, VOCAB])),
  );
  let lastText = [];
  return {
    generate: (steps) => {
      model.resetStates();
      let id = 0;
      const out = [id];
      for (let i = 0; i < steps; i++) {
        id = tf.tidy(() => model.predict(oneHots[id]).argMax(-1).dataSync()[0]);
        out.push(id);
      }
      lastText = out;
    },
    lastIds: () => lastText,
    dispose: () => {
      for (const t of oneHots) t.dispose();
      model.dispose();
    },
  };
}

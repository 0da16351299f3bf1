// Every op's backward against central finite differences, in float64.
import { describe, expect, it } from 'vitest';
import {
  add,
  at,
  concatLast,
  crossEntropy,
  detach,
  maeLoss,
  matmul,
  mean,
  mseLoss,
  mul,
  reshape,
  scale,
  sigmoid,
  stack,
  sub,
  sum,
  tanh,
} from '../../src/tensor/ops.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { float64Reference } from '../support/backends.js';
import { checkGradients, leaf, project } from '../support/gradcheck.js';

describe('autograd ops vs finite differences (float64 js backend)', async () => {
  const backend = await float64Reference();

  it('detach: the same values, and no gradient flows back through it', () => {
    const a = leaf(backend, [2, 3], 40);
    const b = leaf(backend, [2, 3], 41);
    expect(detach(a).toArray()).toEqual(a.toArray());
    const gradientOfA = (build: () => Tensor) => {
      backend.fill(a.gradPtr, 0, a.size);
      project(backend, build(), 42).backward(); // the same projection weights (seed 42) every time
      return a.gradToArray()!;
    };
    const withDetached = gradientOfA(() => add(mul(a, b), detach(a)));
    const without = gradientOfA(() => mul(a, b));
    const withAttached = gradientOfA(() => add(mul(a, b), a));
    expect(withDetached).toEqual(without);
    expect(Math.max(...withAttached.map((g, i) => Math.abs(g - without[i])))).toBeGreaterThan(1e-3);
  });

  it('matmul', () => {
    const a = leaf(backend, [3, 5], 1);
    const b = leaf(backend, [5, 4], 2);
    checkGradients(backend, [a, b], () => project(backend, matmul(a, b), 3));
  });

  it('add with same shape and with a (h) bias broadcast over rows', () => {
    const a = leaf(backend, [4, 3], 4);
    const b = leaf(backend, [4, 3], 5);
    const bias = leaf(backend, [3], 6);
    checkGradients(backend, [a, b, bias], () => project(backend, add(add(a, b), bias), 7));
  });

  it('sub, mul, scale', () => {
    const a = leaf(backend, [2, 5], 8);
    const b = leaf(backend, [2, 5], 9);
    checkGradients(backend, [a, b], () => project(backend, scale(mul(sub(a, b), a), 0.7), 10));
  });

  it('sigmoid and tanh', () => {
    const a = leaf(backend, [3, 4], 11, -4, 4);
    checkGradients(backend, [a], () => project(backend, add(sigmoid(a), tanh(a)), 12));
  });

  it('reshape, at (time step views), stack, concatLast', () => {
    const x = leaf(backend, [3, 2, 4], 13);
    const y = leaf(backend, [3, 2, 2], 14);
    checkGradients(backend, [x, y], () => {
      const steps = [2, 0, 1].map((t) => tanh(concatLast([at(x, t), at(y, t)])));
      return project(backend, reshape(stack(steps), [6, 6]), 15);
    });
  });

  it('sum and mean', () => {
    const a = leaf(backend, [4, 3], 16);
    checkGradients(backend, [a], () => add(sum(mul(a, a)), mean(tanh(a))));
  });

  it('crossEntropy, including large logits', () => {
    const logits = leaf(backend, [5, 7], 17, -3, 3);
    const targets = [0, 6, 3, 3, 1];
    checkGradients(backend, [logits], () => crossEntropy(logits, targets));
    const big = leaf(backend, [2, 3], 18);
    big.assign([1000, -1000, 999, -500, 0, 500]);
    const loss = crossEntropy(big, [2, 1]).item();
    // row 0: logsumexp = 1000 + log(1 + e^-1), minus the target's 999; row 1: 500 - 0
    expect(loss).toBeCloseTo((1 + Math.log(1 + Math.exp(-1)) + 500) / 2, 9);
  });

  it('rejects bad shapes and targets with clear errors', () => {
    const a = leaf(backend, [2, 3], 19);
    const b = leaf(backend, [2, 3], 20);
    expect(() => matmul(a, b)).toThrow(/cannot multiply \[2,3\] by \[2,3\]/);
    expect(() => add(a, leaf(backend, [2], 21))).toThrow(/shapes/);
    expect(() => crossEntropy(a, [0, 3])).toThrow(/target 3 at row 1 is outside \[0, 3\)/);
    expect(() => reshape(a, [4, 2])).toThrow(/cannot view/);
  });
});

describe('regression losses vs finite differences (float64 js backend)', async () => {
  const backend = await float64Reference();

  it('mseLoss, to the prediction and to a target tensor', () => {
    const prediction = leaf(backend, [3, 4], 31, -2, 2);
    const target = leaf(backend, [3, 4], 32, -2, 2);
    checkGradients(backend, [prediction, target], () => mseLoss(tanh(prediction), target));
    checkGradients(backend, [prediction], () => scale(mseLoss(prediction, [...target.toArray()]), 3));
  });

  it('maeLoss away from its kink (every |p - t| >= 0.1, far beyond eps)', () => {
    const prediction = leaf(backend, [2, 5], 33, -1, 1);
    const offsets = leaf(backend, [2, 5], 34, 0.1, 1).toArray();
    const values = prediction.toArray();
    const target = values.map((v, i) => v + (i % 2 ? offsets[i] : -offsets[i]));
    checkGradients(backend, [prediction], () =>
      maeLoss(sigmoid(prediction), [...target.map((t) => 1 / (1 + Math.exp(-t)))]),
    );
    checkGradients(backend, [prediction], () => maeLoss(prediction, [...target]));
  });

  it('maeLoss takes the subgradient 0 at the kink, as torch.sign', () => {
    const prediction = leaf(backend, [4], 35);
    const target = [...prediction.toArray()];
    target[1] += 0.5;
    const loss = maeLoss(prediction, target);
    expect(loss.item()).toBeCloseTo(0.5 / 4, 12);
    loss.backward();
    expect([...prediction.gradToArray()!]).toEqual([0, -0.25, 0, 0]);
  });

  it('reject mismatched sizes and empty predictions with the op name', () => {
    const a = leaf(backend, [2, 3], 36);
    expect(() => mseLoss(a, [1, 2])).toThrow(/mseLoss: 2 targets for a prediction of shape \[2,3\]/);
    expect(() => maeLoss(a, leaf(backend, [3, 2], 37))).toThrow(/maeLoss: shapes \[2,3\] and \[3,2\] differ/);
    expect(() => mseLoss(leaf(backend, [0], 38), [])).toThrow(/mseLoss: the prediction \[0\] is empty/);
  });
});

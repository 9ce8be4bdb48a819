import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { AdamW, learningRate, UnknownGradientError } from './optimizer.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('AdamW', () => {
  let params: Map<string, tf.Variable>;
  afterAll(() => params?.forEach((v) => v.dispose()));

  it('takes one hand-checked step with decoupled decay on matrices only', () => {
    params = new Map<string, tf.Variable>([
      ['w', tf.variable(tf.tensor2d([[1, -2]]))],
      ['norm', tf.variable(tf.tensor1d([1]))],
    ]);
    const opt = new AdamW(params, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, clipNorm: 0 });
    const before = tf.memory().numTensors;
    const norm = opt.apply({ w: tf.tensor2d([[0.5, 0.1]]), norm: tf.tensor1d([0.5]) }, 0.1);
    // Step 1: m_hat = g, v_hat = g^2, so the Adam direction is sign(g); decay multiplies by (1 - lr*wd).
    expect(Array.from(params.get('w')!.dataSync())).toEqual([expect.closeTo(1 * 0.999 - 0.1, 6), expect.closeTo(-2 * 0.999 - 0.1, 6)]);
    expect(params.get('norm')!.dataSync()[0]).toBeCloseTo(0.9, 6);
    expect(norm).toBeCloseTo(Math.sqrt(0.25 + 0.01 + 0.25), 6);
    // Gradients are consumed; only the assigned values replace old ones.
    expect(tf.memory().numTensors).toBe(before);
    // Second step with g = 0: m = 0.9 m1, v = 0.999 v1; direction = (0.9*0.05/0.19) / sqrt(0.999*0.00025/0.001999).
    opt.apply({ w: tf.tensor2d([[0, 0]]), norm: tf.tensor1d([0]) }, 0.1);
    const m1 = 0.05;
    const v1 = 0.00025;
    const dir = (0.9 * m1) / (1 - 0.81) / (Math.sqrt((0.999 * v1) / (1 - 0.999 ** 2)) + 1e-8);
    expect(params.get('w')!.dataSync()[0]).toBeCloseTo((0.999 - 0.1) * 0.999 - 0.1 * dir, 5);
    opt.dispose();
  });

  it('clips the global gradient norm before the moments', () => {
    const p = new Map<string, tf.Variable>([['w', tf.variable(tf.tensor2d([[0, 0]]))]]);
    const opt = new AdamW(p, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 1 });
    const norm = opt.apply({ w: tf.tensor2d([[3, 4]]) }, 0.01);
    expect(norm).toBeCloseTo(5, 6);
    // m = (1 - beta1) * clipped g = 0.1 * [0.6, 0.8]
    const m = Array.from(opt.m.get('w')!.dataSync());
    expect(m[0]).toBeCloseTo(0.06, 6);
    expect(m[1]).toBeCloseTo(0.08, 6);
    opt.dispose();
    p.get('w')!.dispose();
  });
});

describe('AdamW with tf.variableGrads', () => {
  it('maps gradients keyed by tfjs variable names onto our parameter names (and rejects unknown ones)', () => {
    const w = tf.variable(tf.tensor2d([[2, -1]]));
    const p = new Map<string, tf.Variable>([['encoder/w', w]]);
    const opt = new AdamW(p, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 0 });
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(w)) as tf.Scalar, [w]);
    value.dispose();
    expect(Object.keys(grads)).not.toContain('encoder/w');
    opt.apply(grads, 0.5);
    // First Adam step moves every weight by lr against the gradient's sign.
    expect(Array.from(w.dataSync())).toEqual([expect.closeTo(1.5, 6), expect.closeTo(-0.5, 6)]);
    expect(() => opt.apply({ nope: tf.tensor2d([[1, 1]]) }, 0.1)).toThrow(UnknownGradientError);
    opt.dispose();
    w.dispose();
  });
});

describe('learningRate', () => {
  const s = { peakLr: 1e-3, warmupSteps: 10, finalFraction: 0.1 };
  it('warms up linearly, then decays linearly with progress to the final fraction', () => {
    expect(learningRate(s, 0, 0)).toBeCloseTo(1e-4, 12);
    expect(learningRate(s, 9, 0)).toBeCloseTo(1e-3, 12);
    expect(learningRate(s, 10, 0)).toBeCloseTo(1e-3, 12);
    expect(learningRate(s, 50, 0.5)).toBeCloseTo(1e-3 * 0.55, 12);
    expect(learningRate(s, 99, 1)).toBeCloseTo(1e-4, 12);
    expect(learningRate(s, 99, 3)).toBeCloseTo(1e-4, 12);
  });
});

describe('AdamW learning-rate multipliers', () => {
  it('scales the update of parameters whose name starts with a listed prefix, and only those', () => {
    const a = tf.variable(tf.tensor1d([1, 1]), true);
    const b = tf.variable(tf.tensor1d([1, 1]), true);
    const opt = new AdamW(new Map([['composer/query/kernel', a], ['t5/x', b]]), { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 0 }, { 'composer/query': 10 });
    opt.apply({ 'composer/query/kernel': tf.tensor1d([0.5, -2]), 't5/x': tf.tensor1d([0.5, -2]) }, 0.01);
    // Adam's first step moves each weight by lr * g / |g| (bias-corrected moments): -lr * sign(g).
    const da = Array.from(a.dataSync()).map((x) => x - 1);
    const db = Array.from(b.dataSync()).map((x) => x - 1);
    expect(db[0]).toBeCloseTo(-0.01, 6);
    expect(db[1]).toBeCloseTo(0.01, 6);
    expect(da[0]).toBeCloseTo(-0.1, 5);
    expect(da[1]).toBeCloseTo(0.1, 5);
    opt.dispose();
    a.dispose();
    b.dispose();
  });
});

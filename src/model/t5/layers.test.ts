import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { geluTanh } from './feed-forward.ts';
import { linear, maybeDropout, rmsNorm } from './layers.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('rmsNorm', () => {
  it('divides by the root mean square (no mean subtraction, no bias) and scales per feature', () => {
    // x = [1, 2, 3, 4]: mean square 30/4 = 7.5, rms = 2.7386128; weights [1, 1, 2, 0.5].
    const x = tf.tensor2d([[1, 2, 3, 4], [-2, 0, 0, 0]]);
    const w = tf.tensor1d([1, 1, 2, 0.5]);
    const y = rmsNorm(x, w, 1e-6).arraySync();
    const r = Math.sqrt(7.5 + 1e-6);
    const expected = [1 / r, 2 / r, 6 / r, 2 / r];
    y[0]!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    // [-2, 0, 0, 0]: mean square 1 -> [-2 / sqrt(1 + eps), 0, 0, 0] (a layer norm would give non-zeros)
    expect(y[1]![0]).toBeCloseTo(-2 / Math.sqrt(1 + 1e-6), 6);
    expect(y[1]!.slice(1)).toEqual([0, 0, 0]);
    tf.dispose([x, w]);
  });
});

describe('linear', () => {
  it('maps the last axis of a rank-3 tensor', () => {
    const x = tf.tensor3d([[[1, 2], [3, 4]]]);
    const w = tf.tensor2d([[1, 0, 2], [0, 1, -1]]);
    expect(linear(x, w).arraySync()).toEqual([[[1, 2, 0], [3, 4, 2]]]);
    tf.dispose([x, w]);
  });
});

describe('geluTanh', () => {
  it('matches gelu_new at hand-checked points', () => {
    // gelu_new(1) = 0.5 * (1 + tanh(sqrt(2/pi) * 1.044715)) = 0.8411920; gelu_new(-1) = -0.1588080
    const y = geluTanh(tf.tensor1d([0, 1, -1, 3])).arraySync() as number[];
    expect(y[0]).toBe(0);
    expect(y[1]).toBeCloseTo(0.841192, 5);
    expect(y[2]).toBeCloseTo(-0.158808, 5);
    expect(y[3]).toBeCloseTo(2.9963627, 5);
  });
});

describe('maybeDropout', () => {
  it('is the identity unless training', () => {
    const x = tf.ones([100]);
    expect(maybeDropout(x, 0.5, false)).toBe(x);
    const d = maybeDropout(x, 0.5, true).arraySync() as number[];
    // inverted dropout: survivors are scaled by 1 / (1 - rate)
    expect(new Set(d)).toEqual(new Set([0, 2]));
    x.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { naiveBucket } from './naive-reference.ts';
import { bucketMatrix, causalMaskBias, positionBias, relativePositionBucket } from './position-bias.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('relativePositionBucket (T5 formula)', () => {
  // Hand-computed with T5's defaults (32 buckets, max distance 128).
  // Bidirectional: 16 per direction, 8 exact; d >= 8 -> 8 + floor(log(d/8)/log(16) * 8), capped at 15;
  // keys after the query (relative > 0) are shifted by 16.
  it.each([
    [0, 0],
    [-1, 1],
    [-7, 7],
    [-8, 8],
    [-12, 9], // log(1.5)/log(16)*8 = 1.17
    [-16, 10], // log(2)/log(16)*8 = 2 exactly
    [-32, 12],
    [-64, 14],
    [-127, 15], // 7.977 -> 15
    [-128, 15], // 16 capped
    [-5000, 15],
    [1, 17],
    [7, 23],
    [16, 26],
    [5000, 31],
  ])('bidirectional distance %i -> bucket %i', (rel, bucket) => {
    expect(relativePositionBucket(rel, true, 32, 128)).toBe(bucket);
    expect(naiveBucket(rel, true, 32, 128)).toBe(bucket);
  });

  // Causal: 32 buckets for the past, 16 exact; d >= 16 -> 16 + floor(log(d/16)/log(8) * 16), capped at 31.
  it.each([
    [5, 0], // the future never gets its own bucket
    [0, 0],
    [-1, 1],
    [-15, 15],
    [-16, 16],
    [-32, 21], // log(2)/log(8)*16 = 5.33
    [-64, 26], // 10.67
    [-127, 31], // 15.93
    [-128, 31],
    [-1000, 31],
  ])('causal distance %i -> bucket %i', (rel, bucket) => {
    expect(relativePositionBucket(rel, false, 32, 128)).toBe(bucket);
    expect(naiveBucket(rel, false, 32, 128)).toBe(bucket);
  });

  it('agrees with the literal transcription for every distance up to 300 and small configs', () => {
    for (const [nb, md] of [[32, 128], [8, 20], [16, 64], [6, 10]] as const) {
      for (let rel = -300; rel <= 300; rel++) {
        for (const bi of [true, false]) expect(relativePositionBucket(rel, bi, nb, md)).toBe(naiveBucket(rel, bi, nb, md));
      }
    }
  });

  it('bucketMatrix rows are query positions offset by queryOffset', () => {
    const full = bucketMatrix(6, 6, false, 8, 20);
    const lastRow = bucketMatrix(1, 6, false, 8, 20, 5);
    expect(Array.from(lastRow)).toEqual(Array.from(full.slice(30, 36)));
    expect(Array.from(bucketMatrix(2, 3, true, 8, 20))).toEqual([0, 5, 6, 1, 0, 5]);
  });
});

describe('positionBias', () => {
  it('gathers the table per head as [1, H, q, k]', () => {
    // 8 buckets x 2 heads: entry = bucket * 10 + head.
    const table = tf.tensor2d(Array.from({ length: 16 }, (_, i) => Math.floor(i / 2) * 10 + (i % 2)), [8, 2]);
    const bias = positionBias(table, 2, 3, true, 20);
    expect(bias.shape).toEqual([1, 2, 2, 3]);
    // buckets [[0,5,6],[1,0,5]] from the test above
    expect(bias.arraySync()).toEqual([[[[0, 50, 60], [10, 0, 50]], [[1, 51, 61], [11, 1, 51]]]]);
    table.dispose();
    bias.dispose();
  });

  it('causal mask blocks only future keys', () => {
    const m = causalMaskBias(3).arraySync()[0]![0]!;
    expect(m).toEqual([[0, -1e9, -1e9], [0, 0, -1e9], [0, 0, 0]]);
  });
});

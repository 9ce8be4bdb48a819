import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildTokenizer } from '../model/tokenizer.ts';
import { initItemsFromCf } from './pipeline.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('initItemsFromCf', () => {
  it('gives items with equal CF factors equal rows of unit RMS and leaves other tokens alone', () => {
    const tok = buildTokenizer({ idScheme: 'atomic', texts: ['hello'], users: [], items: [1, 2, 3] });
    const d = 8;
    const emb = tf.variable(tf.fill([tok.vocabSize, d], 0.5));
    // cfItem rows: 0 unused, items 1 and 3 identical, item 2 opposite.
    const cfItem = Float32Array.from([0, 0, 1, 2, -1, -2, 1, 2]);
    initItemsFromCf(emb, tok, { userFactors: new Float32Array(0), itemFactors: cfItem, d: 2 }, 1);
    const v = emb.arraySync() as number[][];
    const r1 = v[tok.itemTokens(1)[0]!]!;
    const r2 = v[tok.itemTokens(2)[0]!]!;
    const r3 = v[tok.itemTokens(3)[0]!]!;
    expect(r3).toEqual(r1);
    r2.forEach((x, j) => expect(x).toBeCloseTo(-r1[j]!, 5));
    expect(r1.reduce((s, x) => s + x * x, 0) / d).toBeCloseTo(1, 5);
    expect(v[tok.tokenId('hello')]).toEqual(new Array(d).fill(0.5));
    emb.dispose();
  });
});

describe('fitPriorTemperature', () => {
  it('finds the softmax temperature that fits the training pairs (known optimum atanh(1/2))', async () => {
    const { fitPriorTemperature } = await import('./pipeline.ts');
    // One user u = [1]; item 1 = [1], item 2 = [-1]; 3 of 4 training items are item 1.
    // NLL(s) = -(3/4) s + (1/4) s + log(e^s + e^-s) is minimal where tanh(s) = 1/2.
    const cf = { userFactors: Float32Array.of(1), itemFactors: Float32Array.of(0, 1, -1), d: 1, numUsers: 1, numItems: 2 };
    const s = fitPriorTemperature(cf as never, [Int32Array.of(1, 1, 1, 2)], 1);
    expect(s).toBeGreaterThan(Math.atanh(0.5) - 0.15);
    expect(s).toBeLessThan(Math.atanh(0.5) + 0.15);
  });
});

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

describe('prior scale fitting', () => {
  it('fitScale finds the softmax temperature of a known optimum (atanh(1/2))', async () => {
    const { fitScale } = await import('./prior-fit.ts');
    // Two items with scores +1 / -1; the target is item 0 in 3 of 4 rows.
    // NLL(s) = -(3/4) s + (1/4) s + log(e^s + e^-s) is minimal where tanh(s) = 1/2.
    const feat = Float32Array.of(1, -1);
    const rows = [0, 0, 0, 1].map((target) => ({ base: null, feat, target }));
    expect(fitScale(rows)).toBeCloseTo(Math.atanh(0.5), 4);
    // A base that already favours item 0 by exactly the optimum leaves nothing for the feature.
    const base = Float32Array.of(Math.atanh(0.5), -Math.atanh(0.5));
    expect(fitScale(rows.map((r) => ({ ...r, base })))).toBeLessThan(1e-3);
  });

  it('fitPriorScales fits user, neighbour and transition scales on validation items only', async () => {
    const { fitPriorScales } = await import('./prior-fit.ts');
    const { buildTransitions } = await import('../model/transitions.ts');
    // 3 items, d 1: user factors +1, item factors [_, 1, -1, 0]. Every sequence is 2, 3, 1, 2: the
    // validation item (second to last) is item 1, which u.v favours; the only training transition,
    // 2 -> 3, points elsewhere.
    const seqs = Array.from({ length: 6 }, () => Int32Array.of(2, 3, 1, 2));
    const cf = { userFactors: new Float32Array(6).fill(1), itemFactors: Float32Array.of(0, 1, -1, 0), d: 1, numUsers: 6, numItems: 3 };
    const train = seqs.map((q) => q.subarray(0, q.length - 2));
    const table = buildTransitions(train, 3);
    const fit = fitPriorScales(cf, seqs, { indices: Int32Array.from({ length: 6 }, (_, u) => (u + 1) % 6), nMax: 1, n: 1 }, table, 1, 50);
    expect(fit.users).toBe(50);
    // Always-right evidence drives the user scale to the search's upper end (e^6).
    expect(fit.user).toBeGreaterThan(300);
    expect(Number.isFinite(fit.seq!)).toBe(true);
    // Uninformative CF (all factors 0); training sequences 3, 1, 3, 1 make 3 -> 1 a transition, and
    // the validation history [2, 3] ends in 3 with target 1: the transition scale must grow.
    const seqs2 = [Int32Array.of(2, 3, 1, 2), Int32Array.of(3, 1, 3, 1, 2, 2)];
    const cf0 = { userFactors: new Float32Array(2), itemFactors: new Float32Array(4), d: 1, numUsers: 2, numItems: 3 };
    const table2 = buildTransitions(seqs2.map((q) => q.subarray(0, q.length - 2)), 3);
    const fit2 = fitPriorScales(cf0, seqs2, { indices: Int32Array.of(1, 0), nMax: 1, n: 1 }, table2, 1, 20);
    expect(fit2.seq!).toBeGreaterThan(1);
    // Validation items are never in their history here: repeats get a strongly negative logit.
    expect(fit2.repeat!).toBeLessThan(-3);
  });
});

describe('ndcgAt10 / fitScaleForRanking', () => {
  it('scores the target rank by hand and prefers the multiplier that ranks it higher', async () => {
    const { ndcgAt10, fitScaleForRanking } = await import('./prior-fit.ts');
    // 12 items; base favours items 0..9 (scores 10..1), the feature marks only the target 11.
    const base = Float32Array.from({ length: 12 }, (_, i) => (i < 10 ? 10 - i : 0));
    const feat = new Float32Array(12);
    feat[11] = 1;
    const rows = [{ base, feat, target: 11 }];
    expect(ndcgAt10(rows, 0)).toBe(0); // rank 11: out of the top 10
    expect(ndcgAt10(rows, 5.5)).toBeCloseTo(1 / Math.log2(7), 10); // beats items 5..9: rank 5
    expect(ndcgAt10(rows, 20)).toBe(1);
    // Noisy rows where the target is item 11 in most rows: a larger multiplier ranks it first.
    expect(fitScaleForRanking(rows)).toBeGreaterThan(10);
  });
});

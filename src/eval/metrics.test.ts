import { describe, expect, it } from 'vitest';
import {
  EmptyEvaluationError,
  InvalidCutoffError,
  MetricLengthMismatchError,
  catalogueCoverage,
  corpusBleu,
  corpusRouge,
  explanationMetrics,
  hitRate,
  lcsLength,
  ndcg,
  novelty,
  rankOf,
  rankingMetrics,
  rougeL,
  rougeN,
  whitespaceTokens,
} from './metrics.ts';

const T = whitespaceTokens;

describe('rankingMetrics', () => {
  // Seven users, all with held-out item 7: hits at ranks 0, 4, 9, 2 (after a duplicate), 1 (short
  // list, k > length), one miss, one empty list.
  const ranked = [
    [7, 1, 2, 3, 4, 5, 6, 8, 9, 10],
    [1, 2, 3, 4, 7, 5, 6, 8, 9, 10],
    [1, 2, 3, 4, 5, 6, 8, 9, 10, 7],
    [1, 2, 3, 4, 5, 6, 8, 9, 10, 11],
    [],
    [3, 3, 7, 7],
    [5, 7],
  ];
  const targets = [7, 7, 7, 7, 7, 7, 7];

  it('averages HR@k and NDCG@k over all users with gain 1/log2(rank+2)', () => {
    const m = rankingMetrics(ranked, targets);
    expect(m.users).toBe(7);
    expect(m.hr[1]).toBeCloseTo(1 / 7, 12);
    expect(m.hr[5]).toBeCloseTo(4 / 7, 12); // ranks 0, 4, 2, 1
    expect(m.hr[10]).toBeCloseTo(5 / 7, 12); // + rank 9
    expect(m.ndcg[1]).toBeCloseTo(1 / 7, 12);
    const g5 = 1 + 1 / Math.log2(6) + 1 / Math.log2(4) + 1 / Math.log2(3);
    expect(m.ndcg[5]).toBeCloseTo(g5 / 7, 12);
    expect(m.ndcg[5]).toBeCloseTo(0.3596832229722856, 12);
    expect(m.ndcg[10]).toBeCloseTo((g5 + 1 / Math.log2(11)) / 7, 12);
    expect(hitRate(ranked, targets, 5)).toBeCloseTo(4 / 7, 12);
    expect(ndcg(ranked, targets, 10)).toBeCloseTo(0.4009781981605553, 12);
  });

  it('counts a duplicated hit once and keeps the duplicate slot', () => {
    expect(rankOf([3, 3, 7, 7], 7)).toBe(2);
    const m = rankingMetrics([[7, 7, 7]], [7], [1, 10]);
    expect(m.hr[10]).toBe(1);
    expect(m.ndcg[10]).toBe(1);
    // The duplicate 3 occupies rank 1, so 7 sits at rank 2 and misses k=2.
    expect(hitRate([[3, 3, 7]], [7], 2)).toBe(0);
  });

  it('treats a missing list as a miss, and k beyond the list as the whole list', () => {
    expect(rankingMetrics([undefined, [2]], [1, 2], [20]).hr[20]).toBe(0.5);
    expect(rankingMetrics([new Int32Array([4, 9])], [9], [100]).ndcg[100]).toBeCloseTo(1 / Math.log2(3), 12);
  });

  it('rejects mismatched lengths, empty input and bad cutoffs with typed errors', () => {
    expect(() => rankingMetrics([[1]], [1, 2])).toThrow(MetricLengthMismatchError);
    expect(() => rankingMetrics([], [])).toThrow(EmptyEvaluationError);
    expect(() => rankingMetrics([[1]], [1], [0])).toThrow(InvalidCutoffError);
    expect(() => rankingMetrics([[1]], [1], [1.5])).toThrow(/positive integer/);
  });
});

describe('coverage and novelty', () => {
  it('counts distinct valid items in the top-k over the catalogue size', () => {
    // Catalogue ids 1..10. Top-2 lists: {1,2}, {2,3}, {} and an invalid id 99 ignored.
    expect(catalogueCoverage([[1, 2, 5], [2, 3], [], [99, 1]], 10, 2)).toBeCloseTo(3 / 10, 12);
    expect(catalogueCoverage([[0, 1]], 4, 10, 0)).toBeCloseTo(2 / 4, 12);
  });

  it('averages the add-one-smoothed self-information of recommended items', () => {
    // counts over ids 0..3: total 8, n 4 -> shares (c+1)/12.
    const counts = [0, 5, 3, 0];
    const v = novelty([[1, 2], [3, 3]], counts, 10); // items 1, 2, 3 (duplicate 3 counted once)
    const expected = (-Math.log2(6 / 12) - Math.log2(4 / 12) - Math.log2(1 / 12)) / 3;
    expect(v).toBeCloseTo(expected, 12);
    expect(novelty([[], [42]], counts)).toBe(0);
  });
});

describe('BLEU (TF-NMT compute_bleu)', () => {
  const refs = ['the cat is on the mat', 'a b c d e'].map(T);
  const hyps = ['the cat the cat on the mat', 'a b c d'].map(T);

  it('clips counts and pools n-gram matches over the corpus', () => {
    // Pair 1 unigrams: the x3 (ref x2) -> 2, cat x2 (ref x1) -> 1, on, mat: 5/7. Pair 2: 4/4.
    const b1 = corpusBleu(refs, hyps, 1);
    expect(b1.precisions).toEqual([9 / 11]);
    expect(b1.hypothesisLength).toBe(11);
    expect(b1.referenceLength).toBe(11);
    expect(b1.brevityPenalty).toBe(1);
    expect(b1.bleu).toBeCloseTo((9 / 11) * 100, 10);
    // Orders 2..4: (3+3)/(6+3), (1+2)/(5+2), (0+1)/(4+1).
    const b4 = corpusBleu(refs, hyps, 4);
    expect(b4.precisions[1]).toBeCloseTo(6 / 9, 12);
    expect(b4.precisions[2]).toBeCloseTo(3 / 7, 12);
    expect(b4.precisions[3]).toBeCloseTo(1 / 5, 12);
    expect(b4.bleu).toBeCloseTo(Math.pow((9 / 11) * (6 / 9) * (3 / 7) * (1 / 5), 1 / 4) * 100, 10);
    expect(b4.bleu).toBeCloseTo(46.49999903730474, 8); // value printed by the Python reference
  });

  it('is zero when any order has no match, applies the brevity penalty, and survives empty input', () => {
    expect(corpusBleu([refs[0]!], [hyps[0]!], 4).bleu).toBe(0); // no 4-gram match in pair 1
    const short = corpusBleu([T('a b c d')], [T('a b')], 1);
    expect(short.brevityPenalty).toBeCloseTo(Math.exp(1 - 4 / 2), 12);
    expect(short.bleu).toBeCloseTo(100 * Math.exp(-1), 10);
    expect(corpusBleu([T('a b')], [[]], 4).bleu).toBe(0); // Python would divide by zero here
    expect(corpusBleu([T('a b'), T('c')], [T('x y'), T('z')], 1).bleu).toBe(0); // all-zero corpus
    expect(() => corpusBleu([], [], 4)).toThrow(EmptyEvaluationError);
    expect(() => corpusBleu([['a']], [], 4)).toThrow(MetricLengthMismatchError);
  });
});

describe('ROUGE (TF-NMT rouge.py)', () => {
  it('uses n-gram sets and F = 2PR/(P+R+1e-8)', () => {
    // Unigram sets: hyp {the, cat, on, mat}, ref {the, cat, is, on, mat}: P = 1, R = 4/5.
    const r1 = rougeN(T('the cat the cat on the mat'), T('the cat is on the mat'), 1);
    expect(r1.p).toBe(1);
    expect(r1.r).toBeCloseTo(0.8, 12);
    expect(r1.f).toBeCloseTo((2 * 0.8) / 1.8, 7);
    // Bigram sets of size 5 each, 3 shared.
    const r2 = rougeN(T('the cat the cat on the mat'), T('the cat is on the mat'), 2);
    expect(r2.p).toBeCloseTo(0.6, 12);
    expect(r2.f).toBeCloseTo(0.6, 7);
  });

  it('computes ROUGE-L with beta = P/R as rouge.py does', () => {
    expect(lcsLength(T('the cat the cat on the mat'), T('the cat is on the mat'))).toBe(5);
    const l = rougeL(T('the cat the cat on the mat'), T('the cat is on the mat'));
    const R = 5 / 6;
    const P = 5 / 7;
    expect(l.r).toBeCloseTo(R, 12);
    expect(l.p).toBeCloseTo(P, 12);
    expect(l.f).toBeCloseTo(((R * R + P * P) * R * P) / (R ** 3 + P ** 3), 9);
    expect(l.f).toBeCloseTo(0.760286225401877, 10);
  });

  it('averages per pair x100 and reproduces the empty-sentence quirk', () => {
    const s = corpusRouge(['the cat is on the mat', 'a b c d e'].map(T), ['the cat the cat on the mat', 'a b c d'].map(T));
    expect(s.rouge1).toBeCloseTo(88.88888839506174, 8);
    expect(s.rouge2).toBeCloseTo(72.85714236224491, 8);
    expect(s.rougeL).toBeCloseTo(81.40055465632447, 8);
    // Empty hypothesis vs a real reference: zero everywhere.
    expect(rougeN([], T('a b'), 1).f).toBe(0);
    expect(rougeL([], T('a b')).f).toBe(0);
    // Empty vs empty: rouge.py splits "" into [""], which matches itself.
    expect(rougeN([], [], 1).f).toBeCloseTo(1, 7);
    expect(rougeN([], [], 2).f).toBe(0);
    expect(rougeL([], []).f).toBeCloseTo(1, 10);
  });
});

describe('explanationMetrics', () => {
  it('tokenises on whitespace runs like str.split() and reports all five scores', () => {
    expect(T('  a \t b\n')).toEqual(['a', 'b']);
    const m = explanationMetrics(['the cat is on the mat', 'a b c d e'], ['the  cat the cat on the mat ', 'a b c d']);
    expect(m.bleu1).toBeCloseTo((9 / 11) * 100, 10);
    expect(m.bleu4).toBeCloseTo(46.49999903730474, 8);
    expect(m.rougeL).toBeCloseTo(81.40055465632447, 8);
    const zero = explanationMetrics(['x y'], ['']);
    expect(zero).toEqual({ bleu1: 0, bleu4: 0, rouge1: 0, rouge2: 0, rougeL: 0 });
  });
});

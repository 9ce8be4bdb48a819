import { describe, expect, it } from 'vitest';
import { BaselineInputError, baselineRankings, idOrderBaseline, itemPopularity, mostPopularBaseline } from './baselines.ts';
import { rankingMetrics } from './metrics.ts';

// Items 1..6 (id 0 unused). Training prefixes of three users; full sequences add validation + test.
const full = [
  [1, 2, 3, 4, 5],
  [2, 3, 6, 1, 2],
  [3, 2, 4, 5, 6],
];
const train = full.map((s) => s.slice(0, -2));
const numItems = 7;

describe('itemPopularity', () => {
  it('counts training interactions per id and rejects ids outside the catalogue', () => {
    // train: [1,2,3], [2,3,6], [3,2,4] -> 1:1, 2:3, 3:3, 4:1, 6:1
    expect(Array.from(itemPopularity(train, numItems))).toEqual([0, 1, 3, 3, 1, 0, 1]);
    expect(() => itemPopularity([[7]], numItems)).toThrow(BaselineInputError);
  });
});

describe('mostPopularBaseline', () => {
  const pop = itemPopularity(train, numItems);
  it('ranks by count, ties to the lower id, optionally skipping the history', () => {
    const raw = mostPopularBaseline(pop, { excludeHistory: false });
    expect(raw.topK([2], 4)).toEqual([2, 3, 1, 4]);
    const unseen = mostPopularBaseline(pop);
    expect(unseen.topK([2, 3], 4)).toEqual([1, 4, 6, 5]);
    expect(unseen.topK([], 10)).toEqual([2, 3, 1, 4, 6, 5]); // fewer than k items exist
    expect(unseen.rankCandidates([9], [5, 4, 3, 1])).toEqual([3, 4, 1, 5]); // 4 and 1 tie: input order kept
  });
});

describe('idOrderBaseline', () => {
  it('predicts last id + 1, + 2, ... then the ids below, nearest first', () => {
    const b = idOrderBaseline(numItems);
    expect(b.topK([1, 4], 4)).toEqual([5, 6, 3, 2]);
    expect(b.topK([5, 3], 4)).toEqual([4, 6, 2, 1]); // 5 skipped: already seen
    expect(idOrderBaseline(numItems, { excludeHistory: false }).topK([5, 3], 6)).toEqual([4, 5, 6, 2, 1, 3]);
    expect(b.topK([], 2)).toEqual([1, 2]);
    expect(b.rankCandidates([2], [1, 6, 2, 3])).toEqual([3, 6, 1, 2]);
  });
});

describe('baselineRankings', () => {
  it('feeds rankingMetrics on the sequential and top-n tasks', () => {
    // Test: input = sequence without its last item, target = the last item.
    const inputs = full.map((s) => s.slice(0, -1));
    const targets = full.map((s) => s[s.length - 1]!);
    // id-order, unseen: user 0 last 4 -> [5, 6, ...] hit at 0; user 1 last 1 (seen 2,3,6,1)
    // -> [4, 5] miss target 2; user 2 last 5 -> [6, ...] hit at 0.
    const seq = baselineRankings(idOrderBaseline(numItems), inputs, 2);
    expect(seq).toEqual([
      [5, 6],
      [4, 5],
      [6, 1],
    ]);
    const m = rankingMetrics(seq, targets, [1]);
    expect(m.hr[1]).toBeCloseTo(2 / 3, 12);
    // Top-n with two candidates each (target + one negative); most-popular picks the more popular.
    const cands = [
      [5, 4],
      [2, 5],
      [1, 6],
    ];
    const pop = itemPopularity(train, numItems);
    const top = baselineRankings(mostPopularBaseline(pop), inputs, 1, cands);
    expect(top).toEqual([[4], [2], [1]]); // 4 (1) beats 5 (0); 2 (3) beats 5; 1 and 6 tie -> first
    expect(rankingMetrics(top, targets, [1]).hr[1]).toBeCloseTo(1 / 3, 12);
    expect(() => baselineRankings(mostPopularBaseline(pop), inputs, 1, [[1]])).toThrow(/candidate lists/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  BaselineInputError,
  baselineRankings,
  dotProductScorer,
  idOrderBaseline,
  itemKnnBaseline,
  itemPopularity,
  itemTransitions,
  mostPopularBaseline,
  scoredBaseline,
  type ItemTransitions,
} from './baselines.ts';
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

describe('scoredBaseline + dotProductScorer', () => {
  // d = 2; item rows by id (row 0 unused). User 0 = (1, 0) scores items by their first coordinate,
  // user 1 = (0, 1) by the second: u0 -> 1:.1 2:.5 3:.9 4:.5 5:-1 6:0 ; u1 -> 1:.8 2:.2 3:0 4:.2 5:.3 6:.8
  const users = Float32Array.from([1, 0, 0, 1]);
  const items = Float32Array.from([9, 9, 0.1, 0.8, 0.5, 0.2, 0.9, 0, 0.5, 0.2, -1, 0.3, 0, 0.8]);
  const b = scoredBaseline('mf', numItems, dotProductScorer(users, items, 2));
  it('ranks all items by the user\'s dot products, skipping the history, ties to the lower id', () => {
    expect(b.name).toBe('mf (unseen)');
    expect(b.topK([], 6, 0)).toEqual([3, 2, 4, 1, 6, 5]); // row 0 (score 9) is never an item
    expect(b.topK([3], 2, 0)).toEqual([2, 4]); // 2 and 4 tie at .5
    expect(b.topK([1], 3, 1)).toEqual([6, 5, 2]); // 6 = .8 (1 seen), then .3, then 2 = 4 = .2
    expect(scoredBaseline('mf', numItems, dotProductScorer(users, items, 2), { excludeHistory: false }).topK([3], 1, 0)).toEqual([3]);
  });
  it('orders candidates by score per user, keeping input order on ties, history not excluded', () => {
    expect(b.rankCandidates([3], [5, 4, 3, 2], 0)).toEqual([3, 4, 2, 5]);
    expect(b.rankCandidates([], [2, 6, 1, 4], 1)).toEqual([6, 1, 2, 4]);
    // Through baselineRankings the user index is each history's position.
    expect(baselineRankings(b, [[3], [1]], 1)).toEqual([[2], [6]]);
    expect(baselineRankings(b, [[], []], 1, [[1, 2], [2, 1]])).toEqual([[2], [1]]);
  });
  it('rejects a missing user, a user without factors, a NaN score and an out-of-range candidate', () => {
    expect(() => b.topK([], 1)).toThrow(BaselineInputError);
    expect(() => b.topK([], 1, 2)).toThrow(/user index 2 has no factor row/);
    const nan = scoredBaseline('nan', numItems, (_u, _h, out) => out.fill(Number.NaN));
    expect(() => nan.topK([], 1, 0)).toThrow(/NaN/);
    expect(() => b.rankCandidates([], [7], 0)).toThrow(/outside 0..6/);
  });
});

/** Row a of the transitions as {b: weight}. */
function row(t: ItemTransitions, a: number): Record<number, number> {
  const out: Record<number, number> = {};
  for (let k = t.offsets[a]!; k < t.offsets[a + 1]!; k++) out[t.items[k]!] = t.weights[k]!;
  return out;
}

describe('itemTransitions', () => {
  // train: [1,2,3], [2,3,6], [3,2,4]
  it('counts direct transitions (window 1, directed)', () => {
    const t = itemTransitions(train, numItems);
    expect([1, 2, 3, 4, 5, 6].map((a) => row(t, a))).toEqual([{ 2: 1 }, { 3: 2, 4: 1 }, { 2: 1, 6: 1 }, {}, {}, {}]);
  });
  it('adds later items within the window with weight 1 / gap, and the reverse direction when asked', () => {
    const t2 = itemTransitions(train, numItems, { window: 2 });
    expect([1, 2, 3].map((a) => row(t2, a))).toEqual([{ 2: 1, 3: 0.5 }, { 3: 2, 4: 1, 6: 0.5 }, { 2: 1, 4: 0.5, 6: 1 }]);
    const tb = itemTransitions(train, numItems, { backward: 1 });
    expect([1, 2, 3, 4, 6].map((a) => row(tb, a))).toEqual([{ 2: 1 }, { 1: 1, 3: 3, 4: 1 }, { 2: 3, 6: 1 }, { 2: 1 }, { 3: 1 }]);
  });
  it('rejects ids outside the catalogue and bad settings', () => {
    expect(() => itemTransitions([[1, 7]], numItems)).toThrow(BaselineInputError);
    expect(() => itemTransitions(train, numItems, { window: 0 })).toThrow(/window/);
    expect(() => itemTransitions(train, numItems, { backward: -1 })).toThrow(/backward/);
  });
});

describe('itemKnnBaseline', () => {
  const pop = itemPopularity(train, numItems); // 1:1, 2:3, 3:3, 4:1, 5:0, 6:1
  const t1 = itemTransitions(train, numItems);
  it('scores by what followed the recent items (decayed), then fills with the most popular unseen items', () => {
    // [1,2]: from 2 (w 1): 3:2, 4:1; from 1 (w .5): 2:.5 (seen). Then most-popular unseen: 3, 4 taken -> 6, 5.
    expect(itemKnnBaseline(t1, pop).topK([1, 2], 4)).toEqual([3, 4, 6, 5]);
    // [3,2], recent 1: only 2 votes -> 3 (seen), 4; then 1, 6 (pop 1, lower id first), 5.
    expect(itemKnnBaseline(t1, pop, { recent: 1 }).topK([3, 2], 4)).toEqual([4, 1, 6, 5]);
    // recent 3: 3 also votes with .5 -> 6:.5 (2:.5 seen) -> 4, 6, then 1, 5.
    expect(itemKnnBaseline(t1, pop).topK([3, 2], 4)).toEqual([4, 6, 1, 5]);
  });
  it('breaks score ties by popularity, then by the lower id', () => {
    // From 3 with window 2: 2:1, 6:1, 4:.5 -> 2 (pop 3) before 6 (pop 1); then 4.
    expect(itemKnnBaseline(itemTransitions(train, numItems, { window: 2 }), pop, { recent: 1 }).topK([3], 3)).toEqual([2, 6, 4]);
  });
  it('is most-popular exactly when nothing was counted', () => {
    const none = itemKnnBaseline(itemTransitions([], numItems), pop);
    expect(none.topK([2, 3], 4)).toEqual(mostPopularBaseline(pop).topK([2, 3], 4));
    expect(none.rankCandidates([1], [5, 4, 3, 1])).toEqual(mostPopularBaseline(pop).rankCandidates([1], [5, 4, 3, 1]));
  });
  it('orders candidates by score, popularity, then input position, and leaves no state behind', () => {
    const b = itemKnnBaseline(t1, pop);
    expect(b.rankCandidates([1, 2], [5, 4, 3, 1])).toEqual([3, 4, 1, 5]);
    expect(b.rankCandidates([], [6, 4])).toEqual([6, 4]); // no votes, same popularity: input order
    expect(b.topK([], 2)).toEqual([2, 3]); // the previous calls' scores were cleared
  });
  it('rejects a popularity table of another size', () => {
    expect(() => itemKnnBaseline(t1, new Int32Array(3))).toThrow(/popularity has 3 entries/);
  });
});

import { describe, expect, it } from 'vitest';
import { describeChange, describeConstrainedChange, diffRanking, summariseChange } from './rank-diff.ts';

describe('diffRanking', () => {
  it('reports up, down, new, same and dropped items', () => {
    const d = diffRanking([10, 20, 30, 40], [20, 10, 50, 40]);
    expect(d.changes).toEqual([
      { kind: 'up', by: 1 },
      { kind: 'down', by: 1 },
      { kind: 'new' },
      { kind: 'same' },
    ]);
    expect(d.dropped).toEqual([30]);
    expect(describeChange(d.changes[0]!)).toBe('moved up 1');
    expect(describeChange(d.changes[2]!)).toBe('new in the top list');
  });
  it('identical lists have no change', () => {
    const d = diffRanking([1, 2, 3], [1, 2, 3]);
    expect(d.changes.every((c) => c.kind === 'same')).toBe(true);
    expect(d.dropped).toEqual([]);
  });
  it('uses the first position of a repeated id in the baseline', () => {
    const d = diffRanking([7, 7, 8], [8, 7]);
    expect(d.changes).toEqual([{ kind: 'up', by: 2 }, { kind: 'down', by: 1 }]);
  });
});

describe('summariseChange', () => {
  const name = (id: number) => `item ${id}`;
  it('counts moved and new items and says what happened to #1', () => {
    expect(summariseChange([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 7, 6, 8, 9, 10], name)).toBe('2 of 10 moved, #1 unchanged');
    expect(summariseChange([1, 2, 3, 4], [5, 1, 2, 3], name)).toBe('4 of 4 moved (1 new), #1 now item 5 (was item 1)');
    expect(summariseChange([1, 2, 3], [1, 2, 3], name)).toBe('nothing moved in the top-3');
  });
});

describe('describeConstrainedChange', () => {
  const l = (...ids: number[]) => ids.map((id, k) => ({ id, score: -k }));
  it('says when nothing changed, when only scores changed, and how many ranks and invalid ids', () => {
    expect(describeConstrainedChange(l(1, 2, 3), l(1, 2, 3), false)).toBe('Unticking constrained decoding changed nothing here: beam search wrote valid item ids only either way, the same 3 items with the same log-probabilities.');
    expect(describeConstrainedChange(l(1, 2, 3), [{ id: 1, score: -0.5 }, { id: 2, score: -1 }, { id: 3, score: -2 }], false)).toBe('Unticking constrained decoding kept the same 3 items in the same order; their log-probabilities changed.');
    expect(describeConstrainedChange(l(1, 2, 3), l(1, 0, 2), false)).toBe('Unticking constrained decoding changed 2 of 3 ranks. 1 of them is not a valid item id.');
    expect(describeConstrainedChange(l(1, 0, 2), l(1, 2, 3), true)).toBe('Ticking constrained decoding changed 2 of 3 ranks. Now only valid item ids can be written.');
  });
});

import { describe, expect, it } from 'vitest';
import { describeChange, diffRanking, summariseChange } from './rank-diff.ts';

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

import { describe, expect, it } from 'vitest';
import { describeChange, diffRanking } from './rank-diff.ts';

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

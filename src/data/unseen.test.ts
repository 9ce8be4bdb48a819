import { describe, expect, it } from 'vitest';
import { mulberry32 } from './rng.ts';
import { drawUnseenItems, UnseenItemsExhaustedError } from './unseen.ts';

/** A generator that replays fixed draws, so the rejection order can be checked by hand. */
function replay(draws: number[]): { int(n: number): number; used: number } {
  const r = {
    used: 0,
    int(n: number): number {
      const v = draws[r.used++]!;
      if (!(v >= 0 && v < n)) throw new Error(`replay: ${v} is not in [0, ${n})`);
      return v;
    },
  };
  return r;
}

describe('drawUnseenItems', () => {
  it('keeps draws in order, skipping seen items and repeats', () => {
    // Items 1..6, seen {2, 5}. Draws 1+[1, 4, 0, 1, 0, 2, 5] = 2 (seen), 5 (seen), 1, 2 (seen), 1 (taken), 3, 6.
    const rng = replay([1, 4, 0, 1, 0, 2, 5]);
    expect(Array.from(drawUnseenItems(new Set([2, 5]), 6, 3, rng))).toEqual([1, 3, 6]);
    expect(rng.used).toBe(7);
  });
  it('returns every unseen item exactly once when all are asked for', () => {
    const out = drawUnseenItems(new Set([1, 3, 9]), 9, 6, mulberry32(5));
    expect(Array.from(out).sort((a, b) => a - b)).toEqual([2, 4, 5, 6, 7, 8]);
  });
  it('refuses more items than are unseen instead of looping forever (ids outside 1..numItems do not count as seen)', () => {
    expect(() => drawUnseenItems(new Set([1, 2, 0, 99]), 4, 3, mulberry32(1))).toThrow(UnseenItemsExhaustedError);
    expect(() => drawUnseenItems(new Set([1, 2]), 4, 3, mulberry32(1))).toThrow(/only 2 of 4 items are unseen; 3 are needed/);
    expect(drawUnseenItems(new Set([1, 2, 0, 99]), 4, 2, mulberry32(1))).toHaveLength(2);
  });
});

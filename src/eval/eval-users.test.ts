import { describe, expect, it } from 'vitest';
import { evalUsers, sequentialBatches } from './evaluate.ts';
import type { Sample } from '../model/inputs/batch.ts';

describe('evalUsers', () => {
  it('all users, the first n, or a seeded sorted sample of n distinct users', () => {
    expect([...evalUsers(5, 0)]).toEqual([0, 1, 2, 3, 4]);
    expect([...evalUsers(5, 3)]).toEqual([0, 1, 2]);
    expect([...evalUsers(5, 9, 7)]).toEqual([0, 1, 2, 3, 4]);
    const s = evalUsers(1000, 100, 7);
    expect(s.length).toBe(100);
    expect(new Set(s).size).toBe(100);
    expect([...s]).toEqual([...s].sort((a, b) => a - b));
    expect([...evalUsers(1000, 100, 7)]).toEqual([...s]);
    expect([...evalUsers(1000, 100, 8)]).not.toEqual([...s]);
    // Uniform: the sample's mean index is near the middle (sd of the mean ~ 29 here).
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    expect(Math.abs(mean - 499.5)).toBeLessThan(120);
  });
});

describe('sequentialBatches', () => {
  const s = (n: number): Sample => ({ task: 'sequential', user: 0, items: new Int32Array(n), target: 1, template: -1 });
  it('consecutive runs, or runs of equal history length for the history form, every index once', () => {
    const samples = [s(3), s(1), s(3), s(2), s(1), s(3), s(3)];
    expect(sequentialBatches(samples, 3, false)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6],
    ]);
    expect(sequentialBatches(samples, 3, true)).toEqual([[0, 2, 5], [6], [1, 4], [3]]);
  });
});

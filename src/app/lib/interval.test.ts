import { describe, expect, it } from 'vitest';
import { usersForSeconds, wilson95 } from './interval.ts';

describe('wilson95', () => {
  it('matches the textbook Wilson interval', () => {
    // 0 hits of 20: upper bound 0.161 (z = 1.96).
    const [lo, hi] = wilson95(0, 20);
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(0.1611, 4);
    const [a, b] = wilson95(0.5, 100);
    expect(a).toBeCloseTo(0.4038, 4);
    expect(b).toBeCloseTo(0.5962, 4);
  });
  it('narrows with more users and stays inside [0, 1]', () => {
    const w = (n: number) => wilson95(0.05, n)[1] - wilson95(0.05, n)[0];
    expect(w(2000)).toBeLessThan(w(200));
    expect(wilson95(1, 5)[1]).toBe(1);
    expect(wilson95(0.3, 0)).toEqual([0, 1]);
  });
});

describe('usersForSeconds', () => {
  it('rounds to readable numbers within the pack', () => {
    expect(usersForSeconds(1000, 20000)).toBe(60);
    expect(usersForSeconds(137, 20000)).toBe(400);
    expect(usersForSeconds(10, 1429)).toBe(1429);
    expect(usersForSeconds(20000, 20000)).toBe(10);
    expect(usersForSeconds(NaN, 20000)).toBe(100);
  });
});

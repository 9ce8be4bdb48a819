import { describe, expect, it } from 'vitest';
import { deriveSeed, mulberry32, permutation, shuffleInPlace, splitmix32 } from './rng.ts';

describe('mulberry32', () => {
  it('is a pure function of the seed', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const c = mulberry32(124);
    const xs = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(xs);
  });

  it('matches the reference algorithm (first outputs for seed 1, computed step by step)', () => {
    // Reference: a += 0x6D2B79F5; t = imul(a ^ a>>>15, a|1); t ^= t + imul(t ^ t>>>7, t|61); out = (t ^ t>>>14)>>>0.
    let a = 1;
    const ref = (): number => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (t ^ (t >>> 14)) >>> 0;
    };
    const r = mulberry32(1);
    for (let i = 0; i < 100; i++) expect(r.uint32()).toBe(ref());
  });

  it('int(n) is in range and roughly uniform (chi-square, 10 bins, 50k draws)', () => {
    const r = mulberry32(7);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 50000; i++) bins[r.int(10)]++;
    const chi = bins.reduce((s, o) => s + (o - 5000) ** 2 / 5000, 0);
    // 99.9th percentile of chi-square with 9 degrees of freedom is 27.9.
    expect(chi).toBeLessThan(27.9);
    expect(() => r.int(0)).toThrow(RangeError);
    expect(() => r.int(2.5)).toThrow(RangeError);
    const f = r.next();
    expect(f >= 0 && f < 1).toBe(true);
  });

  it('permutation is a bijection and shuffle keeps the multiset', () => {
    const p = permutation(1000, mulberry32(3));
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const arr = ['a', 'b', 'c', 'd'];
    expect(shuffleInPlace(arr, mulberry32(1)).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('deriveSeed gives distinct streams', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(1, i)));
    expect(seeds.size).toBe(1000);
    expect(splitmix32(0)).not.toBe(splitmix32(1));
  });
});

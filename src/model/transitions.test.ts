import { describe, expect, it } from 'vitest';
import { atomicItemRows, buildTransitions, trainingParts, transitionFeatures } from './transitions.ts';

describe('transition prior features', () => {
  it('counts 1/gap within the window on training parts only, skipping self-loops', () => {
    // Full sequences; the last two items (validation, test) must not be counted.
    const offsets = Int32Array.of(0, 6, 10);
    const items = Int32Array.of(1, 2, 3, 1, 4, 4, 2, 3, 2, 1);
    const parts = trainingParts(offsets, items);
    expect(parts.map((p) => [...p])).toEqual([[1, 2, 3, 1], [2, 3]]);
    const t = buildTransitions(parts, 4);
    const row = (a: number) => Object.fromEntries(Array.from({ length: t.offsets[a + 1]! - t.offsets[a]! }, (_, k) => [t.targets[t.offsets[a]! + k]!, t.weights[t.offsets[a]! + k]!]));
    // 1 -> 2 (gap 1), 1 -> 3 (gap 2), 1 -> 1 skipped; 2 -> 3 twice (gap 1), 2 -> 1 (gap 2); 3 -> 1 (gap 1).
    expect(row(1)).toEqual({ 2: 1, 3: 0.5 });
    expect(row(2)).toEqual({ 1: 0.5, 3: 2 });
    expect(row(3)).toEqual({ 1: 1 });
    expect(row(4)).toEqual({});
  });

  it('features are log(1 + decayed votes of the newest items) on each item token row', () => {
    const t = buildTransitions([Int32Array.of(1, 2, 3, 1)], 4);
    const tok = { items: () => [1, 2, 3, 4], itemTokens: (i: number) => [10 + i] };
    const rows = atomicItemRows(tok, 4);
    expect([...rows]).toEqual([-1, 11, 12, 13, 14]);
    const out = new Float32Array(2 * 15);
    // History oldest-first [3, 2]: newest 2 votes {1: 0.5, 3: 1} with weight 1; 3 votes {1: 1} with 0.5.
    transitionFeatures(t, [3, 2], rows, out, 15);
    expect(out[15 + 11]).toBeCloseTo(Math.log1p(0.5 + 0.5), 6);
    expect(out[15 + 13]).toBeCloseTo(Math.log1p(1), 6);
    expect(out[15 + 12]).toBe(0);
    expect([...out.subarray(0, 15)].every((v) => v === 0)).toBe(true);
  });

  it('a training sample can take its own sequence back out of the counts', () => {
    const t = buildTransitions([Int32Array.of(1, 2, 3), Int32Array.of(1, 2)], 3);
    const rows = Int32Array.of(-1, 0, 1, 2);
    const withOwn = new Float32Array(3);
    transitionFeatures(t, [1], rows, withOwn, 0);
    expect(withOwn[1]).toBeCloseTo(Math.log1p(2), 6); // 1 -> 2 in both sequences
    expect(withOwn[2]).toBeCloseTo(Math.log1p(0.5), 6); // 1 -> 3 at gap 2
    const without = new Float32Array(3);
    transitionFeatures(t, [1], rows, without, 0, undefined, undefined, [1, 2, 3]);
    expect(without[1]).toBeCloseTo(Math.log1p(1), 6); // only the other user's 1 -> 2 is left
    expect(without[2]).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { attentionSpread } from './attention-spread.ts';

describe('attentionSpread', () => {
  it('uniform weights: ratios 1, entropy 1, nearly uniform', () => {
    const s = attentionSpread(Array(20).fill(0.05))!;
    expect(s.active).toBe(20);
    expect(s.maxOverUniform).toBeCloseTo(1, 12);
    expect(s.minOverUniform).toBeCloseTo(1, 12);
    expect(s.normalisedEntropy).toBeCloseTo(1, 12);
    expect(s.nearlyUniform).toBe(true);
  });

  it('masked (zero) weights leave the count; the rest is measured against 1 / active', () => {
    // Three active neighbours at .5/.25/.25: max = 1.5x uniform, min = .75x, entropy = 1.5 ln2 / ln3.
    const s = attentionSpread([0.5, 0, 0.25, 0.25])!;
    expect(s.active).toBe(3);
    expect(s.maxOverUniform).toBeCloseTo(1.5, 12);
    expect(s.minOverUniform).toBeCloseTo(0.75, 12);
    expect(s.normalisedEntropy).toBeCloseTo((1.5 * Math.log(2)) / Math.log(3), 12);
    expect(s.nearlyUniform).toBe(false);
  });

  it('a row within 10% of uniform counts as nearly uniform, one just outside does not', () => {
    expect(attentionSpread([0.26, 0.24, 0.25, 0.25])!.nearlyUniform).toBe(true);
    expect(attentionSpread([0.28, 0.22, 0.25, 0.25])!.nearlyUniform).toBe(false);
  });

  it('no weight at all (every neighbour masked) gives null; one neighbour has entropy 1', () => {
    expect(attentionSpread([0, 0])).toBeNull();
    expect(attentionSpread([1])!.normalisedEntropy).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { drawExplanationSamples, explanationQuality, hasTripleRepeat } from './explanation-quality.ts';

describe('explanation quality', () => {
  it('counts <unk>, triple repeats and the most common output', () => {
    const q = explanationQuality(['this is a a a pick', 'great strings <unk>', 'Great Strings <unk>', 'nice tone', 'a a b a a']);
    expect(q).toMatchObject({ outputs: 5, withUnk: 2, tripleRepeats: 1, distinct: 4 });
    // "great strings <unk>" twice after the metrics' normalisation (case, punctuation split).
    expect(q.topShare).toBeCloseTo(2 / 5);
    expect(hasTripleRepeat('very very good')).toBe(false);
    expect(hasTripleRepeat('good , , , fine')).toBe(true);
    expect(explanationQuality([]).topShare).toBe(0);
  });

  it('draws the same seeded pairs every time and matches the baselines by user and item', () => {
    const rows = Array.from({ length: 50 }, (_, k) => ({ user: k, item: 100 + k, reference: `ref ${k}`, generated: `gen ${k}` }));
    const base = { copy: [...rows].reverse().map((r) => ({ user: r.user, item: r.item, generated: `copy ${r.user}` })) };
    const a = drawExplanationSamples(rows, base, 20, 15);
    expect(a).toHaveLength(20);
    expect(drawExplanationSamples(rows, base, 20, 15)).toEqual(a);
    expect(drawExplanationSamples(rows, base, 20, 16)).not.toEqual(a);
    for (const s of a) expect(s.baselines['copy']).toBe(`copy ${s.user}`);
    expect(a.map((s) => s.user)).toEqual([...a.map((s) => s.user)].sort((x, y) => x - y));
    expect(() => drawExplanationSamples(rows, { copy: [] }, 5, 1)).toThrow(/no output for user/);
  });
});

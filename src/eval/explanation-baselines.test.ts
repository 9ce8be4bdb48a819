import { describe, expect, it } from 'vitest';
import type { ExplanationPair } from '../data/types.ts';
import { explanationBaseline, ExplanationBaselineInputError, scoreExplanations } from './explanation-baselines.ts';

// Training explanations in training order (index = tie-break order).
const train: ExplanationPair[] = [
  { user: 0, item: 1, text: 'Great tone' }, // 0
  { user: 1, item: 1, text: 'Solid build' }, // 1
  { user: 2, item: 1, text: 'great tone' }, // 2: same sentence as 0 once normalised
  { user: 0, item: 2, text: 'Cheap strings' }, // 3
  { user: 1, item: 2, text: 'Solid build' }, // 4
  { user: 1, item: 3, text: 'Solid build' }, // 5
];
// Global counts: solid build 3, great tone 2, cheap strings 1 -> fallback "Solid build".
// Item 4 and user 3 have no training explanation.
const queries = [
  { user: 0, item: 2 },
  { user: 2, item: 4 },
  { user: 3, item: 1 },
];

describe('explanationBaseline', () => {
  it("item-explanation: the item's most frequent sentence, ties to the earliest, global fallback", () => {
    // item 2: cheap strings (3) and solid build (4) tie -> the earlier, "Cheap strings";
    // item 4: none -> "Solid build"; item 1: great tone x2 beats solid build x1 -> raw text of index 0.
    const r = explanationBaseline('item-explanation', train, queries);
    expect(r.generated).toEqual(['Cheap strings', 'Solid build', 'Great tone']);
    expect(r.fallbacks).toBe(1);
  });

  it("user-explanation: the user's most frequent sentence (raw text of the user's own first occurrence)", () => {
    // user 0: great tone (0) and cheap strings (3) tie -> "Great tone"; user 2: only "great tone"
    // (index 2, lower-case as written); user 3: none -> "Solid build".
    const r = explanationBaseline('user-explanation', train, queries);
    expect(r.generated).toEqual(['Great tone', 'great tone', 'Solid build']);
    expect(r.fallbacks).toBe(1);
  });

  it('counts normalised sentences: a repeated sentence beats an earlier single one', () => {
    const t: ExplanationPair[] = [
      { user: 0, item: 9, text: 'Nice.' },
      { user: 1, item: 9, text: 'Loud  and clear' },
      { user: 2, item: 9, text: 'LOUD and clear' },
    ];
    expect(explanationBaseline('item-explanation', t, [{ user: 5, item: 9 }]).generated).toEqual(['Loud  and clear']);
  });

  it('rejects an unknown name and an empty training set', () => {
    expect(() => explanationBaseline('x' as 'item-explanation', train, queries)).toThrow(ExplanationBaselineInputError);
    expect(() => explanationBaseline('item-explanation', [], queries)).toThrow(/no training explanations/);
  });
});

describe('scoreExplanations (the model’s metric path) on the item baseline above', () => {
  it('gives the hand-computed BLEU-1/4 and ROUGE-1/2/L', () => {
    const refs = ['Cheap strings snap', 'solid build', 'Nice tone'];
    const m = scoreExplanations(refs, ['Cheap strings', 'Solid build', 'Great tone']);
    // Unigram matches 2 + 2 + 1 of 6 hypothesis words; hyp 6 words vs ref 7 -> bp exp(1 - 7/6).
    expect(m.bleu1).toBeCloseTo(100 * (5 / 6) * Math.exp(-1 / 6), 9);
    // No hypothesis has 4 words: the 4-gram precision is 0, so BLEU-4 is 0.
    expect(m.bleu4).toBe(0);
    // ROUGE-1 F per pair: P 1 R 2/3 -> .8; 1; P .5 R .5 -> .5.
    expect(m.rouge1).toBeCloseTo((100 * (0.8 + 1 + 0.5)) / 3, 5);
    // ROUGE-2 F: P 1 R 1/2 -> 2/3; 1; 0.
    expect(m.rouge2).toBeCloseTo((100 * (2 / 3 + 1 + 0)) / 3, 5);
    // ROUGE-L F = (R^2+P^2)RP/(R^3+P^3): lcs 2, R 2/3, P 1 -> 26/35; 1; lcs 1, R=P=.5 -> .5.
    expect(m.rougeL).toBeCloseTo((100 * (26 / 35 + 1 + 0.5)) / 3, 5);
    expect(m.pairs).toBe(3);
  });
});

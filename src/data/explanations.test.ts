import { describe, expect, it } from 'vitest';
import { deriveFeatureWords, extractExplanations, pickExplanation, splitExplanations, splitSentences, tokenize, type ExplanationRecord } from './explanations.ts';
import { loadExplanations } from './node-explanations.ts';
import { DATA_DIR, hasDataset } from './testing.ts';

describe('tokenize / splitSentences', () => {
  it('lower-cases, keeps inner apostrophes and digits, drops punctuation', () => {
    expect(tokenize("It's GREAT -- the 9V battery, doesn't die!")).toEqual(["it's", 'great', 'the', '9v', 'battery', "doesn't", 'die']);
  });
  it('splits on . ! ? and newlines, even without a following space, but not inside decimals', () => {
    expect(splitSentences('Works well.I like it!! Costs 2.5 dollars?\nDone')).toEqual(['Works well', 'I like it', 'Costs 2.5 dollars', 'Done']);
  });
});

describe('feature words and sentence choice', () => {
  const texts = [
    'The strap is great. I use the strap daily.',
    'My strap broke. The tone is warm.',
    'This tone is nice and the strap holds.',
    'the tone of the amp',
    'great great great',
  ];
  it('keeps noun-like frequent tokens (after determiners), not stopwords or opinion adjectives', () => {
    // strap: 5 occurrences, all after the/my -> ratio 1; tone: 3 of 3; amp: 1 doc only.
    expect(deriveFeatureWords(texts, { minDocFreq: 2 })).toEqual(['strap', 'tone']);
    expect(deriveFeatureWords(texts, { minDocFreq: 1 })).toEqual(['strap', 'tone', 'amp']);
  });
  it('prefers the first sentence with a feature and an opinion word, else the first with a feature', () => {
    const f = new Set(['strap', 'tone']);
    expect(pickExplanation('I bought it. The strap came in a box. The strap is really great!', f)).toEqual({ explanation: 'the strap is really great', feature: 'strap' });
    expect(pickExplanation('I bought it. The strap came in a box.', f)).toEqual({ explanation: 'the strap came in a box', feature: 'strap' });
    expect(pickExplanation('Strap ok. Nothing here.', f)).toBeNull(); // "strap ok" has only 2 tokens
  });
  it('truncates the target to 20 tokens', () => {
    const long = 'the strap ' + Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
    const p = pickExplanation(long, new Set(['strap']))!;
    expect(p.explanation.split(' ')).toHaveLength(20);
    expect(p.explanation.startsWith('the strap w0 w1')).toBe(true);
  });
});

describe('splitExplanations', () => {
  const recs: ExplanationRecord[] = Array.from({ length: 200 }, (_, i) => ({ user: 1 + (i % 37), item: 1 + ((i * 7) % 53), explanation: `e${i}`, feature: 'f', rating: 5 }));
  it('is seeded, about 80/10/10, loses nothing, and every user/item has a training record', () => {
    const s = splitExplanations(recs, 3);
    expect(s.train.length + s.val.length + s.test.length).toBe(200);
    expect(s.train.length).toBeGreaterThanOrEqual(160);
    expect(s.train.length - s.moved).toBe(160);
    const users = new Set(s.train.map((r) => r.user));
    const items = new Set(s.train.map((r) => r.item));
    for (const r of [...s.val, ...s.test]) {
      expect(users.has(r.user)).toBe(true);
      expect(items.has(r.item)).toBe(true);
    }
    expect(splitExplanations(recs, 3)).toEqual(s);
    expect(splitExplanations(recs, 4).val).not.toEqual(s.val);
  });
  it('moves a held-out record of an unseen user into training', () => {
    const few: ExplanationRecord[] = [
      ...Array.from({ length: 9 }, (_, i) => ({ user: 1, item: 1, explanation: `a${i}`, feature: 'f', rating: 5 })),
      { user: 2, item: 1, explanation: 'only', feature: 'f', rating: 5 },
    ];
    // Whatever the shuffle, user 2's only record must end in training.
    for (let seed = 0; seed < 20; seed++) expect(splitExplanations(few, seed).train.some((r) => r.user === 2)).toBe(true);
  });
});

describe.skipIf(!hasDataset('amazon-musical-instruments-5core'))('real Musical Instruments explanations', () => {
  it('9,942 of 10,261 reviews yield a feature sentence; split seed 1 covers every user and item in train', () => {
    const ex = loadExplanations('amazon-musical-instruments-5core', 1, { dataDir: DATA_DIR });
    expect(ex.reviews).toBe(10261);
    expect(ex.records.length).toBe(9942);
    expect(ex.features.slice(0, 5)).toEqual(['guitar', 'sound', 'price', 'strings', 'pedal']);
    expect(ex.records.every((r) => r.explanation.split(' ').length <= 20 && r.explanation.split(' ').includes(r.feature))).toBe(true);
    const { train, val, test } = ex.split;
    expect(train.length + val.length + test.length).toBe(9942);
    const users = new Set(train.map((r) => r.user));
    const items = new Set(train.map((r) => r.item));
    expect([...val, ...test].every((r) => users.has(r.user) && items.has(r.item))).toBe(true);
    const again = extractExplanations([{ user: 1, item: 1, text: 'The pedal sounds great. Nice.', rating: 5 }], { minDocFreq: 1 });
    expect(again.records[0]!.explanation).toBe('the pedal sounds great');
  });
});

import { describe, expect, it } from 'vitest';
import { trainingTextNote } from './training-note.ts';

describe('trainingTextNote', () => {
  it('says how many sentences the decoder was trained on', () => {
    const m = { training: { text: { explanationPairs: 7955, languageSentences: 46749, tokenizer: 'BPE sub-words, 4000 merges, 4984 tokens' } } };
    expect(trainingTextNote(m)).toBe('Trained on 46,749 sentences of training reviews, then 7,955 explanation sentences (BPE sub-words, 4000 merges, 4984 tokens); no test review was seen.');
    expect(trainingTextNote({ training: { text: { explanationPairs: 12, languageSentences: 0 } } })).toBe('Trained on 12 explanation sentences; no test review was seen.');
  });

  it('is absent where the manifest does not record it', () => {
    expect(trainingTextNote(undefined)).toBeNull();
    expect(trainingTextNote({ training: {} })).toBeNull();
    expect(trainingTextNote({ training: { text: { explanationPairs: '7955' } } })).toBeNull();
  });
});

// The torch bundle's user_token table: one token per user with --user-tokens, the shared unknown
// user word otherwise, always a single token (the trainer writes it in place of the user word).
import { describe, expect, it } from 'vitest';
import { buildTokenizer } from '../model/tokenizer.ts';
import { userWord } from '../model/inputs/prompts.ts';
import { userTokens } from './torch-engine.ts';

describe('userTokens', () => {
  it('gives each user its own token when the vocabulary has user words', () => {
    const tok = buildTokenizer({ idScheme: 'atomic', texts: ['good strings'], users: [0, 1, 2], items: [1, 2] });
    const ids = userTokens(tok, 3);
    expect(new Set(ids).size).toBe(3);
    for (let u = 0; u < 3; u++) expect(ids[u]).toBe(tok.encodeText(userWord(u), { addEos: false }).ids[0]);
  });

  it('gives every user the same token when it has none', () => {
    const tok = buildTokenizer({ idScheme: 'atomic', texts: ['good strings'], users: [], items: [1, 2] });
    const ids = userTokens(tok, 4);
    expect(Array.from(ids)).toEqual(new Array(4).fill(ids[0]));
  });
});

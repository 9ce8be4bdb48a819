import { describe, expect, it } from 'vitest';
import { BpeEncoder, joinWords, learnBpe, wordSymbols } from './bpe.ts';
import { buildTokenizer, Tokenizer, UNK_ID } from './tokenizer.ts';
import { TokenizerError } from './errors.ts';

const TEXTS = [
  'these strings sound great on my guitar',
  'the strings are bright and the guitar stays in tune',
  "i don't like the tuner but the strings are great",
  'great pedal , great price .',
  'the cable is sturdy and the sound is clear',
];

describe('learnBpe', () => {
  it('merges the most frequent pair first and is independent of insertion order', () => {
    const counts = new Map([
      ['aaab', 1],
      ['ab', 5],
      ['b', 2],
    ]);
    const m = learnBpe(counts, 10);
    // "▁a"+"b" occurs 5 times (in "ab"), more than any other pair.
    expect(m.merges[0]).toEqual(['▁a', 'b']);
    const reversed = learnBpe(new Map([...counts].reverse()), 10);
    expect(reversed).toEqual(m);
    // Base symbols by count (ties in code-unit order), then the forms never seen (count 0).
    expect(m.alphabet).toEqual(['b', '▁a', 'a', '▁b']);
    expect(learnBpe(new Map([['ab', 1]]), 0).alphabet).toEqual(['b', '▁a', 'a', '▁b']);
  });

  it('stops when no pair occurs twice and honours the merge cap', () => {
    expect(learnBpe(new Map([['xy', 1]]), 10).merges).toEqual([]);
    expect(learnBpe(new Map([['abcd', 9]]), 2).merges).toHaveLength(2);
  });

  it('encodes words with the learnt merges in rank order', () => {
    const m = learnBpe(new Map([['strings', 10], ['string', 3], ['sting', 2]]), 50);
    const enc = new BpeEncoder(m.merges);
    expect(enc.encodeWord('strings')).toEqual(['▁strings']);
    expect(enc.encodeWord('string')).toEqual(['▁string']);
    // An unseen word of seen characters is spelled with pieces, never unknown.
    expect(enc.encodeWord('rings').join('')).toBe('▁rings');
    expect(wordSymbols('ab')).toEqual(['▁a', 'b']);
  });

  it('joins words for display: punctuation and clitics glued', () => {
    expect(joinWords(['i', 'don', "'", 't', 'like', 'it', ',', 'ok', '.'])).toBe("i don't like it, ok.");
    expect(joinWords(["'", 'quoted'])).toBe("' quoted");
  });
});

describe('Tokenizer with BPE sub-words', () => {
  const tok = buildTokenizer({ idScheme: 'atomic', texts: TEXTS, users: [], items: [1, 2, 3], bpeMerges: 60 });

  it('keeps items atomic and spells words with pieces', () => {
    expect(tok.subwords).toBe(true);
    const ids = tok.encodeText('item_2 strings', { addEos: false }).ids;
    expect(tok.vocab[ids[0]!]).toBe('item_2');
    expect(tok.parseItem(tok.itemTokens(3))).toBe(3);
    expect(Array.from(ids.slice(1), (i) => tok.vocab[i]).join('')).toBe('▁strings');
  });

  it('never produces <unk> for words made of training characters, and decodes back to the words', () => {
    for (const text of ['the tuner stays bright', 'guitars sound clearer', "i don't like cables", 'unseen rigs at night']) {
      const ids = tok.encodeText(text).ids;
      expect(Array.from(ids)).not.toContain(UNK_ID);
      expect(tok.decode(ids)).toBe(text);
    }
    // A character never seen in training is the only way to get <unk>.
    expect(Array.from(tok.encodeText('zzz', { addEos: false }).ids)).toContain(UNK_ID);
  });

  it('counts maxTokens in pieces', () => {
    const ids = tok.encodeText('sturdy sturdy sturdy sturdy', { addEos: true, maxTokens: 3 }).ids;
    expect(ids.length).toBe(4);
    expect(ids[3]).toBe(tok.eosId);
  });

  it('round-trips through its JSON (version 2), and version 1 packs still load', () => {
    const json = tok.toJSON();
    expect(json).toMatchObject({ kind: 'peapod-word-tokenizer', version: 2, words: 'bpe' });
    const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(json)));
    expect(Array.from(back.encodeText('great strings, clear cable').ids)).toEqual(Array.from(tok.encodeText('great strings, clear cable').ids));
    const whole = buildTokenizer({ idScheme: 'atomic', texts: TEXTS, users: [], items: [1] });
    expect(whole.toJSON().version).toBe(1);
    expect(whole.subwords).toBe(false);
  });

  it('rejects malformed merges', () => {
    const json = { ...tok.toJSON(), merges: [['a']] } as unknown as Parameters<typeof Tokenizer.fromJSON>[0];
    expect(() => Tokenizer.fromJSON(json)).toThrow(TokenizerError);
    const words = { ...tok.toJSON(), words: 'chars' } as unknown as Parameters<typeof Tokenizer.fromJSON>[0];
    expect(() => Tokenizer.fromJSON(words)).toThrow(/words/);
  });
});

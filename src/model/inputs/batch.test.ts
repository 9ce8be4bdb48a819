import { describe, expect, it } from 'vitest';
import { buildTokenizer } from '../tokenizer.ts';
import { collate, sampleText, EXPLANATION_MAX_TOKENS } from './batch.ts';
import { barePrompt, templatePrompt, templateWords, TEMPLATES } from './prompts.ts';

const tok = buildTokenizer({ idScheme: 'atomic', texts: [templateWords().join(' '), 'the tone is warm and the neck feels great'], users: [], items: [1, 2, 3, 4, 5] });

describe('prompts', () => {
  it('writes the bare validation/test form and five templates per task, all words in the vocabulary', () => {
    expect(barePrompt({ user: 12, items: [3, 4] })).toBe('user_12 item_3 item_4');
    for (const task of ['sequential', 'topn', 'explanation'] as const) {
      expect(TEMPLATES[task].length).toBe(5);
      for (let t = 0; t < 5; t++) {
        const text = templatePrompt(task, t, { user: 7, items: [2] });
        expect(text).toContain('user_7');
        expect(text).toContain('item_2');
        // user_7 is not a token (no user tokens): it is the only <unk>
        expect(Array.from(tok.encodeText(text).ids).filter((i) => i === tok.unkId).length).toBe(1);
      }
    }
  });
});

describe('collate', () => {
  it('pads inputs with a mask, ends targets with </s>, pads labels with <pad> and truncates keeping </s>', () => {
    const users = [100, 200];
    const a = { task: 'sequential' as const, user: 0, items: Int32Array.from([1, 2, 3]), target: 4, template: -1 };
    const b = { task: 'topn' as const, user: 1, items: Int32Array.from([5, 1, 2, 3, 4]), target: 5, template: -1 };
    const h = collate(tok, [a, b], users, 5);
    expect(h.batchSize).toBe(2);
    // a: user_100 item_1 item_2 item_3 </s> (5 tokens); b: 7 tokens truncated to 5 keeping </s>
    expect(h.inputLength).toBe(5);
    const row = (r: number) => Array.from(h.tokenIds.subarray(r * 5, r * 5 + 5));
    expect(row(0)).toEqual([tok.unkId, tok.tokenId('item_1'), tok.tokenId('item_2'), tok.tokenId('item_3'), tok.eosId]);
    expect(row(1)).toEqual([tok.unkId, tok.tokenId('item_5'), tok.tokenId('item_1'), tok.tokenId('item_2'), tok.eosId]);
    expect(Array.from(h.attentionMask)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(h.targetLength).toBe(2);
    expect(Array.from(h.labels)).toEqual([tok.tokenId('item_4'), tok.eosId, tok.tokenId('item_5'), tok.eosId]);
    expect(h.targetTokens).toBe(4);
    const e = { task: 'explanation' as const, user: 0, item: 2, text: 'the tone is warm and the neck feels great '.repeat(5), template: 0 };
    const t = sampleText(tok, e, users);
    expect(t.target.length).toBe(EXPLANATION_MAX_TOKENS + 1);
    expect(t.target[EXPLANATION_MAX_TOKENS]).toBe(tok.eosId);
    const mixed = collate(tok, [a, e], users, 64);
    expect(mixed.targetLength).toBe(21);
    // the short target is padded with <pad> (0), which the loss masks out
    expect(Array.from(mixed.labels.subarray(2, 21)).every((x) => x === tok.padId)).toBe(true);
    expect(Array.from(mixed.attentionMask.subarray(0, mixed.inputLength)).filter((x) => x === 0).length).toBe(mixed.inputLength - 5);
  });
});

import { describe, expect, it } from 'vitest';
import { barePrompt, templatePrompt, TEMPLATES } from './prompts.ts';

const f = { user: 7, items: [3, 9] };

describe('templatePrompt word dropout', () => {
  it('keeps every word without a mask and with an all-ones mask', () => {
    const full = templatePrompt('sequential', 0, f);
    expect(full).toBe('user_7 has purchased item_3 item_9 . what will the user buy next ?');
    expect(templatePrompt('sequential', 0, f, 0x3fffffff)).toBe(full);
  });
  it('drops exactly the plain words whose bit is clear and never the ids', () => {
    // template 0 words: has(0) purchased(1) .(2) what(3) will(4) the(5) user(6) buy(7) next(8) ?(9)
    expect(templatePrompt('sequential', 0, f, 0b1000000001)).toBe('user_7 has item_3 item_9 ?');
    expect(templatePrompt('sequential', 0, f, 0)).toBe(barePrompt(f));
    for (const task of ['sequential', 'topn', 'explanation'] as const) {
      for (let t = 0; t < TEMPLATES[task].length; t++) {
        const words = templatePrompt(task, t, f, 0).split(' ');
        expect(words.filter((w) => w.startsWith('item_') || w.startsWith('user_')).sort()).toEqual(
          task === 'explanation' ? ['item_3', 'item_9', 'user_7'] : ['item_3', 'item_9', 'user_7'],
        );
        expect(words.length).toBe(3);
      }
    }
  });
});

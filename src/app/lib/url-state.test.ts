import { describe, expect, it } from 'vitest';
import { compareIds, formatUrlState, isLegacy, parseUrlState } from './url-state.ts';

describe('url state', () => {
  it('round-trips every field (users and masks by dataset id)', () => {
    const s = parseUrlState('?pack=musical-instruments&uid=42&task=topn&mask_uid=9,30,3,3&n=7&solo=1&eval=1&priors=off&skip=on&backend=cpu&threads=2');
    expect(s).toEqual({
      pack: 'musical-instruments',
      userId: '42',
      legacyUser: null,
      task: 'topn',
      maskedIds: ['3', '9', '30'],
      legacyMasked: [],
      n: 7,
      individualOnly: true,
      evaluation: true,
      priors: false,
      skipHistory: true,
      backend: 'cpu',
      threads: 2,
    });
    expect(formatUrlState(s)).toBe('?pack=musical-instruments&uid=42&task=topn&mask_uid=3%2C9%2C30&n=7&solo=1&eval=1&priors=off&skip=on&backend=cpu&threads=2');
    expect(parseUrlState(formatUrlState(s))).toEqual(s);
    expect(isLegacy(s)).toBe(false);
  });
  it('reads old index links (user=, mask=) as legacy indexes and never writes them', () => {
    const s = parseUrlState('?user=11&mask=5687,3&n=5');
    expect(s.userId).toBeNull();
    expect(s.legacyUser).toBe(11);
    expect(s.legacyMasked).toEqual([3, 5687]);
    expect(isLegacy(s)).toBe(true);
    // Formatting writes the new keys only; with the ids not yet known, no user at all.
    expect(formatUrlState(s)).toBe('?n=5');
    expect(formatUrlState({ ...s, userId: '12', maskedIds: ['5688', '4'] })).toBe('?uid=12&mask_uid=4%2C5688&n=5');
  });
  it('when both forms are present the new one wins', () => {
    const s = parseUrlState('?user=11&uid=12&mask=1&mask_uid=7');
    expect(s.userId).toBe('12');
    expect(s.legacyUser).toBeNull();
    expect(s.legacyMasked).toEqual([]);
    expect(s.maskedIds).toEqual(['7']);
  });
  it('drops malformed fields instead of throwing', () => {
    const s = parseUrlState('?pack=<script>&user=-1&task=hack&mask=1,x,2&n=0&uid=a%20b&threads=0');
    expect(s.pack).toBeNull();
    expect(s.threads).toBeNull();
    expect(s.userId).toBeNull();
    expect(s.legacyUser).toBeNull();
    expect(s.task).toBeNull();
    expect(s.legacyMasked).toEqual([1, 2]);
    expect(s.n).toBeNull();
    expect(parseUrlState('?uid=1&mask_uid=2,<b>,3').maskedIds).toEqual(['2', '3']);
  });
  it('writes nothing for the default state', () => {
    expect(formatUrlState(parseUrlState(''))).toBe('');
  });
  it('orders ids numerically when they are numbers', () => {
    expect(['30', 'b', '4', 'a', '100'].sort(compareIds)).toEqual(['4', '30', '100', 'a', 'b']);
  });
  it('priors: on unless the URL says priors=off (any other value is the default)', () => {
    expect(parseUrlState('').priors).toBe(true);
    expect(parseUrlState('?priors=on').priors).toBe(true);
    expect(parseUrlState('?priors=nonsense').priors).toBe(true);
    expect(parseUrlState('?uid=3&priors=off').priors).toBe(false);
    expect(formatUrlState({ ...parseUrlState('?uid=3'), priors: false })).toBe('?uid=3&priors=off');
  });
  it('skip (next-item skips history items): off unless the URL says skip=on', () => {
    expect(parseUrlState('').skipHistory).toBe(false);
    expect(parseUrlState('?skip=1').skipHistory).toBe(false);
    expect(parseUrlState('?uid=3&skip=on').skipHistory).toBe(true);
    expect(formatUrlState({ ...parseUrlState('?uid=3'), skipHistory: true })).toBe('?uid=3&skip=on');
    expect(formatUrlState(parseUrlState('?uid=3&skip=off'))).toBe('?uid=3');
  });
});

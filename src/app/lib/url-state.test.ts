import { describe, expect, it } from 'vitest';
import { formatUrlState, parseUrlState } from './url-state.ts';

describe('url state', () => {
  it('round-trips every field', () => {
    const s = parseUrlState('?pack=musical-instruments&user=42&task=topn&mask=9,3,3&n=7&solo=1&eval=1&priors=off&backend=cpu');
    expect(s).toEqual({
      pack: 'musical-instruments',
      user: 42,
      task: 'topn',
      masked: [3, 9],
      n: 7,
      individualOnly: true,
      evaluation: true,
      priors: false,
      backend: 'cpu',
    });
    expect(formatUrlState(s)).toBe('?pack=musical-instruments&user=42&task=topn&mask=3%2C9&n=7&solo=1&eval=1&priors=off&backend=cpu');
    expect(parseUrlState(formatUrlState(s))).toEqual(s);
  });
  it('drops malformed fields instead of throwing', () => {
    const s = parseUrlState('?pack=<script>&user=-1&task=hack&mask=1,x,2&n=0');
    expect(s.pack).toBeNull();
    expect(s.user).toBeNull();
    expect(s.task).toBeNull();
    expect(s.masked).toEqual([1, 2]);
    expect(s.n).toBeNull();
  });
  it('writes nothing for the default state', () => {
    expect(formatUrlState(parseUrlState(''))).toBe('');
  });
  it('priors: on unless the URL says priors=off (any other value is the default)', () => {
    expect(parseUrlState('').priors).toBe(true);
    expect(parseUrlState('?priors=on').priors).toBe(true);
    expect(parseUrlState('?priors=nonsense').priors).toBe(true);
    expect(parseUrlState('?user=3&priors=off').priors).toBe(false);
    expect(formatUrlState({ ...parseUrlState('?user=3'), priors: false })).toBe('?user=3&priors=off');
  });
});

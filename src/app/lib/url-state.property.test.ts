// Property-based tests of the shareable URL state: any query string — hand-edited, truncated,
// hostile — parses without throwing to bounded, well-typed fields, and formatting is a fixed point.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUrlState, parseUrlState, type UrlState } from './url-state.ts';

const RUNS = { numRuns: 200 };

const key = fc.constantFrom('pack', 'user', 'uid', 'task', 'mask', 'mask_uid', 'n', 'solo', 'eval', 'priors', 'skip', 'backend', 'threads', '__proto__', 'x');
const value = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('-1', '1e3', '99999999999', '0', '007', '3,1,3,,x', '<script>', 'javascript:alert(1)', '%00', '%E0%A4%A', 'beauty', 'webgpu', 'topn', 'off', 'on'),
);
const query = fc.array(fc.tuple(key, value), { maxLength: 8 }).map((kv) => '?' + kv.map(([k, v]) => `${k}=${v}`).join('&'));

function checkShape(s: UrlState): void {
  expect(s.pack === null || /^[a-z0-9-]{1,64}$/.test(s.pack)).toBe(true);
  for (const v of [s.legacyUser, s.n]) expect(v === null || (Number.isInteger(v) && v >= 0 && v < 1e9)).toBe(true);
  expect(s.n === null || s.n >= 1).toBe(true);
  expect([null, 'sequential', 'topn', 'explanation']).toContain(s.task);
  expect(s.backend === null || /^[a-z0-9]{1,16}$/.test(s.backend)).toBe(true);
  expect(s.threads === null || (Number.isInteger(s.threads) && s.threads >= 1 && s.threads <= 64)).toBe(true);
  expect(s.legacyMasked.every((m) => Number.isInteger(m) && m >= 0 && m < 1e9)).toBe(true);
  expect([...s.legacyMasked].sort((a, b) => a - b)).toEqual(s.legacyMasked);
  expect(new Set(s.legacyMasked).size).toBe(s.legacyMasked.length);
  expect(s.userId === null || /^[A-Za-z0-9_.:-]{1,64}$/.test(s.userId)).toBe(true);
  expect(s.maskedIds.every((m) => /^[A-Za-z0-9_.:-]{1,64}$/.test(m))).toBe(true);
  expect(new Set(s.maskedIds).size).toBe(s.maskedIds.length);
  expect(typeof s.priors).toBe('boolean');
  expect(typeof s.skipHistory).toBe('boolean');
}

describe('URL state', () => {
  it('never throws and always yields bounded fields, for arbitrary and near-valid query strings', () => {
    fc.assert(
      fc.property(fc.oneof(query, fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 })), (q) => {
        checkShape(parseUrlState(q));
      }),
      RUNS,
    );
  });
  it('format(parse(q)) is a fixed point: parsing it again gives the same state', () => {
    fc.assert(
      fc.property(query, (q) => {
        const s = parseUrlState(q);
        const f = formatUrlState(s);
        const s2 = parseUrlState(f);
        // Legacy index fields are read, never written: the fixed point holds for the rest.
        expect({ ...s2, task: s2.task ?? 'sequential' }).toEqual({ ...s, legacyUser: null, legacyMasked: [], task: s.task ?? 'sequential' });
        expect(formatUrlState(s2)).toBe(f);
      }),
      RUNS,
    );
  });
  it('a 100 kB mask list parses in bounded time', () => {
    const t0 = performance.now();
    const s = parseUrlState('?mask=' + Array.from({ length: 20000 }, (_, i) => i).join(','));
    expect(s.legacyMasked).toHaveLength(20000);
    expect(parseUrlState('?uid=1&mask_uid=' + Array.from({ length: 20000 }, (_, i) => i).join(',')).maskedIds).toHaveLength(20000);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

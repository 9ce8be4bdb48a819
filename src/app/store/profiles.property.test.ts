// Property-based tests of the profile import parser: any text — malformed JSON, wrong shapes,
// hostile names, huge files — is either a list of well-formed profiles or a ProfileImportError with
// a sentence for the person; an export always imports back to the same profiles.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_IMPORT_CHARS, MAX_PROFILE_ITEMS, parseProfiles, ProfileImportError } from './profiles.ts';

const RUNS = { numRuns: 200 };

function outcome(text: string): 'ok' | ProfileImportError {
  const t0 = performance.now();
  try {
    const out = parseProfiles(text);
    for (const p of out) {
      expect(typeof p.name).toBe('string');
      expect(p.name.length).toBeGreaterThan(0);
      expect(p.name.length).toBeLessThanOrEqual(60);
      expect(['beauty', 'musical-instruments']).toContain(p.pack);
      expect(p.items.length).toBeGreaterThan(0);
      expect(p.items.length).toBeLessThanOrEqual(MAX_PROFILE_ITEMS);
      for (const i of p.items) expect(Number.isInteger(i) && i > 0).toBe(true);
    }
    return 'ok';
  } catch (e) {
    if (!(e instanceof ProfileImportError)) throw new Error(`untyped ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
    expect(e.message.length).toBeGreaterThan(10);
    return e;
  } finally {
    expect(performance.now() - t0).toBeLessThan(500);
  }
}

const hostileName = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('<img src=x onerror=window.__pwned=1>', '"><script>alert(1)</script>', '\u202e evil', '   ', ''));
const profile = fc.record(
  {
    name: fc.oneof(hostileName, fc.integer(), fc.constant(null)),
    pack: fc.oneof(fc.constantFrom('beauty', 'musical-instruments', 'toys', '__proto__', ''), fc.integer()),
    items: fc.oneof(fc.array(fc.oneof(fc.integer({ min: -2, max: 50 }), fc.double(), fc.constant('3')), { maxLength: 6 }), fc.constant('1,2'), fc.constant(null)),
    createdAt: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
  },
  { requiredKeys: [] },
);

describe('parseProfiles', () => {
  it('arbitrary JSON and non-JSON: profiles or ProfileImportError only', () => {
    fc.assert(fc.property(fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 60 }), fc.jsonValue().map((v) => JSON.stringify({ profiles: v }))), (t) => void outcome(t)), RUNS);
  });
  it('near-valid exports (hostile names, wrong packs, bad items, null entries)', () => {
    const list = fc.array(fc.oneof({ weight: 5, arbitrary: profile }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 1, [], 'x') }), { maxLength: 5 });
    fc.assert(fc.property(list, fc.boolean(), (ps, wrapped) => void outcome(JSON.stringify(wrapped ? { format: 'peapod-profiles/1', profiles: ps } : ps))), RUNS);
  });
  it('valid profiles round-trip exactly; names are kept as text, never interpreted', () => {
    const valid = fc.record({ name: hostileName.filter((s) => s.trim().length > 0 && s.trim().length <= 60).map((s) => s.trim()), pack: fc.constantFrom('beauty' as const, 'musical-instruments' as const), items: fc.array(fc.integer({ min: 1, max: 12101 }), { minLength: 1, maxLength: 20 }), createdAt: fc.constant('2026-01-01T00:00:00.000Z') });
    fc.assert(
      fc.property(fc.array(valid, { maxLength: 5 }), (ps) => {
        expect(parseProfiles(JSON.stringify({ format: 'peapod-profiles/1', profiles: ps }))).toEqual(ps);
      }),
      RUNS,
    );
  });
  it('a huge file or a huge profile is refused before it is parsed or stored', () => {
    expect(outcome(' '.repeat(MAX_IMPORT_CHARS + 1))).toBeInstanceOf(ProfileImportError);
    const many = JSON.stringify([{ name: 'x', pack: 'beauty', items: Array.from({ length: MAX_PROFILE_ITEMS + 1 }, (_, i) => i + 1) }]);
    expect((outcome(many) as ProfileImportError).message).toMatch(/positive integer item ids, 1 to 1000 of them/);
    const lots = JSON.stringify(Array.from({ length: 501 }, (_, i) => ({ name: `p${i}`, pack: 'beauty', items: [1] })));
    expect((outcome(lots) as ProfileImportError).message).toMatch(/501 profiles/);
  });
  it('an unknown pack and a null entry are typed errors that say what is wrong', () => {
    expect((outcome('[{"name":"a","pack":"toys","items":[1]}]') as ProfileImportError).message).toMatch(/no known pack/);
    expect((outcome('[null]') as ProfileImportError).message).toMatch(/Profile 1 is not an object/);
  });
});

import { describe, expect, it } from 'vitest';
import { LegacyMT19937 } from './mt19937.ts';

// Expected values were produced with numpy 2.4 (`np.random.RandomState(seed)`), which uses the
// legacy init_genrand seeding; 3499211612 is the MT19937 reference output for seed 5489.
describe('LegacyMT19937 (numpy legacy RandomState)', () => {
  it('matches the MT19937 reference first output for seed 5489', () => {
    expect(new LegacyMT19937(5489).nextUint32()).toBe(3499211612);
  });

  it('matches numpy random_raw for seed 2022, across the first twist boundary', () => {
    const r = new LegacyMT19937(2022);
    const first = [r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()];
    expect(first).toEqual([40194941, 3790341340, 2143436973, 2204209776, 486979249]);
    for (let i = 5; i < 620; i++) r.nextUint32();
    const around624 = Array.from({ length: 10 }, () => r.nextUint32());
    expect(around624).toEqual([
      2462334129, 2352402103, 3697739872, 3600552649, 2621343061, 3045883433, 3521875626, 4000653641, 4114276371, 14062257,
    ]);
  });

  it('permutation equals numpy RandomState(seed).permutation(n)', () => {
    const out = new Int32Array(20);
    expect(Array.from(new LegacyMT19937(2022).permutationInto(10, out).subarray(0, 10))).toEqual([4, 7, 3, 5, 2, 6, 9, 8, 1, 0]);
    expect(Array.from(new LegacyMT19937(0).permutationInto(20, out))).toEqual([
      18, 1, 19, 8, 10, 17, 6, 13, 4, 2, 5, 14, 9, 7, 16, 11, 3, 0, 15, 12,
    ]);
  });

  it('consumes exactly as many draws as numpy (state after permutation(1000) agrees)', () => {
    const r = new LegacyMT19937(2022);
    r.permutationInto(1000, new Int32Array(1000));
    expect([r.nextUint32(), r.nextUint32()]).toEqual([1645157758, 1780671648]);
  });

  it('randomInterval stays in [0, max], uses mask rejection and returns 0 for max 0 without a draw', () => {
    const a = new LegacyMT19937(2022);
    expect(a.randomInterval(0)).toBe(0);
    // With mask 0xffffffff nothing is rejected: the value is the raw draw.
    expect(a.randomInterval(0xffffffff)).toBe(40194941);
    // max 5 -> mask 7: draws 3790341340&7=4 (kept).
    expect(a.randomInterval(5)).toBe(3790341340 & 7);
    const b = new LegacyMT19937(1);
    for (let i = 0; i < 1000; i++) {
      const v = b.randomInterval(9);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(9);
    }
  });

  it('rejects seeds numpy rejects', () => {
    expect(() => new LegacyMT19937(-1)).toThrow(RangeError);
    expect(() => new LegacyMT19937(2 ** 32)).toThrow(RangeError);
  });
});

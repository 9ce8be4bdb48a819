import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SplitError } from './errors.ts';
import { loadDataset } from './node-fs.ts';
import { mulberry32 } from './rng.ts';
import { enumerateTrainingPairs, leaveOneOut, pairHistory, sampleTrainingExample, testExample, validationExample } from './splits.ts';
import { DATA_DIR, hasDataset } from './testing.ts';

const seq = (...a: number[]): Int32Array => Int32Array.from(a);

describe('leave-one-out', () => {
  it('last item = test, second-to-last = validation, train = the rest', () => {
    const s = leaveOneOut([seq(4, 8, 15, 16, 23, 42), seq(1, 2, 3)]);
    expect(Array.from(s.train[0]!)).toEqual([4, 8, 15, 16]);
    expect(Array.from(s.train[1]!)).toEqual([1]);
    expect(Array.from(s.validTarget)).toEqual([23, 2]);
    expect(Array.from(s.testTarget)).toEqual([42, 3]);
  });
  it('refuses sequences shorter than 3 with a SplitError', () => {
    expect(() => leaveOneOut([seq(1, 2, 3), seq(5, 6)], 'seq.txt')).toThrow(SplitError);
    expect(() => leaveOneOut([seq(1, 2, 3), seq(5, 6)], 'seq.txt')).toThrow(/seq\.txt: user index 1 has 2 items/);
  });
  it('validation/test examples use the last 20 items before the target', () => {
    const long = Int32Array.from({ length: 30 }, (_, i) => i + 1);
    expect(Array.from(validationExample(long).history)).toEqual(Array.from({ length: 20 }, (_, i) => i + 9));
    expect(validationExample(long).target).toBe(29);
    expect(Array.from(testExample(long).history)).toEqual(Array.from({ length: 20 }, (_, i) => i + 10));
    expect(testExample(long).target).toBe(30);
    expect(Array.from(testExample(seq(7, 8, 9)).history)).toEqual([7, 8]);
  });
});

describe('training sampler', () => {
  it('never returns the validation or test item, as target or in the history', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 60 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 25 }), (len, seed, maxHist) => {
        // Items are their positions + 1, so a value tells where it came from.
        const s = Int32Array.from({ length: len }, (_, i) => i + 1);
        const rng = mulberry32(seed);
        for (let k = 0; k < 20; k++) {
          const ex = sampleTrainingExample(s, rng, maxHist);
          if (len < 4) {
            expect(ex).toBeNull();
            return;
          }
          expect(ex!.target).toBeLessThanOrEqual(len - 2);
          expect(ex!.target).toBeGreaterThanOrEqual(2);
          expect(ex!.history.length).toBeGreaterThanOrEqual(1);
          expect(ex!.history.length).toBeLessThanOrEqual(maxHist);
          // Contiguous and ending right before the target.
          expect(ex!.history[ex!.history.length - 1]).toBe(ex!.target - 1);
          for (let i = 1; i < ex!.history.length; i++) expect(ex!.history[i]).toBe(ex!.history[i - 1]! + 1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('covers every target position and history length of a short sequence, and is seeded', () => {
    const s = seq(1, 2, 3, 4, 5, 6); // training part 1..4: targets 2,3,4
    const seen = new Set<string>();
    const rng = mulberry32(42);
    for (let k = 0; k < 2000; k++) {
      const ex = sampleTrainingExample(s, rng)!;
      seen.add(`${ex.history.join(',')}>${ex.target}`);
    }
    expect([...seen].sort()).toEqual(['1,2,3>4', '1,2>3', '1>2', '2,3>4', '2>3', '3>4']);
    const a = mulberry32(9);
    const b = mulberry32(9);
    for (let k = 0; k < 50; k++) expect(sampleTrainingExample(s, a)).toEqual(sampleTrainingExample(s, b));
  });
});

describe('enumerateTrainingPairs', () => {
  it('lists every (history<=20, target) in the training part', () => {
    const seqs = [seq(1, 2, 3, 4, 5, 6), seq(7, 8, 9), seq(10, 11, 12, 13)];
    const p = enumerateTrainingPairs(seqs);
    expect(p.count).toBe(3 + 0 + 1);
    expect(Array.from(p.targets)).toEqual([2, 3, 4, 11]);
    expect(Array.from(p.users)).toEqual([0, 0, 0, 2]);
    expect(Array.from(pairHistory(seqs, p, 2))).toEqual([1, 2, 3]);
    expect(Array.from(pairHistory(seqs, p, 2, 2))).toEqual([2, 3]);
    expect(Array.from(pairHistory(seqs, p, 3))).toEqual([10]);
  });
});

describe.skipIf(!hasDataset('amazon-sports-p5'))('real Sports splits', () => {
  it('has interactions - 3 x users training pairs (296,337 - 3 x 35,598 = 189,543)', () => {
    const ds = loadDataset('amazon-sports-p5', { dataDir: DATA_DIR });
    expect(enumerateTrainingPairs(ds.sequences).count).toBe(189543);
    const s = leaveOneOut(ds.sequences);
    expect(s.train.reduce((n, t) => n + t.length, 0)).toBe(296337 - 2 * 35598);
  });
});

import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MissingDatasetError } from './errors.ts';
import { combineDigests, datasetFingerprint, sha256Hex } from './fingerprint.ts';
import { DATA_DIR, hasDataset, makeTmpDir } from './testing.ts';

describe('datasetFingerprint', () => {
  const tmp = makeTmpDir();
  afterAll(tmp.cleanup);
  it('hashes sorted `path\\tbytes\\tsha256` lines of the data files, ignoring docs', () => {
    tmp.write('ds/b.txt', '2\n');
    tmp.write('ds/a/x.txt', 'x');
    tmp.write('ds/SOURCE.md', 'notes');
    const fp = datasetFingerprint(path.join(tmp.dir, 'ds'));
    expect(fp.files.map((f) => f.path)).toEqual(['a/x.txt', 'b.txt']);
    // sha256("x") and sha256("2\n") are standard test vectors-by-construction; check the combination by hand.
    const lines = `a/x.txt\t1\t${sha256Hex('x')}\nb.txt\t2\t${sha256Hex('2\n')}\n`;
    expect(fp.fingerprint).toBe(sha256Hex(lines));
    expect(sha256Hex('x')).toBe('2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
  });
  it('changes with one byte and is independent of digest order', () => {
    const before = datasetFingerprint(path.join(tmp.dir, 'ds')).fingerprint;
    tmp.write('ds/b.txt', '3\n');
    const after = datasetFingerprint(path.join(tmp.dir, 'ds'));
    expect(after.fingerprint).not.toBe(before);
    expect(combineDigests([...after.files].reverse())).toBe(after.fingerprint);
  });
  it('missing or empty folder -> MissingDatasetError', () => {
    expect(() => datasetFingerprint(path.join(tmp.dir, 'none'))).toThrow(MissingDatasetError);
    tmp.write('docs-only/README.md', 'x');
    expect(() => datasetFingerprint(path.join(tmp.dir, 'docs-only'))).toThrow(/holds no data files/);
  });
});

describe.skipIf(!hasDataset('amazon-musical-instruments-5core'))('real dataset fingerprint', () => {
  it('single-file dataset: fingerprint of its one digest line', () => {
    const fp = datasetFingerprint(path.join(DATA_DIR, 'amazon-musical-instruments-5core'));
    expect(fp.files).toEqual([{ path: 'reviews_Musical_Instruments_5.json.gz', bytes: 2460495, sha256: '03f9cc27ae13a454cb4ea6cb620fb10546cc1194ef921441d1c5f34addff2748' }]);
    expect(fp.fingerprint).toBe(sha256Hex('reviews_Musical_Instruments_5.json.gz\t2460495\t03f9cc27ae13a454cb4ea6cb620fb10546cc1194ef921441d1c5f34addff2748\n'));
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetDir, detectKind, repoRoot, resolveDataDir } from './node-fs.ts';
import { DATA_DIR, hasDataset } from './testing.ts';

describe('resolveDataDir', () => {
  it('uses PEAPOD_DATA_DIR when set, else <repo>/../shared/data', () => {
    expect(resolveDataDir({ PEAPOD_DATA_DIR: '/tmp/somewhere' })).toBe('/tmp/somewhere');
    expect(resolveDataDir({})).toBe(path.resolve(repoRoot(), '..', 'shared', 'data'));
    expect(resolveDataDir({ PEAPOD_DATA_DIR: '' })).toBe(path.resolve(repoRoot(), '..', 'shared', 'data'));
  });
  it('repoRoot is the folder holding package.json of peapod-web', async () => {
    const { readFileSync } = await import('node:fs');
    expect(JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')).name).toBe('peapod-web');
  });
  it('datasetDir takes a name under the data dir or a path', () => {
    expect(datasetDir('amazon-toys-p5', '/d')).toBe('/d/amazon-toys-p5');
    expect(datasetDir('./x/amazon-toys-p5', '/d')).toBe(path.resolve('x/amazon-toys-p5'));
    expect(datasetDir('/abs/y', '/d')).toBe('/abs/y');
  });
});

describe.skipIf(!hasDataset('movielens-latest-small'))('detectKind on the real folders', () => {
  it('recognises each source format', () => {
    expect(detectKind(path.join(DATA_DIR, 'amazon-toys-p5'))).toBe('p5');
    expect(detectKind(path.join(DATA_DIR, 'amazon-musical-instruments-5core'))).toBe('amazon-reviews');
    expect(detectKind(path.join(DATA_DIR, 'movielens-latest-small'))).toBe('movielens');
  });
});

import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAmazonReviews, reviewsToDataset } from './amazon-reviews.ts';
import { DatasetFormatError, EmptyFileError, GzipError, TruncatedFileError, EncodingError } from './errors.ts';
import { loadAmazonReviews, loadDataset } from './node-fs.ts';
import { DATA_DIR, hasDataset, makeTmpDir } from './testing.ts';
import { datasetStats } from './types.ts';

const rev = (u: string, a: string, t: number, text = 'ok'): string =>
  JSON.stringify({ reviewerID: u, asin: a, reviewText: text, overall: 4.0, summary: 's', unixReviewTime: t });

describe('parseAmazonReviews', () => {
  it('numbers users/items by first appearance in file order and sorts each user by time (stable)', () => {
    const text = [rev('U9', 'B1', 300), rev('U5', 'B1', 100), rev('U9', 'B2', 100), rev('U9', 'B3', 300), rev('U5', 'B3', 50)].join('\n') + '\n';
    const data = parseAmazonReviews(text, 'r.json');
    expect(data.rawUserIds).toEqual(['', 'U9', 'U5']);
    expect(data.rawItemIds).toEqual(['', 'B1', 'B2', 'B3']);
    const ds = reviewsToDataset(data, 'x', '');
    // U9: B2@100, then B1@300 and B3@300 in file order.
    expect(Array.from(ds.sequences[0]!)).toEqual([2, 1, 3]);
    expect(Array.from(ds.sequences[1]!)).toEqual([3, 1]);
    expect(Array.from(ds.timestamps![0]!)).toEqual([100, 300, 300]);
    expect(Array.from(ds.users)).toEqual([1, 2]);
    expect(ds.rawUserIds).toEqual(['U9', 'U5']);
  });

  it('rejects bad records with file and line', () => {
    expect(() => parseAmazonReviews(`${rev('U', 'B', 1)}\n{"reviewerID": "U", "asin": "B"\n`, 'r.json')).toThrow(/r\.json:2: JSON ends early/);
    expect(() => parseAmazonReviews(`${rev('U', 'B', 1)}\n{"asin": "B", "overall": 1, "unixReviewTime": 5}\n`, 'r.json')).toThrow(/r\.json:2: review has no "reviewerID" string/);
    expect(() => parseAmazonReviews(`{"reviewerID":"U","asin":"B","overall":"5","unixReviewTime":5}\n`, 'r.json')).toThrow(/numeric "overall"/);
    expect(() => parseAmazonReviews('[1,2]\n', 'r.json')).toThrow(DatasetFormatError);
    expect(() => parseAmazonReviews('\n\n', 'r.json')).toThrow(EmptyFileError);
  });
});

describe('reading .json.gz files', () => {
  const tmp = makeTmpDir();
  afterAll(tmp.cleanup);
  const good = gzipSync(Buffer.from(`${rev('U1', 'B1', 1)}\n${rev('U1', 'B2', 2)}\n`));
  it('reads a valid gzip file', () => {
    const file = tmp.write('ok/reviews_X_5.json.gz', good);
    expect(loadAmazonReviews(path.dirname(file)).reviews).toHaveLength(2);
  });
  it('bad gzip -> GzipError naming the file', () => {
    const file = tmp.write('bad/reviews_X_5.json.gz', Buffer.from('not gzip at all'));
    expect(() => loadAmazonReviews(path.dirname(file))).toThrow(GzipError);
    expect(() => loadAmazonReviews(path.dirname(file))).toThrow(new RegExp(`reviews_X_5\\.json\\.gz: is not a valid gzip file`));
  });
  it('truncated gzip -> GzipError', () => {
    const file = tmp.write('cut/reviews_X_5.json.gz', good.subarray(0, good.length - 12));
    expect(() => loadAmazonReviews(path.dirname(file))).toThrow(GzipError);
  });
  it('gzip of invalid UTF-8 -> EncodingError', () => {
    const file = tmp.write('enc/reviews_X_5.json.gz', gzipSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])));
    expect(() => loadAmazonReviews(path.dirname(file))).toThrow(EncodingError);
  });
  it('gzip whose text is cut mid-line -> TruncatedFileError', () => {
    const file = tmp.write('midline/reviews_X_5.json.gz', gzipSync(Buffer.from(`${rev('U1', 'B1', 1)}\n{"reviewerID": "U`)));
    expect(() => loadAmazonReviews(path.dirname(file))).toThrow(TruncatedFileError);
  });
});

describe.skipIf(!hasDataset('amazon-musical-instruments-5core'))('real Musical Instruments 5-core', () => {
  it('has 10,261 reviews, 1,429 users, 900 items, every user with >= 5', () => {
    const ds = loadDataset('amazon-musical-instruments-5core', { dataDir: DATA_DIR });
    const s = datasetStats(ds);
    expect([s.users, s.items, s.interactions, s.minLength]).toEqual([1429, 900, 10261, 5]);
    expect(ds.kind).toBe('amazon-reviews');
    // First line of the file: A2IBPI20UZIR0U reviewed 1384719342.
    expect(ds.rawUserIds[0]).toBe('A2IBPI20UZIR0U');
    expect(ds.rawItemIds[1]).toBe('1384719342');
    let unordered = 0;
    for (const ts of ds.timestamps!) for (let i = 1; i < ts.length; i++) if (ts[i]! < ts[i - 1]!) unordered++;
    expect(unordered).toBe(0);
  });
});

import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetFormatError, DuplicateUserError, InconsistentDatasetError, InvalidIdError, MissingDatasetError, TruncatedFileError, EmptyFileError, EncodingError } from './errors.ts';
import { loadDataset } from './node-fs.ts';
import { buildP5Dataset, parseDataMaps, parseItemText, parseSequentialData } from './p5.ts';
import { DATA_DIR, hasDataset, makeTmpDir } from './testing.ts';
import { datasetStats } from './types.ts';

describe('parseSequentialData', () => {
  it('reads users, sequences in file order and the largest item id', () => {
    const d = parseSequentialData('3 5 1 2\n1 4 4 9\n', 'seq.txt');
    expect(Array.from(d.users)).toEqual([3, 1]);
    expect(d.sequences.map((s) => Array.from(s))).toEqual([[5, 1, 2], [4, 4, 9]]);
    expect(d.maxItem).toBe(9);
    expect(d.numInteractions).toBe(6);
  });

  it('names file and line for every malformed line', () => {
    const cases: [string, new (...a: never[]) => Error, RegExp][] = [
      ['1 2 3\n2 4 5\n1 6 7\n', DuplicateUserError, /seq\.txt:3: user 1 already has a line \(line 1\)/],
      ['1 2 3\n2 4 b\n', InvalidIdError, /seq\.txt:2: "b" is not a non-negative integer id/],
      ['1 2 3\n2 0 5\n', InvalidIdError, /seq\.txt:2: item id 0 is not >= 1/],
      ['0 2 3\n', InvalidIdError, /seq\.txt:1: user id 0 is not >= 1/],
      ['1 2 3\n\n2 4\n', DatasetFormatError, /seq\.txt:2: blank line/],
      ['1 2 3\n2\n', DatasetFormatError, /seq\.txt:2: user 2 has no items/],
      ['1 2 3\n2 4 5', TruncatedFileError, /seq\.txt:2: ends in the middle of a line/],
      ['', EmptyFileError, /seq\.txt: is empty/],
    ];
    for (const [text, cls, msg] of cases) {
      expect(() => parseSequentialData(text, 'seq.txt')).toThrow(cls);
      expect(() => parseSequentialData(text, 'seq.txt')).toThrow(msg);
    }
  });
});

describe('parseDataMaps / parseItemText', () => {
  it('accepts id2* alone or with consistent inverses', () => {
    const m = parseDataMaps('{"id2user":{"1":"U1","2":"U2"},"id2item":{"2":"B","1":"A"},"item2id":{"A":"1","B":"2"}}', 'maps.json');
    expect(m.idToUser).toEqual(['', 'U1', 'U2']);
    expect(m.idToItem).toEqual(['', 'A', 'B']);
  });
  it('rejects gaps, non-integer keys, missing tables and disagreeing inverses', () => {
    expect(() => parseDataMaps('{"id2user":{"1":"U"},"id2item":{"1":"A","3":"C"}}', 'm.json')).toThrow(/id2item" id 3 is outside 1\.\.2/);
    expect(() => parseDataMaps('{"id2user":{"x":"U"},"id2item":{"1":"A"}}', 'm.json')).toThrow(InvalidIdError);
    expect(() => parseDataMaps('{"id2user":{"1":"U"}}', 'm.json')).toThrow(/has no "id2item" object/);
    expect(() => parseDataMaps('{"id2user":{"1":"U"},"id2item":{"1":"A"},"item2id":{"A":"2"}}', 'm.json')).toThrow(InconsistentDatasetError);
    expect(() => parseDataMaps('[1]', 'm.json')).toThrow(DatasetFormatError);
    expect(() => parseDataMaps('{"id2user":{"1":"U"', 'm.json')).toThrow(TruncatedFileError);
  });
  it('reads `ASIN text` lines (empty text allowed), rejects lines without a space and duplicates', () => {
    const t = parseItemText('B1 red guitar strings\nB2 \n', 'names.txt');
    expect(t.get('B1')).toBe('red guitar strings');
    expect(t.get('B2')).toBe('');
    expect(() => parseItemText('B1 a\nB2\n', 'names.txt')).toThrow(/names\.txt:2: expected "ASIN text"/);
    expect(() => parseItemText('B1 a\nB1 b\n', 'names.txt')).toThrow(/names\.txt:2: item B1 is named twice/);
  });
  it('cross-checks sequences against the maps', () => {
    const maps = { text: '{"id2user":{"1":"U1"},"id2item":{"1":"A","2":"B"}}', file: 'm.json' };
    expect(() => buildP5Dataset({ sequential: { text: '1 1 3\n', file: 's.txt' }, datamaps: maps }, 'x', '')).toThrow(/item 3 is used in s\.txt but id2item only goes to 2/);
    expect(() => buildP5Dataset({ sequential: { text: '2 1 2\n', file: 's.txt' }, datamaps: maps }, 'x', '')).toThrow(/user 2 of s\.txt has no id2user entry/);
    const ds = buildP5Dataset({ sequential: { text: '1 2 1\n', file: 's.txt' }, datamaps: maps, itemText: { text: 'B bass amp\n', file: 'n.txt' } }, 'x', '');
    expect(ds.itemNames).toEqual(['', 'item_1', 'bass amp']);
    expect(ds.rawUserIds).toEqual(['U1']);
  });
});

describe('loadDataset on bad folders', () => {
  const tmp = makeTmpDir();
  afterAll(tmp.cleanup);
  it('missing folder -> MissingDatasetError naming it and suggesting download', () => {
    const dir = path.join(tmp.dir, 'nope');
    expect(() => loadDataset(dir)).toThrow(MissingDatasetError);
    expect(() => loadDataset(dir)).toThrow(/dataset folder not found\. Run `npx peapod data download`/);
  });
  it('folder without data files -> MissingDatasetError', () => {
    tmp.write('emptyset/notes.txt', 'hello\n');
    expect(() => loadDataset(path.join(tmp.dir, 'emptyset'))).toThrow(/is not a dataset folder/);
  });
  it('wrong encoding in a real file path is reported with that path', () => {
    const file = tmp.write('utf16/sequential_data.txt', Uint8Array.from([0xff, 0xfe, 0x31, 0x00, 0x0a, 0x00]));
    expect(() => loadDataset(path.dirname(file))).toThrow(EncodingError);
    expect(() => loadDataset(path.dirname(file))).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1: starts with a UTF-16`));
  });
  it('a known dataset with a missing file names the file and the download command', () => {
    tmp.write('amazon-beauty-p5/datamaps.json', '{}\n');
    expect(() => loadDataset('amazon-beauty-p5', { dataDir: tmp.dir })).toThrow(/sequential_data\.txt: file not found\. Run `npx peapod data download --dataset amazon-beauty-p5`/);
  });
});

const real: [string, number, number, number, string][] = [
  ['amazon-beauty-p5', 22363, 12101, 198502, 'nail lacquer simmer and shimmer'],
  ['amazon-sports-p5', 35598, 18357, 296337, 'ghost armorers tool 332 punch hunting fishing'],
  ['amazon-toys-p5', 19412, 11924, 167597, ''],
];
for (const [name, users, items, interactions, firstName] of real) {
  describe.skipIf(!hasDataset(name))(`real P5 folder ${name}`, () => {
    it('loads with the counts of P5 Table 1 and readable names', () => {
      const t = performance.now();
      const ds = loadDataset(name, { dataDir: DATA_DIR });
      const ms = performance.now() - t;
      const s = datasetStats(ds);
      expect([s.users, s.items, s.interactions, s.minLength]).toEqual([users, items, interactions, 5]);
      expect(ds.kind).toBe('p5');
      expect(ds.users[0]).toBe(1);
      if (firstName) expect(ds.itemNames[1]).toBe(firstName);
      expect(ds.itemNames.slice(1).every((n) => n.length > 0)).toBe(true);
      // Parsing must stay cheap enough for the browser (300k interactions well under a few seconds).
      expect(ms).toBeLessThan(5000);
    });
  });
}

describe.skipIf(!hasDataset('amazon-toys-p5'))('real Toys folder', () => {
  it('has first user 1 = AQW172A5SG5OC with sequence 1..7 and aligned negatives', () => {
    const ds = loadDataset('amazon-toys-p5', { dataDir: DATA_DIR });
    expect(ds.rawUserIds[0]).toBe('AQW172A5SG5OC');
    expect(Array.from(ds.sequences[0]!)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(ds.negatives).toHaveLength(19412);
    expect(Array.from(ds.negatives![0]!.subarray(0, 5))).toEqual([10341, 1132, 1630, 7626, 6288]);
  });
});

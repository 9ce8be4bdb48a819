// Malformed dataset folders through the real CLI (`peapod negatives --data <folder>`, which loads
// the folder with src/data): every case exits 1 with one line naming the typed error, the file and
// (where there is one) the line; random damage to a valid folder never ends in an untyped crash.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { makeTmpDir } from '../data/testing.ts';
import { main } from './peapod.ts';

const DATASET_ERRORS = /^peapod negatives: (DatasetFormatError|InvalidIdError|DuplicateUserError|EmptyFileError|TruncatedFileError|EncodingError|MissingDatasetError|InconsistentDatasetError|SplitError): /;

const tmp = makeTmpDir('peapod-malformed-');
afterAll(tmp.cleanup);
afterEach(() => vi.restoreAllMocks());

async function runNegatives(dir: string): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const code = await main(['negatives', '--data', dir, '--out', path.join(dir, 'neg.txt')]);
  vi.restoreAllMocks();
  return { code, err: err.join('\n') };
}

let n = 0;
function folder(files: Record<string, string | Uint8Array>): string {
  const name = `case${n++}`;
  for (const [f, c] of Object.entries(files)) tmp.write(`${name}/${f}`, c);
  return path.join(tmp.dir, name);
}

const range = (a: number, b: number): string => Array.from({ length: b - a + 1 }, (_, i) => a + i).join(' ');
/** 3 users over 120 items: enough for 99 negatives each. */
const VALID = `1 ${range(1, 60)}\n2 ${range(61, 120)}\n3 5 6 7\n`;

describe('peapod negatives on malformed P5 folders', () => {
  const cases: [string, Record<string, string | Uint8Array>, RegExp][] = [
    ['empty file', { 'sequential_data.txt': '' }, /EmptyFileError: .*sequential_data\.txt: is empty/],
    ['cut short (no final newline)', { 'sequential_data.txt': '1 1 2 3\n2 4 5' }, /TruncatedFileError: .*sequential_data\.txt:2: ends in the middle of a line/],
    ['UTF-16', { 'sequential_data.txt': Uint8Array.from([0xff, 0xfe, 0x31, 0x00, 0x0a, 0x00]) }, /EncodingError: .*sequential_data\.txt:1: starts with a UTF-16 byte-order mark/],
    ['invalid UTF-8', { 'sequential_data.txt': Uint8Array.from([0x31, 0x20, 0xc3, 0x28, 0x0a]) }, /EncodingError: .*sequential_data\.txt:1: is not valid UTF-8/],
    ['a word among the ids', { 'sequential_data.txt': '1 1 2\n2 3 four\n' }, /InvalidIdError: .*sequential_data\.txt:2: "four" is not a non-negative integer id/],
    ['an id above 2^31-1', { 'sequential_data.txt': '1 1 2\n2 3 99999999999\n' }, /InvalidIdError: .*sequential_data\.txt:2: id "99999999999" is larger than 2\^31-1/],
    ['user 0', { 'sequential_data.txt': '0 1 2\n' }, /InvalidIdError: .*sequential_data\.txt:1: user id 0 is not >= 1/],
    ['a user with no items', { 'sequential_data.txt': '1 1 2\n2\n' }, /DatasetFormatError: .*sequential_data\.txt:2: user 2 has no items/],
    ['a blank line', { 'sequential_data.txt': '1 1 2\n\n2 3 4\n' }, /DatasetFormatError: .*sequential_data\.txt:2: blank line/],
    ['a duplicate user', { 'sequential_data.txt': '1 1 2\n1 3 4\n' }, /DuplicateUserError: .*sequential_data\.txt:2: user 1 already has a line \(line 1\)/],
    ['no sequential file', { 'README.txt': 'hello\n' }, /sequential_data\.txt/],
  ];
  for (const [what, files, message] of cases) {
    it(`${what}: exit 1 and a sentence naming the file`, async () => {
      const { code, err } = await runNegatives(folder(files));
      expect(code).toBe(1);
      expect(err).toMatch(DATASET_ERRORS);
      expect(err).toMatch(message);
      expect(err.split('\n')).toHaveLength(1);
    });
  }

  it('the valid folder works (the cases above fail for their damage only)', async () => {
    const dir = folder({ 'sequential_data.txt': VALID });
    expect((await runNegatives(dir)).code).toBe(0);
    expect(readFileSync(path.join(dir, 'neg.txt'), 'utf8').split('\n')).toHaveLength(4);
  });

  it('random damage to a valid file: exit 0, or exit 1 with a typed dataset error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(VALID.length - 1), fc.constantFrom('x', '', ' ', '\n', '0', '\u00e9', '-', '99999999999'), async (at, ch) => {
        const { code, err } = await runNegatives(folder({ 'sequential_data.txt': VALID.slice(0, at) + ch + VALID.slice(at + 1) }));
        expect([0, 1]).toContain(code);
        if (code === 1) expect(err).toMatch(DATASET_ERRORS);
      }),
      { numRuns: 40 },
    );
  });
});

describe('peapod data check on malformed P5 folders (sequences + datamaps)', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['a stray huge item id', { 'sequential_data.txt': '1 1 2\n2 3 200000000\n' }, /item id 200000000 is far beyond the 4 interactions/],
    ['datamaps not JSON', { 'sequential_data.txt': '1 1 2\n', 'datamaps.json': '{"id2user": ' }, /datamaps\.json: JSON ends early/],
    ['datamaps with a gap', { 'sequential_data.txt': '1 1 2\n', 'datamaps.json': JSON.stringify({ id2user: { 1: 'a' }, id2item: { 1: 'x', 7: 'y' } }) }, /datamaps\.json: "id2item" id 7 is outside 1\.\.2/],
    ['datamaps from another dataset', { 'sequential_data.txt': '1 1 5\n', 'datamaps.json': JSON.stringify({ id2user: { 1: 'a' }, id2item: { 1: 'x', 2: 'y' } }) }, /item 5 is used in .*sequential_data\.txt but id2item only goes to 2/],
  ];
  for (const [what, files, message] of cases) {
    it(`${what}: exit 1, FAIL and the parse error`, async () => {
      const name = `dc${n++}`;
      for (const [f, c] of Object.entries(files)) tmp.write(`${name}/amazon-beauty-p5/${f}`, c);
      const lines: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
      vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const code = await main(['data', 'check', '--data-dir', path.join(tmp.dir, name), '--dataset', 'amazon-beauty-p5']);
      vi.restoreAllMocks();
      expect(code).toBe(1);
      const text = lines.join('\n');
      expect(text).toContain('FAIL  amazon-beauty-p5');
      expect(text).toMatch(message);
    });
  }
});

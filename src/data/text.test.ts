import { describe, expect, it } from 'vitest';
import { EmptyFileError, EncodingError, InvalidIdError, TruncatedFileError, DatasetFormatError } from './errors.ts';
import { decodeUtf8, parseIntLine, parseJson, splitLines } from './text.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('decodeUtf8', () => {
  it('decodes UTF-8 and drops a UTF-8 BOM', () => {
    expect(decodeUtf8(Uint8Array.from([0xef, 0xbb, 0xbf, ...enc('Cité\n')]), 'f.txt')).toBe('Cité\n');
  });

  it('refuses a UTF-16 LE / BE byte-order mark with an EncodingError naming the file and line 1', () => {
    for (const bom of [[0xff, 0xfe], [0xfe, 0xff]]) {
      const err = catchErr(() => decodeUtf8(Uint8Array.from([...bom, 0x31, 0x00]), 'seq.txt'));
      expect(err).toBeInstanceOf(EncodingError);
      expect((err as EncodingError).file).toBe('seq.txt');
      expect((err as EncodingError).line).toBe(1);
      expect((err as Error).message).toMatch(/^seq\.txt:1: starts with a UTF-16 byte-order mark/);
    }
  });

  it('refuses invalid UTF-8 and reports the line of the first bad byte', () => {
    const bytes = Uint8Array.from([...enc('1 2 3\n4 5\n6 '), 0xc3, 0x28, ...enc('\n')]);
    const err = catchErr(() => decodeUtf8(bytes, 'x.txt')) as EncodingError;
    expect(err).toBeInstanceOf(EncodingError);
    expect(err.line).toBe(3);
    expect(err.message).toContain('x.txt:3: is not valid UTF-8 text');
  });
});

describe('splitLines', () => {
  it('splits on LF and CRLF, dropping the final newline', () => {
    expect(splitLines('a b\r\nc\n', 'f')).toEqual(['a b', 'c']);
  });
  it('rejects an empty or whitespace-only file', () => {
    expect(() => splitLines('', 'f')).toThrow(EmptyFileError);
    expect(() => splitLines(' \n\n', 'f')).toThrow(EmptyFileError);
  });
  it('reports a missing final newline as truncation, on the last line', () => {
    const err = catchErr(() => splitLines('1 2\n3 4\n5 6', 'seq.txt')) as TruncatedFileError;
    expect(err).toBeInstanceOf(TruncatedFileError);
    expect(err.line).toBe(3);
    expect(err.message).toContain('peapod data download');
  });
});

describe('parseIntLine', () => {
  const out: number[] = [];
  it('parses space/tab separated ids, tolerating runs of separators', () => {
    parseIntLine('12 0  7\t2147483647', 'f', 1, out);
    expect(out).toEqual([12, 0, 7, 2147483647]);
  });
  it('rejects a non-integer token and names it, the file and line', () => {
    const err = catchErr(() => parseIntLine('1 2 x3 4', 'seq.txt', 9, out)) as InvalidIdError;
    expect(err).toBeInstanceOf(InvalidIdError);
    expect(err.message).toBe('seq.txt:9: "x3" is not a non-negative integer id. Each line must be integer ids separated by spaces; fix or re-download the file');
    expect(() => parseIntLine('1 -2', 'f', 1, out)).toThrow(/"-2" is not a non-negative integer id/);
    expect(() => parseIntLine('1 2.5', 'f', 1, out)).toThrow(InvalidIdError);
  });
  it('rejects ids above 2^31-1', () => {
    expect(() => parseIntLine('1 2147483648', 'f', 2, out)).toThrow(/"2147483648" is larger than 2\^31-1/);
  });
});

describe('parseJson', () => {
  it('distinguishes cut-short JSON from malformed JSON', () => {
    expect(() => parseJson('{"a": [1, 2', 'm.json')).toThrow(TruncatedFileError);
    expect(() => parseJson('{"a": x}', 'm.json')).toThrow(DatasetFormatError);
    expect(parseJson('{"a": 1}', 'm.json')).toEqual({ a: 1 });
  });
});

function catchErr(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

// Byte -> text decoding and fast line/integer scanning shared by every parser. Pure functions over
// strings and bytes (browser-safe); no file access here. Integer rows are scanned char code by char
// code in one pass because per-token regexes / Number() dominate parse time on 300k-id files.
import {
  DatasetFormatError,
  EmptyFileError,
  EncodingError,
  InvalidIdError,
  TruncatedFileError,
} from './errors.ts';

const MAX_INT32 = 2147483647;

/** Decodes UTF-8 strictly (a UTF-8 BOM is dropped); refuses UTF-16 and invalid byte sequences. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new EncodingError('starts with a UTF-16 byte-order mark; this reader needs UTF-8', {
      file,
      line: 1,
      hint: 'Re-save the file as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`) or download it again with `peapod data download`',
    });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Locate the first bad sequence only on the error path: the lenient decoder marks it with U+FFFD.
    const lenient = new TextDecoder('utf-8').decode(bytes);
    const at = lenient.indexOf('\uFFFD');
    const line = at < 0 ? undefined : countLines(lenient, at);
    throw new EncodingError('is not valid UTF-8 text', {
      file,
      ...(line !== undefined ? { line } : {}),
      hint: 'The file is corrupt or in another encoding; download it again with `peapod data download` or convert it to UTF-8',
    });
  }
}

function countLines(text: string, end: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Splits a line-oriented file into lines (CRLF tolerated). The file must be non-empty and end with a
 * newline: every file we read is written that way, so a missing final newline means a cut-short copy.
 */
export function splitLines(text: string, file: string): string[] {
  if (text.trim().length === 0) {
    throw new EmptyFileError('is empty', { file, hint: 'Download the dataset again with `peapod data download`' });
  }
  if (!text.endsWith('\n')) {
    const lines = text.split('\n');
    throw new TruncatedFileError('ends in the middle of a line (no final newline): the copy looks cut short', {
      file,
      line: lines.length,
      hint: 'Download the file again with `peapod data download` (it checks SHA-256)',
    });
  }
  const lines = text.split('\n');
  lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/**
 * Parses one line of space-separated non-negative integers (spaces or tabs, runs allowed) into `out`
 * (cleared first). Throws a typed error naming file and line for any other character.
 */
export function parseIntLine(line: string, file: string, lineNo: number, out: number[]): void {
  out.length = 0;
  let value = 0;
  let digits = 0;
  const n = line.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? line.charCodeAt(i) : 32;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
      if (value > MAX_INT32) {
        throw new InvalidIdError(`id "${tokenAt(line, i)}" is larger than 2^31-1`, {
          file,
          line: lineNo,
          hint: 'Ids must be positive 32-bit integers; check that this is the right file',
        });
      }
    } else if (c === 32 || c === 9) {
      if (digits > 0) out.push(value);
      value = 0;
      digits = 0;
    } else {
      throw new InvalidIdError(`"${tokenAt(line, i)}" is not a non-negative integer id`, {
        file,
        line: lineNo,
        hint: 'Each line must be integer ids separated by spaces; fix or re-download the file',
      });
    }
  }
}

/** The whitespace-delimited token around position i (for error messages). */
function tokenAt(line: string, i: number): string {
  let s = i;
  while (s > 0 && line[s - 1] !== ' ' && line[s - 1] !== '\t') s--;
  let e = i;
  while (e < line.length && line[e] !== ' ' && line[e] !== '\t') e++;
  const t = line.slice(s, e);
  return t.length > 40 ? t.slice(0, 40) + '...' : t;
}

/** Parses JSON, turning a syntax error into a typed error (truncation when the input ends early). */
export function parseJson(text: string, file: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const where = line !== undefined ? { line } : {};
    // V8 reports a cut-short document either as "end of JSON input" or as an error at the last position.
    const pos = /position (\d+)/.exec(msg);
    const atEnd = pos !== null && Number(pos[1]) >= text.trimEnd().length;
    if (atEnd || /end of (JSON )?input|Unterminated/i.test(msg)) {
      throw new TruncatedFileError(`JSON ends early (${msg})`, {
        file,
        ...where,
        hint: 'The copy looks cut short; download it again with `peapod data download`',
      });
    }
    throw new DatasetFormatError(`is not valid JSON (${msg})`, {
      file,
      ...where,
      hint: 'Fix the file or download it again with `peapod data download`',
    });
  }
}

export function formatError(problem: string, file: string, line: number | undefined, hint: string): DatasetFormatError {
  return new DatasetFormatError(problem, line !== undefined ? { file, line, hint } : { file, hint });
}

import { describe, expect, it } from 'vitest';
import { parseArgs, numberFlag, stringFlag, CliUsageError } from './args.ts';

describe('parseArgs', () => {
  it('reads --k v, --k=v, boolean flags and positionals', () => {
    const a = parseArgs(['download', '--data', 'x', '--n=5', '--force', 'y']);
    expect(a.flags).toEqual({ data: 'x', n: '5', force: 'y' });
    expect(a.positional).toEqual(['download']);
    const b = parseArgs(['--force', '--out', 'o']);
    expect(b.flags).toEqual({ force: true, out: 'o' });
  });
  it('rejects a non-numeric number flag and a missing string flag', () => {
    expect(() => numberFlag(parseArgs(['--n', 'abc']), 'n', 1)).toThrow(CliUsageError);
    expect(() => stringFlag(parseArgs([]), 'out')).toThrow(/missing --out/);
    expect(numberFlag(parseArgs([]), 'n', 7)).toBe(7);
  });
});

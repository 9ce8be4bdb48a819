import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DATA_DIR, hasDataset, makeTmpDir } from '../../data/testing.ts';
import { command as data } from './data.ts';
import { command as negatives } from './negatives.ts';

function captureLog(): { lines: string[] } {
  const out = { lines: [] as string[] };
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.lines.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return out;
}
afterEach(() => vi.restoreAllMocks());

describe('peapod data check', () => {
  const tmp = makeTmpDir();
  afterAll(tmp.cleanup);
  it('fails (exit 1) on a corrupted folder and names the problem', async () => {
    tmp.write('amazon-toys-p5/sequential_data.txt', '1 2 3 4\n1 5 6 7\n');
    const out = captureLog();
    const code = await data.run(['check', '--data-dir', tmp.dir, '--dataset', 'amazon-toys-p5']);
    expect(code).toBe(1);
    const text = out.lines.join('\n');
    expect(text).toContain('FAIL  amazon-toys-p5');
    expect(text).toContain('sequential_data.txt: has 16 bytes, expected 921692');
    expect(text).toContain('datamaps.json: missing');
    expect(text).toMatch(/sequential_data\.txt:2: user 1 already has a line \(line 1\)/);
  });
  it.skipIf(!hasDataset('amazon-musical-instruments-5core'))('passes on the real folder and info prints the explanation count', async () => {
    const out = captureLog();
    expect(await data.run(['check', '--data-dir', DATA_DIR, '--dataset', 'amazon-musical-instruments-5core'])).toBe(0);
    expect(await data.run(['info', '--data-dir', DATA_DIR, '--dataset', 'amazon-musical-instruments-5core'])).toBe(0);
    const text = out.lines.join('\n');
    expect(text).toMatch(/^ok {4}amazon-musical-instruments-5core/m);
    expect(text).toContain('users 1429, items 900, interactions 10261');
    expect(text).toContain('explanations: 9942 of 10261 reviews yield a feature sentence');
  });
  it('rejects an unknown subcommand', async () => {
    captureLog();
    await expect(data.run(['frobnicate'])).rejects.toThrow(/unknown subcommand "frobnicate"/);
  });
});

describe('peapod negatives', () => {
  const tmp = makeTmpDir();
  afterAll(tmp.cleanup);
  it('writes P5-format negatives for a folder (3 users, 120 items: checked against numpy in negatives.slow.test.ts)', async () => {
    const range = (a: number, b: number): string => Array.from({ length: b - a + 1 }, (_, i) => a + i).join(' ');
    tmp.write('tiny/sequential_data.txt', `7 ${range(1, 60)}\n3 61 62 63 64 65 100 120 119\n12 ${range(66, 120)} 5 6\n`);
    captureLog();
    const out = path.join(tmp.dir, 'neg.txt');
    expect(await negatives.run(['--data', path.join(tmp.dir, 'tiny'), '--out', out])).toBe(0);
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]!.startsWith('7 101 115 95 99 87 ')).toBe(true);
    expect(lines[2]!.endsWith(' 43 49 19 4')).toBe(true);
    expect(lines.slice(0, 3).every((l) => l.split(' ').length === 100)).toBe(true);
  });
});

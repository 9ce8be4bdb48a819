// Every command's `--help` is derived from its option table: it must list every flag of the table
// (and the dispatcher lists every command).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CommandSpec, OptionTable } from '../options.ts';
import { commands } from './index.ts';
import { main } from '../peapod.ts';

afterEach(() => vi.restoreAllMocks());

async function helpOf(argv: string[]): Promise<string> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  expect(await main(argv)).toBe(0);
  return lines.join('\n');
}

const tables: [string[], () => Promise<CommandSpec<OptionTable>[]>][] = [
  [['train', '--help'], async () => [(await import('./train.ts')).TRAIN]],
  [['eval', '--help'], async () => [(await import('./eval.ts')).EVAL]],
  [['export', '--help'], async () => [(await import('./export.ts')).EXPORT]],
  [['import', '--help'], async () => [(await import('./import.ts')).IMPORT]],
  [['negatives', '--help'], async () => [(await import('./negatives.ts')).NEGATIVES]],
  [['results', '--help'], async () => [(await import('./results.ts')).RESULTS]],
  [['data', '--help'], async () => Object.values((await import('./data.ts')).DATA)],
  [['data', 'check', '-h'], async () => [(await import('./data.ts')).DATA.check]],
];

describe('peapod <command> --help', () => {
  for (const [argv, specs] of tables) {
    it(`${argv.join(' ')} lists every option of its table`, async () => {
      const help = await helpOf(argv);
      for (const spec of await specs()) {
        expect(Object.keys(spec.options).length).toBeGreaterThan(0);
        for (const flag of Object.keys(spec.options)) expect(help, `${spec.command} --${flag}`).toMatch(new RegExp(`^ +--${flag}(?: |$)`, 'm'));
      }
    });
  }
  it('every command is covered here, and `peapod --help` lists them all', async () => {
    const covered = new Set(tables.map(([argv]) => argv[0]));
    expect(Object.keys(commands).filter((c) => c !== 'version' && !covered.has(c))).toEqual([]);
    const help = await helpOf(['--help']);
    for (const [name, cmd] of Object.entries(commands)) expect(help).toContain(`  ${name.padEnd(12)} ${cmd.summary}`);
  });
});

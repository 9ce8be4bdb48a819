// The `peapod` command line: a table of sub-commands, each in its own module under commands/.
// This file only dispatches; it owns no domain logic.
import { commands } from './commands/index.ts';
import { CliUsageError } from './args.ts';

function usage(): string {
  const lines = ['usage: peapod <command> [options]', '', 'commands:'];
  for (const [name, cmd] of Object.entries(commands)) lines.push(`  ${name.padEnd(12)} ${cmd.summary}`);
  lines.push('', 'Run `peapod <command> --help` for the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`peapod: unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  try {
    return (await cmd.run(rest)) ?? 0;
  } catch (err) {
    if (err instanceof CliUsageError) {
      console.error(`peapod ${name}: ${err.message}`);
      return 2;
    }
    const e = err as Error;
    console.error(`peapod ${name}: ${e.name && e.name !== 'Error' ? e.name + ': ' : ''}${e.message}`);
    if (process.env.PEAPOD_DEBUG) console.error(e.stack);
    return 1;
  }
}

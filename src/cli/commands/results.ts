// `peapod results`: regenerates RESULTS.md from results/**/metrics.json and the shipped packs'
// manifests (the logic lives in scripts/results.ts so it also runs without the CLI).
import { defineCommand, helpText, parseCommand, wantsHelp } from '../options.ts';
import type { CommandModule } from './types.ts';

export const RESULTS = defineCommand({
  command: 'peapod results',
  usage: ['[--check]'],
  about: "  Writes RESULTS.md from results/**/metrics.json and the shipped packs' manifests.",
  options: {
    check: { kind: 'switch', help: 'write nothing; exit 1 if RESULTS.md is out of date' },
  },
});

export const command: CommandModule = {
  async run(argv) {
    if (wantsHelp(argv)) {
      console.log(helpText(RESULTS));
      return 0;
    }
    const { values: o } = parseCommand(RESULTS, argv);
    const { writeResults } = await import('../../../scripts/results.ts');
    return writeResults(o.check);
  },
};

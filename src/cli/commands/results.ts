// `peapod results`: regenerates RESULTS.md from results/**/metrics.json and the shipped packs'
// manifests (the logic lives in scripts/results.ts so it also runs without the CLI).
import { boolFlag, parseArgs } from '../args.ts';
import type { Command } from './types.ts';

export const command: Command = {
  summary: 'regenerate RESULTS.md from the metrics files (--check: fail if out of date)',
  async run(argv) {
    const a = parseArgs(argv);
    const { writeResults } = await import('../../../scripts/results.ts');
    return writeResults(boolFlag(a, 'check'));
  },
};

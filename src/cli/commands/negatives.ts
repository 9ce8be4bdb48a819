// `peapod negatives --data DIR --out FILE`: P5's fixed top-n test negatives for a P5-format folder
// (numpy legacy RNG, seed 2022), byte-identical to P5's own file for Toys. Wrapper over src/data.
import path from 'node:path';
import { formatNegatives, p5TestNegatives, parseSequentialData } from '../../data/index.ts';
import { datasetDir, readTextFile, writeAtomic } from '../../data/node.ts';
import { ProgressLine } from '../../progress-line.ts';
import { defineCommand, helpText, parseCommand, wantsHelp } from '../options.ts';
import type { CommandModule } from './types.ts';
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';

export const NEGATIVES = defineCommand({
  command: 'peapod negatives',
  usage: ['--data DIR|NAME --out FILE [--seed N] [--count N]'],
  about: '  Writes "user neg1 ... negN" per user, drawn with P5\'s procedure (numpy legacy MT19937).',
  options: {
    data: { kind: 'string', meta: 'DIR|NAME', required: true, help: 'a P5-format dataset folder (sequential_data.txt), or its name under the data dir' },
    out: { kind: 'string', meta: 'FILE', required: true, help: 'the negatives file to write' },
    seed: { kind: 'integer', default: PAPER_PROTOCOL.topn.negativesSeed, help: "numpy seed (P5's)" },
    count: { kind: 'integer', default: PAPER_PROTOCOL.topn.negatives, help: 'negatives per user' },
  },
});

export const command: CommandModule = {
  async run(argv) {
    if (wantsHelp(argv)) {
      console.log(helpText(NEGATIVES));
      return 0;
    }
    const { values: o } = parseCommand(NEGATIVES, argv);
    const dir = datasetDir(o.data);
    const out = path.resolve(o.out);
    const { seed, count } = o;
    const seqFile = path.join(dir, 'sequential_data.txt');
    const seq = parseSequentialData(readTextFile(seqFile), seqFile);
    const progress = new ProgressLine('negatives');
    const t0 = performance.now();
    const negatives = p5TestNegatives(seq.sequences, { seed, count, onProgress: (done, total) => progress.update(done / total, `${done}/${total} users`) });
    writeAtomic(out, formatNegatives(seq.users, negatives));
    progress.done(`${negatives.length} users x ${count} negatives -> ${out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    return 0;
  },
};

// `peapod negatives --data DIR --out FILE`: P5's fixed top-n test negatives for a P5-format folder
// (numpy legacy RNG, seed 2022), byte-identical to P5's own file for Toys. Wrapper over src/data.
import path from 'node:path';
import { formatNegatives, p5TestNegatives, parseSequentialData } from '../../data/index.ts';
import { datasetDir, readTextFile, writeAtomic } from '../../data/node.ts';
import { ProgressLine } from '../../train/progress.ts';
import { boolFlag, numberFlag, parseArgs, stringFlag } from '../args.ts';
import type { Command } from './types.ts';
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';

const HELP = `usage: peapod negatives --data DIR|NAME --out FILE [--seed ${PAPER_PROTOCOL.topn.negativesSeed}] [--count ${PAPER_PROTOCOL.topn.negatives}]
  Writes "user neg1 ... negN" per user, drawn with P5's procedure (numpy legacy MT19937).`;

export const command: Command = {
  summary: "generate P5's fixed top-n test negatives (byte-identical to P5's Toys file)",
  async run(argv) {
    const args = parseArgs(argv);
    if (boolFlag(args, 'help')) {
      console.log(HELP);
      return 0;
    }
    const dir = datasetDir(stringFlag(args, 'data'));
    const out = path.resolve(stringFlag(args, 'out'));
    const seed = numberFlag(args, 'seed', PAPER_PROTOCOL.topn.negativesSeed);
    const count = numberFlag(args, 'count', PAPER_PROTOCOL.topn.negatives);
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

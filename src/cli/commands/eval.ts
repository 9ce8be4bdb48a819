// `peapod eval`: the paper's evaluation protocol on a weight pack; writes OUTDIR/metrics.json and
// OUTDIR/predictions.jsonl. Flag parsing only; the work is in src/eval/node-eval.ts.
import { boolFlag, CliUsageError, numberFlag, parseArgs, stringFlag } from '../args.ts';
import type { Command } from './types.ts';
import type { TaskName } from '../../model/types.ts';

const HELP = `usage: peapod eval --pack DIR --out OUTDIR [--split test|valid] [--users N] [--constrained on|off] [--tasks LIST] [--backend wasm|cpu]
       peapod eval --baseline most-popular|id-order --dataset NAME --out OUTDIR [--ids remap|original] [--seed N]

  sequential: all items ranked, beam 20, 10 returned; top-n: 1 positive + 99 fixed negatives;
  explanation: beam search, min length 10, BLEU-1/4 and ROUGE-1/2/L (x100).
  --label TEXT   row label in RESULTS.md (default "PeaPOD Web (ours)")
  --users N      first N users (and first N explanation pairs); 0 = all (default)
  --constrained  on (default): beams spell valid item ids only; off: the reference's unconstrained
                 decoding, invalid outputs count as misses (written as null in predictions.jsonl)`;

export const command: Command = {
  summary: "evaluate a weight pack with the paper's protocol (metrics.json + predictions.jsonl)",
  async run(argv) {
    const a = parseArgs(argv);
    if (a.flags['help']) {
      console.log(HELP);
      return 0;
    }
    if (a.flags['baseline'] !== undefined) {
      const { evaluateBaseline, BASELINES } = await import('../../eval/node-baselines.ts');
      const baseline = stringFlag(a, 'baseline');
      if (!(BASELINES as readonly string[]).includes(baseline)) throw new CliUsageError(`--baseline must be one of ${BASELINES.join(', ')}, got "${baseline}"`);
      const ids = stringFlag(a, 'ids', 'remap');
      if (ids !== 'remap' && ids !== 'original') throw new CliUsageError(`--ids must be remap or original, got "${ids}"`);
      const report = evaluateBaseline({
        baseline: baseline as 'most-popular' | 'id-order',
        dataset: stringFlag(a, 'dataset'),
        idMode: ids,
        split: 'test',
        out: stringFlag(a, 'out'),
        seed: numberFlag(a, 'seed', 1),
        command: `npx peapod eval ${argv.join(' ')}`,
      });
      console.log(JSON.stringify(report.metrics, null, 2));
      return 0;
    }
    const split = stringFlag(a, 'split', 'test');
    if (split !== 'test' && split !== 'valid') throw new CliUsageError(`--split must be test or valid, got "${split}"`);
    const constrained = stringFlag(a, 'constrained', 'on');
    if (constrained !== 'on' && constrained !== 'off') throw new CliUsageError(`--constrained must be on or off, got "${constrained}"`);
    const backendName = stringFlag(a, 'backend', 'wasm');
    if (backendName !== 'wasm' && backendName !== 'cpu') throw new CliUsageError(`--backend must be wasm or cpu`);
    const tasksFlag = a.flags['tasks'];
    const tasks = typeof tasksFlag === 'string' ? (tasksFlag.split(',') as TaskName[]) : undefined;
    const { initNodeBackend } = await import('../../train/backend-node.ts');
    const { evaluatePack } = await import('../../eval/node-eval.ts');
    const backend = await initNodeBackend(backendName);
    process.stderr.write(`backend: ${backend.reason}\n`);
    const report = await evaluatePack({
      pack: stringFlag(a, 'pack'),
      split,
      out: stringFlag(a, 'out'),
      users: numberFlag(a, 'users', 0),
      constrained: constrained === 'on',
      ...(tasks ? { tasks } : {}),
      command: `npx peapod eval ${argv.join(' ')}`,
      backend: backend.reason,
      quiet: boolFlag(a, 'quiet'),
      ...(typeof a.flags['label'] === 'string' ? { label: a.flags['label'] } : {}),
    });
    console.log(JSON.stringify(report.metrics, null, 2));
    return 0;
  },
};

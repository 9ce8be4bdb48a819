// `peapod eval`: the paper's evaluation protocol on a weight pack; writes OUTDIR/metrics.json and
// OUTDIR/predictions.jsonl. Flag parsing, plus the one piece of wiring src/eval may not do itself:
// the PMF baseline's fit comes from src/train (the same fit training uses for CF user embeddings).
// The evaluation work is in src/eval/node-eval.ts and src/eval/node-baselines.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boolFlag, CliUsageError, numberFlag, parseArgs, stringFlag } from '../args.ts';
import type { Command } from './types.ts';
import type { TaskName } from '../../model/types.ts';
import type { BaselineName, ExplanationBaselineName, FactorFit } from '../../eval/node-baselines.ts';

/** `peapod train --cf-dim` default; the PMF baseline uses the same so it measures the CF embeddings training gets. */
export const PMF_BASELINE_DIM = 32;

/**
 * The PMF fit of training (fitUserEmbeddings('pmf', ...): iALS with PMF_DEFAULTS except d) as a
 * FactorFit for the baseline runner. Training calls it with the training sequences and its --seed.
 */
export async function pmfFactorFit(d: number, quiet = true): Promise<FactorFit> {
  const { fitUserEmbeddings } = await import('../../train/cf-fit.ts');
  const { PMF_DEFAULTS } = await import('../../train/cf.ts');
  return (trainSeqs, numItems, seed) => {
    const r = fitUserEmbeddings('pmf', trainSeqs, numItems, d, seed, quiet);
    const { iterations, alpha, lambda, initStd } = PMF_DEFAULTS;
    return { ...r, description: `PMF (iALS) d=${r.d}, ${iterations} sweeps, alpha ${alpha}, lambda ${lambda}, init std ${initStd}, seed ${seed}: the fit \`peapod train --cf pmf\` uses` };
  };
}

const HELP = `usage: peapod eval --pack DIR --out OUTDIR [--split test|valid] [--users N] [--constrained on|off] [--priors on|off] [--exclude-history on|off] [--no-repeat-ngram N] [--tasks LIST] [--backend wasm|cpu] [--ablation TEXT]
       peapod eval --baseline most-popular|id-order|pmf|item-knn --dataset NAME --out OUTDIR [--ids remap|original] [--seed N] [--cf-dim N]
       peapod eval --baseline item-explanation|user-explanation --dataset NAME --out OUTDIR [--ids remap|original] [--seed N]

  sequential: all items ranked, beam 20, 10 returned; top-n: 1 positive + 99 fixed negatives;
  explanation: beam search, min length 10, BLEU-1/4 and ROUGE-1/2/L (x100).
  --label TEXT   row label in RESULTS.md (default "PeaPOD Web (ours)"; with --priors off
                 "PeaPOD Web (ours), T5 only (priors off)")
  --ablation TEXT  this pack is an ablation (e.g. "composer heads = 1"): metrics.json records the text
                 and the pack's training time, and RESULTS.md lists it in the dataset's ablation table
  --seed N       baselines: seed of the id re-mapping and of the PMF fit (training's default: 1)
  item-explanation / user-explanation: the item's / the user's most frequent training explanation
                 sentence for each test explanation pair (review datasets, training's split)
  --cf-dim N     pmf baseline: factor dimension (training's default --cf-dim: 32)
  --users N      first N users (and first N explanation pairs); 0 = all (default)
  --sample       with --users N: a seeded uniform random sample of N users instead of the first N
                 (P5's first users are atypical); --sample-seed S (7)
  --constrained  on (default): beams spell valid item ids only; off: the reference's unconstrained
                 decoding, invalid outputs count as misses (written as null in predictions.jsonl)
  --priors       on (default): the pack's output priors (collaborative + sequential logits, when its
                 config has them) are added to the first decoded token, as the app shows them; off:
                 the T5 alone (no prior, no end-of-id logit). Recorded as "priors" in metrics.json
  --exclude-history  off (default, the paper's protocol): next-item lists may hold items already in
                 the input history; on: they never do (removed before the beam's first step, as the
                 most-popular and item-knn baselines do). Recorded as "excludeHistory" in metrics.json
  --no-repeat-ngram N  explanations: beam search never repeats an N-gram within a sentence (off by
                 default, as the reference decodes; the app's explanation panel offers it)`;

export const command: Command = {
  summary: "evaluate a weight pack with the paper's protocol (metrics.json + predictions.jsonl)",
  async run(argv) {
    const a = parseArgs(argv);
    if (a.flags['help']) {
      console.log(HELP);
      return 0;
    }
    if (a.flags['baseline'] !== undefined) {
      if (a.flags['ablation'] !== undefined) throw new CliUsageError('--ablation describes a trained pack (--pack); baselines are not ablations.');
      if (a.flags['priors'] !== undefined) throw new CliUsageError('--priors switches a pack\'s output priors (--pack); baselines have none.');
      if (a.flags['exclude-history'] !== undefined) throw new CliUsageError('--exclude-history is for packs (--pack); the most-popular and item-knn baselines always skip history items.');
      const { evaluateBaseline, evaluateExplanationBaseline, BASELINES, EXPLANATION_BASELINES } = await import('../../eval/node-baselines.ts');
      const baseline = stringFlag(a, 'baseline');
      const all = [...BASELINES, ...EXPLANATION_BASELINES] as readonly string[];
      if (!all.includes(baseline)) throw new CliUsageError(`--baseline must be one of ${all.join(', ')}, got "${baseline}"`);
      const ids = stringFlag(a, 'ids', 'remap');
      if (ids !== 'remap' && ids !== 'original') throw new CliUsageError(`--ids must be remap or original, got "${ids}"`);
      if ((EXPLANATION_BASELINES as readonly string[]).includes(baseline)) {
        const report = evaluateExplanationBaseline({
          baseline: baseline as ExplanationBaselineName,
          dataset: stringFlag(a, 'dataset'),
          idMode: ids,
          out: stringFlag(a, 'out'),
          seed: numberFlag(a, 'seed', 1),
          command: commandLine(argv),
        });
        console.log(JSON.stringify(report.metrics, null, 2));
        return 0;
      }
      const cfDim = numberFlag(a, 'cf-dim', PMF_BASELINE_DIM);
      const quiet = boolFlag(a, 'quiet');
      const report = evaluateBaseline({
        baseline: baseline as BaselineName,
        ...(baseline === 'pmf' ? { fitFactors: await pmfFactorFit(cfDim, quiet) } : {}),
        dataset: stringFlag(a, 'dataset'),
        idMode: ids,
        split: 'test',
        out: stringFlag(a, 'out'),
        seed: numberFlag(a, 'seed', 1),
        command: commandLine(argv),
      });
      console.log(JSON.stringify(report.metrics, null, 2));
      return 0;
    }
    const split = stringFlag(a, 'split', 'test');
    if (split !== 'test' && split !== 'valid') throw new CliUsageError(`--split must be test or valid, got "${split}"`);
    const constrained = stringFlag(a, 'constrained', 'on');
    if (constrained !== 'on' && constrained !== 'off') throw new CliUsageError(`--constrained must be on or off, got "${constrained}"`);
    const priors = parsePriorsFlag(a.flags['priors']);
    const excludeHistory = a.flags['exclude-history'] ?? 'off';
    if (excludeHistory !== 'on' && excludeHistory !== 'off') throw new CliUsageError(`--exclude-history must be on or off, got ${excludeHistory === true ? 'nothing' : `"${excludeHistory}"`}`);
    const noRepeatNgram = numberFlag(a, 'no-repeat-ngram', 0);
    if (!Number.isInteger(noRepeatNgram) || noRepeatNgram < 0) throw new CliUsageError(`--no-repeat-ngram must be a non-negative integer, got ${noRepeatNgram}`);
    const backendName = stringFlag(a, 'backend', 'wasm');
    if (backendName !== 'wasm' && backendName !== 'cpu') throw new CliUsageError(`--backend must be wasm or cpu`);
    // Checked before the (long) evaluation, not after it.
    const ablationFlag = a.flags['ablation'];
    if (ablationFlag !== undefined && (typeof ablationFlag !== 'string' || !ablationFlag.trim())) throw new CliUsageError('--ablation needs a description, e.g. --ablation "composer heads = 1"');
    const ablation = typeof ablationFlag === 'string' ? ablationFlag.trim() : null;
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
      ...(boolFlag(a, 'sample') ? { sampleSeed: numberFlag(a, 'sample-seed', 7) } : {}),
      constrained: constrained === 'on',
      priors,
      ...(excludeHistory === 'on' ? { excludeHistory: true } : {}),
      ...(noRepeatNgram ? { noRepeatNgram } : {}),
      ...(tasks ? { tasks } : {}),
      command: commandLine(argv),
      backend: backend.reason,
      quiet: boolFlag(a, 'quiet'),
      ...(typeof a.flags['label'] === 'string' ? { label: a.flags['label'] } : {}),
    });
    if (ablation) annotateAblation(stringFlag(a, 'out'), stringFlag(a, 'pack'), ablation);
    console.log(JSON.stringify(report.metrics, null, 2));
    return 0;
  },
};

/**
 * `--priors on|off` (absent: on) as a boolean. Anything else, a bare `--priors` included, is a
 * usage error that names the two values.
 */
export function parsePriorsFlag(value: unknown): boolean {
  if (value === undefined || value === 'on') return true;
  if (value === 'off') return false;
  const got = typeof value === 'string' ? `"${value}"` : 'no value';
  throw new CliUsageError(`--priors must be on (T5 + the pack's output priors, the default) or off (the T5 alone), got ${got}`);
}

/** The command as a shell would need it typed again (arguments with spaces or quotes single-quoted). */
export function commandLine(argv: readonly string[]): string {
  const quote = (x: string): string => (/^[\w@%+=:,./-]+$/.test(x) ? x : `'${x.replace(/'/g, `'\\''`)}'`);
  return ['npx', 'peapod', 'eval', ...argv.map(quote)].join(' ');
}

export class AblationAnnotationError extends Error {
  override name = 'AblationAnnotationError';
}

/**
 * Adds `ablation` and the pack's training time (`trainSeconds`, `trainSteps` from the manifest's
 * training.result) to OUTDIR/metrics.json. Ablation rows are compared at their own (shorter)
 * budgets, and packs under runs/ are not committed, so the time must live in the metrics file.
 */
export function annotateAblation(outDir: string, packDir: string, ablation: string): void {
  const metricsPath = path.join(outDir, 'metrics.json');
  const manifestPath = path.join(packDir, 'manifest.json');
  let manifest: { training?: { result?: { trainSeconds?: number; steps?: number } } };
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new AblationAnnotationError(`${manifestPath}: cannot read the pack manifest (${(e as Error).message}); --ablation needs the pack that was just evaluated.`);
  }
  const result = manifest.training?.result ?? {};
  const metrics = JSON.parse(fs.readFileSync(metricsPath, 'utf8')) as Record<string, unknown>;
  metrics['ablation'] = ablation;
  metrics['trainSeconds'] = typeof result.trainSeconds === 'number' ? result.trainSeconds : null;
  if (typeof result.steps === 'number') metrics['trainSteps'] = result.steps;
  fs.writeFileSync(metricsPath, JSON.stringify(metrics, null, 2) + '\n');
}

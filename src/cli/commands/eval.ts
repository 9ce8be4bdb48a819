// `peapod eval`: the paper's evaluation protocol on a weight pack; writes OUTDIR/metrics.json and
// OUTDIR/predictions.jsonl. Flag parsing, plus the one piece of wiring src/eval may not do itself:
// the PMF baseline's fit comes from src/train (the same fit training uses for CF user embeddings).
// The evaluation work is in src/eval/node-eval.ts and src/eval/node-baselines.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliUsageError } from '../args.ts';
import { defineCommand, helpText, need, parseCommand, wantsHelp } from '../options.ts';
import type { CommandModule } from './types.ts';
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';
import { BASELINES, EXPLANATION_BASELINES, type BaselineName, type ExplanationBaselineName, type FactorFit } from '../../eval/node-baselines.ts';
import { DEFAULT_CF_DIM } from './train.ts';

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

export const EVAL = defineCommand({
  command: 'peapod eval',
  usage: [
    '--pack DIR --out OUTDIR [options]',
    `--baseline ${BASELINES.join('|')} --dataset NAME --out OUTDIR [--ids remap|original] [--seed N] [--cf-dim N]`,
    `--baseline ${EXPLANATION_BASELINES.join('|')} --dataset NAME --out OUTDIR [--ids remap|original] [--seed N]`,
  ],
  about: [
    '  sequential: all items ranked, beam 20, 10 returned; top-n: 1 positive + 99 fixed negatives;',
    '  explanation: beam search, min length 10, BLEU-1/4 and ROUGE-1/2/L (x100).',
    "  item-explanation / user-explanation: the item's / the user's most frequent training explanation",
    '  sentence for each test explanation pair (review datasets, training\'s split).',
  ].join('\n'),
  options: {
    out: { kind: 'string', meta: 'OUTDIR', required: true, help: 'where metrics.json and predictions.jsonl go' },

    pack: { group: 'A weight pack', kind: 'string', meta: 'DIR', help: 'the pack to evaluate' },
    split: { kind: 'choice', choices: ['test', 'valid'], default: 'test', help: 'which held-out item (and explanation split) is the target' },
    users: { kind: 'integer', default: 0, help: 'first N users (and first N explanation pairs); 0 = all' },
    sample: { kind: 'switch', help: "with --users N: a seeded uniform random sample of N users instead of the first N (P5's first users are atypical)" },
    'sample-seed': { kind: 'integer', default: 7, help: 'seed of --sample' },
    constrained: { kind: 'choice', choices: ['on', 'off'], default: 'on', help: "on: beams spell valid item ids only; off: the reference's unconstrained decoding, invalid outputs count as misses (written as null in predictions.jsonl)" },
    priors: {
      kind: 'choice',
      choices: ['on', 'off'],
      default: 'on',
      help: 'on: the pack\'s output priors (collaborative + sequential logits, when its config has them) are added to the first decoded token, as the app shows them; off: the T5 alone (no prior, no end-of-id logit). Recorded as "priors" in metrics.json',
    },
    'exclude-history': {
      kind: 'choice',
      choices: ['on', 'off'],
      default: 'off',
      help: 'off: the paper\'s protocol, next-item lists may hold items already in the input history; on: they never do (removed before the beam\'s first step, as the most-popular and item-knn baselines do). Recorded as "excludeHistory" in metrics.json',
    },
    beams: { kind: 'integer', min: 1, defaultText: String(PAPER_PROTOCOL.explanation.beamWidth), help: "explanations: beams kept per pair (the reference's 21 beams in 3 groups without a diversity penalty are a 7-beam search)" },
    'length-penalty': { kind: 'number', defaultText: String(PAPER_PROTOCOL.explanation.lengthPenalty), help: 'explanations: finished sentences ranked by log-probability / length^X (1: the reference; 0: plain log-probability, which favours short sentences)' },
    'early-stopping': { kind: 'choice', choices: ['on', 'off'], defaultText: PAPER_PROTOCOL.explanation.earlyStopping ? 'on' : 'off', help: 'explanations: on: a pair\'s search ends once it holds as many finished sentences as beams (the reference); off: only when no live beam can still win' },
    'beam-groups': { kind: 'integer', min: 1, defaultText: String(PAPER_PROTOCOL.explanation.groups), help: 'explanations: split the beams into this many groups (group beam search; it must divide --beams)' },
    'diversity-penalty': { kind: 'number', min: 0, defaultText: String(PAPER_PROTOCOL.explanation.diversityPenalty), help: "explanations: with --beam-groups, a token an earlier group chose at the same step costs this much per choice (0: none, as the reference)" },
    'max-length': { kind: 'integer', min: 2, defaultText: String(PAPER_PROTOCOL.explanation.maxLength), help: 'explanations: most tokens generated, </s> included' },
    'no-repeat-ngram': { kind: 'integer', default: 0, min: 0, help: "explanations: beam search never repeats an N-gram within a sentence (0: off, as the reference decodes; the app's explanation panel offers it)" },
    tasks: { kind: 'list', choices: ['sequential', 'topn', 'explanation'], defaultText: "the pack's tasks", help: 'tasks to evaluate' },
    backend: { kind: 'choice', choices: ['wasm', 'cpu'], default: 'wasm', help: 'TF.js backend in Node' },
    label: { kind: 'string', meta: 'TEXT', defaultText: '"PeaPOD Web (ours)"; with --priors off "PeaPOD Web (ours), T5 only (priors off)"', help: 'row label in RESULTS.md' },
    ablation: {
      kind: 'string',
      meta: 'TEXT',
      help: 'this pack is an ablation (e.g. "composer heads = 1"): metrics.json records the text and the pack\'s training time, and RESULTS.md lists it in the dataset\'s ablation table',
    },
    quiet: { kind: 'switch', help: 'no progress lines' },

    baseline: { group: 'A baseline', kind: 'choice', choices: [...BASELINES, ...EXPLANATION_BASELINES], help: 'evaluate this baseline instead of a pack' },
    dataset: { kind: 'string', meta: 'NAME|DIR', help: 'baselines: the dataset' },
    ids: { kind: 'choice', choices: ['remap', 'original'], default: 'remap', help: "baselines: leak-free seeded item re-mapping (as training's default) or P5's original ids" },
    seed: { kind: 'integer', default: 1, help: "baselines: seed of the id re-mapping and of the PMF fit (training's default too)" },
    'cf-dim': { kind: 'integer', default: DEFAULT_CF_DIM, help: "pmf baseline: factor dimension (training's --cf-dim default too)" },
  },
});

export const command: CommandModule = {
  async run(argv) {
    if (wantsHelp(argv)) {
      console.log(helpText(EVAL));
      return 0;
    }
    const { values: o, given } = parseCommand(EVAL, argv);
    if (o.baseline !== undefined) {
      if (given.has('ablation')) throw new CliUsageError('--ablation describes a trained pack (--pack); baselines are not ablations.');
      if (given.has('priors')) throw new CliUsageError('--priors switches a pack\'s output priors (--pack); baselines have none.');
      if (given.has('exclude-history')) throw new CliUsageError('--exclude-history is for packs (--pack); the most-popular and item-knn baselines always skip history items.');
      const { evaluateBaseline, evaluateExplanationBaseline } = await import('../../eval/node-baselines.ts');
      const baseline = o.baseline;
      const dataset = need(o.dataset, 'dataset', 'NAME|DIR');
      if ((EXPLANATION_BASELINES as readonly string[]).includes(baseline)) {
        const report = evaluateExplanationBaseline({
          baseline: baseline as ExplanationBaselineName,
          dataset,
          idMode: o.ids,
          out: o.out,
          seed: o.seed,
          command: commandLine(argv),
        });
        console.log(JSON.stringify(report.metrics, null, 2));
        return 0;
      }
      const report = evaluateBaseline({
        baseline: baseline as BaselineName,
        ...(baseline === 'pmf' ? { fitFactors: await pmfFactorFit(o.cfDim, o.quiet) } : {}),
        dataset,
        idMode: o.ids,
        split: 'test',
        out: o.out,
        seed: o.seed,
        command: commandLine(argv),
      });
      console.log(JSON.stringify(report.metrics, null, 2));
      return 0;
    }
    const pack = need(o.pack, 'pack', 'DIR');
    // Checked before the (long) evaluation, not after it.
    if (o.ablation !== undefined && !o.ablation.trim()) throw new CliUsageError('--ablation needs a description, e.g. --ablation "composer heads = 1"');
    const ablation = o.ablation?.trim() || null;
    const beams = o.beams ?? PAPER_PROTOCOL.explanation.beamWidth;
    if (o.beamGroups !== undefined && beams % o.beamGroups !== 0) throw new CliUsageError(`--beam-groups ${o.beamGroups} must divide the number of beams (${beams}); e.g. --beams 21 --beam-groups 3`);
    const { initNodeBackend } = await import('../../train/backend-node.ts');
    const { evaluatePack } = await import('../../eval/node-eval.ts');
    const backend = await initNodeBackend(o.backend);
    process.stderr.write(`backend: ${backend.reason}\n`);
    const report = await evaluatePack({
      pack,
      split: o.split,
      out: o.out,
      users: o.users,
      ...(o.sample ? { sampleSeed: o.sampleSeed } : {}),
      constrained: o.constrained === 'on',
      priors: parsePriorsFlag(o.priors),
      ...(o.excludeHistory === 'on' ? { excludeHistory: true } : {}),
      ...(o.noRepeatNgram ? { noRepeatNgram: o.noRepeatNgram } : {}),
      decoding: {
        ...(o.beams !== undefined ? { beamWidth: o.beams } : {}),
        ...(o.lengthPenalty !== undefined ? { lengthPenalty: o.lengthPenalty } : {}),
        ...(o.earlyStopping !== undefined ? { earlyStopping: o.earlyStopping === 'on' } : {}),
        ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}),
        ...(o.beamGroups !== undefined ? { groups: o.beamGroups } : {}),
        ...(o.diversityPenalty !== undefined ? { diversityPenalty: o.diversityPenalty } : {}),
      },
      ...(o.tasks ? { tasks: o.tasks } : {}),
      command: commandLine(argv),
      backend: backend.reason,
      quiet: o.quiet,
      ...(o.label !== undefined ? { label: o.label } : {}),
    });
    if (ablation) annotateAblation(o.out, pack, ablation);
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

// Simple recommenders on the same splits and fixed negatives as the model (most-popular; the
// "id-order" rule that exploits P5's sequential numbering; PMF dot products; item-to-item
// transitions; explanation sentences copied from training), written as metrics.json +
// predictions.jsonl in the same format as `peapod eval`, so RESULTS.md can put them beside the model. Node only. It must not import src/train: a baseline that
// needs a fitted model (PMF) gets the fit passed in by the caller (the CLI layer).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { baselineRankings, dotProductScorer, idOrderBaseline, itemKnnBaseline, itemPopularity, itemTransitions, mostPopularBaseline, scoredBaseline, type Baseline } from './baselines.ts';
import type { InteractionDataset } from '../data/types.ts';
import { heldOutTopn } from '../model/inputs/heldout.ts';
import { rankingMetrics } from './metrics.ts';
import { prepareData, trainingSequences, type IdMode } from '../data/prepare.ts';
import type { EvalMetrics, PredictionRow } from './evaluate.ts';
import { reviewExplanationSplit } from '../data/node-review-pairs.ts';
import { explanationBaseline, scoreExplanations, type ExplanationBaselineName } from './explanation-baselines.ts';
import { PeapodError } from '../errors.ts';
import { PAPER_PROTOCOL } from '../paper-protocol.ts';
export { EXPLANATION_BASELINES, type ExplanationBaselineName } from './explanation-baselines.ts';

export type BaselineName = 'most-popular' | 'id-order' | 'pmf' | 'item-knn';
export const BASELINES: readonly BaselineName[] = ['most-popular', 'id-order', 'pmf', 'item-knn'];

/**
 * item-knn settings, chosen on Beauty's VALIDATION targets (sequential NDCG@10, re-mapped ids) among
 * window 1/2/3, backward 0/.5/1, recent 1/2/3/5, decay .5/.8, and used unchanged on every dataset.
 * The spread was small (HR@10 .087-.104): the rule, not the tuning, makes the number.
 */
export const ITEM_KNN_CONFIG = { window: 3, backward: 0, recent: 5, decay: 0.5 } as const;

/** User and item factors fitted on the training sequences (item rows indexed by item id, row 0 unused). */
export interface FittedFactors {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  d: number;
  /** What was fitted and how (hyper-parameters), for metrics.json. */
  description: string;
}

/** Fits factors on `trainSeqs` (each user's sequence without its last two items; ids 1..numItems). */
export type FactorFit = (trainSeqs: Int32Array[], numItems: number, seed: number) => FittedFactors;

export class BaselineSetupError extends PeapodError {
  override name = 'BaselineSetupError';
  override readonly code = 'eval-baseline-setup';
}

export interface BaselineEvalOptions {
  baseline: BaselineName;
  /** Dataset name (loaded from the data dir) or an in-memory dataset (tests). */
  dataset: string | InteractionDataset;
  dataDir?: string;
  idMode: IdMode;
  split: 'test' | 'valid';
  out: string;
  command: string;
  /** Seed of the leak-free id permutation and of the factor fit (training uses one seed for both). */
  seed: number;
  /** Required for 'pmf': the fit, supplied by the CLI layer. */
  fitFactors?: FactorFit;
}

export interface BaselineReport {
  pack: null;
  packName: string;
  baseline: BaselineName;
  dataset: string;
  ids: 'original' | 'remapped';
  idScheme: 'n/a';
  split: 'test' | 'valid';
  users: number;
  constrained: null;
  metrics: EvalMetrics;
  command: string;
  date: string;
  notes: string;
}

const NOTES: Record<BaselineName, string> = {
  'most-popular': 'items ranked by training-interaction count (each sequence without its last two items); items in the input history are excluded from the sequential list',
  'id-order': "predicts the last history item's id + 1, + 2, ... (then wraps around); exploits P5's order-of-appearance numbering",
  'item-knn': `items ranked by how often they followed the user's ${ITEM_KNN_CONFIG.recent} most recent input items (weights ${ITEM_KNN_CONFIG.decay}^r, most recent first) within ${ITEM_KNN_CONFIG.window} positions (weight 1/gap) in the training sequences (each without its last two items); ties and items nothing leads to by training popularity; items in the input history are excluded from the sequential list, as for most-popular; settings chosen on Beauty's validation targets (never test), used unchanged on every dataset`,
  pmf: "items ranked by the dot product of the user's and the item's PMF factors, fitted on training interactions only (each sequence without its last two items); items in the input history are excluded from the sequential list, as for most-popular",
};

function summary(ranked: number[][], targets: Int32Array) {
  const m = rankingMetrics(ranked, targets);
  return { HR1: m.hr[1]!, HR5: m.hr[5]!, NDCG5: m.ndcg[5]!, HR10: m.hr[10]!, NDCG10: m.ndcg[10]!, users: m.users };
}

export function evaluateBaseline(o: BaselineEvalOptions): BaselineReport {
  const p = prepareData({ dataset: o.dataset, idMode: o.idMode, seed: o.seed, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
  const ds = p.ds;
  const train = trainingSequences(ds);
  let fitted: FittedFactors | null = null;
  let b: Baseline;
  if (o.baseline === 'most-popular') b = mostPopularBaseline(itemPopularity(train, ds.numItems + 1), { excludeHistory: true, firstItem: 1 });
  else if (o.baseline === 'id-order') b = idOrderBaseline(ds.numItems + 1, { excludeHistory: true, firstItem: 1 });
  else if (o.baseline === 'item-knn') {
    const { window, backward, recent, decay } = ITEM_KNN_CONFIG;
    b = itemKnnBaseline(itemTransitions(train, ds.numItems + 1, { window, backward }), itemPopularity(train, ds.numItems + 1), { recent, decay, excludeHistory: true, firstItem: 1 });
  }
  else {
    if (!o.fitFactors) throw new BaselineSetupError(`baseline "${o.baseline}" needs a factor fit (options.fitFactors); run it through \`npx peapod eval --baseline pmf\`.`);
    fitted = o.fitFactors(train, ds.numItems, o.seed);
    if (fitted.userFactors.length !== ds.sequences.length * fitted.d || fitted.itemFactors.length !== (ds.numItems + 1) * fitted.d)
      throw new BaselineSetupError(`baseline "${o.baseline}": the fit returned ${fitted.userFactors.length / fitted.d} user rows and ${fitted.itemFactors.length / fitted.d} item rows; expected ${ds.sequences.length} and ${ds.numItems + 1} (row 0 unused).`);
    b = scoredBaseline('pmf', ds.numItems + 1, dotProductScorer(fitted.userFactors, fitted.itemFactors, fitted.d), { excludeHistory: true, firstItem: 1 });
  }
  const cut = o.split === 'test' ? 1 : 2;
  const histories = ds.sequences.map((s) => s.subarray(0, s.length - cut));
  const targets = Int32Array.from(ds.sequences, (s) => s[s.length - cut]!);
  const { topK } = PAPER_PROTOCOL.sequential;
  const seqRanked = baselineRankings(b, histories, topK);
  if (o.split !== 'test') throw new RangeError('baselines are evaluated on the test split only (their validation negatives are not fixed anywhere).');
  const samples = ds.sequences.map((_, u) => heldOutTopn(ds, u, 'test', p.testNegatives[u]!, PAPER_PROTOCOL.topn.orderSeed));
  const topnRanked = baselineRankings(b, histories, topK, samples.map((s) => s.items));
  const dsItem = (i: number): number => (p.itemNewToOld ? p.itemNewToOld[i]! : i);
  const predictions: PredictionRow[] = [];
  ds.sequences.forEach((_, u) => predictions.push({ task: 'sequential', user: ds.users[u]!, target: dsItem(targets[u]!), ranked: seqRanked[u]!.map(dsItem) }));
  ds.sequences.forEach((_, u) => predictions.push({ task: 'topn', user: ds.users[u]!, target: dsItem(targets[u]!), ranked: topnRanked[u]!.map(dsItem) }));
  const report: BaselineReport = {
    pack: null,
    packName: `${o.baseline} baseline`,
    baseline: o.baseline,
    dataset: ds.name,
    ids: p.idMode === 'remap' ? 'remapped' : 'original',
    idScheme: 'n/a',
    split: o.split,
    users: ds.sequences.length,
    constrained: null,
    metrics: { sequential: { ...summary(seqRanked, targets), invalidRate: 0, coverage10: 0 }, topn: summary(topnRanked, targets) },
    command: o.command,
    date: new Date().toISOString(),
    notes: NOTES[o.baseline] + (fitted ? `; ${fitted.description}` : ''),
  };
  fs.mkdirSync(o.out, { recursive: true });
  fs.writeFileSync(path.join(o.out, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(o.out, 'predictions.jsonl'), predictions.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return report;
}

const EXPLANATION_NOTES: Record<ExplanationBaselineName, string> = {
  'item-explanation':
    "outputs the item's most frequent training explanation sentence (counted after the metrics' lower-casing and word split; ties: the earliest in training order; an item without training explanations gets the most frequent training sentence overall)",
  'user-explanation':
    "outputs the user's most frequent training explanation sentence (counted after the metrics' lower-casing and word split; ties: the earliest in training order; a user without training explanations gets the most frequent training sentence overall)",
};

export interface ExplanationBaselineEvalOptions {
  baseline: ExplanationBaselineName;
  /** Dataset name (loaded from the data dir) or an in-memory review dataset (tests). */
  dataset: string | InteractionDataset;
  dataDir?: string;
  idMode: IdMode;
  out: string;
  command: string;
  /** Seed of the id re-mapping (the explanation split itself is always seed 1, as in training). */
  seed: number;
}

export type ExplanationBaselineReport = Omit<BaselineReport, 'baseline'> & { baseline: ExplanationBaselineName; fallbacks: number };

/** Runs an explanation baseline on the model's test explanation pairs; writes metrics.json + predictions.jsonl. */
export function evaluateExplanationBaseline(o: ExplanationBaselineEvalOptions): ExplanationBaselineReport {
  const p = prepareData({
    dataset: o.dataset,
    idMode: o.idMode,
    seed: o.seed,
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
    explanations: (ds) => {
      if (ds.kind !== 'amazon-reviews')
        throw new BaselineSetupError(`${ds.name}: explanation baselines need a review dataset (kind amazon-reviews, e.g. amazon-musical-instruments-5core); this one is ${ds.kind}, on which the model is not evaluated on explanations.`);
      return reviewExplanationSplit(ds, o.dataDir);
    },
  });
  const ex = p.explanations!;
  if (ex.test.length === 0) throw new BaselineSetupError(`${p.ds.name}: the explanation split has no test pairs; nothing to evaluate.`);
  // Only user and item reach the rule: the references are scored, never read to choose.
  const { generated, fallbacks } = explanationBaseline(o.baseline, ex.train, ex.test.map(({ user, item }) => ({ user, item })));
  const dsItem = (i: number): number => (p.itemNewToOld ? p.itemNewToOld[i]! : i);
  const predictions: PredictionRow[] = ex.test.map((q, k) => ({ task: 'explanation', user: p.ds.users[q.user]!, item: dsItem(q.item), reference: q.text, generated: generated[k]! }));
  const report: ExplanationBaselineReport = {
    pack: null,
    packName: `${o.baseline} baseline`,
    baseline: o.baseline,
    dataset: p.ds.name,
    ids: p.idMode === 'remap' ? 'remapped' : 'original',
    idScheme: 'n/a',
    split: 'test',
    users: p.ds.sequences.length,
    constrained: null,
    metrics: { explanation: scoreExplanations(ex.test.map((q) => q.text), generated) },
    fallbacks,
    command: o.command,
    date: new Date().toISOString(),
    notes: EXPLANATION_NOTES[o.baseline],
  };
  fs.mkdirSync(o.out, { recursive: true });
  fs.writeFileSync(path.join(o.out, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(o.out, 'predictions.jsonl'), predictions.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return report;
}

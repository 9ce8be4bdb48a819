// Simple recommenders on the same splits and fixed negatives as the model (most-popular; the
// "id-order" rule that exploits P5's sequential numbering), written as metrics.json +
// predictions.jsonl in the same format as `peapod eval`, so RESULTS.md can put them beside the model.
// Node only; must not train.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { baselineRankings, idOrderBaseline, itemPopularity, mostPopularBaseline, type Baseline } from './baselines.ts';
import { heldOutTopn } from './heldout.ts';
import { rankingMetrics } from './metrics.ts';
import { prepareData, trainingSequences, type IdMode } from './prepare.ts';
import type { EvalMetrics, PredictionRow } from './evaluate.ts';

export type BaselineName = 'most-popular' | 'id-order';
export const BASELINES: readonly BaselineName[] = ['most-popular', 'id-order'];

export interface BaselineEvalOptions {
  baseline: BaselineName;
  dataset: string;
  dataDir?: string;
  idMode: IdMode;
  split: 'test' | 'valid';
  out: string;
  command: string;
  /** Seed of the leak-free id permutation (same default as training). */
  seed: number;
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

function summary(ranked: number[][], targets: Int32Array) {
  const m = rankingMetrics(ranked, targets);
  return { HR1: m.hr[1]!, HR5: m.hr[5]!, NDCG5: m.ndcg[5]!, HR10: m.hr[10]!, NDCG10: m.ndcg[10]!, users: m.users };
}

export function evaluateBaseline(o: BaselineEvalOptions): BaselineReport {
  const p = prepareData({ dataset: o.dataset, idMode: o.idMode, seed: o.seed, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
  const ds = p.ds;
  const counts = itemPopularity(trainingSequences(ds), ds.numItems + 1);
  const b: Baseline = o.baseline === 'most-popular' ? mostPopularBaseline(counts, { excludeHistory: true, firstItem: 1 }) : idOrderBaseline(ds.numItems + 1, { excludeHistory: true, firstItem: 1 });
  const cut = o.split === 'test' ? 1 : 2;
  const histories = ds.sequences.map((s) => s.subarray(0, s.length - cut));
  const targets = Int32Array.from(ds.sequences, (s) => s[s.length - cut]!);
  const seqRanked = baselineRankings(b, histories, 10);
  if (o.split !== 'test') throw new RangeError('baselines are evaluated on the test split only (their validation negatives are not fixed anywhere).');
  const samples = ds.sequences.map((_, u) => heldOutTopn(ds, u, 'test', p.testNegatives[u]!, 2022));
  const topnRanked = baselineRankings(b, histories, 10, samples.map((s) => s.items));
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
    notes:
      o.baseline === 'most-popular'
        ? 'items ranked by training-interaction count (each sequence without its last two items); items in the input history are excluded from the sequential list'
        : "predicts the last history item's id + 1, + 2, ... (then wraps around); exploits P5's order-of-appearance numbering",
  };
  fs.mkdirSync(o.out, { recursive: true });
  fs.writeFileSync(path.join(o.out, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(o.out, 'predictions.jsonl'), predictions.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return report;
}

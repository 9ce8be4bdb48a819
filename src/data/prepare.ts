// Data preparation for training and evaluation: loads a dataset, fixes the P5 test negatives (on the
// ORIGINAL ids, as P5's procedure defines them), re-maps item ids leak-free when asked, optionally
// keeps a small user slice (tests), and splits explanation pairs. Must not fit models or touch tfjs.
import type { InteractionDataset } from './types.ts';
import { loadDataset } from './node-fs.ts';
import { p5TestNegatives } from './negatives.ts';
import { remapItems } from './remap.ts';
import type { ExplanationPair } from './types.ts';
import { PeapodError } from '../errors.ts';

export type IdMode = 'remap' | 'original';

export interface ExplanationSplit {
  train: ExplanationPair[];
  valid: ExplanationPair[];
  test: ExplanationPair[];
  /** Language-model sentences of training reviews with their user and item (never validation/test reviews). */
  lm?: ExplanationPair[];
}

export interface PreparedData {
  ds: InteractionDataset;
  /** newToOld[newId] = dataset item id, when ids were re-mapped; null for original ids. */
  itemNewToOld: Int32Array | null;
  idMode: IdMode;
  remapSeed: number | null;
  /** Fixed 99 test negatives per user (in the ids training uses). */
  testNegatives: Int32Array[];
  negativesSource: string;
  explanations: ExplanationSplit | null;
}

export class PrepareError extends PeapodError {
  override name = 'PrepareError';
  override readonly code = 'eval-prepare';
}

/**
 * Keeps the first `n` users and renumbers the items they use 1..I' in order of first appearance
 * (the same rule as P5's numbering, so the slice keeps the dataset's id semantics). For tests and
 * quick experiments only.
 */
export function sliceUsers(ds: InteractionDataset, n: number): { ds: InteractionDataset; oldToNew: Map<number, number> } {
  const keep = Math.min(n, ds.sequences.length);
  const oldToNew = new Map<number, number>();
  const newToOld: number[] = [0];
  const sequences = ds.sequences.slice(0, keep).map((s) =>
    Int32Array.from(s, (it) => {
      let v = oldToNew.get(it);
      if (v === undefined) {
        v = newToOld.length;
        oldToNew.set(it, v);
        newToOld.push(it);
      }
      return v;
    }),
  );
  const out: InteractionDataset = {
    ...ds,
    name: `${ds.name}[first ${keep} users]`,
    users: ds.users.slice(0, keep),
    sequences,
    numItems: newToOld.length - 1,
    numInteractions: sequences.reduce((a, s) => a + s.length, 0),
    itemNames: newToOld.map((o) => (o === 0 ? '' : ds.itemNames[o]!)),
    rawItemIds: newToOld.map((o) => (o === 0 ? '' : ds.rawItemIds[o]!)),
    rawUserIds: ds.rawUserIds.slice(0, keep),
  };
  delete out.negatives;
  delete out.timestamps;
  if (ds.timestamps) out.timestamps = ds.timestamps.slice(0, keep);
  delete out.itemGenres;
  return { ds: out, oldToNew };
}

export interface PrepareOptions {
  dataset: string | InteractionDataset;
  dataDir?: string;
  idMode: IdMode;
  seed: number;
  /** Keep only the first N users (0 = all). */
  users?: number;
  /** Explanation pairs in dataset user index / item id space (before any remap), or null. */
  explanations?: (ds: InteractionDataset) => ExplanationSplit | null;
}

export function prepareData(opt: PrepareOptions): PreparedData {
  let ds = typeof opt.dataset === 'string' ? loadDataset(opt.dataset, opt.dataDir ? { dataDir: opt.dataDir } : {}) : opt.dataset;
  let explanations = opt.explanations ? opt.explanations(ds) : null;
  if (opt.users && opt.users > 0 && opt.users < ds.sequences.length) {
    const sliced = sliceUsers(ds, opt.users);
    ds = sliced.ds;
    const keep = (ps: ExplanationPair[]): ExplanationPair[] =>
      ps.filter((p) => p.user < ds.sequences.length && sliced.oldToNew.has(p.item)).map((p) => ({ ...p, item: sliced.oldToNew.get(p.item)! }));
    if (explanations) explanations = { train: keep(explanations.train), valid: keep(explanations.valid), test: keep(explanations.test), ...(explanations.lm ? { lm: keep(explanations.lm) } : {}) };
  }
  for (let u = 0; u < ds.sequences.length; u++) {
    if (ds.sequences[u]!.length < 4)
      throw new PrepareError(`${ds.name}: user ${ds.users[u]} (index ${u}) has ${ds.sequences[u]!.length} interactions; training needs >= 4 (2 training items + validation + test). Filter the dataset (the 5-core sets satisfy this).`);
  }
  let negativesSource: string;
  if (ds.negatives) {
    negativesSource = 'negative_samples.txt shipped with the dataset (P5)';
  } else {
    ds = { ...ds, negatives: p5TestNegatives(ds.sequences) };
    negativesSource = "P5's procedure (numpy legacy MT19937 seeded 2022) on the original ids";
  }
  if (opt.idMode === 'original') {
    return { ds, itemNewToOld: null, idMode: 'original', remapSeed: null, testNegatives: ds.negatives!, negativesSource, explanations };
  }
  const remapSeed = opt.seed;
  const { dataset, map } = remapItems(ds, remapSeed);
  const mapPairs = (ps: ExplanationPair[]): ExplanationPair[] => ps.map((p) => ({ ...p, item: map.oldToNew[p.item]! }));
  const ex = explanations ? { train: mapPairs(explanations.train), valid: mapPairs(explanations.valid), test: mapPairs(explanations.test), ...(explanations.lm ? { lm: mapPairs(explanations.lm) } : {}) } : null;
  return { ds: dataset, itemNewToOld: map.newToOld, idMode: 'remap', remapSeed, testNegatives: dataset.negatives!, negativesSource, explanations: ex };
}

/** Dataset item id of a training-space item id. */
export function datasetItemId(p: Pick<PreparedData, 'itemNewToOld'>, item: number): number {
  return p.itemNewToOld ? p.itemNewToOld[item]! : item;
}

/** Training sequences without the last two items (what CF may see). */
export function trainingSequences(ds: InteractionDataset): Int32Array[] {
  return ds.sequences.map((s) => s.subarray(0, s.length - 2));
}

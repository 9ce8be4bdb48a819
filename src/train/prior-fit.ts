// Initial scales of the output priors (ComposerConfig.cfPrior / seqPrior), fitted on held-out
// (validation) items before training: each is the softmax temperature that minimises the
// cross-entropy of the validation item over all items, given the scales fitted before it. Plain
// arrays, no tensors; the validation item is never a training target, the test item is never read.
import type { CfResult } from './cf-fit.ts';
import { TrainRng } from './random.ts';
import { repeatFeatures, transitionFeatures, type TransitionTable } from '../model/transitions.ts';

export interface PriorRow {
  /** Fixed logits over the items (null = zeros). */
  base: Float32Array | null;
  /** The feature whose scale is fitted. */
  feat: Float32Array;
  target: number;
}

/**
 * Scale s minimising mean softmax cross-entropy of base + s feat; golden-section search of x in
 * [lo, hi] with s = map(x) (default: log-scale search, s = e^x).
 */
export function fitScale(rows: PriorRow[], logLo = -8, logHi = 6, map: (x: number) => number = Math.exp): number {
  if (rows.length === 0) return 1;
  const nll = (s: number): number => {
    let total = 0;
    for (const r of rows) {
      const n = r.feat.length;
      let max = -Infinity;
      for (let i = 0; i < n; i++) max = Math.max(max, (r.base ? r.base[i]! : 0) + s * r.feat[i]!);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.exp((r.base ? r.base[i]! : 0) + s * r.feat[i]! - max);
      total += max + Math.log(sum) - ((r.base ? r.base[r.target]! : 0) + s * r.feat[r.target]!);
    }
    return total / rows.length;
  };
  const g = (Math.sqrt(5) - 1) / 2;
  let lo = logLo;
  let hi = logHi;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = nll(map(a));
  let fb = nll(map(b));
  for (let it = 0; it < 30; it++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = nll(map(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = nll(map(b));
    }
  }
  return map((lo + hi) / 2);
}

/** Mean NDCG@10 of the target when items are ranked by base + s feat (ties count against it). */
export function ndcgAt10(rows: PriorRow[], s: number): number {
  let total = 0;
  for (const r of rows) {
    const score = (i: number): number => (r.base ? r.base[i]! : 0) + s * r.feat[i]!;
    const t = score(r.target);
    let rank = 0;
    for (let i = 0; i < r.feat.length && rank < 10; i++) if (i !== r.target && score(i) >= t) rank++;
    if (rank < 10) total += 1 / Math.log2(rank + 2);
  }
  return rows.length ? total / rows.length : 0;
}

/**
 * The cross-entropy-optimal scale times the multiplier in {1/2, 1, 2, ..., 32} with the best (ties keep 1)
 * validation NDCG@10: the likelihood fit underweights a sparse, sharp feature for top-10 ranking
 * (on Beauty's validation items the transition scale's NDCG@10 rose from .079 at the likelihood
 * optimum to .093 at 4-8 times it).
 */
export function fitScaleForRanking(rows: PriorRow[]): number {
  const s0 = fitScale(rows);
  let best = s0;
  let bestScore = -1;
  for (const m of [1, 0.5, 2, 4, 8, 16, 32]) {
    const v = ndcgAt10(rows, s0 * m);
    if (v > bestScore) {
      bestScore = v;
      best = s0 * m;
    }
  }
  return best;
}

export interface PriorScales {
  /** User term u . v_i. */
  user: number;
  /** Neighbour term (mean of the n neighbours' embeddings) . v_i. */
  neighbour: number;
  /** Transition features; null without a table. */
  seq: number | null;
  /** Logit for items already in the history (linear, usually negative); null without a table. */
  repeat: number | null;
  users: number;
}

/**
 * Fits the three scales in turn on up to `maxUsers` sampled users' validation items (second to
 * last; the history is the training part before it). Items are 1..numItems; scores index item - 1.
 */
export function fitPriorScales(cf: CfResult, sequences: Int32Array[], neighbours: { indices: Int32Array; nMax: number; n: number }, table: TransitionTable | null, seed: number, maxUsers = 300): PriorScales {
  const rng = new TrainRng(seed ^ 0x9e10);
  const d = cf.d;
  const items = cf.itemFactors.length / d - 1;
  const dots = (vec: Float32Array): Float32Array => {
    const out = new Float32Array(items);
    for (let i = 1; i <= items; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += vec[j]! * cf.itemFactors[i * d + j]!;
      out[i - 1] = s;
    }
    return out;
  };
  const slot = Int32Array.from({ length: items + 1 }, (_, i) => i - 1);
  const users: { uv: Float32Array; mv: Float32Array; tf: Float32Array | null; rep: Float32Array | null; target: number }[] = [];
  for (let k = 0; k < 20 * maxUsers && users.length < maxUsers; k++) {
    const u = rng.int(sequences.length);
    const q = sequences[u]!;
    if (q.length < 3) continue;
    const mix = new Float32Array(d);
    for (let r = 0; r < neighbours.n; r++) {
      const v = neighbours.indices[u * neighbours.nMax + r]!;
      for (let j = 0; j < d; j++) mix[j]! += cf.userFactors[v * d + j]! / neighbours.n;
    }
    let tf: Float32Array | null = null;
    let rep: Float32Array | null = null;
    if (table) {
      tf = new Float32Array(items);
      transitionFeatures(table, q.subarray(0, q.length - 2), slot, tf, 0);
      rep = new Float32Array(items);
      repeatFeatures(q.subarray(0, q.length - 2), slot, rep, 0);
    }
    users.push({ uv: dots(cf.userFactors.subarray(u * d, (u + 1) * d)), mv: dots(mix), tf, rep, target: q[q.length - 2]! - 1 });
  }
  const user = fitScale(users.map((x) => ({ base: null, feat: x.uv, target: x.target })));
  const withUser = users.map((x) => x.uv.map((v) => user * v));
  const neighbour = fitScale(users.map((x, k) => ({ base: withUser[k]!, feat: x.mv, target: x.target })));
  let seq: number | null = null;
  let repeat: number | null = null;
  if (table) {
    const base = users.map((x, k) => withUser[k]!.map((v, i) => v + neighbour * x.mv[i]!));
    seq = fitScaleForRanking(users.map((x, k) => ({ base: base[k]!, feat: x.tf!, target: x.target })));
    const base2 = users.map((x, k) => base[k]!.map((v, i) => v + seq! * x.tf![i]!));
    // A signed logit, not a scale: linear search in [-20, 5].
    repeat = fitScale(users.map((x, k) => ({ base: base2[k]!, feat: x.rep!, target: x.target })), -20, 5, (x) => x);
  }
  return { user, neighbour, seq, repeat, users: users.length };
}

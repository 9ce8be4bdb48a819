// Simple recommenders evaluated on the same splits as PeaPOD, so a reader can see what a number is
// worth: most-popular (training counts), "id-order", which exploits P5's sequential item ids (items
// are numbered in order of first appearance, so the next item is often last id + 1; see
// docs/method.md §4), a scorer-driven baseline (PMF dot products; the fit itself lives in
// src/train and is passed in as a scorer, since eval must not import train) and an item-to-item
// transition rule. Produces ranked lists for the sequential task (all items) and the top-n task
// (given candidates) to feed `rankingMetrics`. Pure functions; no I/O, no tensors, no fitting.
//
// Choices: by default both baselines skip items already in the user's input history, as a model
// that was trained to predict the *next* item would (Amazon 5-core sequences rarely repeat an item);
// `excludeHistory: false` gives the raw rule. Popularity ties go to the lower item id.
import { PeapodError } from '../errors.ts';

export class BaselineInputError extends PeapodError {
  override name = 'BaselineInputError';
  override readonly code = 'eval-baseline-input';
}

export interface Baseline {
  readonly name: string;
  /** The k best items (ids in [firstItem, numItems)) for user index `user` (needed by per-user models) whose input history is `history`. */
  topK(history: ArrayLike<number>, k: number, user?: number): number[];
  /** `candidates` reordered best first (stable for equal scores). History is not excluded here: candidates are given. */
  rankCandidates(history: ArrayLike<number>, candidates: ArrayLike<number>, user?: number): number[];
}

export interface BaselineOptions {
  excludeHistory?: boolean;
  /** Smallest valid item id (1 for P5 ids, where 0 is unused). */
  firstItem?: number;
}

/** Interaction counts per item id (array of length numItems) over the given training sequences. */
export function itemPopularity(trainSequences: readonly ArrayLike<number>[], numItems: number): Int32Array {
  const counts = new Int32Array(numItems);
  trainSequences.forEach((seq, u) => {
    for (let t = 0; t < seq.length; t++) {
      const i = seq[t]!;
      if (!Number.isInteger(i) || i < 0 || i >= numItems)
        throw new BaselineInputError(`itemPopularity: sequence ${u} position ${t} has item ${i}, outside 0..${numItems - 1}. Pass numItems = largest id + 1.`);
      counts[i]!++;
    }
  });
  return counts;
}

export function mostPopularBaseline(popularity: Int32Array, options: BaselineOptions = {}): Baseline {
  const exclude = options.excludeHistory ?? true;
  const first = options.firstItem ?? 1;
  const ids: number[] = [];
  for (let i = first; i < popularity.length; i++) ids.push(i);
  const ranking = Int32Array.from(ids.sort((a, b) => popularity[b]! - popularity[a]! || a - b));
  return {
    name: exclude ? 'most-popular (unseen)' : 'most-popular',
    topK(history, k) {
      const seen = exclude ? new Set(Array.from(history)) : null;
      const out: number[] = [];
      for (let r = 0; r < ranking.length && out.length < k; r++) if (!seen?.has(ranking[r]!)) out.push(ranking[r]!);
      return out;
    },
    rankCandidates(_history, candidates) {
      return Array.from(candidates)
        .map((c, pos) => ({ c, pos }))
        .sort((a, b) => (popularity[b.c] ?? 0) - (popularity[a.c] ?? 0) || a.pos - b.pos)
        .map((x) => x.c);
    },
  };
}

/**
 * Id-order: after last item L, predict L+1, L+2, ... up to the largest id, then L-1, L-2, ... down to
 * firstItem (nearest ids first). For candidates, the same order. An empty history starts at firstItem.
 */
export function idOrderBaseline(numItems: number, options: BaselineOptions = {}): Baseline {
  const exclude = options.excludeHistory ?? true;
  const first = options.firstItem ?? 1;
  // Position of item i in the order after last item L (smaller = better).
  const position = (L: number, i: number): number => (i > L ? i - L : i < L ? numItems + (L - i) : 2 * numItems + 1);
  const lastOf = (h: ArrayLike<number>): number => (h.length ? h[h.length - 1]! : first - 1);
  return {
    name: exclude ? 'id-order (unseen)' : 'id-order',
    topK(history, k) {
      const L = lastOf(history);
      const seen = exclude ? new Set(Array.from(history)) : null;
      const out: number[] = [];
      for (let i = L + 1; i < numItems && out.length < k; i++) if (!seen?.has(i)) out.push(i);
      for (let i = L - 1; i >= first && out.length < k; i--) if (!seen?.has(i)) out.push(i);
      // Without exclusion the last item itself comes last of all, as in `position`.
      if (!exclude && out.length < k && L >= first && L < numItems) out.push(L);
      return out;
    },
    rankCandidates(history, candidates) {
      const L = lastOf(history);
      return Array.from(candidates)
        .map((c, pos) => ({ c, pos, p: position(L, c) }))
        .sort((a, b) => a.p - b.p || a.pos - b.pos)
        .map((x) => x.c);
    },
  };
}

/**
 * Ranked lists for every user: `topK` over all items when `candidates` is absent (sequential task),
 * else the user's candidates reordered and cut to k (top-n task). `histories[u]` is the input history
 * (for test: the sequence without its last item).
 */
export function baselineRankings(
  baseline: Baseline,
  histories: readonly ArrayLike<number>[],
  k: number,
  candidates?: readonly ArrayLike<number>[],
): number[][] {
  if (candidates && candidates.length !== histories.length)
    throw new BaselineInputError(`baselineRankings: ${histories.length} histories but ${candidates.length} candidate lists. Pass one candidate list per user, in the same order.`);
  return histories.map((h, u) => (candidates ? baseline.rankCandidates(h, candidates[u]!, u).slice(0, k) : baseline.topK(h, k, u)));
}

/** Fills `out[i]` (length numItems) with the score of item id i for user index `user`; higher is better. */
export type UserItemScorer = (user: number, history: ArrayLike<number>, out: Float32Array) => void;

/**
 * A baseline that ranks by a per-user score over all items: sequential = the k best-scored items
 * (history skipped unless `excludeHistory: false`, as most-popular does), top-n = the candidates by
 * score. Ties go to the lower item id (sequential) or the earlier candidate (top-n), like
 * most-popular. A NaN score is an error, not a silent last place.
 */
export function scoredBaseline(name: string, numItems: number, scorer: UserItemScorer, options: BaselineOptions = {}): Baseline {
  const exclude = options.excludeHistory ?? true;
  const first = options.firstItem ?? 1;
  const scores = new Float32Array(numItems);
  const fill = (user: number | undefined, history: ArrayLike<number>): Float32Array => {
    if (user === undefined) throw new BaselineInputError(`${name}: scores are per user; pass the user index to topK / rankCandidates.`);
    scores.fill(0);
    scorer(user, history, scores);
    return scores;
  };
  const checked = (v: number, user: number | undefined, item: number): number => {
    if (Number.isNaN(v)) throw new BaselineInputError(`${name}: score of item ${item} for user index ${user} is NaN. Check the scorer's factors (a diverged fit?).`);
    return v;
  };
  return {
    name: exclude ? `${name} (unseen)` : name,
    topK(history, k, user) {
      const s = fill(user, history);
      const seen = exclude ? new Set(Array.from(history)) : null;
      // Insertion into a sorted top-k buffer: k is 10 here, so this beats sorting the catalogue.
      const bestItems: number[] = [];
      const bestScores: number[] = [];
      for (let i = first; i < numItems; i++) {
        if (seen?.has(i)) continue;
        const v = checked(s[i]!, user, i);
        if (bestItems.length === k && !(v > bestScores[k - 1]!)) continue;
        let pos = bestItems.length;
        while (pos > 0 && v > bestScores[pos - 1]!) pos--;
        bestItems.splice(pos, 0, i);
        bestScores.splice(pos, 0, v);
        if (bestItems.length > k) {
          bestItems.pop();
          bestScores.pop();
        }
      }
      return bestItems;
    },
    rankCandidates(history, candidates, user) {
      const s = fill(user, history);
      return Array.from(candidates)
        .map((c, pos) => {
          if (!(c >= 0 && c < numItems)) throw new BaselineInputError(`${name}: candidate ${c} for user index ${user} is outside 0..${numItems - 1}.`);
          return { c, pos, v: checked(s[c]!, user, c) };
        })
        .sort((a, b) => b.v - a.v || a.pos - b.pos)
        .map((x) => x.c);
    },
  };
}

/** Scorer for matrix-factorisation factors: score(u, i) = userFactors[u] . itemFactors[i] (rows of length d, item rows indexed by item id). */
export function dotProductScorer(userFactors: Float32Array, itemFactors: Float32Array, d: number): UserItemScorer {
  return (user, _history, out) => {
    const ou = user * d;
    if (ou + d > userFactors.length) throw new BaselineInputError(`dotProductScorer: user index ${user} has no factor row (${userFactors.length / d} users fitted).`);
    const rows = Math.min(out.length, itemFactors.length / d);
    for (let i = 0; i < rows; i++) {
      const oi = i * d;
      let v = 0;
      for (let a = 0; a < d; a++) v += userFactors[ou + a]! * itemFactors[oi + a]!;
      out[i] = v;
    }
  };
}

/** Sparse item-to-item counts: row a lists the items that followed a (and how much), counted on training sequences. */
export interface ItemTransitions {
  numItems: number;
  /** Row a is items[offsets[a] .. offsets[a + 1]), ascending ids. */
  offsets: Int32Array;
  items: Int32Array;
  weights: Float64Array;
}

export interface TransitionCountOptions {
  /** Item b counts for a when it comes 1..window positions after a, with weight 1 / gap (default 1: direct transitions only). */
  window?: number;
  /** Weight of the reverse direction (b before a), times 1 / gap (default 0: directed). */
  backward?: number;
}

/**
 * Transition counts over `trainSequences` (pass each sequence without its validation and test
 * items: what is counted here must be what training may see).
 */
export function itemTransitions(trainSequences: readonly ArrayLike<number>[], numItems: number, options: TransitionCountOptions = {}): ItemTransitions {
  const window = options.window ?? 1;
  const backward = options.backward ?? 0;
  if (!(Number.isInteger(window) && window >= 1)) throw new BaselineInputError(`itemTransitions: window must be an integer >= 1, got ${window}.`);
  if (!(backward >= 0)) throw new BaselineInputError(`itemTransitions: backward must be >= 0, got ${backward}.`);
  const rows: Map<number, number>[] = Array.from({ length: numItems }, () => new Map());
  const add = (a: number, b: number, w: number): void => {
    if (a === b || w === 0) return;
    const row = rows[a]!;
    row.set(b, (row.get(b) ?? 0) + w);
  };
  trainSequences.forEach((seq, u) => {
    for (let t = 0; t < seq.length; t++) {
      const a = seq[t]!;
      if (!Number.isInteger(a) || a < 0 || a >= numItems)
        throw new BaselineInputError(`itemTransitions: sequence ${u} position ${t} has item ${a}, outside 0..${numItems - 1}. Pass numItems = largest id + 1.`);
      for (let g = 1; g <= window && t + g < seq.length; g++) {
        add(a, seq[t + g]!, 1 / g);
        add(seq[t + g]!, a, backward / g);
      }
    }
  });
  const offsets = new Int32Array(numItems + 1);
  for (let a = 0; a < numItems; a++) offsets[a + 1] = offsets[a]! + rows[a]!.size;
  const items = new Int32Array(offsets[numItems]!);
  const weights = new Float64Array(offsets[numItems]!);
  rows.forEach((row, a) => {
    let k = offsets[a]!;
    for (const b of Array.from(row.keys()).sort((x, y) => x - y)) {
      items[k] = b;
      weights[k++] = row.get(b)!;
    }
  });
  return { numItems, offsets, items, weights };
}

export interface ItemKnnOptions extends BaselineOptions {
  /** How many of the most recent history items vote (default 3). */
  recent?: number;
  /** The r-th most recent item votes with weight decay^(r - 1) (default 0.5). */
  decay?: number;
}

/**
 * Item-to-item rule: score(j) = sum over the `recent` last history items h (most recent first, weight
 * decay^(r-1)) of transitions[h][j]. Ties, including the many items no recent item leads to, are
 * broken by training popularity, then by the lower id (sequential) or the earlier candidate (top-n),
 * so with no transitions at all it falls back to most-popular exactly.
 */
export function itemKnnBaseline(transitions: ItemTransitions, popularity: Int32Array, options: ItemKnnOptions = {}): Baseline {
  const exclude = options.excludeHistory ?? true;
  const first = options.firstItem ?? 1;
  const recent = options.recent ?? 3;
  const decay = options.decay ?? 0.5;
  const n = transitions.numItems;
  if (popularity.length !== n) throw new BaselineInputError(`itemKnnBaseline: popularity has ${popularity.length} entries but the transitions cover ${n} item ids; count both over the same catalogue.`);
  const fallback = mostPopularBaseline(popularity, { excludeHistory: exclude, firstItem: first });
  const scores = new Float64Array(n);
  const touched: number[] = [];
  // Fills `scores` for the touched items only and returns them; the caller must call clear().
  const score = (history: ArrayLike<number>): number[] => {
    let w = 1;
    for (let r = 1; r <= recent && r <= history.length; r++, w *= decay) {
      const h = history[history.length - r]!;
      if (!(h >= 0 && h < n)) throw new BaselineInputError(`itemKnnBaseline: history item ${h} is outside 0..${n - 1}.`);
      for (let t = transitions.offsets[h]!; t < transitions.offsets[h + 1]!; t++) {
        const j = transitions.items[t]!;
        if (scores[j] === 0) touched.push(j);
        scores[j]! += w * transitions.weights[t]!;
      }
    }
    return touched;
  };
  const clear = (): void => {
    for (const j of touched) scores[j] = 0;
    touched.length = 0;
  };
  return {
    name: exclude ? 'item-knn (unseen)' : 'item-knn',
    topK(history, k) {
      const seen = exclude ? new Set(Array.from(history)) : null;
      const voted = score(history)
        .filter((j) => j >= first && !seen?.has(j))
        .sort((a, b) => scores[b]! - scores[a]! || popularity[b]! - popularity[a]! || a - b)
        .slice(0, k);
      clear();
      if (voted.length < k) {
        const have = new Set(voted);
        for (const j of fallback.topK(history, k + voted.length)) if (voted.length < k && !have.has(j)) voted.push(j);
      }
      return voted;
    },
    rankCandidates(history, candidates) {
      score(history);
      const ranked = Array.from(candidates)
        .map((c, pos) => ({ c, pos, s: scores[c] ?? 0, p: popularity[c] ?? 0 }))
        .sort((a, b) => b.s - a.s || b.p - a.p || a.pos - b.pos)
        .map((x) => x.c);
      clear();
      return ranked;
    },
  };
}

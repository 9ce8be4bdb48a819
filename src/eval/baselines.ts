// Non-learned recommenders evaluated on the same splits as PeaPOD, so a reader can see what a number
// is worth: most-popular (training counts) and "id-order", which exploits P5's sequential item ids
// (items are numbered in order of first appearance, so the next item is often last id + 1; see
// docs/peapod-method.md §4). Produces ranked lists for the sequential task (all items) and the top-n
// task (given candidates) to feed `rankingMetrics`. Pure functions; no I/O, no tensors.
//
// Choices: by default both baselines skip items already in the user's input history, as a model
// that was trained to predict the *next* item would (Amazon 5-core sequences rarely repeat an item);
// `excludeHistory: false` gives the raw rule. Popularity ties go to the lower item id.

export class BaselineInputError extends Error {
  override name = 'BaselineInputError';
}

export interface Baseline {
  readonly name: string;
  /** The k best items (ids in [firstItem, numItems)) for a user whose input history is `history`. */
  topK(history: ArrayLike<number>, k: number): number[];
  /** `candidates` reordered best first (stable for equal scores). History is not excluded here: candidates are given. */
  rankCandidates(history: ArrayLike<number>, candidates: ArrayLike<number>): number[];
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
  return histories.map((h, u) => (candidates ? baseline.rankCandidates(h, candidates[u]!).slice(0, k) : baseline.topK(h, k)));
}

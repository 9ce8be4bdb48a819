// Item-to-item transition counts for the sequential prior (ours; see ComposerConfig.seqPrior): item b
// scores for a history when it followed the history's recent items in training sequences. Built from
// training sequences only (never validation/test targets), in CSR form; pure data, no tensors.

export interface TransitionTable {
  numItems: number;
  /** offsets[a]..offsets[a+1] index the items that followed item a. */
  offsets: Int32Array;
  targets: Int32Array;
  /** Sum over occurrences of 1 / gap (gap 1..window positions later). */
  weights: Float32Array;
}

export const TRANSITION_WINDOW = 3;
/** How many of the most recent history items vote, and the decay of each older one's vote. */
export const TRANSITION_RECENT = 5;
export const TRANSITION_DECAY = 0.5;

export function buildTransitions(sequences: ArrayLike<ArrayLike<number>>, numItems: number, window = TRANSITION_WINDOW): TransitionTable {
  const rows: Map<number, number>[] = Array.from({ length: numItems + 1 }, () => new Map());
  for (let s = 0; s < sequences.length; s++) {
    const q = sequences[s]!;
    for (let i = 0; i < q.length; i++) {
      const a = q[i]!;
      if (a < 1 || a > numItems) continue;
      for (let g = 1; g <= window && i + g < q.length; g++) {
        const b = q[i + g]!;
        if (b < 1 || b > numItems || b === a) continue;
        const row = rows[a]!;
        row.set(b, (row.get(b) ?? 0) + 1 / g);
      }
    }
  }
  const offsets = new Int32Array(numItems + 2);
  for (let a = 0; a <= numItems; a++) offsets[a + 1] = offsets[a]! + rows[a]!.size;
  const targets = new Int32Array(offsets[numItems + 1]!);
  const weights = new Float32Array(targets.length);
  for (let a = 0; a <= numItems; a++) {
    let k = offsets[a]!;
    for (const [b, w] of [...rows[a]!].sort((x, y) => x[0] - y[0])) {
      targets[k] = b;
      weights[k++] = w;
    }
  }
  return { numItems, offsets, targets, weights };
}

/**
 * Prior features for one history (oldest first): out[row(b)] = log(1 + sum_r decay^r T[h_r][b]) over
 * the `recent` newest items h_0 (newest), h_1, ...; `itemRow[b]` is item b's token row (-1: none).
 * Adds into `out` (length = vocab) at offset `at`.
 */
/** out[at + row(i)] = 1 for every item i in the history (the repeat feature). */
export function repeatFeatures(history: ArrayLike<number>, itemRow: Int32Array, out: Float32Array, at: number): void {
  for (let k = 0; k < history.length; k++) {
    const row = itemRow[history[k]!] ?? -1;
    if (row >= 0) out[at + row] = 1;
  }
}

export function transitionFeatures(t: TransitionTable, history: ArrayLike<number>, itemRow: Int32Array, out: Float32Array, at: number, recent = TRANSITION_RECENT, decay = TRANSITION_DECAY, exclude?: ArrayLike<number>): void {
  const acc = new Map<number, number>();
  const voteOf = new Map<number, number>();
  let w = 1;
  for (let r = 0; r < recent && r < history.length; r++, w *= decay) {
    const a = history[history.length - 1 - r]!;
    if (a < 1 || a > t.numItems) continue;
    voteOf.set(a, (voteOf.get(a) ?? 0) + w);
    for (let k = t.offsets[a]!; k < t.offsets[a + 1]!; k++) acc.set(t.targets[k]!, (acc.get(t.targets[k]!) ?? 0) + w * t.weights[k]!);
  }
  if (exclude) {
    // Training samples: take the sample's own sequence's pairs back out of the counts (they include
    // the very target being predicted), so training sees what validation and test see: other users'.
    for (let i = 0; i < exclude.length; i++) {
      const v = voteOf.get(exclude[i]!);
      if (v === undefined) continue;
      for (let g = 1; g <= TRANSITION_WINDOW && i + g < exclude.length; g++) {
        const b = exclude[i + g]!;
        if (b === exclude[i] || !acc.has(b)) continue;
        acc.set(b, acc.get(b)! - v / g);
      }
    }
  }
  for (const [b, v] of acc) {
    const row = itemRow[b] ?? -1;
    if (row >= 0 && v > 1e-6) out[at + row] = out[at + row]! + Math.log1p(v);
  }
}

/** itemRow[i] = token row of atomic item i's id (-1 where the vocabulary has none). */
export function atomicItemRows(tok: { items(): Iterable<number>; itemTokens(item: number): ArrayLike<number> }, numItems: number): Int32Array {
  const rows = new Int32Array(numItems + 1).fill(-1);
  for (const i of tok.items()) if (i >= 0 && i <= numItems) rows[i] = tok.itemTokens(i)[0]!;
  return rows;
}

/** Leave-one-out training part of each full sequence (the last two items are validation and test). */
export function trainingParts(offsets: ArrayLike<number>, items: ArrayLike<number>): Int32Array[] {
  const out: Int32Array[] = [];
  for (let u = 0; u + 1 < offsets.length; u++) {
    const a = offsets[u]!;
    const b = Math.max(a, offsets[u + 1]! - 2);
    out.push(Int32Array.from({ length: b - a }, (_, k) => items[a + k]!));
  }
  return out;
}

/**
 * The table and item rows the sequential prior needs, from a pack's full histories (CSR offsets +
 * items): counted on each sequence's training part only, as during training.
 */
export function transitionsFromHistories(
  tok: { items(): Iterable<number>; itemTokens(item: number): ArrayLike<number> },
  offsets: ArrayLike<number>,
  items: ArrayLike<number>,
  numItems: number,
): { table: TransitionTable; itemRow: Int32Array } {
  return { table: buildTransitions(trainingParts(offsets, items), numItems), itemRow: atomicItemRows(tok, numItems) };
}

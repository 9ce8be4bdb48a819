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

/**
 * Counts, over every sequence, each pair (a, b) with b at most `window` positions after a, weighted
 * 1 / gap (self-pairs and ids outside 1..numItems skipped). Sequences in CSR form (offsets + items);
 * the last `heldOut` items of each are left out.
 */
function countTransitions(offsets: ArrayLike<number>, items: ArrayLike<number>, numItems: number, window: number, heldOut: number): TransitionTable {
  const users = offsets.length - 1;
  let cap = 0;
  for (let u = 0; u < users; u++) cap += Math.max(0, offsets[u + 1]! - heldOut - offsets[u]!) * window;
  const A = new Int32Array(cap);
  const B = new Int32Array(cap);
  const G = new Uint8Array(cap);
  let n = 0;
  const valid = (x: number) => x >= 1 && x <= numItems;
  for (let u = 0; u < users; u++) {
    const s = offsets[u]!;
    const e = Math.max(s, offsets[u + 1]! - heldOut);
    for (let i = s; i < e; i++) {
      const a = items[i]!;
      if (!valid(a)) continue;
      for (let g = 1; g <= window && i + g < e; g++) {
        const b = items[i + g]!;
        if (!valid(b) || b === a) continue;
        A[n] = a;
        B[n] = b;
        G[n++] = g;
      }
    }
  }
  // Two stable counting sorts (by b, then by a) order the pairs by (a, b) and keep, within one
  // (a, b), the order they occurred in, so every weight is summed in occurrence order (typed arrays
  // and no Map per item: Beauty's table builds in ~70 ms instead of ~230).
  const byB = new Int32Array(n);
  const byAB = new Int32Array(n);
  const start = new Int32Array(numItems + 2);
  for (let k = 0; k < n; k++) start[B[k]! + 1]!++;
  for (let v = 1; v < start.length; v++) start[v]! += start[v - 1]!;
  for (let k = 0; k < n; k++) byB[start[B[k]!]!++] = k;
  start.fill(0);
  for (let k = 0; k < n; k++) start[A[k]! + 1]!++;
  for (let v = 1; v < start.length; v++) start[v]! += start[v - 1]!;
  for (let j = 0; j < n; j++) {
    const k = byB[j]!;
    byAB[start[A[k]!]!++] = k;
  }
  let unique = 0;
  for (let j = 0; j < n; j++) if (j === 0 || A[byAB[j]!] !== A[byAB[j - 1]!] || B[byAB[j]!] !== B[byAB[j - 1]!]) unique++;
  const rowStart = new Int32Array(numItems + 2);
  const targets = new Int32Array(unique);
  const weights = new Float32Array(unique);
  let out = -1;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const k = byAB[j]!;
    const a = A[k]!;
    if (j === 0 || a !== A[byAB[j - 1]!] || B[k] !== B[byAB[j - 1]!]) {
      if (out >= 0) weights[out] = sum;
      out++;
      targets[out] = B[k]!;
      rowStart[a + 1]!++;
      sum = 0;
    }
    sum += 1 / G[k]!;
  }
  if (out >= 0) weights[out] = sum;
  for (let a = 1; a < rowStart.length; a++) rowStart[a]! += rowStart[a - 1]!;
  return { numItems, offsets: rowStart, targets, weights };
}

/** The table over whole sequences (training code passes training parts). */
export function buildTransitions(sequences: ArrayLike<ArrayLike<number>>, numItems: number, window = TRANSITION_WINDOW): TransitionTable {
  const offsets = new Int32Array(sequences.length + 1);
  for (let s = 0; s < sequences.length; s++) offsets[s + 1] = offsets[s]! + sequences[s]!.length;
  const items = new Int32Array(offsets[sequences.length]!);
  for (let s = 0; s < sequences.length; s++) items.set(sequences[s]!, offsets[s]);
  return countTransitions(offsets, items, numItems, window, 0);
}

/** The table over a pack's full histories (CSR), counted on each training part (all but the last two items). */
export function transitionTableFromHistories(offsets: ArrayLike<number>, items: ArrayLike<number>, numItems: number, window = TRANSITION_WINDOW): TransitionTable {
  return countTransitions(offsets, items, numItems, window, 2);
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

/** The part of a tokenizer that maps items to their tokens. */
export interface ItemTokenSource {
  items(): Iterable<number>;
  itemTokens(item: number): ArrayLike<number>;
}

/** itemRow[i] = token row of atomic item i's id (-1 where the vocabulary has none). */
export function atomicItemRows(tok: ItemTokenSource, numItems: number): Int32Array {
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
  tok: ItemTokenSource,
  offsets: ArrayLike<number>,
  items: ArrayLike<number>,
  numItems: number,
): { table: TransitionTable; itemRow: Int32Array } {
  return { table: transitionTableFromHistories(offsets, items, numItems), itemRow: atomicItemRows(tok, numItems) };
}

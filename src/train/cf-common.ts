// What the two collaborative-filtering models (pmf.ts, bivae.ts) share: their input (binary
// interactions in CSR form, 0-based indices), their output (user and item factors), progress
// reports, the input error, and the Gaussian draw on the project's one seeded PRNG (src/data/rng.ts).
// No I/O and no dataset parsing here.
import { PeapodError } from '../errors.ts';

export class CfInputError extends PeapodError {
  override name = 'CfInputError';
  override readonly code = 'train-cf-input';
}

/** Binary interactions in CSR form: row u's items are items[offsets[u] .. offsets[u+1]), distinct, sorted. */
export interface Interactions {
  numUsers: number;
  numItems: number;
  offsets: Int32Array;
  items: Int32Array;
}

export interface CfEmbeddings {
  /** float32 [numUsers * d] */
  userFactors: Float32Array;
  /** float32 [numItems * d] */
  itemFactors: Float32Array;
  d: number;
  numUsers: number;
  numItems: number;
}

export interface CfProgress {
  phase: string;
  /** Overall fraction done, 0..1. */
  fraction: number;
  iteration: number;
  iterations: number;
  /** Training objective after the iteration, when computed. */
  loss?: number;
}

/**
 * Builds deduplicated CSR interactions from per-user item lists (e.g. each user's training prefix).
 * `numItems` bounds the indices; pass maxId + 1 to use 1-based dataset ids directly (row 0 then has no
 * interactions and its factor solves to exactly zero, matching the pack's unused item row 0).
 */
export function interactionsFromLists(lists: readonly ArrayLike<number>[], numItems: number): Interactions {
  const offsets = new Int32Array(lists.length + 1);
  const rows: Int32Array[] = [];
  for (let u = 0; u < lists.length; u++) {
    const l = lists[u]!;
    for (let t = 0; t < l.length; t++) {
      const i = l[t]!;
      if (!Number.isInteger(i) || i < 0 || i >= numItems)
        throw new CfInputError(`interactions: user row ${u} position ${t} has item ${i}, outside 0..${numItems - 1}. Check the id mapping or raise numItems.`);
    }
    const row = Int32Array.from(new Set(Array.from(l))).sort();
    rows.push(row);
    offsets[u + 1] = offsets[u]! + row.length;
  }
  const items = new Int32Array(offsets[lists.length]!);
  rows.forEach((r, u) => items.set(r, offsets[u]));
  return { numUsers: lists.length, numItems, offsets, items };
}

/** The same interactions seen from the item side (rows = items, entries = users). */
export function transposeInteractions(x: Interactions): Interactions {
  const offsets = new Int32Array(x.numItems + 1);
  for (let t = 0; t < x.items.length; t++) offsets[x.items[t]! + 1]!++;
  for (let i = 0; i < x.numItems; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, x.numItems);
  const users = new Int32Array(x.items.length);
  for (let u = 0; u < x.numUsers; u++) for (let t = x.offsets[u]!; t < x.offsets[u + 1]!; t++) users[fill[x.items[t]!]!++] = u;
  return { numUsers: x.numItems, numItems: x.numUsers, offsets, items: users };
}

/** Throws CfInputError unless the offsets describe numUsers rows over the items. */
export function checkInteractions(x: Interactions): void {
  if (x.offsets.length !== x.numUsers + 1 || x.offsets[0] !== 0 || x.offsets[x.numUsers] !== x.items.length)
    throw new CfInputError(`interactions: offsets (length ${x.offsets.length}) do not describe ${x.numUsers} rows over ${x.items.length} entries. Build them with interactionsFromLists.`);
}

/** A standard normal draw (Box-Muller) from uniform draws in [0, 1). */
export function gaussian(rnd: () => number): number {
  const u = rnd() || 1e-12;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

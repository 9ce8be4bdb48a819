// Item catalogue helpers: readable names and popularity counted on *training* interactions only
// (counting validation/test items would leak them into popularity baselines and samplers).
import type { InteractionDataset } from './types.ts';

export function itemName(ds: Pick<InteractionDataset, 'itemNames'>, id: number): string {
  return ds.itemNames[id] || `item_${id}`;
}

/** counts[id] = occurrences of item id in the given sequences (index 0 unused). */
export function itemPopularity(sequences: readonly Int32Array[], numItems: number): Int32Array {
  const counts = new Int32Array(numItems + 1);
  for (const s of sequences) for (let i = 0; i < s.length; i++) counts[s[i]!]!++;
  return counts;
}

/** The k most frequent item ids, most popular first; ties broken by smaller id. */
export function mostPopularItems(counts: Int32Array, k: number): Int32Array {
  const ids = new Int32Array(counts.length - 1);
  for (let i = 1; i < counts.length; i++) ids[i - 1] = i;
  ids.sort((a, b) => counts[b]! - counts[a]! || a - b);
  return ids.slice(0, Math.min(k, ids.length));
}

/** Items whose name contains every word of the query (case-insensitive), in id order, at most `limit`. */
export function searchItems(ds: Pick<InteractionDataset, 'itemNames'>, query: string, limit = 20): number[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
  const out: number[] = [];
  for (let id = 1; id < ds.itemNames.length && out.length < limit; id++) {
    const name = ds.itemNames[id]!.toLowerCase();
    if (words.every((w) => name.includes(w))) out.push(id);
  }
  return out;
}

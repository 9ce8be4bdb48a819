// Leak-free item ids: P5 numbers items in order of first appearance, so the next item's id is often
// the previous id + 1. `remapItems` renumbers items 1..N by a seeded random permutation and carries
// everything indexed by item (names, raw ids, genres, negatives) along. Pure; never mutates its input.
import { mulberry32, shuffleInPlace } from './rng.ts';
import type { InteractionDataset } from './types.ts';

export interface ItemRemap {
  /** oldToNew[oldId] = newId (index 0 stays 0). */
  oldToNew: Int32Array;
  /** newToOld[newId] = oldId (index 0 stays 0). */
  newToOld: Int32Array;
  seed: number;
}

export interface RemappedDataset {
  dataset: InteractionDataset;
  map: ItemRemap;
}

/** A seeded random bijection of 1..numItems (0 maps to 0). */
export function randomItemMap(numItems: number, seed: number): ItemRemap {
  const newToOld = new Int32Array(numItems + 1);
  for (let i = 1; i <= numItems; i++) newToOld[i] = i;
  shuffleInPlace(newToOld.subarray(1), mulberry32(seed));
  const oldToNew = new Int32Array(numItems + 1);
  for (let n = 1; n <= numItems; n++) oldToNew[newToOld[n]!] = n;
  return { oldToNew, newToOld, seed };
}

/** Applies an id map to a list of item ids (returns a new array). */
export function mapItemIds(ids: Int32Array, oldToNew: Int32Array): Int32Array {
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = oldToNew[ids[i]!]!;
  return out;
}

export function remapItems(ds: InteractionDataset, seed: number): RemappedDataset {
  const map = randomItemMap(ds.numItems, seed);
  const reindex = <T>(arr: T[]): T[] => Array.from(map.newToOld, (old) => arr[old]!);
  const dataset: InteractionDataset = {
    ...ds,
    sequences: ds.sequences.map((s) => mapItemIds(s, map.oldToNew)),
    itemNames: reindex(ds.itemNames),
    rawItemIds: reindex(ds.rawItemIds),
  };
  if (ds.itemGenres) dataset.itemGenres = reindex(ds.itemGenres);
  if (ds.negatives) dataset.negatives = ds.negatives.map((s) => mapItemIds(s, map.oldToNew));
  return { dataset, map };
}

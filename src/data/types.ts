// The normalised dataset shape every source format is turned into, so training and evaluation code
// treat Beauty, Sports, Toys, Musical Instruments and MovieLens alike. Plain data only (typed arrays,
// strings): it can be structured-cloned to a worker. No parsing or I/O here.

export type SourceKind = 'p5' | 'amazon-reviews' | 'movielens';

export interface InteractionDataset {
  /** Short name, e.g. "amazon-toys-p5" (the folder name). */
  name: string;
  /** Folder the files were read from ("" when built in memory). */
  dir: string;
  kind: SourceKind;
  /** Dataset user id of each user index (0..U-1), in file order. */
  users: Int32Array;
  /** Per user index: chronological item ids in 1..numItems (oldest first). */
  sequences: Int32Array[];
  /** Items are numbered 1..numItems; 0 is never an item. */
  numItems: number;
  numInteractions: number;
  /** Readable name per item id (index 0 = ""); `item_<id>` where the source has no name. */
  itemNames: string[];
  /** Raw id per item id in the original source (ASIN, MovieLens movieId), index 0 = "". */
  rawItemIds: string[];
  /** Raw id per user index (Amazon reviewerID, MovieLens userId). */
  rawUserIds: string[];
  /** Fixed top-n test negatives per user index, when the dataset ships them. */
  negatives?: Int32Array[];
  /** Per user index, the timestamp (seconds) of each interaction when the source has times. */
  timestamps?: Float64Array[];
  /** Optional per-item extra text (MovieLens genres). */
  itemGenres?: string[];
}

/** Counts `peapod data info` prints. */
export interface DatasetStats {
  users: number;
  items: number;
  interactions: number;
  minLength: number;
  meanLength: number;
  maxLength: number;
}

/** One explanation target: a user index, an item id and the sentence (training, validation or test pair). */
export interface ExplanationPair {
  user: number;
  item: number;
  text: string;
}

export function datasetStats(ds: InteractionDataset): DatasetStats {
  let min = Infinity;
  let max = 0;
  let sum = 0;
  for (const s of ds.sequences) {
    if (s.length < min) min = s.length;
    if (s.length > max) max = s.length;
    sum += s.length;
  }
  const n = ds.sequences.length;
  return {
    users: n,
    items: ds.numItems,
    interactions: sum,
    minLength: n === 0 ? 0 : min,
    meanLength: n === 0 ? 0 : sum / n,
    maxLength: max,
  };
}

// Parser for Amazon review data 2014 JSON lines (e.g. reviews_Musical_Instruments_5.json, after
// gunzip) into integer ids and chronological sequences. Pure functions over strings (browser-safe).
//
// Id rule (documented in README "Data"): users and items are numbered 1, 2, ... in order of first
// appearance in *file order* (the 5-core files are grouped by item, so this numbering carries no
// time order, unlike P5's). Each user's sequence is sorted by unixReviewTime; reviews with the same
// time keep file order (stable sort).
import { DatasetFormatError, EmptyFileError } from './errors.ts';
import { parseJson, splitLines } from './text.ts';
import type { InteractionDataset } from './types.ts';

export interface AmazonReview {
  /** 1-based user id (first appearance in file order). */
  user: number;
  /** 1-based item id (first appearance in file order). */
  item: number;
  rating: number;
  /** unixReviewTime, seconds. */
  time: number;
  text: string;
  summary: string;
  /** 1-based line in the file. */
  line: number;
}

export interface AmazonReviewData {
  reviews: AmazonReview[];
  /** reviewerID per user id (index 0 = ""). */
  rawUserIds: string[];
  /** asin per item id (index 0 = ""). */
  rawItemIds: string[];
}

export function parseAmazonReviews(text: string, file: string): AmazonReviewData {
  const lines = splitLines(text, file);
  const userIds = new Map<string, number>();
  const itemIds = new Map<string, number>();
  const rawUserIds = [''];
  const rawItemIds = [''];
  const reviews: AmazonReview[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.length === 0) continue;
    const rec = parseJson(l, file, i + 1);
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
      throw new DatasetFormatError('line is not a JSON object', { file, line: i + 1, hint: 'Each line must be one review object' });
    }
    const r = rec as Record<string, unknown>;
    const reviewer = requireString(r, 'reviewerID', file, i + 1);
    const asin = requireString(r, 'asin', file, i + 1);
    const time = requireNumber(r, 'unixReviewTime', file, i + 1);
    const rating = requireNumber(r, 'overall', file, i + 1);
    const textField = r['reviewText'] ?? '';
    const summary = r['summary'] ?? '';
    if (typeof textField !== 'string' || typeof summary !== 'string') {
      throw new DatasetFormatError('"reviewText" / "summary" must be strings', { file, line: i + 1, hint: 'Fix the record or re-download the file' });
    }
    let u = userIds.get(reviewer);
    if (u === undefined) {
      u = rawUserIds.length;
      userIds.set(reviewer, u);
      rawUserIds.push(reviewer);
    }
    let it = itemIds.get(asin);
    if (it === undefined) {
      it = rawItemIds.length;
      itemIds.set(asin, it);
      rawItemIds.push(asin);
    }
    reviews.push({ user: u, item: it, rating, time, text: textField, summary, line: i + 1 });
  }
  if (reviews.length === 0) throw new EmptyFileError('holds no reviews', { file, hint: 'Download the dataset again with `peapod data download`' });
  return { reviews, rawUserIds, rawItemIds };
}

function requireString(r: Record<string, unknown>, key: string, file: string, line: number): string {
  const v = r[key];
  if (typeof v !== 'string' || v.length === 0) {
    throw new DatasetFormatError(`review has no "${key}" string`, { file, line, hint: 'Each review needs reviewerID, asin, overall and unixReviewTime; fix or re-download the file' });
  }
  return v;
}

function requireNumber(r: Record<string, unknown>, key: string, file: string, line: number): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new DatasetFormatError(`review has no numeric "${key}"`, { file, line, hint: 'Each review needs reviewerID, asin, overall and unixReviewTime; fix or re-download the file' });
  }
  return v;
}

/** Groups reviews into per-user chronological sequences (stable on equal times). */
export function reviewsToDataset(data: AmazonReviewData, name: string, dir: string): InteractionDataset {
  const numUsers = data.rawUserIds.length - 1;
  const byUser: AmazonReview[][] = Array.from({ length: numUsers }, () => []);
  for (const r of data.reviews) byUser[r.user - 1]!.push(r);
  const sequences: Int32Array[] = [];
  const timestamps: Float64Array[] = [];
  for (const list of byUser) {
    list.sort((a, b) => a.time - b.time || a.line - b.line);
    sequences.push(Int32Array.from(list, (r) => r.item));
    timestamps.push(Float64Array.from(list, (r) => r.time));
  }
  const users = new Int32Array(numUsers);
  for (let u = 0; u < numUsers; u++) users[u] = u + 1;
  const numItems = data.rawItemIds.length - 1;
  return {
    name,
    dir,
    kind: 'amazon-reviews',
    users,
    sequences,
    numItems,
    numInteractions: data.reviews.length,
    // The 5-core review file has no titles (no meta file); the ASIN is the only readable name.
    itemNames: data.rawItemIds.map((a, i) => (i === 0 ? '' : `ASIN ${a}`)),
    rawItemIds: data.rawItemIds.slice(),
    rawUserIds: data.rawUserIds.slice(1),
    timestamps,
  };
}

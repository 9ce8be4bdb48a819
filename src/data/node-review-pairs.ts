// Node-only: the explanation pairs and language-model sentences of a review dataset (Musical
// Instruments), as user indices and dataset item ids. Shared by training (the explanation task) and
// evaluation (the explanation baselines), so both read the same split. Must not touch tfjs.
import { reviewSentences } from './explanations.ts';
import { loadExplanations } from './node-explanations.ts';
import { loadAmazonReviews } from './node-fs.ts';
import { PrepareError, trainingSequences } from './prepare.ts';
import type { ExplanationPair, InteractionDataset } from './types.ts';

/**
 * The explanation split of a review dataset in user-index / dataset-item space: split seed 1 whatever
 * the run's --seed is, so training (src/train/run.ts) and the explanation baselines (src/eval) see the
 * same pairs; the explanation baseline test checks it against a pack's references.
 */
export function reviewExplanationSplit(ds: InteractionDataset, dataDir?: string): { train: ExplanationPair[]; valid: ExplanationPair[]; test: ExplanationPair[] } {
  if (ds.kind !== 'amazon-reviews')
    throw new PrepareError(`${ds.name}: explanation pairs come from a review dataset (kind amazon-reviews, e.g. amazon-musical-instruments-5core); this one is ${ds.kind}.`);
  const loaded = loadExplanations(ds.dir, 1, dataDir ? { dataDir } : {});
  const index = new Map<number, number>();
  ds.users.forEach((id, u) => index.set(id, u));
  const conv = (rs: readonly { user: number; item: number; explanation: string }[]): ExplanationPair[] =>
    rs.filter((r) => index.has(r.user)).map((r) => ({ user: index.get(r.user)!, item: r.item, text: r.explanation }));
  return { train: conv(loaded.split.train), valid: conv(loaded.split.val), test: conv(loaded.split.test) };
}

/**
 * Language-model text for the explanation task (review datasets): every sentence (as targets are
 * written, reviewSentences) of every TRAINING review, with its user index and item: the reviews of
 * the explanation training pairs, and the reviews of items in a user's training part (the sequence
 * without its last two items) that are not validation or test explanation pairs. Validation and test
 * reviews never contribute.
 */
export function reviewLanguageSentences(ds: InteractionDataset, split: { valid: readonly ExplanationPair[]; test: readonly ExplanationPair[]; train: readonly ExplanationPair[] }, dataDir?: string): ExplanationPair[] {
  if (ds.kind !== 'amazon-reviews' || !ds.dir) return [];
  const index = new Map<number, number>();
  ds.users.forEach((id, u) => index.set(id, u));
  const key = (u: number, i: number): string => `${u}:${i}`;
  const held = new Set([...split.valid, ...split.test].map((p) => key(p.user, p.item)));
  const trainPairs = new Set(split.train.map((p) => key(p.user, p.item)));
  const trainingPart = trainingSequences(ds).map((s) => new Set(s));
  const out: ExplanationPair[] = [];
  for (const r of loadAmazonReviews(ds.dir, dataDir).reviews) {
    const u = index.get(r.user);
    if (u === undefined) continue;
    const k = key(u, r.item);
    if (held.has(k)) continue;
    if (!trainPairs.has(k) && !trainingPart[u]!.has(r.item)) continue;
    for (const text of reviewSentences(r.text)) out.push({ user: u, item: r.item, text });
  }
  return out;
}

// The paper's evaluation protocol on a trained model: sequential (all items, beam 20, 10 returned),
// top-n (1 positive + 99 FIXED negatives, ranked by sequence log-probability) and explanation
// (beam search, min length 10; BLEU-1/4, ROUGE-1/2/L). Batched across users. Returns metrics and one
// prediction row per user and task, with ids mapped back to the dataset's. Must not train or write files.
import { mulberry32 } from '../data/rng.ts';
import { disposeEncoderOutput, type EncoderOutput, type PeapodModel } from '../model/peapod.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import { splitWords } from '../model/tokenizer.ts';
import type { TaskName } from '../model/types.ts';
import { peapodDecoder } from '../model/generate/peapod-decoder.ts';
import { generateExplanations, recommendNext, type DecodingChange } from '../model/generate/recommend.ts';
import { rankCandidates } from '../model/generate/topn.ts';
import { historyInDecoder, sequentialDecoder, sequentialEncoderSample } from '../model/generate/sequential-decoder.ts';
import { catalogueCoverage, explanationMetrics, rankingMetrics, type RankingMetrics, type TextMetrics } from './metrics.ts';
import type { ExplanationPair } from '../data/types.ts';
import { collate, disposeBatch, toTensors, type Sample } from '../model/inputs/batch.ts';
import { disposeCollab, gatherCollab, type CollabTables } from '../model/inputs/collab.ts';
import { heldOutSequential, heldOutTopn } from '../model/inputs/heldout.ts';
import { atomicConstrainedNext } from './atomic-next.ts';
import { explanationQuality, type ExplanationQuality } from './explanation-quality.ts';

export interface EvalModel {
  model: PeapodModel;
  tok: Tokenizer;
  /** Sequences in the ids the model was trained with. */
  sequences: readonly Int32Array[];
  /** Dataset user id per user index (also the number in `user_{n}`). */
  userIds: ArrayLike<number>;
  numItems: number;
  collab: CollabTables;
  /** Neighbours attended over. */
  neighbours: number;
  /** Fixed 99 negatives per user for the split being evaluated. */
  negatives: readonly ArrayLike<number>[];
  /** Explanation pairs of the split being evaluated (training-id space). */
  explanations: readonly ExplanationPair[];
  /** Training-space item id -> dataset item id. */
  datasetItem: (item: number) => number;
}

export interface EvalOptions {
  split: 'test' | 'valid';
  tasks: TaskName[];
  /** Evaluate the first N users (0 = all); explanations: the first N pairs. */
  users: number;
  /** With users > 0: a seeded uniform sample of N users (sorted) instead of the first N. */
  sampleSeed?: number;
  constrained: boolean;
  batchSize: number;
  beamWidth: number;
  topK: number;
  maxInputTokens: number;
  /** Seed of the candidate order of top-n lists (fixed per user). */
  orderSeed: number;
  /** Explanations: block repeated n-grams of this size (0: off, the reference's decoding). */
  noRepeatNgram?: number;
  /** Explanations: decoding settings other than PAPER_PROTOCOL.explanation's (absent fields: the protocol's). */
  decoding?: DecodingChange;
  /** Add the model's output priors (config.composer.cfPrior / seqPrior) to the first decoded token; default true. false: the T5 alone. */
  priors?: boolean;
  /** Next-item: never return an item already in the input history (default false, as the paper's protocol; atomic ids, constrained decoding only). */
  excludeHistory?: boolean;
  onProgress?: (task: TaskName, done: number, total: number) => void;
}

export const DEFAULT_EVAL: Omit<EvalOptions, 'split' | 'tasks' | 'users'> = {
  constrained: true,
  batchSize: 32,
  beamWidth: 20,
  topK: 10,
  maxInputTokens: 128,
  orderSeed: 2022,
};

export type PredictionRow =
  | { task: 'sequential' | 'topn'; user: number; target: number; ranked: (number | null)[] }
  | { task: 'explanation'; user: number; item: number; reference: string; generated: string };

export interface RankingSummary {
  HR1: number;
  HR5: number;
  NDCG5: number;
  HR10: number;
  NDCG10: number;
  users: number;
}

export interface EvalMetrics {
  sequential?: RankingSummary & { invalidRate: number; coverage10: number };
  topn?: RankingSummary;
  explanation?: TextMetrics & { pairs: number; quality?: ExplanationQuality };
}

export interface EvalResult {
  metrics: EvalMetrics;
  predictions: PredictionRow[];
  seconds: Partial<Record<TaskName, number>>;
}

function summary(m: RankingMetrics): RankingSummary {
  return { HR1: m.hr[1]!, HR5: m.hr[5]!, NDCG5: m.ndcg[5]!, HR10: m.hr[10]!, NDCG10: m.ndcg[10]! , users: m.users };
}

/** Encodes a batch of bare-form samples with their collaborative prompt. The caller disposes. */
function encodeBatch(e: EvalModel, task: TaskName, samples: Sample[], maxInput: number, priors: boolean): EncoderOutput {
  const host = collate(e.tok, samples.map((s) => sequentialEncoderSample(e.model.config, s)), e.userIds, maxInput);
  const b = toTensors(host);
  const c = e.model.config.composer.collaborative ? gatherCollab(e.collab, samples.map((s) => s.user), e.neighbours) : null;
  const histories = task === 'sequential' ? samples.map((s) => (s.task === 'sequential' ? s.items : new Int32Array(0))) : undefined;
  const { prompt, attention, prior } = e.model.composePrompt(task, c, samples.length, histories, undefined, { priors });
  attention?.dispose();
  const enc = e.model.encode(b, prompt, false, prior);
  prompt.dispose();
  prior?.dispose();
  disposeBatch(b);
  if (c) disposeCollab(c);
  return enc;
}

/**
 * Batches of sample indices: consecutive runs of batchSize, or, `byLength` (the history form, whose
 * decoder prefix must have one length per batch), runs of samples with equal history length, in
 * order of first appearance. Every index appears once.
 */
export function sequentialBatches(samples: readonly Sample[], batchSize: number, byLength: boolean): number[][] {
  const groups = new Map<number, number[]>();
  samples.forEach((s, i) => {
    const key = byLength && s.task !== 'explanation' ? s.items.length : -1;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  });
  const out: number[][] = [];
  for (const g of groups.values()) for (let k = 0; k < g.length; k += batchSize) out.push(g.slice(k, k + batchSize));
  return out;
}

/**
 * The user indices evaluated: all, the first n, or (sampleSeed set) n drawn uniformly without
 * replacement by a seeded partial Fisher-Yates shuffle, sorted. The first users of P5's files are
 * not typical (e.g. Beauty's first 1,000 have under half the all-user item-kNN hit rate).
 */
export function evalUsers(total: number, n: number, sampleSeed?: number): Int32Array {
  if (!(n > 0) || n >= total) return Int32Array.from({ length: total }, (_, i) => i);
  if (sampleSeed === undefined) return Int32Array.from({ length: n }, (_, i) => i);
  const idx = Int32Array.from({ length: total }, (_, i) => i);
  const rng = mulberry32(sampleSeed);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng.next() * (total - i));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, n).sort();
}

/** Words as the reference metric code sees them: our tokenizer's split, lower-cased, space-joined. */
export function metricText(text: string): string {
  return splitWords(text.toLowerCase()).join(' ');
}

export async function evaluateModel(e: EvalModel, o: EvalOptions): Promise<EvalResult> {
  if (o.excludeHistory && !(o.constrained && e.tok.idScheme === 'atomic')) throw new Error('excludeHistory needs constrained decoding of atomic item ids (the pack\'s tokenizer and --constrained on).');
  const metrics: EvalMetrics = {};
  const predictions: PredictionRow[] = [];
  const seconds: Partial<Record<TaskName, number>> = {};
  const users = evalUsers(e.sequences.length, o.users, o.sampleSeed);
  const U = users.length;
  const userDatasetId = (u: number): number => e.userIds[u]!;

  if (o.tasks.includes('sequential')) {
    const t0 = performance.now();
    const ranked: (number | null)[][] = new Array(U);
    const targets = new Int32Array(U);
    let invalid = 0;
    let done = 0;
    const all = Array.from(users, (u) => heldOutSequential(e, u, o.split));
    for (const batch of sequentialBatches(all, o.batchSize, historyInDecoder(e.model.config))) {
      const samples: Sample[] = batch.map((i) => all[i]!);
      const enc = encodeBatch(e, 'sequential', samples, o.maxInputTokens, o.priors ?? true);
      try {
        const dec = sequentialDecoder(e.model, enc, e.tok, samples.map((s) => (s.task === 'explanation' ? [] : s.items)));
        const res =
          o.constrained && e.tok.idScheme === 'atomic'
            ? await atomicConstrainedNext(dec, e.tok, o.beamWidth, o.topK, o.excludeHistory ? samples.map((x) => (x.task === 'explanation' ? [] : x.items)) : undefined)
            : await recommendNext(dec, e.tok, { beamWidth: o.beamWidth, topK: o.topK, constrained: o.constrained, invalid: 'null' });
        res.forEach((r: { items: (number | null)[] }, k: number) => {
          const s = samples[k]!;
          if (s.task === 'explanation') return;
          ranked[batch[k]!] = r.items;
          targets[batch[k]!] = s.target;
          invalid += r.items.filter((x) => x === null).length;
        });
      } finally {
        disposeEncoderOutput(enc);
      }
      done += batch.length;
      o.onProgress?.('sequential', done, U);
    }
    const asNumbers = ranked.map((r) => r.map((x) => (x === null ? -1 : x)));
    const m = rankingMetrics(asNumbers, targets);
    metrics.sequential = { ...summary(m), invalidRate: invalid / Math.max(1, U * o.topK), coverage10: catalogueCoverage(asNumbers.map((r) => r.filter((x) => x > 0)), e.numItems, 10) };
    for (let u = 0; u < U; u++)
      predictions.push({ task: 'sequential', user: userDatasetId(users[u]!), target: e.datasetItem(targets[u]!), ranked: ranked[u]!.map((x) => (x === null ? null : e.datasetItem(x))) });
    seconds.sequential = (performance.now() - t0) / 1000;
  }

  if (o.tasks.includes('topn')) {
    const t0 = performance.now();
    const ranked: number[][] = [];
    const targets = new Int32Array(U);
    for (let start = 0; start < U; start += o.batchSize) {
      const samples: Sample[] = [];
      for (let u = start; u < Math.min(U, start + o.batchSize); u++) samples.push(heldOutTopn(e, users[u]!, o.split, e.negatives[users[u]!]!, o.orderSeed));
      const enc = encodeBatch(e, 'topn', samples, o.maxInputTokens, o.priors ?? true);
      try {
        const res = await rankCandidates(
          peapodDecoder(e.model, enc),
          e.tok,
          samples.map((s) => (s.task === 'explanation' ? [] : s.items)),
        );
        res.forEach((r, k) => {
          const s = samples[k]!;
          if (s.task === 'explanation') return;
          ranked.push(r.items.slice(0, o.topK));
          targets[start + k] = s.target;
        });
      } finally {
        disposeEncoderOutput(enc);
      }
      o.onProgress?.('topn', Math.min(U, start + o.batchSize), U);
    }
    metrics.topn = summary(rankingMetrics(ranked, targets));
    for (let u = 0; u < U; u++) predictions.push({ task: 'topn', user: userDatasetId(users[u]!), target: e.datasetItem(targets[u]!), ranked: ranked[u]!.map((x) => e.datasetItem(x)) });
    seconds.topn = (performance.now() - t0) / 1000;
  }

  if (o.tasks.includes('explanation') && e.explanations.length > 0) {
    const t0 = performance.now();
    const pairs = o.users > 0 ? e.explanations.slice(0, o.users) : e.explanations.slice();
    const refs: string[] = [];
    const hyps: string[] = [];
    const raw: string[] = [];
    for (let start = 0; start < pairs.length; start += o.batchSize) {
      const chunk = pairs.slice(start, start + o.batchSize);
      const samples: Sample[] = chunk.map((p) => ({ task: 'explanation', user: p.user, item: p.item, text: p.text, template: -1 }));
      const enc = encodeBatch(e, 'explanation', samples, o.maxInputTokens, o.priors ?? true);
      try {
        const res = await generateExplanations(peapodDecoder(e.model, enc), e.tok, { ...o.decoding, noRepeatNgram: o.noRepeatNgram ?? 0 });
        res.forEach((r, k) => {
          const p = chunk[k]!;
          refs.push(metricText(p.text));
          hyps.push(metricText(r.text));
          raw.push(r.text);
          predictions.push({ task: 'explanation', user: userDatasetId(p.user), item: e.datasetItem(p.item), reference: p.text, generated: r.text });
        });
      } finally {
        disposeEncoderOutput(enc);
      }
      o.onProgress?.('explanation', Math.min(pairs.length, start + o.batchSize), pairs.length);
    }
    metrics.explanation = { ...explanationMetrics(refs, hyps), pairs: pairs.length, quality: explanationQuality(raw) };
    seconds.explanation = (performance.now() - t0) / 1000;
  }
  return { metrics, predictions, seconds };
}

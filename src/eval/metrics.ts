// Evaluation metrics exactly as the PeaPOD/POD reference computes them (docs/method.md §3):
// HR@k / NDCG@k over generated ranked lists, corpus BLEU (TF-NMT `compute_bleu`), per-pair ROUGE-1/2/L
// F-scores (TF-NMT `rouge.py`, as used by P5/POD), plus catalogue coverage and novelty.
// Pure functions over plain arrays: no tensors, no I/O, no knowledge of how the lists were produced.
import { PeapodError } from '../errors.ts';

/** Base class so callers can tell bad metric input from programming errors. */
export class MetricInputError extends PeapodError {
  override name = 'MetricInputError';
  override readonly code: string = 'eval-metric-input';
}

/** Two parallel collections (lists vs targets, hypotheses vs references) have different lengths. */
export class MetricLengthMismatchError extends MetricInputError {
  override name = 'MetricLengthMismatchError';
  override readonly code = 'eval-metric-length-mismatch';
  constructor(what: string, left: string, leftLen: number, right: string, rightLen: number) {
    super(
      `${what}: ${left} has ${leftLen} entries but ${right} has ${rightLen}. ` +
        'Pass exactly one entry per test user / sentence pair, in the same order (use an empty list for a user with no output).',
    );
  }
}

/** A metric averaged over nothing is undefined; the caller has selected no users or sentences. */
export class EmptyEvaluationError extends MetricInputError {
  override name = 'EmptyEvaluationError';
  override readonly code = 'eval-empty-evaluation';
  constructor(what: string) {
    super(`${what}: there is nothing to average over (0 users / sentence pairs). Check the test split you evaluate.`);
  }
}

/** k must be a positive integer. */
export class InvalidCutoffError extends MetricInputError {
  override name = 'InvalidCutoffError';
  override readonly code = 'eval-invalid-cutoff';
  constructor(what: string, k: number) {
    super(`${what}: cutoff k=${k} is not a positive integer. Use k >= 1 (the reference reports 1, 5 and 10).`);
  }
}

export const DEFAULT_CUTOFFS: readonly number[] = [1, 5, 10];

// ---- ranking ------------------------------------------------------------------------------------

/**
 * 0-based position of the first occurrence of `target` in `ranked`, or -1.
 * Duplicates keep their slot (a repeated id wastes a position, as in the generated beam list) but
 * only the first occurrence can score: the reference's `evaluate_hr` would count a duplicated hit
 * twice (HR > 1 for that user), which we treat as a bug, not a definition.
 */
export function rankOf(ranked: ArrayLike<number>, target: number): number {
  for (let i = 0; i < ranked.length; i++) if (ranked[i] === target) return i;
  return -1;
}

/** Gain of a hit at 0-based rank r: 1/log2(r+2) (rank 0 -> 1). */
export function rankGain(rank: number): number {
  return 1 / Math.log2(rank + 2);
}

export interface RankingMetrics {
  /** HR@k averaged over all users, keyed by k. */
  hr: Record<number, number>;
  /** NDCG@k averaged over all users, keyed by k. With one relevant item the ideal DCG is 1. */
  ndcg: Record<number, number>;
  users: number;
}

function checkCutoffs(what: string, ks: readonly number[]): void {
  for (const k of ks) if (!Number.isInteger(k) || k < 1) throw new InvalidCutoffError(what, k);
}

/**
 * HR@k and NDCG@k for one held-out item per user. `ranked[u]` is user u's generated list (any
 * length; an empty list or `undefined` is a miss), `targets[u]` the held-out item. The average runs
 * over all users, so users without output count 0 — the reference divides by the number of test users.
 */
export function rankingMetrics(
  ranked: readonly (ArrayLike<number> | undefined)[],
  targets: ArrayLike<number>,
  ks: readonly number[] = DEFAULT_CUTOFFS,
): RankingMetrics {
  const what = 'rankingMetrics';
  if (ranked.length !== targets.length) throw new MetricLengthMismatchError(what, 'ranked lists', ranked.length, 'targets', targets.length);
  if (targets.length === 0) throw new EmptyEvaluationError(what);
  checkCutoffs(what, ks);
  const hr: Record<number, number> = {};
  const ndcg: Record<number, number> = {};
  for (const k of ks) {
    hr[k] = 0;
    ndcg[k] = 0;
  }
  for (let u = 0; u < targets.length; u++) {
    const list = ranked[u];
    if (!list) continue;
    const r = rankOf(list, targets[u]!);
    if (r < 0) continue;
    const g = rankGain(r);
    for (const k of ks) {
      if (r < k) {
        hr[k]! += 1;
        ndcg[k]! += g;
      }
    }
  }
  for (const k of ks) {
    hr[k]! /= targets.length;
    ndcg[k]! /= targets.length;
  }
  return { hr, ndcg, users: targets.length };
}

export function hitRate(ranked: readonly (ArrayLike<number> | undefined)[], targets: ArrayLike<number>, k: number): number {
  return rankingMetrics(ranked, targets, [k]).hr[k]!;
}

export function ndcg(ranked: readonly (ArrayLike<number> | undefined)[], targets: ArrayLike<number>, k: number): number {
  return rankingMetrics(ranked, targets, [k]).ndcg[k]!;
}

// ---- beyond accuracy ----------------------------------------------------------------------------

function firstK(list: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < list.length && i < k; i++) {
    const v = list[i]!;
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

/**
 * Distinct valid items among everyone's top-k, divided by the catalogue size. Items are ids in
 * [firstId, firstId + catalogueSize); anything else (an invalid generated id) is ignored.
 */
export function catalogueCoverage(
  ranked: readonly (ArrayLike<number> | undefined)[],
  catalogueSize: number,
  k = 10,
  firstId = 1,
): number {
  checkCutoffs('catalogueCoverage', [k]);
  if (!(catalogueSize > 0)) throw new MetricInputError(`catalogueCoverage: catalogue size ${catalogueSize} must be positive.`);
  const seen = new Set<number>();
  for (const list of ranked) {
    if (!list) continue;
    for (const v of firstK(list, k)) if (v >= firstId && v < firstId + catalogueSize) seen.add(v);
  }
  return seen.size / catalogueSize;
}

/**
 * Mean self-information -log2(share_i) of the recommended items (top-k, first occurrences, valid ids
 * only), where share_i = (count_i + 1) / (total + n) is item i's add-one-smoothed share of the
 * training interactions (`itemCounts[i]`, n = itemCounts.length). Smoothing keeps never-seen items
 * finite; higher = less popular recommendations. Returns 0 when nothing valid was recommended.
 */
export function novelty(ranked: readonly (ArrayLike<number> | undefined)[], itemCounts: ArrayLike<number>, k = 10): number {
  checkCutoffs('novelty', [k]);
  const n = itemCounts.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += itemCounts[i]!;
  let sum = 0;
  let count = 0;
  for (const list of ranked) {
    if (!list) continue;
    for (const v of firstK(list, k)) {
      if (!Number.isInteger(v) || v < 0 || v >= n) continue;
      sum += -Math.log2((itemCounts[v]! + 1) / (total + n));
      count++;
    }
  }
  return count ? sum / count : 0;
}

// ---- text ---------------------------------------------------------------------------------------

/** Python's `str.split()`: split on runs of whitespace, drop empty pieces (POD's `ids2tokens`). */
export function whitespaceTokens(text: string): string[] {
  return text.split(/\s+/).filter((t) => t.length > 0);
}

export interface BleuResult {
  /** x100, as the reference reports it. */
  bleu: number;
  precisions: number[];
  brevityPenalty: number;
  /** hypothesis length / reference length. */
  ratio: number;
  hypothesisLength: number;
  referenceLength: number;
}

function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let order = 1; order <= maxOrder; order++) {
    for (let i = 0; i + order <= tokens.length; i++) {
      // \u0001 cannot occur inside a whitespace-split token, so the join is unambiguous; the order
      // prefix keeps n-grams of different length apart.
      const key = order + '\u0001' + tokens.slice(i, i + order).join('\u0001');
      m.set(key, (m.get(key) ?? 0) + 1);
    }
  }
  return m;
}

/**
 * Corpus BLEU as TF-NMT `compute_bleu(max_order, smooth=False)` with one reference per hypothesis:
 * clipped n-gram matches summed over the corpus, geometric mean of the per-order precisions (0 if any
 * is 0), brevity penalty exp(1 - r/c) when c <= r. BLEU-1 is maxOrder 1. Where Python would divide by
 * zero (an all-empty hypothesis corpus, or all-empty references) we return 0 / take bp = 1.
 */
export function corpusBleu(references: readonly (readonly string[])[], hypotheses: readonly (readonly string[])[], maxOrder = 4): BleuResult {
  const what = `corpusBleu(maxOrder=${maxOrder})`;
  if (references.length !== hypotheses.length) throw new MetricLengthMismatchError(what, 'references', references.length, 'hypotheses', hypotheses.length);
  if (references.length === 0) throw new EmptyEvaluationError(what);
  checkCutoffs(what, [maxOrder]);
  const matches = new Array<number>(maxOrder).fill(0);
  const possible = new Array<number>(maxOrder).fill(0);
  let refLen = 0;
  let hypLen = 0;
  for (let s = 0; s < references.length; s++) {
    const ref = references[s]!;
    const hyp = hypotheses[s]!;
    refLen += ref.length;
    hypLen += hyp.length;
    const refCounts = ngramCounts(ref, maxOrder);
    for (const [key, c] of ngramCounts(hyp, maxOrder)) {
      const r = refCounts.get(key);
      if (r) matches[Number(key.slice(0, key.indexOf('\u0001'))) - 1]! += Math.min(c, r);
    }
    for (let order = 1; order <= maxOrder; order++) {
      const p = hyp.length - order + 1;
      if (p > 0) possible[order - 1]! += p;
    }
  }
  const precisions = matches.map((m, i) => (possible[i]! > 0 ? m / possible[i]! : 0));
  const geoMean = Math.min(...precisions) > 0 ? Math.exp(precisions.reduce((a, p) => a + Math.log(p) / maxOrder, 0)) : 0;
  const ratio = refLen > 0 ? hypLen / refLen : Infinity;
  const bp = ratio > 1 ? 1 : ratio > 0 ? Math.exp(1 - 1 / ratio) : 0;
  return { bleu: geoMean * bp * 100, precisions, brevityPenalty: bp, ratio, hypothesisLength: hypLen, referenceLength: refLen };
}

export interface PrecisionRecallF {
  f: number;
  p: number;
  r: number;
}

/**
 * rouge.py joins the tokens with single spaces and splits again on " ", so an empty token list
 * becomes one empty-string token (two empty sentences therefore "match"). Reproduced on purpose.
 */
function rougeWords(tokens: readonly string[]): readonly string[] {
  return tokens.length ? tokens : [''];
}

function ngramSet(words: readonly string[], n: number): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) s.add(words.slice(i, i + n).join('\u0001'));
  return s;
}

/** ROUGE-N of one pair as rouge.py `rouge_n`: n-gram *sets* (not counts), F = 2PR/(P+R+1e-8). */
export function rougeN(hypothesis: readonly string[], reference: readonly string[], n: number): PrecisionRecallF {
  checkCutoffs('rougeN', [n]);
  const hyp = ngramSet(rougeWords(hypothesis), n);
  const ref = ngramSet(rougeWords(reference), n);
  let overlap = 0;
  for (const g of hyp) if (ref.has(g)) overlap++;
  const p = hyp.size === 0 ? 0 : overlap / hyp.size;
  const r = ref.size === 0 ? 0 : overlap / ref.size;
  return { f: 2 * ((p * r) / (p + r + 1e-8)), p, r };
}

export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * Sentence-level ROUGE-L as rouge.py `rouge_l_sentence_level`/`_f_p_r_lcs`: R = lcs/|ref|,
 * P = lcs/|hyp|, beta = P/(R+1e-12), F = (1+beta^2) R P / (R + beta^2 P + 1e-12). Note beta is
 * P/R, not a constant, so F is not the harmonic mean (it equals (R^2+P^2)RP/(R^3+P^3)).
 */
export function rougeL(hypothesis: readonly string[], reference: readonly string[]): PrecisionRecallF {
  const hyp = rougeWords(hypothesis);
  const ref = rougeWords(reference);
  const lcs = lcsLength(hyp, ref);
  const r = lcs / ref.length;
  const p = lcs / hyp.length;
  const beta = p / (r + 1e-12);
  const num = (1 + beta * beta) * r * p;
  const den = r + beta * beta * p;
  return { f: num / (den + 1e-12), p, r };
}

export interface RougeScores {
  /** Mean per-pair F-scores, x100. */
  rouge1: number;
  rouge2: number;
  rougeL: number;
}

/** rouge.py `rouge(hypotheses, references)`: per-pair F-scores averaged over pairs, x100. */
export function corpusRouge(references: readonly (readonly string[])[], hypotheses: readonly (readonly string[])[]): RougeScores {
  const what = 'corpusRouge';
  if (references.length !== hypotheses.length) throw new MetricLengthMismatchError(what, 'references', references.length, 'hypotheses', hypotheses.length);
  if (references.length === 0) throw new EmptyEvaluationError(what);
  let r1 = 0;
  let r2 = 0;
  let rl = 0;
  for (let i = 0; i < references.length; i++) {
    r1 += rougeN(hypotheses[i]!, references[i]!, 1).f;
    r2 += rougeN(hypotheses[i]!, references[i]!, 2).f;
    rl += rougeL(hypotheses[i]!, references[i]!).f;
  }
  const n = references.length;
  return { rouge1: (r1 / n) * 100, rouge2: (r2 / n) * 100, rougeL: (rl / n) * 100 };
}

export interface TextMetrics extends RougeScores {
  bleu1: number;
  bleu4: number;
}

/** All explanation metrics from raw strings, tokenised like POD (`decode(...).split()`). */
export function explanationMetrics(references: readonly string[], hypotheses: readonly string[]): TextMetrics {
  const refs = references.map(whitespaceTokens);
  const hyps = hypotheses.map(whitespaceTokens);
  return {
    bleu1: corpusBleu(refs, hyps, 1).bleu,
    bleu4: corpusBleu(refs, hyps, 4).bleu,
    ...corpusRouge(refs, hyps),
  };
}

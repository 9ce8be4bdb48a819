// Beam search and greedy decoding over a DecoderSession. All live beams of all examples advance with
// one session.step per step (reorder gathers the surviving rows), and each step reads back exactly one
// tensor (log-probs, or their per-row top-k). Scores are sums of log-probabilities; an optional
// length penalty divides by length^alpha (off for item ids, where it would favour long ids); early
// stopping and beam groups with a diversity penalty follow Hugging Face's beam search.
// Owns no model: it must not know about T5, prompts or the tokenizer.
import * as tf from '@tensorflow/tfjs-core';
import { GenerationAbortedError, GenerationInputError } from '../errors.ts';
import type { DecodeOptions, DecoderSession, Hypothesis, StepEvent, TokenConstraint } from './types.ts';

/**
 * Row vector adding a large negative number at </s>. Built on the host: tf.oneHot with -Infinity
 * yields NaN rows on webgpu (off-value maths gives -Infinity * 0) and garbage on wasm 4.22 (float32
 * oneHot writes integer bit patterns), after which topk returns indices outside the vocabulary.
 */
function eosBanMask(V: number, eos: number): tf.Tensor1D {
  const m = new Float32Array(V);
  m[eos] = -1e9;
  return tf.tensor1d(m);
}

export interface BeamSearchOptions extends DecodeOptions {
  beamWidth: number;
  /** Hypotheses returned per example (default beamWidth, at most beamWidth). */
  numReturn?: number;
  /** alpha in score = logProb / length^alpha (length counts </s>). Default 0 = plain log-probability. */
  lengthPenalty?: number;
  /**
   * true: an example's search ends as soon as it holds beamWidth finished hypotheses, the best of
   * them by score winning (Hugging Face's early_stopping=True, which the reference's explanation
   * decoding uses). false (default): it ends only when no live beam can still beat the numReturn
   * best finished ones, an exact bound that with a length penalty runs close to maxLength.
   */
  earlyStopping?: boolean;
  /**
   * Group beam search (Vijayakumar et al.; Hugging Face's num_beam_groups): the beamWidth beams are
   * split into this many groups of beamWidth / groups, each a beam search of its own started from
   * the empty sentence; at every step the groups choose in turn, and a token chosen by an earlier
   * group at this step costs diversityPenalty per choice. Default 1 (plain beam search). With
   * diversityPenalty 0 the groups stay identical, so the result is that of a beamWidth / groups
   * search.
   */
  groups?: number;
  /** Hamming diversity penalty between groups (subtracted from the ranking score, not the log-probability). Default 0. */
  diversityPenalty?: number;
  /**
   * Where the top candidates are picked. 'tf': tf.topk per row on the backend, reading back
   * [rows, 2*beamWidth]; 'js': read back all log-probs [rows, V] and select in JS (needed by
   * constraints, which then only visit allowed tokens). Default: 'tf' unconstrained, 'js' constrained.
   */
  selection?: 'tf' | 'js';
}

interface Beam {
  tokens: number[];
  logProb: number;
  /** Diversity penalties paid so far (group beam search); ranking uses logProb - penalty. */
  penalty: number;
  /** Group of this beam (0 without groups; -1 for the empty start, which every group expands). */
  group: number;
  state: unknown;
}

/** Fixed-capacity list of the best candidates, kept sorted descending; insert is O(k) but rare. */
class TopCandidates {
  readonly score: Float64Array;
  readonly beam: Int32Array;
  readonly token: Int32Array;
  size = 0;
  constructor(readonly capacity: number) {
    this.score = new Float64Array(capacity);
    this.beam = new Int32Array(capacity);
    this.token = new Int32Array(capacity);
  }
  /** Lowest score that still gets in. */
  get threshold(): number {
    return this.size < this.capacity ? -Infinity : this.score[this.size - 1]!;
  }
  push(score: number, beam: number, token: number): void {
    if (score === -Infinity || (this.size === this.capacity && score <= this.score[this.size - 1]!)) return;
    let i = this.size < this.capacity ? this.size++ : this.capacity - 1;
    // Ties keep the earlier (beam, token) first so results do not depend on insertion details.
    while (i > 0 && this.score[i - 1]! < score) {
      this.score[i] = this.score[i - 1]!;
      this.beam[i] = this.beam[i - 1]!;
      this.token[i] = this.token[i - 1]!;
      i--;
    }
    this.score[i] = score;
    this.beam[i] = beam;
    this.token[i] = token;
  }
}

function checkOptions(o: DecodeOptions, vocab: number): void {
  if (!Number.isInteger(o.maxLength) || o.maxLength < 1) throw new GenerationInputError(`maxLength must be a positive integer, got ${o.maxLength}.`);
  const min = o.minLength ?? 0;
  if (!Number.isInteger(min) || min < 0 || min >= o.maxLength) throw new GenerationInputError(`minLength must be an integer in [0, maxLength), got ${min} with maxLength ${o.maxLength}.`);
  const eos = o.eosId ?? 1;
  if (eos < 0 || eos >= vocab) throw new GenerationInputError(`eosId ${eos} is outside the vocabulary (size ${vocab}).`);
}

function checkLogits(logits: tf.Tensor, rows: number, vocab: number, step: number): void {
  if (logits.rank !== 2 || logits.shape[0] !== rows || logits.shape[1] !== vocab) {
    logits.dispose();
    throw new GenerationInputError(`decoder step ${step} returned logits of shape [${logits.shape.join(', ')}]; expected [${rows}, ${vocab}] (one row per live hypothesis).`);
  }
}

function checkTopK(packed: tf.Tensor, rows: number, k: number, step: number): void {
  if (packed.rank !== 2 || packed.shape[0] !== rows || packed.shape[1] !== 2 * k) {
    packed.dispose();
    throw new GenerationInputError(`decoder step ${step} returned top-k of shape [${packed.shape.join(', ')}]; expected [${rows}, ${2 * k}].`);
  }
}

function hypothesis(tokens: number[], logProb: number, finished: boolean, alpha: number, penalty = 0): Hypothesis {
  const length = tokens.length + (finished ? 1 : 0);
  const ranked = logProb - penalty;
  return { tokens: Int32Array.from(tokens), logProb, score: alpha === 0 ? ranked : ranked / Math.max(length, 1) ** alpha, finished };
}

function byScore(a: Hypothesis, b: Hypothesis): number {
  return b.score - a.score;
}

/**
 * Beam search for every example of the session (one row per example on entry). Returns, per example,
 * up to numReturn hypotheses sorted by score (best first). Takes ownership of the session and disposes
 * it, also on error or abort.
 */
export async function beamSearch(session: DecoderSession, opts: BeamSearchOptions): Promise<Hypothesis[][]> {
  try {
    return await runBeamSearch(session, opts);
  } finally {
    session.dispose();
  }
}

async function runBeamSearch(session: DecoderSession, opts: BeamSearchOptions): Promise<Hypothesis[][]> {
  const V = session.vocabSize;
  checkOptions(opts, V);
  const W = opts.beamWidth;
  if (!Number.isInteger(W) || W < 1) throw new GenerationInputError(`beamWidth must be a positive integer, got ${W}.`);
  const numReturn = Math.min(opts.numReturn ?? W, W);
  const alpha = opts.lengthPenalty ?? 0;
  const eos = opts.eosId ?? 1;
  const start = opts.startId ?? 0;
  const minLength = opts.minLength ?? 0;
  const constraint: TokenConstraint | null = opts.constraint ?? null;
  const ngram = opts.noRepeatNgram ?? 0;
  if (!Number.isInteger(ngram) || ngram < 0) throw new GenerationInputError(`noRepeatNgram must be a non-negative integer, got ${ngram}.`);
  const G = opts.groups ?? 1;
  if (!Number.isInteger(G) || G < 1 || W % G !== 0) throw new GenerationInputError(`groups must be a positive integer that divides beamWidth ${W}, got ${G}.`);
  const lambda = opts.diversityPenalty ?? 0;
  if (!(lambda >= 0)) throw new GenerationInputError(`diversityPenalty must be >= 0, got ${lambda}.`);
  const GW = W / G; // beams per group
  // Blocked n-grams are skipped while scanning a row, and diversity penalties reorder a row's tokens,
  // so those scans must see every token, not a top-k.
  const selection = constraint || ngram > 0 || G > 1 ? 'js' : (opts.selection ?? 'tf');
  const B = session.rows;
  // 2GW candidates per group guarantee GW live beams even if GW of them end with </s>; no row can
  // contribute more than its best min(2GW, V).
  const capacity = 2 * GW;
  const K = Math.min(capacity, V);

  // One row per example to start (the session's); every group expands it (group -1: all groups).
  let live: Beam[][] = Array.from({ length: B }, () => [{ tokens: [], logProb: 0, penalty: 0, group: G > 1 ? -1 : 0, state: constraint ? constraint.root() : null }]);
  const finished: Hypothesis[][] = Array.from({ length: B }, () => []);
  const done: boolean[] = new Array<boolean>(B).fill(false);

  for (let step = 0; step < opts.maxLength; step++) {
    if (opts.signal?.aborted) throw new GenerationAbortedError(step);
    // Rows are laid out example by example, beam by beam.
    const rowBeams: Beam[] = [];
    const exampleStart: number[] = [];
    for (let b = 0; b < B; b++) {
      exampleStart.push(rowBeams.length);
      if (!done[b]) rowBeams.push(...live[b]!);
    }
    exampleStart.push(rowBeams.length);
    const R = rowBeams.length;
    if (R === 0) break;
    const input = Int32Array.from(rowBeams, (bm) => (bm.tokens.length ? bm.tokens[bm.tokens.length - 1]! : start));
    const eosBanned = step < minLength;
    const fusedTop = selection === 'tf' && session.stepTopK ? session.stepTopK(input, K, { eos, banned: eosBanned }) : null;
    const logits = fusedTop ?? session.step(input);
    if (fusedTop) checkTopK(fusedTop, R, K, step);
    else checkLogits(logits, R, V, step);

    // Per-row candidate lists: either full logit rows or their top-K. log p = logit - logsumexp(row):
    // the top-K of a row's logits are the top-K of its log-probs, so no [R, V] log-softmax tensor is
    // materialised (that pass cost as much as the rest of the selection on wasm and cpu).
    let full: Float32Array | null = null;
    let rowLse: Float32Array | null = null;
    let topVals: Float32Array | null = null;
    let topIdx: Int32Array | null = null;
    if (selection === 'js') {
      const lse = tf.tidy(() => tf.logSumExp(logits, 1));
      try {
        [full, rowLse] = (await Promise.all([logits.data(), lse.data()])) as [Float32Array, Float32Array];
      } finally {
        logits.dispose();
        lse.dispose();
      }
    } else {
      const packed = fusedTop ?? tf.tidy(() => {
        const lse = tf.logSumExp(logits, 1, true);
        const ranked = eosBanned ? tf.add(logits, eosBanMask(V, eos)) : logits;
        const { values, indices } = tf.topk(ranked, K, true);
        // One read-back: log-probs and indices side by side (indices < 2^24 are exact in float32).
        return tf.concat([tf.sub(values, lse), tf.cast(indices, 'float32')], 1);
      });
      if (!fusedTop) logits.dispose();
      const data = (await packed.data()) as Float32Array;
      packed.dispose();
      topVals = new Float32Array(R * K);
      topIdx = new Int32Array(R * K);
      for (let r = 0; r < R; r++) {
        topVals.set(data.subarray(r * 2 * K, r * 2 * K + K), r * K);
        for (let j = 0; j < K; j++) topIdx[r * K + j] = data[r * 2 * K + K + j]!;
      }
    }

    const nextLive: Beam[][] = live.map(() => []);
    const keepRows: number[] = [];
    const lastStep = step === opts.maxLength - 1;
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;
      const kept: Beam[] = [];
      // Tokens the earlier groups chose at this step (group beam search's Hamming diversity).
      const chosen = lambda > 0 && G > 1 ? new Map<number, number>() : null;
      for (let g = 0; g < G; g++) {
        const top = new TopCandidates(capacity);
        for (let r = exampleStart[b]!; r < exampleStart[b + 1]!; r++) {
          const beam = rowBeams[r]!;
          if (beam.group !== g && beam.group !== -1) continue;
          const blocked = ngram > 0 ? blockedNext(beam.tokens, ngram) : null;
          const ranked = beam.logProb - beam.penalty;
          if (full) {
            const base = ranked - rowLse![r]!;
            const off = r * V;
            // Hot loop (V tokens per row): no closure, and the penalty lookup only with groups.
            if (constraint) {
              const allowed = constraint.allowed(beam.state);
              for (let j = 0; j < allowed.length; j++) {
                const t = allowed[j]!;
                if ((t === eos && eosBanned) || blocked?.has(t)) continue;
                const s = base + full[off + t]! - (chosen ? lambda * (chosen.get(t) ?? 0) : 0);
                if (s > top.threshold) top.push(s, r, t);
              }
            } else if (chosen) {
              for (let t = 0; t < V; t++) {
                const s = base + full[off + t]! - lambda * (chosen.get(t) ?? 0);
                if (s > top.threshold && !(t === eos && eosBanned) && !blocked?.has(t)) top.push(s, r, t);
              }
            } else {
              for (let t = 0; t < V; t++) {
                const s = base + full[off + t]!;
                if (s > top.threshold && !(t === eos && eosBanned) && !blocked?.has(t)) top.push(s, r, t);
              }
            }
          } else {
            const off = r * K;
            for (let j = 0; j < K; j++) {
              const s = ranked + topVals![off + j]!;
              if (s <= top.threshold) break; // the row's list is sorted
              const t = topIdx![off + j]!;
              // The ban mask is finite (see eosBanMask), so a banned </s> can still reach a short list.
              if (t === eos && eosBanned) continue;
              top.push(s, r, t);
            }
          }
        }
        let keptInGroup = 0;
        for (let i = 0; i < top.size; i++) {
          const r = top.beam[i]!;
          const t = top.token[i]!;
          const parent = rowBeams[r]!;
          // The candidate's ranking score is its log-probability less the penalties paid; keep them apart.
          const penalty = parent.penalty + (chosen ? lambda * (chosen.get(t) ?? 0) : 0);
          const logProb = top.score[i]! + penalty;
          if (t === eos) {
            // As in HF's beam search: </s> only counts when it ranks among the top GW expansions of
            // its group, which makes beamWidth 1 exactly greedy decoding.
            if (i < GW) finished[b]!.push(hypothesis(parent.tokens, logProb, true, alpha, penalty));
            continue;
          }
          if (keptInGroup >= GW) continue;
          keptInGroup++;
          const state = constraint ? constraint.next(parent.state, t) : null;
          kept.push({ tokens: [...parent.tokens, t], logProb, penalty, group: g, state });
          keepRows.push(r);
        }
        if (chosen) {
          for (const bm of kept) {
            const t = bm.tokens[bm.tokens.length - 1]!;
            if (bm.group === g) chosen.set(t, (chosen.get(t) ?? 0) + 1);
          }
        }
      }
      if (lastStep) for (const bm of kept) finished[b]!.push(hypothesis(bm.tokens, bm.logProb, false, alpha, bm.penalty));
      nextLive[b] = kept;
      done[b] = lastStep || kept.length === 0 || (opts.earlyStopping ? finished[b]!.length >= W : searchOver(finished[b]!, kept, numReturn, alpha, opts.maxLength));
    }
    live = nextLive;

    if (opts.onStep) opts.onStep(stepEvent(step, live, finished, done, alpha));
    if (done.every(Boolean)) break;
    // Drop rows of finished examples and of dead beams; skip the gather when nothing moved.
    const rows: number[] = [];
    let r0 = 0;
    for (let b = 0; b < B; b++) {
      const n = live[b]!.length;
      if (!done[b]) rows.push(...keepRows.slice(r0, r0 + n));
      r0 += n;
    }
    if (rows.length !== R || rows.some((r, i) => r !== i)) session.reorder(Int32Array.from(rows));
  }
  return finished.map((list) => list.sort(byScore).slice(0, numReturn));
}

/**
 * Tokens that would complete an n-gram already in `tokens` (n = `n`): for every earlier occurrence of
 * the last n-1 tokens, the token that followed it. </s> is never among them (it is not in `tokens`).
 */
export function blockedNext(tokens: readonly number[], n: number): Set<number> | null {
  const L = tokens.length;
  if (L < n - 1 || n < 1) return null;
  const out = new Set<number>();
  // Start positions i of an earlier (n-1)-gram equal to the suffix tokens[L-n+1 .. L-1].
  for (let i = 0; i + n - 1 < L; i++) {
    let same = true;
    for (let k = 0; k < n - 1 && same; k++) same = tokens[i + k] === tokens[L - n + 1 + k];
    if (same) out.add(tokens[i + n - 1]!);
  }
  return out.size ? out : null;
}

/**
 * True once the numReturn best finished hypotheses cannot be beaten by any live beam. Log-probs only
 * fall as a beam grows, so a live beam's best reachable score is logProb / maxLength^alpha (for
 * alpha >= 0 and logProb <= 0): an exact bound, not a heuristic.
 */
function searchOver(finished: Hypothesis[], live: Beam[], numReturn: number, alpha: number, maxLength: number): boolean {
  if (finished.length < numReturn) return false;
  finished.sort(byScore);
  const worstKept = finished[numReturn - 1]!.score;
  let bestLive = -Infinity;
  // Penalties only grow, so logProb - penalty bounds a beam's future ranking score too.
  for (const bm of live) bestLive = Math.max(bestLive, alpha === 0 ? bm.logProb - bm.penalty : (bm.logProb - bm.penalty) / maxLength ** alpha);
  return bestLive <= worstKept;
}

function stepEvent(step: number, live: Beam[][], finished: Hypothesis[][], done: boolean[], alpha: number): StepEvent {
  const best = live.map((beams, b) => {
    let top: Hypothesis | null = null;
    for (const h of finished[b]!) if (!top || h.score > top.score) top = h;
    const first = beams[0];
    if (first && !done[b]) {
      const h = hypothesis(first.tokens, first.logProb, false, alpha, first.penalty);
      if (!top || h.score > top.score) top = h;
    }
    return top;
  });
  return { step, best, done: [...done] };
}

/**
 * Greedy decoding: the most likely token at every step (respecting minLength and the constraint).
 * Equals beamSearch with beamWidth 1. Finished rows are dropped from the session. Takes ownership of
 * the session.
 */
export async function greedyDecode(session: DecoderSession, opts: DecodeOptions): Promise<Hypothesis[]> {
  try {
    return await runGreedy(session, opts);
  } finally {
    session.dispose();
  }
}

async function runGreedy(session: DecoderSession, opts: DecodeOptions): Promise<Hypothesis[]> {
  const V = session.vocabSize;
  checkOptions(opts, V);
  if (opts.noRepeatNgram) throw new GenerationInputError('noRepeatNgram is a beam search option: use beamSearch with beamWidth 1 for greedy decoding with it.');
  const eos = opts.eosId ?? 1;
  const start = opts.startId ?? 0;
  const minLength = opts.minLength ?? 0;
  const constraint = opts.constraint ?? null;
  const B = session.rows;
  const tokens: number[][] = Array.from({ length: B }, () => []);
  const logProb = new Float64Array(B);
  const states: unknown[] = Array.from({ length: B }, () => (constraint ? constraint.root() : null));
  const result: (Hypothesis | null)[] = new Array<Hypothesis | null>(B).fill(null);
  let active = Array.from({ length: B }, (_, b) => b); // example of each session row

  for (let step = 0; step < opts.maxLength && active.length; step++) {
    if (opts.signal?.aborted) throw new GenerationAbortedError(step);
    const input = Int32Array.from(active, (b) => (tokens[b]!.length ? tokens[b]![tokens[b]!.length - 1]! : start));
    const eosBanned = step < minLength;
    const fusedTop = !constraint && session.stepTopK ? session.stepTopK(input, 1, { eos, banned: eosBanned }) : null;
    const logits = fusedTop ?? session.step(input);
    if (fusedTop) checkTopK(fusedTop, active.length, 1, step);
    else checkLogits(logits, active.length, V, step);
    const picked: { token: number; lp: number }[] = [];
    if (constraint) {
      const lse = tf.tidy(() => tf.logSumExp(logits, 1));
      let data: Float32Array;
      let lseData: Float32Array;
      try {
        [data, lseData] = (await Promise.all([logits.data(), lse.data()])) as [Float32Array, Float32Array];
      } finally {
        logits.dispose();
        lse.dispose();
      }
      active.forEach((b, r) => {
        let best = -1;
        let bestLp = -Infinity;
        for (const t of constraint.allowed(states[b])) {
          if (t === eos && eosBanned) continue;
          const v = data[r * V + t]!;
          if (v > bestLp) {
            bestLp = v;
            best = t;
          }
        }
        picked.push({ token: best, lp: bestLp - lseData[r]! });
      });
    } else {
      const packed = fusedTop ?? tf.tidy(() => {
        const lse = tf.logSumExp(logits, 1, true);
        const ranked = eosBanned ? tf.add(logits, eosBanMask(V, eos)) : logits;
        const { values, indices } = tf.topk(ranked, 1, true);
        return tf.concat([tf.sub(values, lse), tf.cast(indices, 'float32')], 1);
      });
      if (!fusedTop) logits.dispose();
      const data = (await packed.data()) as Float32Array;
      packed.dispose();
      active.forEach((_, r) => picked.push({ token: data[r * 2 + 1]!, lp: data[r * 2]! }));
    }
    const still: number[] = [];
    const rows: number[] = [];
    active.forEach((b, r) => {
      const { token, lp } = picked[r]!;
      if (token < 0) {
        // The constraint left nothing (dead end): report what was generated, unfinished.
        result[b] = hypothesis(tokens[b]!, logProb[b]!, false, 0);
        return;
      }
      logProb[b] = logProb[b]! + lp;
      if (token === eos) {
        result[b] = hypothesis(tokens[b]!, logProb[b], true, 0);
        return;
      }
      tokens[b]!.push(token);
      if (constraint) states[b] = constraint.next(states[b], token);
      if (step === opts.maxLength - 1) {
        result[b] = hypothesis(tokens[b]!, logProb[b], false, 0);
        return;
      }
      still.push(b);
      rows.push(r);
    });
    if (opts.onStep) {
      const isDone = result.map((h) => h !== null);
      const best = result.map((h, b) => h ?? hypothesis(tokens[b]!, logProb[b]!, false, 0));
      opts.onStep({ step, best, done: isDone });
    }
    if (still.length && still.length !== active.length) session.reorder(Int32Array.from(rows));
    active = still;
  }
  return result.map((h, b) => h ?? hypothesis(tokens[b]!, logProb[b]!, false, 0));
}

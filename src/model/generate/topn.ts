// Top-n recommendation by scoring: rank the given candidates (1 positive + 99 negatives) of each example
// by the log-probability the decoder gives each candidate's token sequence. For the `atomic` scheme an
// item is one token, so one decoder step on the start token scores all candidates at once; for `p5`
// the candidates' prefix tree is decoded incrementally (item pieces + </s>), or optionally every
// candidate is teacher-forced in chunks. Reads back one tensor per decoder call; never generates.
import * as tf from '@tensorflow/tfjs-core';
import { GenerationInputError } from '../errors.ts';
import type { EncodedDecoder } from './types.ts';

export interface ItemTokenizer {
  readonly idScheme: 'atomic' | 'p5';
  readonly eosId: number;
  readonly padId: number;
  itemTokens(itemId: number): Int32Array;
}

export interface RankOptions {
  /**
   * Score only the first decoder step (the item's single token) — the default for `atomic`, where the
   * following </s> adds a term the model learns to push to ~0. Not allowed for `p5`.
   */
  firstStepOnly?: boolean;
  /**
   * How multi-token candidates are scored (both give the same scores). 'incremental' (default): one
   * cached session walks the candidates' prefix tree, projecting the encoder memory once per example
   * and gathering it into one row per open prefix. 'teacher-forced': decodeFull on every candidate
   * row, re-projecting the memory per row (~25 GFLOP per user for t5-small and 100 candidates).
   * Measured on wasm, t5-small, 100 candidates: 0.77 s vs 1.9 s CPU per user.
   */
  method?: 'incremental' | 'teacher-forced';
  /** Teacher-forced rows per chunk (bounds memory: rows x T x V logits). Default 256. */
  chunkRows?: number;
}

export interface RankedCandidates {
  /** Candidate item ids, best first (ties keep the given order). */
  items: number[];
  /** Their log-probabilities, same order. */
  scores: number[];
}

function sortCandidates(items: ArrayLike<number>, scores: Float64Array | Float32Array): RankedCandidates {
  const order = Array.from({ length: items.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return { items: order.map((i) => items[i]!), scores: order.map((i) => scores[i]!) };
}

/**
 * Ranks `candidates[b]` for every example b of `decoder`. Every candidate must be a catalogue item
 * (itemTokens throws otherwise).
 */
export async function rankCandidates(
  decoder: EncodedDecoder,
  tokenizer: ItemTokenizer,
  candidates: readonly ArrayLike<number>[],
  opts: RankOptions = {},
): Promise<RankedCandidates[]> {
  const B = decoder.batchSize;
  if (candidates.length !== B) throw new GenerationInputError(`rankCandidates got candidate lists for ${candidates.length} examples but the encoded batch has ${B}.`);
  const firstStepOnly = opts.firstStepOnly ?? tokenizer.idScheme === 'atomic';
  if (firstStepOnly && tokenizer.idScheme !== 'atomic') {
    throw new GenerationInputError('firstStepOnly needs the atomic id scheme: p5 items span several tokens; rank them teacher-forced instead.');
  }
  if (firstStepOnly) return rankFirstStep(decoder, tokenizer, candidates);
  return (opts.method ?? 'incremental') === 'incremental' ? rankIncremental(decoder, tokenizer, candidates) : rankTeacherForced(decoder, tokenizer, candidates, opts.chunkRows ?? 256);
}

interface PrefixNode {
  children: Map<number, PrefixNode>;
  /** Candidate positions (in the flat list) whose sequence ends here. */
  ends: number[];
  /** Log-probability of the path from the root to this node. */
  logProb: number;
}

/**
 * Walks the prefix tree of every example's candidate sequences (item tokens + </s>) level by level:
 * one session.step per level for all open prefixes of all examples, then a reorder that keeps one
 * row per child prefix that continues. Scores equal the teacher-forced sequence log-probabilities.
 */
async function rankIncremental(decoder: EncodedDecoder, tokenizer: ItemTokenizer, candidates: readonly ArrayLike<number>[]): Promise<RankedCandidates[]> {
  const V = decoder.vocabSize;
  const newNode = (): PrefixNode => ({ children: new Map(), ends: [], logProb: 0 });
  const roots = candidates.map(() => newNode());
  const flatCount = candidates.reduce((n, l) => n + l.length, 0);
  const scores = new Float64Array(flatCount);
  let pos = 0;
  candidates.forEach((list, b) => {
    for (let i = 0; i < list.length; i++, pos++) {
      let node = roots[b]!;
      for (const t of [...tokenizer.itemTokens(list[i]!), tokenizer.eosId]) {
        let child = node.children.get(t);
        if (!child) node.children.set(t, (child = newNode()));
        node = child;
      }
      node.ends.push(pos);
    }
  });
  const session = decoder.startSession();
  try {
    // Row r of the session holds the prefix rows[r].node; `token` is the token that led to it.
    let rows = roots.map((node) => ({ node, token: tokenizer.padId }));
    while (rows.length) {
      const logits = session.step(Int32Array.from(rows, (r) => r.token));
      const flat: number[] = [];
      const rowOf: number[] = [];
      const targets: PrefixNode[] = [];
      rows.forEach((r, i) => {
        for (const [t, child] of r.node.children) {
          flat.push(i * V + t);
          rowOf.push(i);
          targets.push(child);
        }
      });
      const picked = tf.tidy(() => tf.sub(tf.gather(tf.reshape(logits, [-1]), tf.tensor1d(flat, 'int32')), tf.gather(tf.logSumExp(logits, 1), tf.tensor1d(rowOf, 'int32'))));
      logits.dispose();
      const lp = (await picked.data()) as Float32Array;
      picked.dispose();
      const next: { node: PrefixNode; token: number }[] = [];
      const keep: number[] = [];
      targets.forEach((child, k) => {
        child.logProb = rows[rowOf[k]!]!.node.logProb + lp[k]!;
        for (const e of child.ends) scores[e] = child.logProb;
        if (child.children.size) {
          next.push({ node: child, token: flat[k]! - rowOf[k]! * V });
          keep.push(rowOf[k]!);
        }
      });
      if (next.length) session.reorder(Int32Array.from(keep));
      rows = next;
    }
  } finally {
    session.dispose();
  }
  let off = 0;
  return candidates.map((list) => {
    const s = scores.subarray(off, off + list.length);
    off += list.length;
    return sortCandidates(list, s);
  });
}

async function rankFirstStep(decoder: EncodedDecoder, tokenizer: ItemTokenizer, candidates: readonly ArrayLike<number>[]): Promise<RankedCandidates[]> {
  const V = decoder.vocabSize;
  const flat: number[] = [];
  candidates.forEach((list, b) => {
    for (let i = 0; i < list.length; i++) flat.push(b * V + tokenizer.itemTokens(list[i]!)[0]!);
  });
  const session = decoder.startSession();
  let data: Float32Array;
  try {
    const logits = session.step(new Int32Array(decoder.batchSize).fill(tokenizer.padId));
    const rowOf = Int32Array.from(flat, (f) => Math.floor(f / V));
    const picked = tf.tidy(() => tf.sub(tf.gather(tf.reshape(logits, [-1]), tf.tensor1d(flat, 'int32')), tf.gather(tf.logSumExp(logits, 1), tf.tensor1d(rowOf, 'int32'))));
    logits.dispose();
    data = (await picked.data()) as Float32Array;
    picked.dispose();
  } finally {
    session.dispose();
  }
  let off = 0;
  return candidates.map((list) => {
    const scores = data.subarray(off, off + list.length);
    off += list.length;
    return sortCandidates(list, scores);
  });
}

async function rankTeacherForced(decoder: EncodedDecoder, tokenizer: ItemTokenizer, candidates: readonly ArrayLike<number>[], chunkRows: number): Promise<RankedCandidates[]> {
  const V = decoder.vocabSize;
  const rows: { example: number; target: Int32Array }[] = [];
  candidates.forEach((list, b) => {
    for (let i = 0; i < list.length; i++) rows.push({ example: b, target: Int32Array.of(...tokenizer.itemTokens(list[i]!), tokenizer.eosId) });
  });
  const T = Math.max(1, ...rows.map((r) => r.target.length));
  const scores = new Float64Array(rows.length);
  for (let c0 = 0; c0 < rows.length; c0 += chunkRows) {
    const chunk = rows.slice(c0, c0 + chunkRows);
    const R = chunk.length;
    const exampleOf = Int32Array.from(chunk, (r) => r.example);
    // Decoder input = target shifted right behind the start (pad) token; padding positions are not scored.
    const input = new Int32Array(R * T).fill(tokenizer.padId);
    const gatherIdx: number[] = [];
    const owner: number[] = [];
    chunk.forEach((row, r) => {
      for (let t = 0; t < row.target.length; t++) {
        if (t > 0) input[r * T + t] = row.target[t - 1]!;
        gatherIdx.push((r * T + t) * V + row.target[t]!);
        owner.push(c0 + r);
      }
    });
    const logits = decoder.teacherForced(exampleOf, input, T);
    // log p = logit - logsumexp over the vocabulary, gathered at the target positions only.
    const posIdx = Int32Array.from(gatherIdx, (f) => Math.floor(f / V));
    const picked = tf.tidy(() =>
      tf.sub(tf.gather(tf.reshape(logits, [-1]), tf.tensor1d(gatherIdx, 'int32')), tf.gather(tf.reshape(tf.logSumExp(logits, 2), [-1]), tf.tensor1d(posIdx, 'int32'))),
    );
    logits.dispose();
    const data = (await picked.data()) as Float32Array;
    picked.dispose();
    for (let i = 0; i < data.length; i++) scores[owner[i]!] = scores[owner[i]!]! + data[i]!;
  }
  let off = 0;
  return candidates.map((list) => {
    const s = scores.subarray(off, off + list.length);
    off += list.length;
    return sortCandidates(list, s);
  });
}

// Top-n recommendation by scoring: rank the given candidates (1 positive + 99 negatives) of each example
// by the log-probability the decoder gives each candidate's token sequence. For the `atomic` scheme an
// item is one token, so one decoder step on the start token scores all candidates at once; for `p5`
// every candidate is teacher-forced (item pieces + </s>) in batched chunks.
// Reads back one tensor per chunk; never generates.
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
  return firstStepOnly ? rankFirstStep(decoder, tokenizer, candidates) : rankTeacherForced(decoder, tokenizer, candidates, opts.chunkRows ?? 256);
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

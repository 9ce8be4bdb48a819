// A logits processor for the first decoding step: each example's listed tokens cannot be chosen
// there. Next-item recommendation uses it to skip the items already in the user's history (the rule
// the most-popular, PMF and item-knn baselines follow), for an atomic id the whole answer's first
// and only item token. Wraps any EncodedDecoder, so beam search and the score split run unchanged;
// teacher forcing is passed through untouched (scores of given answers stay the model's own).
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderSession, EncodedDecoder } from './types.ts';
import { WrappedSession } from './wrapped-session.ts';

/** Added to a banned token's logit: far below any real logit, finite so a softmax stays defined. */
export const BANNED_LOGIT = -1e9;

class BannedFirstStepSession extends WrappedSession {
  private first = true;

  constructor(
    inner: DecoderSession,
    private readonly banned: readonly Int32Array[],
  ) {
    super(inner);
  }

  /** [rows, width] with BANNED_LOGIT where a row's example bans the column's token, over `columns` (all when null). */
  private mask(columns: Int32Array | null): tf.Tensor2D {
    const width = columns ? columns.length : this.vocabSize;
    const m = new Float32Array(this.rows * width);
    const colOf = columns ? new Map(Array.from(columns, (t, j) => [t, j] as const)) : null;
    for (let r = 0; r < this.rows; r++) {
      for (const t of this.banned[this.exampleOf[r]!]!) {
        const j = colOf ? colOf.get(t) : t;
        if (j !== undefined && j >= 0 && j < width) m[r * width + j] = BANNED_LOGIT;
      }
    }
    return tf.tensor2d(m, [this.rows, width]);
  }

  private apply(logits: tf.Tensor2D, columns: Int32Array | null): tf.Tensor2D {
    if (!this.first) return logits;
    this.first = false;
    const mask = this.mask(columns);
    const out = tf.add(logits, mask) as tf.Tensor2D;
    tf.dispose([logits, mask]);
    return out;
  }

  step(tokens: Int32Array): tf.Tensor2D {
    return this.apply(this.inner.step(tokens), null);
  }

  stepAt(tokens: Int32Array, outputIds: Int32Array): tf.Tensor2D {
    return this.apply(this.innerStepAt(tokens, outputIds), outputIds);
  }
}

/** `decoder` whose first step can never choose `banned[b]`'s tokens for example b (one list per example). */
export function withFirstStepBan(decoder: EncodedDecoder, banned: readonly ArrayLike<number>[]): EncodedDecoder {
  if (banned.length !== decoder.batchSize) throw new Error(`withFirstStepBan: ${banned.length} ban lists for ${decoder.batchSize} examples.`);
  const lists = banned.map((l) => Int32Array.from(l));
  return {
    batchSize: decoder.batchSize,
    vocabSize: decoder.vocabSize,
    startSession: () => new BannedFirstStepSession(decoder.startSession(), lists),
    teacherForced: (exampleOf, decoderInputs, length) => decoder.teacherForced(exampleOf, decoderInputs, length),
  };
}

// A decoder that has already read a prefix: the history form of the sequential task, where the
// user's items are the decoder's own teacher-forced input ([start, item_1 .. item_n]) and the logits
// after item_n rank the next item. Wraps any EncodedDecoder, so beam search, the atomic next-item
// search and the score split run unchanged: to them the first step still feeds the start token,
// which here stands for the whole prefix. Knows nothing of items or the model, only token ids.
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderSession, EncodedDecoder } from './types.ts';
import { WrappedSession } from './wrapped-session.ts';

export interface DecoderPrefixOptions {
  /** The decoder's start token (T5: pad); the first step's tokens must all be it. */
  startId: number;
  /**
   * Logit prior [B, V] (row b = example b) added to the first step's logits, the position after the
   * prefix: the output priors of the plain session speak to its first step, here that step. Owned by
   * the caller and must outlive the decoder.
   */
  prior?: tf.Tensor2D | null;
  /**
   * Added to `eos`'s logit at the second step: after the one token of an atomic id the answer ends.
   * The decoder never learnt to write </s> after its prefix (each position learnt the next item), so
   * without this the second step would rank answers by how unlikely a non-item token is.
   */
  endOfId?: { eos: number; logit: number } | null;
}

class PrefixedSession extends WrappedSession {
  private steps = 0;

  constructor(
    inner: DecoderSession,
    /** Last prefix token of each example (the start token where the prefix is empty). */
    private readonly last: Int32Array,
    private readonly o: DecoderPrefixOptions,
  ) {
    super(inner);
  }

  /** The tokens to feed now: at the first step each row's last prefix token instead of the start token. */
  private tokens(tokens: Int32Array): Int32Array {
    if (this.steps > 0) return tokens;
    if (tokens.some((t) => t !== this.o.startId)) throw new Error(`A prefixed decoder's first step feeds the start token (${this.o.startId}); it stands for the prefix.`);
    return Int32Array.from(this.exampleOf, (e) => this.last[e]!);
  }

  /** The prior (first step) or end-of-id logit (second step) for these rows, over `columns` (all when null). */
  private extra(columns: Int32Array | null): tf.Tensor2D | null {
    const { prior, endOfId } = this.o;
    if (this.steps === 0 && prior) {
      return tf.tidy(() => {
        const rows = tf.gather(prior, tf.tensor1d(this.exampleOf, 'int32'));
        return (columns ? tf.gather(rows, tf.tensor1d(columns, 'int32'), 1) : rows) as tf.Tensor2D;
      });
    }
    if (this.steps === 1 && endOfId) {
      const width = columns ? columns.length : this.vocabSize;
      const row = new Float32Array(width);
      for (let j = 0; j < width; j++) if ((columns ? columns[j] : j) === endOfId.eos) row[j] = endOfId.logit;
      return tf.tile(tf.tensor2d(row, [1, width]), [this.rows, 1]) as tf.Tensor2D;
    }
    return null;
  }

  private add(logits: tf.Tensor2D, columns: Int32Array | null): tf.Tensor2D {
    const extra = this.extra(columns);
    this.steps++;
    if (!extra) return logits;
    const out = tf.add(logits, extra) as tf.Tensor2D;
    tf.dispose([logits, extra]);
    return out;
  }

  step(tokens: Int32Array): tf.Tensor2D {
    return this.add(this.inner.step(this.tokens(tokens)), null);
  }

  stepAt(tokens: Int32Array, outputIds: Int32Array): tf.Tensor2D {
    return this.add(this.innerStepAt(this.tokens(tokens), outputIds), outputIds);
  }
}

/**
 * `decoder` after every example's prefix: `prefix` holds B rows of n tokens each (row-major; n may be
 * 0). Every example must have the same prefix length (the cached decoder advances all rows a step at
 * a time); callers batch examples of equal history length. Sessions read the prefix when they start
 * ([start, p_1 .. p_(n-1)] fed, p_n held for the first step); teacher-forced decoding prepends it.
 */
export function withDecoderPrefix(decoder: EncodedDecoder, prefix: Int32Array, n: number, o: DecoderPrefixOptions): EncodedDecoder {
  const B = decoder.batchSize;
  if (!Number.isInteger(n) || n < 0 || prefix.length !== B * n) throw new Error(`withDecoderPrefix: ${prefix.length} prefix tokens is not ${B} examples x ${n}.`);
  if (o.prior && (o.prior.shape[0] !== B || o.prior.shape[1] !== decoder.vocabSize)) throw new Error(`withDecoderPrefix: prior of shape [${o.prior.shape.join(', ')}], expected [${B}, ${decoder.vocabSize}].`);
  const last = Int32Array.from({ length: B }, (_, b) => (n > 0 ? prefix[b * n + n - 1]! : o.startId));
  return {
    batchSize: B,
    vocabSize: decoder.vocabSize,
    startSession(): DecoderSession {
      const inner = decoder.startSession();
      try {
        // Feed [start, p_1 .. p_(n-1)]; their logits are not needed (one head column each where the session can).
        const one = Int32Array.of(o.startId);
        for (let k = 0; k < n; k++) {
          const tokens = k === 0 ? new Int32Array(B).fill(o.startId) : Int32Array.from({ length: B }, (_, b) => prefix[b * n + k - 1]!);
          (inner.stepAt ? inner.stepAt(tokens, one) : inner.step(tokens)).dispose();
        }
      } catch (e) {
        inner.dispose();
        throw e;
      }
      return new PrefixedSession(inner, last, o);
    },
    teacherForced(exampleOf: Int32Array, decoderInputs: Int32Array, length: number): tf.Tensor3D {
      const R = exampleOf.length;
      const full = n + length;
      const ids = new Int32Array(R * full);
      for (let r = 0; r < R; r++) {
        const e = exampleOf[r]!;
        ids[r * full] = o.startId;
        for (let k = 0; k < n; k++) ids[r * full + 1 + k] = prefix[e * n + k]!;
        for (let t = 1; t < length; t++) ids[r * full + n + t] = decoderInputs[r * length + t]!;
      }
      const logits = decoder.teacherForced(exampleOf, ids, full);
      return tf.tidy(() => {
        const V = decoder.vocabSize;
        let out = tf.slice(logits, [0, n, 0], [R, length, V]) as tf.Tensor3D;
        logits.dispose();
        if (o.prior) {
          const rows = tf.reshape(tf.gather(o.prior, tf.tensor1d(exampleOf, 'int32')), [R, 1, V]);
          out = tf.add(out, tf.pad(rows, [[0, 0], [0, length - 1], [0, 0]])) as tf.Tensor3D;
        }
        if (o.endOfId && length > 1) {
          const row = new Float32Array(V);
          row[o.endOfId.eos] = o.endOfId.logit;
          out = tf.add(out, tf.pad(tf.tensor3d(row, [1, 1, V]), [[0, 0], [1, length - 2], [0, 0]])) as tf.Tensor3D;
        }
        return out;
      });
    },
  };
}

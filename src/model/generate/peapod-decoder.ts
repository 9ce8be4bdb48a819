// Adapter from PeapodModel's cached decoding (startDecoding / decodeStep / reorderCache / decodeFull)
// to the EncodedDecoder contract the decoding algorithms use. Owns the decoder cache of each session;
// the encoder output stays owned by the caller and must outlive the decoder.
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderCache, EncoderOutput, PeapodModel } from '../peapod.ts';
import type { DecoderSession, EncodedDecoder } from './types.ts';

class PeapodSession implements DecoderSession {
  private cache: DecoderCache | null;
  /** Encoder example behind each cache row. */
  private exampleOf: Int32Array;

  constructor(
    private readonly model: PeapodModel,
    enc: EncoderOutput,
  ) {
    this.cache = model.startDecoding(enc);
    this.exampleOf = Int32Array.from({ length: this.cache.batchSize }, (_, i) => i);
  }

  get rows(): number {
    return this.live().batchSize;
  }

  get vocabSize(): number {
    return this.model.config.t5.vocabSize;
  }

  private live(): DecoderCache {
    if (!this.cache) throw new Error('PeapodSession used after dispose()');
    return this.cache;
  }

  step(tokens: Int32Array): tf.Tensor2D {
    const t = tf.tensor1d(tokens, 'int32');
    try {
      const out = this.model.decodeStep(this.live(), t);
      this.cache = out.cache;
      return out.logits;
    } finally {
      t.dispose();
    }
  }

  /**
   * Beam search reorders rows within each example at almost every step, while the rows' examples stay
   * the same. The cross-attention keys/values (per layer [rows, H, dk, S]) and the encoder mask depend
   * only on the example, so then only the self-attention caches are gathered; that skips most of the
   * gather work (tf.gather costs ~80 ns per element on wasm and cpu here).
   */
  reorder(rows: Int32Array): void {
    const cache = this.live();
    const exampleOf = Int32Array.from(rows, (r) => this.exampleOf[r]!);
    const sameExamples = exampleOf.length === this.exampleOf.length && exampleOf.every((e, i) => e === this.exampleOf[i]);
    const r = tf.tensor1d(rows, 'int32');
    try {
      if (sameExamples) {
        const g = <T extends tf.Tensor>(t: T | null): T | null => (t ? (tf.gather(t, r) as T) : null);
        const selfKeysT = cache.selfKeysT.map(g);
        const selfValues = cache.selfValues.map(g);
        for (const t of cache.selfKeysT) t?.dispose();
        for (const t of cache.selfValues) t?.dispose();
        this.cache = { ...cache, selfKeysT, selfValues };
      } else {
        this.cache = this.model.reorderCache(cache, r);
      }
      this.exampleOf = exampleOf;
    } finally {
      r.dispose();
    }
  }

  dispose(): void {
    if (this.cache) this.model.disposeCache(this.cache);
    this.cache = null;
  }
}

/** Decoding view of one encoded batch. */
export function peapodDecoder(model: PeapodModel, enc: EncoderOutput): EncodedDecoder {
  return {
    batchSize: enc.hidden.shape[0],
    vocabSize: model.config.t5.vocabSize,
    startSession: () => new PeapodSession(model, enc),
    teacherForced(exampleOf: Int32Array, decoderInputs: Int32Array, length: number): tf.Tensor3D {
      return tf.tidy(() => {
        const rows = tf.tensor1d(exampleOf, 'int32');
        const expanded: EncoderOutput = { hidden: tf.gather(enc.hidden, rows), mask: tf.gather(enc.mask, rows) };
        return model.decodeFull(expanded, tf.tensor2d(decoderInputs, [exampleOf.length, length], 'int32'));
      });
    },
  };
}

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
    return this.advance(tokens, null);
  }

  stepAt(tokens: Int32Array, outputIds: Int32Array): tf.Tensor2D {
    return this.advance(tokens, outputIds);
  }

  private advance(tokens: Int32Array, outputIds: Int32Array | null): tf.Tensor2D {
    const out = this.model.decodeStep(this.live(), tokens, outputIds ?? undefined);
    this.cache = out.cache;
    return out.logits;
  }

  /**
   * Beam search reorders rows within each example at almost every step, while the rows' examples stay
   * the same: then only the per-row state moves (reorderCache's sameInputs). One input becoming beams
   * goes through expandSingle, which lets the beams share that input's folded cross-attention.
   */
  reorder(rows: Int32Array): void {
    const cache = this.live();
    const exampleOf = Int32Array.from(rows, (r) => this.exampleOf[r]!);
    const sameInputs = exampleOf.length === this.exampleOf.length && exampleOf.every((e, i) => e === this.exampleOf[i]);
    if (cache.batchSize === 1 && rows.every((r) => r === 0)) this.cache = this.model.expandSingle(cache, rows.length);
    else this.cache = this.model.reorderCache(cache, rows, { sameInputs });
    this.exampleOf = exampleOf;
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
    // On webgpu the fused kernels decode (same results, a few dispatches per layer); elsewhere the ops.
    startSession: () => model.fusedSession(enc) ?? new PeapodSession(model, enc),
    teacherForced(exampleOf: Int32Array, decoderInputs: Int32Array, length: number): tf.Tensor3D {
      return tf.tidy(() => {
        const rows = tf.tensor1d(exampleOf, 'int32');
        const expanded: EncoderOutput = { hidden: tf.gather(enc.hidden, rows), mask: tf.gather(enc.mask, rows), prior: enc.prior ? tf.gather(enc.prior, rows) : null };
        return model.decodeFull(expanded, tf.tensor2d(decoderInputs, [exampleOf.length, length], 'int32'));
      });
    },
  };
}

// Adapter from PeapodModel's cached decoding (startDecoding / decodeStep / reorderCache / decodeFull)
// to the EncodedDecoder contract the decoding algorithms use. Owns the decoder cache of each session;
// the encoder output stays owned by the caller and must outlive the decoder.
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderCache, EncoderOutput, PeapodModel } from '../peapod.ts';
import type { DecoderSession, EncodedDecoder } from './types.ts';

class PeapodSession implements DecoderSession {
  private cache: DecoderCache | null;
  constructor(
    private readonly model: PeapodModel,
    enc: EncoderOutput,
  ) {
    this.cache = model.startDecoding(enc);
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

  reorder(rows: Int32Array): void {
    const r = tf.tensor1d(rows, 'int32');
    try {
      this.cache = this.model.reorderCache(this.live(), r);
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

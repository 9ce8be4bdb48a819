// Adapter from PeapodModel's cached decoding (startDecoding / decodeStep / reorderCache / decodeFull)
// to the EncodedDecoder contract the decoding algorithms use. Owns the decoder cache of each session;
// the encoder output stays owned by the caller and must outlive the decoder.
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderCache, EncoderOutput, PeapodModel } from '../peapod.ts';
import type { DecoderSession, EncodedDecoder } from './types.ts';

/**
 * tf.gather along axis 0. On the CPU-resident backends (cpu, wasm) tfjs 4.22's gather costs ~30 ns
 * per element; copying whole rows with TypedArray.set through one read-back and one upload is ~4x
 * cheaper there. GPU backends keep tf.gather (a read-back would stall them).
 */
export function gatherRows<T extends tf.Tensor>(t: T, rows: Int32Array): T {
  if (!cpuResident() || t.dtype !== 'float32') {
    return tf.tidy(() => tf.gather(t, tf.tensor1d(rows, 'int32'))) as T;
  }
  const src = t.dataSync() as Float32Array;
  const width = t.shape[0] ? src.length / t.shape[0] : 0;
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) out.set(src.subarray(rows[i]! * width, rows[i]! * width + width), i * width);
  return tf.tensor(out, [rows.length, ...t.shape.slice(1)], 'float32') as T;
}

function cpuResident(): boolean {
  const b = tf.getBackend();
  return b === 'cpu' || b === 'wasm';
}

const CACHE_FIELDS = new Set(['step', 'batchSize', 'selfKeys', 'selfValues', 'crossKeysT', 'crossValues', 'crossBias', 'prior', 'endAfterId']);

/** Our own full reorder is only safe while DecoderCache has exactly the fields it copies. */
function hasKnownFields(cache: DecoderCache): boolean {
  return Object.keys(cache).every((k) => CACHE_FIELDS.has(k));
}

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
   * the same. The cross-attention keys/values (per layer [rows, H, dk, S]) and the encoder mask depend
   * only on the example, so then only the self-attention caches are gathered (gatherRows).
   */
  reorder(rows: Int32Array): void {
    const cache = this.live();
    const exampleOf = Int32Array.from(rows, (r) => this.exampleOf[r]!);
    const sameExamples = exampleOf.length === this.exampleOf.length && exampleOf.every((e, i) => e === this.exampleOf[i]);
    const r = tf.tensor1d(rows, 'int32');
    try {
      if (sameExamples) {
        const g = <T extends tf.Tensor>(t: T | null): T | null => (t ? gatherRows(t, rows) : null);
        const selfKeys = cache.selfKeys.map(g);
        const selfValues = cache.selfValues.map(g);
        const prior = cache.prior ? gatherRows(cache.prior, rows) : null;
        for (const t of cache.selfKeys) t?.dispose();
        for (const t of cache.selfValues) t?.dispose();
        cache.prior?.dispose();
        this.cache = { ...cache, selfKeys, selfValues, prior };
      } else if (cpuResident() && hasKnownFields(cache)) {
        // Same gather as model.reorderCache, with the faster row copy (see gatherRows).
        const g = <T extends tf.Tensor>(t: T): T => gatherRows(t, rows);
        const next: DecoderCache = {
          step: cache.step,
          batchSize: rows.length,
          selfKeys: cache.selfKeys.map((t) => (t ? g(t) : null)),
          selfValues: cache.selfValues.map((t) => (t ? g(t) : null)),
          crossKeysT: cache.crossKeysT.map(g),
          crossValues: cache.crossValues.map(g),
          crossBias: g(cache.crossBias),
          prior: cache.prior ? g(cache.prior) : null,
          endAfterId: cache.endAfterId ?? false,
        };
        this.model.disposeCache(cache);
        this.cache = next;
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
        const expanded: EncoderOutput = { hidden: tf.gather(enc.hidden, rows), mask: tf.gather(enc.mask, rows), prior: enc.prior ? tf.gather(enc.prior, rows) : null };
        return model.decodeFull(expanded, tf.tensor2d(decoderInputs, [exampleOf.length, length], 'int32'));
      });
    },
  };
}

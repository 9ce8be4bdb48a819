// The common part of a session that wraps another one to change some of its logits (the decoder
// prefix, the first-step ban): it passes rows, reorders and disposal through, and remembers which
// example each row decodes, since beam search reorders, drops and duplicates rows.
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderSession } from './types.ts';

export abstract class WrappedSession implements DecoderSession {
  /** Row i decodes example exampleOf[i]. */
  protected exampleOf: Int32Array;

  constructor(protected readonly inner: DecoderSession) {
    this.exampleOf = Int32Array.from({ length: inner.rows }, (_, i) => i);
  }

  get rows(): number {
    return this.inner.rows;
  }

  get vocabSize(): number {
    return this.inner.vocabSize;
  }

  abstract step(tokens: Int32Array): tf.Tensor2D;

  abstract stepAt(tokens: Int32Array, outputIds: Int32Array): tf.Tensor2D;

  /** The inner session's logits of `outputIds` only (its stepAt, or its full step gathered). */
  protected innerStepAt(tokens: Int32Array, outputIds: Int32Array): tf.Tensor2D {
    return this.inner.stepAt ? this.inner.stepAt(tokens, outputIds) : tf.tidy(() => tf.gather(this.inner.step(tokens), tf.tensor1d(outputIds, 'int32'), 1) as tf.Tensor2D);
  }

  reorder(rows: Int32Array): void {
    this.inner.reorder(rows);
    this.exampleOf = Int32Array.from(rows, (r) => this.exampleOf[r]!);
  }

  dispose(): void {
    this.inner.dispose();
  }
}

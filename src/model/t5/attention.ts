// T5 multi-head attention with all heads batched: one projection matmul per Q/K/V, heads split by
// reshape/transpose, one batched matmul for scores and one for the context. Keys are kept transposed
// ([B, H, dk, L]) so every matmul is a plain one (the transposed matmul paths are slow on wasm; the
// cached decoder's growing self-attention keys are the exception, see DecoderStepState). T5 does not
// scale scores by 1/sqrt(dk): that factor is folded into the query initialisation.
import * as tf from '@tensorflow/tfjs-core';
import { linear, maybeDropout } from './layers.ts';

export interface AttentionWeights {
  q: tf.Tensor2D; // [d, H*dk]
  k: tf.Tensor2D; // [d, H*dk]
  v: tf.Tensor2D; // [d, H*dk]
  o: tf.Tensor2D; // [H*dk, d]
}

/** [B, L, H*dk] -> [B, H, L, dk] */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, l, inner] = x.shape as [number, number, number];
    return tf.transpose(tf.reshape(x, [b, l, heads, inner / heads]), [0, 2, 1, 3]) as tf.Tensor4D;
  });
}

/** [B, L, H*dk] -> [B, H, dk, L] (keys, ready for a plain matmul with queries) */
export function splitHeadsTransposed(x: tf.Tensor, heads: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, l, inner] = x.shape as [number, number, number];
    return tf.transpose(tf.reshape(x, [b, l, heads, inner / heads]), [0, 2, 3, 1]) as tf.Tensor4D;
  });
}

/** [B, H, L, dk] -> [B, L, H*dk] */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, h, l, dk] = x.shape;
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, l, h * dk]) as tf.Tensor3D;
  });
}

/**
 * softmax(q kT + bias) v for all heads. `bias` broadcasts to [B, H, Lq, Lk] and carries the relative
 * position bias and the masks (added once per stack, shared by all layers).
 */
export function attend(q: tf.Tensor4D, kT: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor | null, dropoutRate: number, training: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    let scores: tf.Tensor = tf.matMul(q, kT);
    if (bias) scores = tf.add(scores, bias);
    const probs = maybeDropout(tf.softmax(scores), dropoutRate, training);
    return tf.matMul(probs, v) as tf.Tensor4D;
  });
}

/**
 * Full (non-cached) attention of `x` over `memory` (memory = x for self-attention). Returns the
 * output projection [B, Lq, d].
 */
export function multiHeadAttention(x: tf.Tensor3D, memory: tf.Tensor3D, w: AttentionWeights, heads: number, bias: tf.Tensor | null, dropoutRate: number, training: boolean): tf.Tensor3D {
  return tf.tidy(() => {
    const q = splitHeads(linear(x, w.q), heads);
    const kT = splitHeadsTransposed(linear(memory, w.k), heads);
    const v = splitHeads(linear(memory, w.v), heads);
    const context = attend(q, kT, v, bias, dropoutRate, training);
    return linear(mergeHeads(context), w.o) as tf.Tensor3D;
  });
}

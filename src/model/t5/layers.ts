// Small building blocks shared by the T5 stacks: RMS layer norm, bias-free linear maps and dropout.
// Functions here are pure tensor maths over weights passed in; they own no state and never sync.
import * as tf from '@tensorflow/tfjs-core';

/**
 * T5's layer norm: scale by the root mean square only (no mean subtraction, no bias), then multiply
 * by a learned per-feature weight.
 */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, epsilon: number): T {
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, epsilon))), weight) as T;
  });
}

/**
 * x [..., in] times w [in, out] without bias. Folding the leading axes into one row axis keeps it a
 * single 2-D matmul, the fastest path on every backend.
 */
export function linear(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const inDim = x.shape[x.rank - 1]!;
    const lead = x.shape.slice(0, -1);
    const y = tf.matMul(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, w);
    return tf.reshape(y, [...lead, w.shape[1]]);
  });
}

/** Inverted dropout, applied only while training (inference must be deterministic). */
export function maybeDropout<T extends tf.Tensor>(x: T, rate: number, training: boolean): T {
  if (!training || rate <= 0) return x;
  return tf.dropout(x, rate) as T;
}

/**
 * tf.tidy for functions returning plain objects that may hold nulls and numbers besides tensors
 * (tidy keeps every tensor reachable from the result; its type only admits TensorContainer).
 */
export function tidyObject<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

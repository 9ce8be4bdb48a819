// T5's position-wise feed-forward block: relu (T5 1.0) or gated-gelu (T5 1.1, gelu_new of wi_0
// times wi_1). Dropout sits after the activation, as in T5. No biases anywhere.
import * as tf from '@tensorflow/tfjs-core';
import { linear, maybeDropout } from './layers.ts';

export type FeedForwardWeights =
  | { kind: 'relu'; wi: tf.Tensor2D; wo: tf.Tensor2D }
  | { kind: 'gated-gelu'; wi0: tf.Tensor2D; wi1: tf.Tensor2D; wo: tf.Tensor2D };

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The tanh approximation of gelu ("gelu_new") that T5 1.1 was trained with. */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
}

/** Position-wise over the last axis of x [..., d] (rank 3 in the stacks, rank 2 in the cached step). */
export function feedForward<T extends tf.Tensor3D | tf.Tensor2D>(x: T, w: FeedForwardWeights, dropoutRate: number, training: boolean): T {
  return tf.tidy(() => {
    const hidden = w.kind === 'relu' ? tf.relu(linear(x, w.wi)) : tf.mul(geluTanh(linear(x, w.wi0)), linear(x, w.wi1));
    return linear(maybeDropout(hidden, dropoutRate, training), w.wo) as T;
  });
}

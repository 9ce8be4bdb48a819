// T5's bucketed relative position bias: the bucket function (pure JS, cached per shape) and the
// [1, H, q, k] bias tensor built from a stack's learned table. T5 computes the bias in the first
// layer of a stack and shares it with all later layers; the stacks call positionBias once per pass.
import * as tf from '@tensorflow/tfjs-core';

const f32 = Math.fround;

/**
 * Bucket of one relative position (memory position minus query position), following T5's
 * `_relative_position_bucket`: half the buckets (per direction when bidirectional) hold exact
 * distances, the rest grow logarithmically up to maxDistance, beyond which everything shares the last
 * bucket. Causal (unidirectional) buckets count only distances to the past; the future maps to 0.
 * The log part is evaluated in float32 like the reference, so boundary distances land in the same
 * bucket as pretrained T5 checkpoints expect.
 */
export function relativePositionBucket(relativePosition: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let bucket = 0;
  let n = numBuckets;
  let rel: number;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (relativePosition > 0) bucket += n;
    rel = Math.abs(relativePosition);
  } else {
    rel = -Math.min(relativePosition, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (rel < maxExact) return bucket + rel;
  const ratio = f32(f32(Math.log(f32(f32(rel) / maxExact))) / f32(Math.log(maxDistance / maxExact)));
  const large = maxExact + Math.trunc(f32(ratio * (n - maxExact)));
  return bucket + Math.min(large, n - 1);
}

const bucketCache = new Map<string, Int32Array>();

/**
 * Bucket ids [qLen * kLen] for queries at positions queryOffset..queryOffset+qLen-1 against keys at
 * 0..kLen-1 (row-major, query-major). Cached: shapes repeat every batch and every decoding step.
 */
export function bucketMatrix(qLen: number, kLen: number, bidirectional: boolean, numBuckets: number, maxDistance: number, queryOffset = 0): Int32Array {
  const key = `${qLen}|${kLen}|${bidirectional ? 1 : 0}|${numBuckets}|${maxDistance}|${queryOffset}`;
  let ids = bucketCache.get(key);
  if (!ids) {
    ids = new Int32Array(qLen * kLen);
    for (let i = 0; i < qLen; i++) {
      for (let j = 0; j < kLen; j++) {
        ids[i * kLen + j] = relativePositionBucket(j - (i + queryOffset), bidirectional, numBuckets, maxDistance);
      }
    }
    if (bucketCache.size > 4096) bucketCache.clear();
    bucketCache.set(key, ids);
  }
  return ids;
}

/** Learned bias [1, H, qLen, kLen] from a table [numBuckets, H]. */
export function positionBias(table: tf.Tensor2D, qLen: number, kLen: number, bidirectional: boolean, maxDistance: number, queryOffset = 0): tf.Tensor4D {
  return tf.tidy(() => {
    const [numBuckets, heads] = table.shape;
    const ids = tf.tensor1d(bucketMatrix(qLen, kLen, bidirectional, numBuckets, maxDistance, queryOffset), 'int32');
    const values = tf.gather(table, ids); // [q*k, H]
    return tf.reshape(tf.transpose(values, [1, 0]), [1, heads, qLen, kLen]) as tf.Tensor4D;
  });
}

/** Additive causal mask [1, 1, T, T]: 0 on and below the diagonal, a large negative above it. */
export function causalMaskBias(length: number): tf.Tensor4D {
  const data = new Float32Array(length * length);
  for (let i = 0; i < length; i++) for (let j = i + 1; j < length; j++) data[i * length + j] = MASKED_LOGIT;
  return tf.tensor4d(data, [1, 1, length, length]);
}

/**
 * The logit given to masked positions. Finite (not -Infinity) so a fully masked row yields a uniform
 * softmax instead of NaN; exp(-1e9 + s) underflows to exactly 0 in float32 for any sane score s.
 */
export const MASKED_LOGIT = -1e9;

/** Additive padding mask [B, 1, 1, L] from a float mask [B, L] (1 = attend, 0 = padding). */
export function paddingMaskBias(mask: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, l] = mask.shape;
    return tf.reshape(tf.mul(tf.sub(1, mask), MASKED_LOGIT), [b, 1, 1, l]) as tf.Tensor4D;
  });
}

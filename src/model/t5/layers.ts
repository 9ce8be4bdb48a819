// Small building blocks shared by the T5 stacks: RMS layer norm, bias-free linear maps and dropout.
// Functions here are pure tensor maths over weights passed in; they own no state and never sync.
import * as tf from '@tensorflow/tfjs-core';
import { ModelInputError } from './config.ts';

/**
 * T5's layer norm: scale by the root mean square only (no mean subtraction, no bias), then multiply
 * by a learned per-feature weight. `epsilon` may be a scalar tensor, so that a caller normalising
 * many times (the cached decoder step) creates it once instead of once per call.
 */
export function rmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, epsilon: number | tf.Scalar): T {
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true);
    return tf.mul<T>(tf.mul(x, tf.rsqrt(tf.add(variance, epsilon))), weight);
  });
}

/**
 * x [..., in] times w [in, out] without bias. Folding the leading axes into one row axis keeps it a
 * single 2-D matmul, the fastest path on every backend.
 */
export function linear(x: tf.Tensor, w: tf.Tensor2D): tf.Tensor {
  // A 2-D x needs no reshapes (each is a kernel call: at d 128 the cached decoder step is made of
  // ~150 small kernels, and their dispatch, not arithmetic, dominates it).
  if (x.rank === 2) return tf.matMul(x as tf.Tensor2D, w);
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

/** Throws a ModelInputError naming the first id outside [0, n) (tf.gather on wasm returns zeros for it). */
function checkRowIds(ids: Int32Array, n: number, what: string, hint = ''): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id < n)) throw new ModelInputError(`${what} row ${id} (position ${i}) is outside [0, ${n})${hint ? ';' + hint : '.'}`);
  }
}

/**
 * Rows `ids` of a table [n, d] as a new tensor [ids.length, d]: an embedding lookup whose ids are
 * known on the host, range-checked there (tf.gather on wasm does not notice a bad id). Still
 * tf.gather: copying the rows straight out of the wasm heap was ~9 us/row faster in Node, but in
 * Chromium it made the decoder step after each encoder pass ~20 ms slower (T5-small, 45 -> 65 ms).
 */
export function tableRows(table: tf.Tensor2D, ids: Int32Array, what = 'table'): tf.Tensor2D {
  checkRowIds(ids, table.shape[0], what, " pass token ids of this model's vocabulary.");
  return tf.tidy(() => tf.gather(table, tf.tensor1d(ids, 'int32')));
}

/**
 * tf.gather along axis 0 with the row ids known on the host (range-checked there). On the CPU-resident
 * backends (cpu, wasm) tfjs 4.22's gather costs ~30 ns per element; copying whole rows with
 * TypedArray.set through one read-back and one upload is ~4x cheaper there. GPU backends keep tf.gather
 * (a read-back would stall them).
 */
export function gatherRows<T extends tf.Tensor>(t: T, rows: Int32Array, what = 'tensor'): T {
  const n = t.shape[0];
  checkRowIds(rows, n, what);
  const backend = tf.getBackend();
  if ((backend !== 'cpu' && backend !== 'wasm') || t.dtype !== 'float32') {
    return tf.tidy(() => tf.gather(t, tf.tensor1d(rows, 'int32')));
  }
  const src = t.dataSync() as Float32Array;
  const width = n ? src.length / n : 0;
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) out.set(src.subarray(rows[i]! * width, rows[i]! * width + width), i * width);
  return tf.tensor(out, [rows.length, ...t.shape.slice(1)], 'float32') as T;
}

// Gathers the collaborative inputs of a batch (user CF embedding + its n nearest neighbours'
// embeddings) from the frozen tables on the host. Owns no weights; must not run the model.
import * as tf from '@tensorflow/tfjs-core';
import { PeapodError } from '../../errors.ts';

export interface CollabTables {
  /** [U * cfDim] frozen CF user embeddings. */
  cfUser: Float32Array;
  cfDim: number;
  /** [U * nMax] neighbour user indices, best first. */
  neighbourIndices: Int32Array;
  nMax: number;
}

export interface CollabTensors {
  userEmb: tf.Tensor2D;
  neighbourEmb: tf.Tensor3D;
}

export class CollabRangeError extends PeapodError {
  override name = 'CollabRangeError';
  override readonly code = 'eval-collab-range';
}

/** Uses the first `n` neighbours of each user (n <= nMax). */
export function gatherCollab(t: CollabTables, users: ArrayLike<number>, n: number): CollabTensors {
  if (n > t.nMax) throw new CollabRangeError(`asked for ${n} neighbours but the tables hold ${t.nMax}; lower --neighbours or recompute neighbours with a larger n.`);
  const B = users.length;
  const d = t.cfDim;
  const numUsers = t.cfUser.length / d;
  const ue = new Float32Array(B * d);
  const ne = new Float32Array(B * n * d);
  for (let b = 0; b < B; b++) {
    const u = users[b]!;
    if (!(u >= 0 && u < numUsers)) throw new CollabRangeError(`user index ${u} is outside the CF table (${numUsers} users).`);
    ue.set(t.cfUser.subarray(u * d, (u + 1) * d), b * d);
    for (let k = 0; k < n; k++) {
      const v = t.neighbourIndices[u * t.nMax + k]!;
      ne.set(t.cfUser.subarray(v * d, (v + 1) * d), (b * n + k) * d);
    }
  }
  return { userEmb: tf.tensor2d(ue, [B, d]), neighbourEmb: tf.tensor3d(ne, [B, n, d]) };
}

export function disposeCollab(c: CollabTensors): void {
  c.userEmb.dispose();
  c.neighbourEmb.dispose();
}

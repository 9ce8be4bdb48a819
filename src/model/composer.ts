// PeaPOD's prompt composer (docs/method.md §1): multi-head attention from a user's CF embedding
// (query) over the CF embeddings of the user's most similar users (keys/values), mapped by a linear
// layer to l collaborative prompt vectors; plus the per-task learned prompt vectors. Pure tensor
// maths over weights in the ParamMap; it knows nothing of tokens or the T5 stacks.
import * as tf from '@tensorflow/tfjs-core';
import { getParam, PARAM, taskPromptParam, type ParamMap } from './params.ts';
import { ModelInputError } from './t5/config.ts';
import { MASKED_LOGIT } from './t5/position-bias.ts';
import type { ComposerConfig, TaskName } from './types.ts';

export interface CollaborativePrompt {
  /** [B, l, dModel] */
  prompt: tf.Tensor3D;
  /** Per-head attention over the neighbours [B, H, n]; each row sums to 1 (0 where all are masked). */
  attention: tf.Tensor3D;
}

function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(x, kernel), bias);
}

function checkShape(name: string, t: tf.Tensor, expected: (number | null)[], what: string): void {
  const ok = t.rank === expected.length && expected.every((e, i) => e === null || t.shape[i] === e);
  if (!ok) {
    const want = expected.map((e) => (e === null ? '*' : String(e))).join(', ');
    throw new ModelInputError(`${name} has shape [${t.shape.join(', ')}] but the composer needs [${want}] (${what}).`);
  }
  if (t.dtype !== 'float32') throw new ModelInputError(`${name} is ${t.dtype}; pass float32 (${what}).`);
}

/**
 * alpha_h = softmax(q_h K_h^T / sqrt(d_h)) over the neighbours (q and K read the CF embeddings times
 * config.keyScale, V reads them as they are), p = concat_h(alpha_h V_h) (no output
 * projection, as the reference), prompt = reshape(p W_P + b_P) to [B, l, dModel].
 * `neighbourMask` [B, n] (1 keep, 0 drop) removes neighbours for what-if views: their logits are
 * pushed to MASKED_LOGIT so the softmax renormalises over the rest. A row with every neighbour masked
 * gets zero attention and hence p = 0 (the prompt is the bias alone) rather than a uniform average.
 * Fewer neighbours than trained with is fine: pass n' < n rows.
 */
export function composeCollaborativePrompt(params: ParamMap, config: ComposerConfig, dModel: number, userEmb: tf.Tensor2D, neighbourEmb: tf.Tensor3D, neighbourMask?: tf.Tensor2D): CollaborativePrompt {
  const cf = config.cfDim;
  checkShape('userEmb', userEmb, [null, cf], 'batch x cfDim');
  const batch = userEmb.shape[0];
  checkShape('neighbourEmb', neighbourEmb, [batch, null, cf], 'batch x neighbours x cfDim');
  const n = neighbourEmb.shape[1];
  if (n === 0) throw new ModelInputError('neighbourEmb has no neighbours (n = 0); pass at least one, or use an individual-only prompt (collab = null).');
  if (neighbourMask) checkShape('neighbourMask', neighbourMask, [batch, n], 'batch x neighbours, 1 keep / 0 masked');
  const heads = config.numHeads;
  const dh = cf / heads;
  const keyScale = config.keyScale ?? 1;
  return tf.tidy(() => {
    const scaled = <T extends tf.Tensor>(x: T): T => (keyScale === 1 ? x : tf.mul(x, keyScale));
    const q = dense(scaled(userEmb), getParam(params, PARAM.composerQuery) as tf.Tensor2D, getParam(params, PARAM.composerQueryBias) as tf.Tensor1D);
    const flatNeighbours = tf.reshape(neighbourEmb, [batch * n, cf]) as tf.Tensor2D;
    const k = dense(scaled(flatNeighbours), getParam(params, PARAM.composerKey) as tf.Tensor2D, getParam(params, PARAM.composerKeyBias) as tf.Tensor1D);
    const v = dense(flatNeighbours, getParam(params, PARAM.composerValue) as tf.Tensor2D, getParam(params, PARAM.composerValueBias) as tf.Tensor1D);
    const qh = tf.reshape(q, [batch, heads, 1, dh]) as tf.Tensor4D;
    const kT = tf.transpose(tf.reshape(k, [batch, n, heads, dh]), [0, 2, 3, 1]) as tf.Tensor4D; // [B, H, dh, n]
    const vh = tf.transpose(tf.reshape(v, [batch, n, heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, H, n, dh]
    let logits: tf.Tensor = tf.mul(tf.matMul(qh, kT), 1 / Math.sqrt(dh)); // [B, H, 1, n]
    let alpha: tf.Tensor;
    if (neighbourMask) {
      const m = tf.reshape(neighbourMask, [batch, 1, 1, n]);
      logits = tf.add(logits, tf.mul(tf.sub(1, m), MASKED_LOGIT));
      alpha = tf.mul(tf.softmax(logits), m);
    } else {
      alpha = tf.softmax(logits);
    }
    // [B, H, 1, dh] is already head-major, so the reshape is concat_h.
    const p = tf.reshape(tf.matMul(alpha as tf.Tensor4D, vh), [batch, cf]) as tf.Tensor2D;
    const flatPrompt = dense(p, getParam(params, PARAM.composerPrompt) as tf.Tensor2D, getParam(params, PARAM.composerPromptBias) as tf.Tensor1D);
    return {
      prompt: tf.reshape(flatPrompt, [batch, config.promptLength, dModel]) as tf.Tensor3D,
      attention: tf.reshape(alpha, [batch, heads, n]) as tf.Tensor3D,
    };
  });
}

/**
 * Collaborative output prior [B, vocab]: s_u (u . v_i) + s_n (abar N . v_i) with (s_u, s_n) = exp of
 * the weight cf_prior/scales, abar = the composer's
 * attention averaged over heads [B, n] (null: no neighbour term). Masked neighbours carry zero
 * attention, so what-if masks move the prior as they move the prompt.
 */
export function cfPriorLogits(params: ParamMap, userEmb: tf.Tensor2D, neighbourEmb: tf.Tensor3D | null, attention: tf.Tensor3D | null): tf.Tensor2D {
  return tf.tidy(() => {
    const items = getParam(params, PARAM.cfPriorItems) as tf.Tensor2D; // [V, cf]
    // Stored as log-scales so that Adam's roughly constant step size changes them multiplicatively.
    const scales = tf.exp(getParam(params, PARAM.cfPriorScales)) as tf.Tensor1D;
    let r: tf.Tensor2D = tf.mul(userEmb, tf.slice(scales, [0], [1]));
    if (neighbourEmb && attention) {
      const [b, , n] = attention.shape;
      const abar = tf.reshape(tf.mean(attention, 1), [b, 1, n]) as tf.Tensor3D;
      const mix = tf.reshape(tf.matMul(abar, neighbourEmb), [b, neighbourEmb.shape[2]]) as tf.Tensor2D;
      r = tf.add(r, tf.mul(mix, tf.slice(scales, [1], [1])));
    }
    return tf.matMul(r, items, false, true) as tf.Tensor2D;
  });
}

/**
 * The prior's item table [vocab * d]: row of item i's (first) token = item i's CF factors
 * (factors row-major, row i = item i); other rows 0. Training builds it from the fitted factors, the
 * pack loader from the shipped cf/item array.
 */
export function cfPriorItemTable(tok: { items(): Iterable<number>; itemTokens(item: number): ArrayLike<number> }, factors: Float32Array, d: number, vocab: number): Float32Array {
  const rows = factors.length / d;
  const values = new Float32Array(vocab * d);
  for (const item of tok.items()) {
    const row = tok.itemTokens(item)[0]!;
    if (row < vocab && item < rows) values.set(factors.subarray(item * d, (item + 1) * d), row * d);
  }
  return values;
}

/** The task's learned prompt vectors, repeated over the batch: [B, l, dModel]. */
export function taskPrompt(params: ParamMap, task: TaskName, batchSize: number): tf.Tensor3D {
  const table = params.get(taskPromptParam(task));
  if (!table) {
    throw new ModelInputError(`No prompt vectors for task '${task}': the model was configured without it (config.tasks) or without task prompts (composer.taskPrompts = false).`);
  }
  return tf.tidy(() => {
    const [l, d] = table.shape as [number, number];
    return tf.tile(tf.reshape(table, [1, l, d]), [batchSize, 1, 1]) as tf.Tensor3D;
  });
}

// Turns samples into padded tensors: prompt text (template or bare form) -> token ids, whole-word ids
// and attention mask; targets -> label ids ending in </s>, padded with <pad> (the model masks pad
// labels out of the loss). Owns the sample types and the text form of every sample, shared by
// training and evaluation; must not run the model.
import * as tf from '@tensorflow/tfjs-core';
import type { Tokenizer } from '../tokenizer.ts';
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';
import { barePrompt, templatePrompt } from './prompts.ts';

export interface RecSample {
  task: 'sequential' | 'topn';
  user: number;
  /** Sequential: history (oldest first, <= 20). Top-n: shuffled candidates (the positive among them). */
  items: Int32Array;
  target: number;
  /** Template index for training prompts; -1 = the bare validation/test form. */
  template: number;
  /** Training only: bit k set = keep the template's k-th plain word (word dropout); absent = keep all. */
  keep?: number;
}

export interface ExplanationSample {
  task: 'explanation';
  user: number;
  item: number;
  text: string;
  template: number;
  keep?: number;
}

export type Sample = RecSample | ExplanationSample;

/** Explanation targets are truncated to 20 tokens (the paper), before </s> (PAPER_PROTOCOL.explanation.targetTokens). */
export const EXPLANATION_MAX_TOKENS = PAPER_PROTOCOL.explanation.targetTokens;

export interface TextSample {
  input: string;
  target: Int32Array;
}

/** `userIds[u]` is the number written in `user_{n}` for user index u (the dataset user id). */
export function sampleText(tok: Tokenizer, s: Sample, userIds: ArrayLike<number>): TextSample {
  const user = userIds[s.user]!;
  const items = s.task === 'explanation' ? [s.item] : s.items;
  const fields = { user, items };
  const input = s.template < 0 ? barePrompt(fields) : templatePrompt(s.task, s.template, fields, s.keep);
  let target: Int32Array;
  if (s.task === 'explanation') {
    target = tok.encodeText(s.text, { addEos: true, maxTokens: EXPLANATION_MAX_TOKENS }).ids;
  } else {
    const it = tok.itemTokens(s.target);
    target = new Int32Array(it.length + 1);
    target.set(it);
    target[it.length] = tok.eosId;
  }
  return { input, target };
}

export interface HostBatch {
  tokenIds: Int32Array;
  wholeWordIds: Int32Array;
  attentionMask: Float32Array;
  labels: Int32Array;
  batchSize: number;
  inputLength: number;
  targetLength: number;
  /** Number of real (non-pad) label tokens. */
  targetTokens: number;
  /** The task every sample shares (absent for a mixed batch). */
  task?: Sample['task'];
}

/** Pads inputs to the longest in the batch (capped at maxInput, keeping the final </s>) and labels likewise. */
export function collate(tok: Tokenizer, samples: Sample[], userIds: ArrayLike<number>, maxInput: number): HostBatch {
  const enc = samples.map((s) => {
    const t = sampleText(tok, s, userIds);
    const e = tok.encodeText(t.input, { addEos: true });
    let ids = e.ids;
    let ww = e.wholeWord;
    if (ids.length > maxInput) {
      // Keep the start (user, template head) and the </s>; long top-n lists lose their tail items.
      const a = new Int32Array(maxInput);
      a.set(ids.subarray(0, maxInput - 1));
      a[maxInput - 1] = tok.eosId;
      const w = new Int32Array(maxInput);
      w.set(ww.subarray(0, maxInput - 1));
      ids = a;
      ww = w;
    }
    return { ids, ww, target: t.target };
  });
  const B = samples.length;
  const L = Math.max(1, ...enc.map((e) => e.ids.length));
  const T = Math.max(1, ...enc.map((e) => e.target.length));
  const tokenIds = new Int32Array(B * L);
  const wholeWordIds = new Int32Array(B * L);
  const attentionMask = new Float32Array(B * L);
  const labels = new Int32Array(B * T).fill(tok.padId);
  let targetTokens = 0;
  enc.forEach((e, b) => {
    tokenIds.set(e.ids, b * L);
    wholeWordIds.set(e.ww, b * L);
    attentionMask.fill(1, b * L, b * L + e.ids.length);
    labels.set(e.target, b * T);
    targetTokens += e.target.length;
  });
  const task = samples.length > 0 && samples.every((s) => s.task === samples[0]!.task) ? samples[0]!.task : undefined;
  return { tokenIds, wholeWordIds, attentionMask, labels, batchSize: B, inputLength: L, targetLength: T, targetTokens, ...(task ? { task } : {}) };
}

export interface TensorBatch {
  tokenIds: tf.Tensor2D;
  wholeWordIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  labels: tf.Tensor2D;
  task?: Sample['task'];
}

export function toTensors(h: HostBatch): TensorBatch {
  return {
    ...(h.task ? { task: h.task } : {}),
    tokenIds: tf.tensor2d(h.tokenIds, [h.batchSize, h.inputLength], 'int32'),
    wholeWordIds: tf.tensor2d(h.wholeWordIds, [h.batchSize, h.inputLength], 'int32'),
    attentionMask: tf.tensor2d(h.attentionMask, [h.batchSize, h.inputLength], 'float32'),
    labels: tf.tensor2d(h.labels, [h.batchSize, h.targetLength], 'int32'),
  };
}

export function disposeBatch(b: TensorBatch): void {
  b.tokenIds.dispose();
  b.wholeWordIds.dispose();
  b.attentionMask.dispose();
  b.labels.dispose();
}

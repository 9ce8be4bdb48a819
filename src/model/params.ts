// Parameter registry of a PeaPOD model: the stable name, shape and T5-style initialisation of every
// trainable weight, seeded initialisation, and typed lookups. Weight packs, training and the model
// all address weights through the names built here. Layout: every matrix is [in, out] (a torch
// Linear weight is its transpose); embeddings are [rows, d]. Nothing here runs a forward pass.
import * as tf from '@tensorflow/tfjs-core';
import type { PeapodConfig, TaskName } from './types.ts';
import { innerDim, validatePeapodConfig } from './t5/config.ts';
import { mulberry32 } from '../data/rng.ts';
import { MissingParamError, ParamShapeError } from './errors.ts';

export type ParamMap = Map<string, tf.Variable>;

export type ParamInit = { kind: 'normal'; std: number } | { kind: 'ones' } | { kind: 'zeros' };
export interface ParamSpec {
  name: string;
  shape: number[];
  init: ParamInit;
}

export type StackName = 'encoder' | 'decoder';

/** Names of weights that are not per layer. */
export const PARAM = {
  sharedEmbedding: 'shared/embedding',
  wholeWordEmbedding: 'whole_word/embedding',
  lmHead: 'lm_head/kernel',
  encoderFinalNorm: 'encoder/final_norm',
  decoderFinalNorm: 'decoder/final_norm',
  composerQuery: 'composer/query/kernel',
  composerQueryBias: 'composer/query/bias',
  composerKey: 'composer/key/kernel',
  composerKeyBias: 'composer/key/bias',
  composerValue: 'composer/value/kernel',
  composerValueBias: 'composer/value/bias',
  composerPrompt: 'composer/prompt/kernel',
  composerPromptBias: 'composer/prompt/bias',
  /** [vocab, cfDim]: CF item factors on each atomic item token's row (0 elsewhere). */
  cfPriorItems: 'cf_prior/item_factors',
  /** [2]: log-scales of the user term and of the attended-neighbours term. */
  cfPriorScales: 'cf_prior/scales',
  /** [1]: log-scale of the sequential transition prior. */
  seqPriorScale: 'seq_prior/scale',
  /** [1]: logit added to items already in the history (fitted; strongly negative on 5-core data). */
  seqPriorRepeat: 'seq_prior/repeat',
} as const;

/**
 * Per-layer weight name. Parts: self_attn/{q,k,v,o}, self_attn/relative_attention_bias (layer 0
 * only), self_attn_norm, cross_attn/{q,k,v,o} and cross_attn_norm (decoder), ffn/wi or
 * ffn/wi_0 + ffn/wi_1 (gated-gelu), ffn/wo, ffn_norm.
 */
export function layerParam(stack: StackName, layer: number, part: string): string {
  return `${stack}/block_${layer}/${part}`;
}

export function taskPromptParam(task: TaskName): string {
  return `task_prompt/${task}`;
}

/** Every weight of the model described by `config`, in a stable order. */
export function paramSpecs(config: PeapodConfig): ParamSpec[] {
  validatePeapodConfig(config);
  const c = config.t5;
  const d = c.dModel;
  const inner = innerDim(c);
  const normal = (std: number): ParamInit => ({ kind: 'normal', std });
  const specs: ParamSpec[] = [];
  const add = (name: string, shape: number[], init: ParamInit): void => {
    specs.push({ name, shape, init });
  };

  // T5 (Mesh TF / HF _init_weights, factor 1): embeddings N(0, 1); q N(0, (d*dk)^-0.5) which stands in
  // for the missing 1/sqrt(dk) score scaling; k, v N(0, d^-0.5); o N(0, (H*dk)^-0.5); wi d^-0.5;
  // wo dFf^-0.5; norms 1.
  add(PARAM.sharedEmbedding, [c.vocabSize, d], normal(1));
  if (c.wholeWordVocab > 0) add(PARAM.wholeWordEmbedding, [c.wholeWordVocab, d], normal(1));
  const attention = (stack: StackName, layer: number, kind: 'self_attn' | 'cross_attn'): void => {
    add(layerParam(stack, layer, `${kind}/q`), [d, inner], normal((d * c.dKv) ** -0.5));
    add(layerParam(stack, layer, `${kind}/k`), [d, inner], normal(d ** -0.5));
    add(layerParam(stack, layer, `${kind}/v`), [d, inner], normal(d ** -0.5));
    add(layerParam(stack, layer, `${kind}/o`), [inner, d], normal(inner ** -0.5));
    if (kind === 'self_attn' && layer === 0) {
      add(layerParam(stack, layer, 'self_attn/relative_attention_bias'), [c.relativeAttentionNumBuckets, c.numHeads], normal(d ** -0.5));
    }
    add(layerParam(stack, layer, `${kind}_norm`), [d], { kind: 'ones' });
  };
  const ffn = (stack: StackName, layer: number): void => {
    if (c.feedForward === 'relu') {
      add(layerParam(stack, layer, 'ffn/wi'), [d, c.dFf], normal(d ** -0.5));
    } else {
      add(layerParam(stack, layer, 'ffn/wi_0'), [d, c.dFf], normal(d ** -0.5));
      add(layerParam(stack, layer, 'ffn/wi_1'), [d, c.dFf], normal(d ** -0.5));
    }
    add(layerParam(stack, layer, 'ffn/wo'), [c.dFf, d], normal(c.dFf ** -0.5));
    add(layerParam(stack, layer, 'ffn_norm'), [d], { kind: 'ones' });
  };
  for (let i = 0; i < c.numEncoderLayers; i++) {
    attention('encoder', i, 'self_attn');
    ffn('encoder', i);
  }
  add(PARAM.encoderFinalNorm, [d], { kind: 'ones' });
  for (let i = 0; i < c.numDecoderLayers; i++) {
    attention('decoder', i, 'self_attn');
    attention('decoder', i, 'cross_attn');
    ffn('decoder', i);
  }
  add(PARAM.decoderFinalNorm, [d], { kind: 'ones' });
  // Untied head: d^-0.5 keeps initial logits O(1) (HF's N(0, 1) would give logits of std sqrt(d)).
  if (!c.tieWordEmbeddings) add(PARAM.lmHead, [d, c.vocabSize], normal(d ** -0.5));

  const m = config.composer;
  if (m.collaborative) {
    // Like a torch Linear (std ~ fan_in^-0.5), biases start at 0.
    const cf = m.cfDim;
    for (const [kernel, bias] of [
      [PARAM.composerQuery, PARAM.composerQueryBias],
      [PARAM.composerKey, PARAM.composerKeyBias],
      [PARAM.composerValue, PARAM.composerValueBias],
    ] as const) {
      add(kernel, [cf, cf], normal(cf ** -0.5));
      add(bias, [cf], { kind: 'zeros' });
    }
    add(PARAM.composerPrompt, [cf, m.promptLength * d], normal(cf ** -0.5));
    add(PARAM.composerPromptBias, [m.promptLength * d], { kind: 'zeros' });
  }
  if (m.cfPrior) {
    add(PARAM.cfPriorItems, [c.vocabSize, m.cfDim], { kind: 'zeros' });
    add(PARAM.cfPriorScales, [2], { kind: 'zeros' });
  }
  if (m.seqPrior) {
    add(PARAM.seqPriorScale, [1], { kind: 'zeros' });
    add(PARAM.seqPriorRepeat, [1], { kind: 'zeros' });
  }
  if (m.taskPrompts) {
    // Soft prompts live in token-embedding space, so they start at the embeddings' scale.
    for (const task of config.tasks) add(taskPromptParam(task), [m.promptLength, d], normal(1));
  }
  return specs;
}

export function paramShapes(config: PeapodConfig): Map<string, number[]> {
  return new Map(paramSpecs(config).map((s) => [s.name, s.shape]));
}

/** Total number of trainable scalars. */
export function countParams(config: PeapodConfig): number {
  let n = 0;
  for (const s of paramSpecs(config)) n += s.shape.reduce((a, b) => a * b, 1);
  return n;
}

/** FNV-1a over the name, mixed with the seed: each weight's stream depends on (seed, name) only. */
function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= Math.imul(seed >>> 0, 0x9e3779b1);
  return h >>> 0;
}

/** Seeded N(0, std^2) values (Box-Muller), deterministic for a (seed, name) pair. */
export function seededNormal(seed: number, name: string, size: number, std: number): Float32Array {
  const rng = mulberry32(streamSeed(seed, name));
  const rand = rng.next;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const u1 = 1 - rand(); // (0, 1]: log stays finite
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < size) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

export function initialValues(spec: ParamSpec, seed: number): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  switch (spec.init.kind) {
    case 'ones':
      return new Float32Array(size).fill(1);
    case 'zeros':
      return new Float32Array(size);
    case 'normal':
      return seededNormal(seed, spec.name, size, spec.init.std);
  }
}

/**
 * Fresh trainable weights for `config`. The same (config, seed) gives the same values on every
 * backend; a weight's values do not depend on which other weights exist.
 */
export function initPeapodParams(config: PeapodConfig, seed: number): ParamMap {
  const params: ParamMap = new Map();
  for (const spec of paramSpecs(config)) {
    const t = tf.tensor(initialValues(spec, seed), spec.shape, 'float32');
    // No tfjs variable name: tfjs names are global, and tests build many models side by side.
    params.set(spec.name, tf.variable(t, true));
    t.dispose();
  }
  return params;
}

// Their classes live in errors.ts (no tensors there), so code that must not load tfjs can test for them.
export { MissingParamError, ParamShapeError };

export function getParam(params: ParamMap, name: string): tf.Variable {
  const v = params.get(name);
  if (!v) {
    throw new MissingParamError(`Weight '${name}' is missing from the parameter map; the weights were made for a different config (check the pack's manifest against the model config) or initPeapodParams was not used.`);
  }
  return v;
}

/** Checks that `params` holds exactly the weights of `config` with the right shapes. */
export function checkParams(config: PeapodConfig, params: ParamMap): void {
  const shapes = paramShapes(config);
  for (const [name, shape] of shapes) {
    const v = getParam(params, name);
    if (v.shape.length !== shape.length || v.shape.some((s, i) => s !== shape[i])) {
      throw new ParamShapeError(`Weight '${name}' has shape [${v.shape.join(', ')}] but the config needs [${shape.join(', ')}]; the weights and the config do not belong together.`);
    }
    if (v.dtype !== 'float32') throw new ParamShapeError(`Weight '${name}' is ${v.dtype}; the model keeps every weight float32.`);
  }
  for (const name of params.keys()) {
    if (!shapes.has(name)) throw new ParamShapeError(`Weight '${name}' is not part of this config; the weights were made for a different model config.`);
  }
}

export function disposeParams(params: ParamMap): void {
  for (const v of params.values()) v.dispose();
  params.clear();
}

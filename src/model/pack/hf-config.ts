// config.json of a checkpoint folder: Hugging Face's T5Config keys <-> our T5Config, and the
// PeaPOD block that a checkpoint of ours adds under the key "peapod" (our PeapodConfig, the word
// tokenizer, the dataset it was trained on). Hugging Face's from_pretrained keeps unknown keys, so
// one config.json serves both worlds. Pure: no I/O, no tensors.
//
// A checkpoint folder of ours:
//   config.json        HF T5 keys (model_type "t5", d_model, ...) + "peapod": PeapodCheckpointMeta
//   tokenizer.json     (when the block has no tokenizer) T5's SentencePiece tokenizer, e.g. the authors'
//   model.safetensors  every weight under its checkpoint name (hf-names.ts), F32/F16/BF16
//   data.safetensors   (collaborative models) CF tables: "cf.user" [U, cfDim] and optionally
//                      "cf.item" [I+1, cfDim], "users.ids" [U] (dataset user id per row, default the
//                      dataset's order), "items.dataset_ids" [I+1] (dataset item id of each model item
//                      id, default identity)
import { CheckpointError } from '../errors.ts';
import type { TokenizerJSON } from '../tokenizer.ts';
import { validatePeapodConfig } from '../t5/config.ts';
import type { PeapodConfig, T5Config } from '../types.ts';

export const CHECKPOINT_FILES = {
  config: 'config.json',
  model: 'model.safetensors',
  data: 'data.safetensors',
  tokenizer: 'tokenizer.json',
} as const;

/** Tensor names of data.safetensors. */
export const CHECKPOINT_DATA = {
  cfUser: 'cf.user',
  cfItem: 'cf.item',
  userIds: 'users.ids',
  itemDatasetIds: 'items.dataset_ids',
} as const;

export const PEAPOD_CONFIG_KEY = 'peapod';
export const PEAPOD_CHECKPOINT_FORMAT = 'peapod-checkpoint';

export interface PeapodCheckpointMeta {
  format: typeof PEAPOD_CHECKPOINT_FORMAT;
  version: 1;
  config: PeapodConfig;
  /**
   * The tokenizer the model was trained with (model/tokenizer.ts). Absent: the folder's
   * tokenizer.json (T5's SentencePiece, e.g. the authors' PeaPOD) is used, with config.idScheme 'p5'.
   */
  tokenizer?: TokenizerJSON;
  /** Dataset the model was trained on (a folder name under the data directory), when known. */
  dataset?: { name: string; fingerprint?: string; ids?: 'original' | 'remapped' };
  /** Name for the pack. */
  name?: string;
  /** Anything else worth keeping (training options, provenance); copied into the pack manifest. */
  training?: Record<string, unknown>;
}

/** The subset of Hugging Face's T5Config that describes the network. */
export interface HfT5Config {
  model_type?: string;
  architectures?: string[];
  vocab_size: number;
  d_model: number;
  d_kv: number;
  d_ff: number;
  num_layers: number;
  num_decoder_layers?: number;
  num_heads: number;
  relative_attention_num_buckets?: number;
  relative_attention_max_distance?: number;
  dropout_rate?: number;
  layer_norm_epsilon?: number;
  feed_forward_proj?: string;
  tie_word_embeddings?: boolean;
  pad_token_id?: number;
  eos_token_id?: number;
  decoder_start_token_id?: number;
  is_encoder_decoder?: boolean;
}

function bad(detail: string): CheckpointError {
  return new CheckpointError('invalid', null, `config.json ${detail}.`);
}

function intKey(json: Record<string, unknown>, key: string, fallback?: number): number {
  const v = json[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`has ${key} = ${JSON.stringify(v)}; it must be a non-negative integer${fallback === undefined ? ' (the key is required for a T5 model)' : ''}`);
  return v;
}

function numKey(json: Record<string, unknown>, key: string, fallback: number): number {
  const v = json[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`has ${key} = ${JSON.stringify(v)}; it must be a number`);
  return v;
}

/**
 * Our T5Config from Hugging Face T5 config.json keys (defaults as in transformers' T5Config).
 * Supported: T5 1.0 (relu, tied head, e.g. t5-small) and T5 1.1 / flan-t5 (gated-gelu, untied).
 */
export function t5ConfigFromHf(raw: unknown, wholeWordVocab = 0): T5Config {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('is not a JSON object');
  const json = raw as Record<string, unknown>;
  if (json['model_type'] !== undefined && json['model_type'] !== 't5') {
    throw bad(`says model_type ${JSON.stringify(json['model_type'])}; the importer reads T5 encoder-decoder models (model_type "t5") only`);
  }
  if (json['is_encoder_decoder'] === false) throw bad('says is_encoder_decoder false; PeaPOD needs the full T5 encoder-decoder');
  const proj = json['feed_forward_proj'] ?? 'relu';
  let feedForward: T5Config['feedForward'];
  if (proj === 'relu') feedForward = 'relu';
  else if (proj === 'gated-gelu') feedForward = 'gated-gelu';
  else throw bad(`has feed_forward_proj ${JSON.stringify(proj)}; the runtime supports "relu" (T5 1.0) and "gated-gelu" (T5 1.1, flan-t5)`);
  const tie = json['tie_word_embeddings'] ?? true;
  if (typeof tie !== 'boolean') throw bad(`has tie_word_embeddings = ${JSON.stringify(tie)}; it must be true or false`);
  const numLayers = intKey(json, 'num_layers');
  const pad = intKey(json, 'pad_token_id', 0);
  const start = intKey(json, 'decoder_start_token_id', pad);
  if (start !== pad) throw bad(`has decoder_start_token_id ${start} but pad_token_id ${pad}; the runtime starts decoding with the pad token, as T5 does`);
  const eosRaw = json['eos_token_id'];
  const eos = Array.isArray(eosRaw) ? eosRaw[0] : eosRaw === undefined ? 1 : eosRaw;
  if (typeof eos !== 'number' || !Number.isInteger(eos) || eos < 0) throw bad(`has eos_token_id = ${JSON.stringify(eosRaw)}; it must be a token id`);
  const t5: T5Config = {
    vocabSize: intKey(json, 'vocab_size'),
    dModel: intKey(json, 'd_model'),
    dKv: intKey(json, 'd_kv'),
    numHeads: intKey(json, 'num_heads'),
    dFf: intKey(json, 'd_ff'),
    numEncoderLayers: numLayers,
    numDecoderLayers: intKey(json, 'num_decoder_layers', numLayers),
    feedForward,
    relativeAttentionNumBuckets: intKey(json, 'relative_attention_num_buckets', 32),
    relativeAttentionMaxDistance: intKey(json, 'relative_attention_max_distance', 128),
    tieWordEmbeddings: tie,
    dropoutRate: numKey(json, 'dropout_rate', 0.1),
    layerNormEpsilon: numKey(json, 'layer_norm_epsilon', 1e-6),
    padTokenId: pad,
    eosTokenId: eos,
    wholeWordVocab,
  };
  return t5;
}

/** Hugging Face T5Config keys for our T5Config (what transformers' T5ForConditionalGeneration needs). */
export function hfConfigOf(t5: T5Config): HfT5Config & Record<string, unknown> {
  return {
    model_type: 't5',
    architectures: ['T5ForConditionalGeneration'],
    vocab_size: t5.vocabSize,
    d_model: t5.dModel,
    d_kv: t5.dKv,
    d_ff: t5.dFf,
    num_layers: t5.numEncoderLayers,
    num_decoder_layers: t5.numDecoderLayers,
    num_heads: t5.numHeads,
    relative_attention_num_buckets: t5.relativeAttentionNumBuckets,
    relative_attention_max_distance: t5.relativeAttentionMaxDistance,
    dropout_rate: t5.dropoutRate,
    layer_norm_epsilon: t5.layerNormEpsilon,
    feed_forward_proj: t5.feedForward,
    tie_word_embeddings: t5.tieWordEmbeddings,
    pad_token_id: t5.padTokenId,
    eos_token_id: t5.eosTokenId,
    decoder_start_token_id: t5.padTokenId,
    is_encoder_decoder: true,
  };
}

/** config.json of a checkpoint of ours: HF keys for the T5 part + the PeaPOD block. */
export function checkpointConfigJson(meta: Omit<PeapodCheckpointMeta, 'format' | 'version'>): Record<string, unknown> {
  return { ...hfConfigOf(meta.config.t5), [PEAPOD_CONFIG_KEY]: { format: PEAPOD_CHECKPOINT_FORMAT, version: 1, ...meta } };
}

export type CheckpointConfig = { kind: 'hf-t5'; t5: T5Config } | { kind: 'peapod'; t5: T5Config; meta: PeapodCheckpointMeta };

const T5_KEYS: [keyof T5Config, string][] = [
  ['vocabSize', 'vocab_size'],
  ['dModel', 'd_model'],
  ['dKv', 'd_kv'],
  ['numHeads', 'num_heads'],
  ['dFf', 'd_ff'],
  ['numEncoderLayers', 'num_layers'],
  ['numDecoderLayers', 'num_decoder_layers'],
  ['feedForward', 'feed_forward_proj'],
  ['relativeAttentionNumBuckets', 'relative_attention_num_buckets'],
  ['relativeAttentionMaxDistance', 'relative_attention_max_distance'],
  ['tieWordEmbeddings', 'tie_word_embeddings'],
];

/**
 * Reads config.json (already JSON-parsed): a plain Hugging Face T5, or one of ours (with the
 * "peapod" block, whose T5 part must agree with the HF keys when both are given).
 */
export function readCheckpointConfig(raw: unknown): CheckpointConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('is not a JSON object');
  const json = raw as Record<string, unknown>;
  const block = json[PEAPOD_CONFIG_KEY];
  if (block === undefined) {
    const t5 = t5ConfigFromHf(json);
    return { kind: 'hf-t5', t5 };
  }
  if (block === null || typeof block !== 'object' || Array.isArray(block)) throw bad(`has "${PEAPOD_CONFIG_KEY}" = ${JSON.stringify(block)}; it must be the PeaPOD block (format "${PEAPOD_CHECKPOINT_FORMAT}")`);
  const meta = block as Partial<PeapodCheckpointMeta>;
  if (meta.format !== PEAPOD_CHECKPOINT_FORMAT || meta.version !== 1) {
    throw bad(`has a "${PEAPOD_CONFIG_KEY}" block of format ${JSON.stringify(meta.format)} version ${JSON.stringify(meta.version)}; this importer reads format "${PEAPOD_CHECKPOINT_FORMAT}" version 1 (update PeaPOD Web or re-export the checkpoint)`);
  }
  const config = meta.config;
  if (!config || typeof config !== 'object' || !config.t5 || !config.composer || !Array.isArray(config.tasks)) {
    throw bad(`has no usable "${PEAPOD_CONFIG_KEY}.config" (a PeapodConfig with t5, composer, tasks, idScheme)`);
  }
  try {
    validatePeapodConfig(config);
  } catch (err) {
    throw bad(`has a "${PEAPOD_CONFIG_KEY}.config" that cannot describe a model: ${(err as Error).message}`);
  }
  if (meta.tokenizer !== undefined && (meta.tokenizer === null || typeof meta.tokenizer !== 'object')) throw bad(`has "${PEAPOD_CONFIG_KEY}.tokenizer" = ${JSON.stringify(meta.tokenizer)}; it must be the tokenizer JSON the model was trained with, or absent when the folder has tokenizer.json`);
  if (meta.tokenizer === undefined && config.idScheme !== 'p5') throw bad(`has no "${PEAPOD_CONFIG_KEY}.tokenizer", so the folder's tokenizer.json (T5's SentencePiece) is used, but "${PEAPOD_CONFIG_KEY}.config.idScheme" is "${config.idScheme}"; SentencePiece ids are "p5"`);
  if (json['d_model'] !== undefined) {
    const hf = t5ConfigFromHf(json, config.t5.wholeWordVocab);
    for (const [ours, key] of T5_KEYS) {
      if (hf[ours] !== config.t5[ours]) {
        throw bad(`says ${key} = ${JSON.stringify(hf[ours])} but "${PEAPOD_CONFIG_KEY}.config.t5.${ours}" = ${JSON.stringify(config.t5[ours])}; the two halves describe different models (re-export the checkpoint)`);
      }
    }
  }
  return { kind: 'peapod', t5: config.t5, meta: meta as PeapodCheckpointMeta };
}

// The files of a checkpoint folder of ours (config.json + model.safetensors + data.safetensors, see
// hf-config.ts), built in memory: what a PyTorch run reads to start from our weights, and what the
// importer's tests write. checkpointFiles builds the bytes; writeCheckpointDir writes them (Node only:
// browser code must not import this module).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ParamMap } from '../params.ts';
import type { TokenizerJSON } from '../tokenizer.ts';
import type { PeapodConfig } from '../types.ts';
import { CHECKPOINT_DATA, CHECKPOINT_FILES, checkpointConfigJson, type PeapodCheckpointMeta } from './hf-config.ts';
import { paramValues, toCheckpoint, type NamedValues } from './hf-names.ts';
import { writeSafetensors, type SafetensorsInput } from './safetensors.ts';

export interface CheckpointDataArrays {
  /** float [U, cfDim]: CF user embeddings, one row per dataset user (in users.ids order). */
  cfUser: Float32Array;
  /** float [I+1, cfDim]: CF item factors by model item id (row 0 unused). */
  cfItem?: Float32Array;
  /** int [U]: dataset user id of each row (default: the dataset's own order). */
  userIds?: Int32Array;
  /** int [I+1]: dataset item id of each model item id (default: identity). */
  itemDatasetIds?: Int32Array;
}

export interface CheckpointContents {
  config: PeapodConfig;
  /** Our weights ([in, out]), as a ParamMap or plain arrays. */
  weights: ParamMap | Map<string, NamedValues>;
  /** Our tokenizer JSON, kept in config.json; or absent with `tokenizerJson` (T5's SentencePiece). */
  tokenizer?: TokenizerJSON;
  /** A Hugging Face tokenizer.json written beside the weights (used when `tokenizer` is absent). */
  tokenizerJson?: unknown;
  data?: CheckpointDataArrays;
  dataset?: PeapodCheckpointMeta['dataset'];
  name?: string;
  training?: Record<string, unknown>;
}

function isParamMap(w: CheckpointContents['weights']): w is ParamMap {
  const first = w.values().next().value as unknown;
  return first !== undefined && typeof (first as { dataSync?: unknown }).dataSync === 'function';
}

/** File name -> bytes of a checkpoint folder of ours. */
export function checkpointFiles(c: CheckpointContents): Map<string, Uint8Array> {
  const values = isParamMap(c.weights) ? paramValues(c.weights) : c.weights;
  const hf = toCheckpoint(c.config, values);
  const files = new Map<string, Uint8Array>();
  const meta: Omit<PeapodCheckpointMeta, 'format' | 'version'> = { config: c.config };
  if (c.tokenizer) meta.tokenizer = c.tokenizer;
  if (c.dataset) meta.dataset = c.dataset;
  if (c.name) meta.name = c.name;
  if (c.training) meta.training = c.training;
  files.set(CHECKPOINT_FILES.config, new TextEncoder().encode(JSON.stringify(checkpointConfigJson(meta), null, 1)));
  if (c.tokenizerJson !== undefined) files.set(CHECKPOINT_FILES.tokenizer, new TextEncoder().encode(JSON.stringify(c.tokenizerJson)));
  files.set(CHECKPOINT_FILES.model, writeSafetensors([...hf].map(([name, v]) => ({ name, dtype: 'F32' as const, shape: v.shape, data: v.data })), { format: 'pt' }));
  if (c.data) {
    const d = c.config.composer.cfDim;
    const t: SafetensorsInput[] = [{ name: CHECKPOINT_DATA.cfUser, dtype: 'F32', shape: [c.data.cfUser.length / d, d], data: c.data.cfUser }];
    if (c.data.cfItem) t.push({ name: CHECKPOINT_DATA.cfItem, dtype: 'F32', shape: [c.data.cfItem.length / d, d], data: c.data.cfItem });
    if (c.data.userIds) t.push({ name: CHECKPOINT_DATA.userIds, dtype: 'I32', shape: [c.data.userIds.length], data: c.data.userIds });
    if (c.data.itemDatasetIds) t.push({ name: CHECKPOINT_DATA.itemDatasetIds, dtype: 'I32', shape: [c.data.itemDatasetIds.length], data: c.data.itemDatasetIds });
    files.set(CHECKPOINT_FILES.data, writeSafetensors(t, { format: 'pt' }));
  }
  return files;
}

/** Writes a checkpoint folder of ours (Node). */
export function writeCheckpointDir(dir: string, c: CheckpointContents): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of checkpointFiles(c)) {
    const p = path.join(dir, name);
    fs.writeFileSync(`${p}.tmp`, bytes);
    fs.renameSync(`${p}.tmp`, p);
  }
}

// Writes a trained (or untrained) model as a weight pack: weights (float16 or float32) + PACK_DATA
// arrays + items.json + example.json + explanations.json + training-log.jsonl, with the manifest
// recording the id map, training config, metrics and the command that reproduces it. Uses the pack
// builder of src/model/pack for the format; adds the JSON-lines log itself (the builder writes JSON).
// Node only; must not train or evaluate.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { buildPack } from '../model/pack/build.ts';
import { MANIFEST_FILE, type NamedArray, type PackDataset } from '../model/pack/format.ts';
import { PACK_DATA, PACK_FILES, type PeapodConfig } from '../model/types.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import { PARAM, type ParamMap } from '../model/params.ts';
import type { ExplanationPair } from '../data/types.ts';
import { PeapodError } from '../errors.ts';
import { PAPER_PROTOCOL } from '../paper-protocol.ts';

/** Data array (besides PACK_DATA) holding the dataset item id of every pack item id (index 0 = 0). */
export const ITEM_DATASET_IDS = 'items/dataset_ids';
/** Data array: fixed validation negatives are not shipped; the test negatives are PACK_DATA.topnNegatives. */

export interface ExportInputs {
  out: string;
  name: string;
  config: PeapodConfig;
  tok: Tokenizer;
  params: ParamMap;
  weightDtype: 'float16' | 'float32';
  dataset: PackDataset;
  userIds: Int32Array;
  sequences: readonly Int32Array[];
  cfUser: Float32Array;
  cfItem: Float32Array;
  cfDim: number;
  neighbourIndices: Int32Array;
  neighbourSimilarity: Float32Array;
  nMax: number;
  testNegatives: readonly ArrayLike<number>[];
  itemNames: string[];
  /** Training-space item id -> dataset item id (identity when ids are original). */
  itemDatasetIds: Int32Array;
  example: unknown;
  explanationsTest: readonly ExplanationPair[];
  trainingLogFile: string | null;
  command: string;
  seconds: number;
  samplesPerSecond: number | null;
  backend: string;
  metrics: Record<string, unknown>;
  /** Extra manifest fields: training options, id map description, CF details. */
  training: Record<string, unknown>;
}

export class PackTooLargeError extends PeapodError {
  override name = 'PackTooLargeError';
  override readonly code = 'train-pack-too-large';
}

export function gitCommit(): string | null {
  try {
    return execSync('git rev-parse HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

function flatten(rows: readonly ArrayLike<number>[], width: number): Int32Array {
  const out = new Int32Array(rows.length * width);
  rows.forEach((r, i) => {
    for (let k = 0; k < width; k++) out[i * width + k] = r[k]!;
  });
  return out;
}

export async function exportPack(x: ExportInputs, maxBytes = 15 * 1024 * 1024): Promise<{ bytes: number; files: number }> {
  const weights: NamedArray[] = [];
  // The prior's item table is frozen CF item factors, shipped once as data (cf/item) and rebuilt at load.
  for (const [name, v] of x.params) if (name !== PARAM.cfPriorItems) weights.push({ name, shape: v.shape.slice(), values: v.dataSync() as Float32Array });
  const U = x.userIds.length;
  const offsets = new Int32Array(U + 1);
  for (let u = 0; u < U; u++) offsets[u + 1] = offsets[u]! + x.sequences[u]!.length;
  const items = new Int32Array(offsets[U]!);
  x.sequences.forEach((s, u) => items.set(s, offsets[u]));
  const numItems = x.itemNames.length - 1;
  const small = numItems < 65536 && U < 65536;
  const data: NamedArray[] = [
    { name: PACK_DATA.userIds, shape: [U], values: x.userIds, store: 'int32' },
    { name: PACK_DATA.historyOffsets, shape: [U + 1], values: offsets, store: 'int32' },
    { name: PACK_DATA.historyItems, shape: [items.length], values: items, store: numItems < 65536 ? 'uint16' : 'int32' },
    { name: PACK_DATA.cfUser, shape: [U, x.cfDim], values: x.cfUser, store: 'float16' },
    { name: PACK_DATA.cfItem, shape: [numItems + 1, x.cfDim], values: x.cfItem, store: 'float16' },
    { name: PACK_DATA.neighbourIndices, shape: [U, x.nMax], values: x.neighbourIndices, store: small ? 'uint16' : 'int32' },
    { name: PACK_DATA.neighbourSimilarity, shape: [U, x.nMax], values: x.neighbourSimilarity, store: 'float16' },
    { name: PACK_DATA.topnNegatives, shape: [U, PAPER_PROTOCOL.topn.negatives], values: flatten(x.testNegatives, PAPER_PROTOCOL.topn.negatives), store: numItems < 65536 ? 'uint16' : 'int32' },
    { name: ITEM_DATASET_IDS, shape: [numItems + 1], values: x.itemDatasetIds, store: 'int32' },
  ];
  const jsonFiles: Record<string, unknown> = {
    [PACK_FILES.items]: x.itemNames,
    [PACK_FILES.example]: x.example,
  };
  if (x.explanationsTest.length > 0) jsonFiles[PACK_FILES.explanations] = x.explanationsTest.map((p) => ({ user: p.user, item: p.item, reference: p.text }));
  const built = await buildPack({
    name: x.name,
    config: x.config,
    tokenizer: x.tok.toJSON(),
    dataset: x.dataset,
    provenance: { command: x.command, gitCommit: gitCommit(), date: new Date().toISOString(), seconds: x.seconds, samplesPerSecond: x.samplesPerSecond, backend: x.backend },
    metrics: x.metrics,
    weights,
    weightDtype: x.weightDtype,
    data,
    jsonFiles,
  });
  const files = built.files;
  const manifest: Record<string, unknown> = { ...built.manifest, training: x.training };
  const fileInfo = { ...built.manifest.files };
  if (x.trainingLogFile && fs.existsSync(x.trainingLogFile)) {
    const log = fs.readFileSync(x.trainingLogFile);
    files.set(PACK_FILES.trainingLog, new Uint8Array(log));
    fileInfo[PACK_FILES.trainingLog] = { sha256: createHash('sha256').update(log).digest('hex'), bytes: log.byteLength };
  }
  manifest['files'] = fileInfo;
  files.set(MANIFEST_FILE, new TextEncoder().encode(JSON.stringify(manifest, null, 1)));
  let total = 0;
  for (const b of files.values()) total += b.byteLength;
  if (total > maxBytes)
    throw new PackTooLargeError(`pack ${x.name} would be ${(total / 1e6).toFixed(1)} MB, over the ${(maxBytes / 1e6).toFixed(1)} MB limit; use --dtype float16, a smaller --d-model, or fewer neighbours (--n-max).`);
  // Write into a fresh folder, then swap it in, so a reader never sees a half-written pack.
  const tmp = `${x.out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [rel, bytes] of files) {
    if (rel === MANIFEST_FILE) continue;
    const p = path.join(tmp, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, bytes);
  }
  fs.writeFileSync(path.join(tmp, MANIFEST_FILE), files.get(MANIFEST_FILE)!);
  const old = `${x.out}.old-${process.pid}`;
  if (fs.existsSync(x.out)) fs.renameSync(x.out, old);
  fs.mkdirSync(path.dirname(path.resolve(x.out)), { recursive: true });
  fs.renameSync(tmp, x.out);
  fs.rmSync(old, { recursive: true, force: true });
  return { bytes: total, files: files.size };
}

// Builds the bytes of a weight pack in memory: shards, side JSON files, and the manifest with the
// SHA-256 and size of every file. Pure apart from hashing (crypto.subtle, in Node 20 and browsers),
// so the same code can be tested without a file system; node.ts writes the result to disk.
import { encodeGroup, MANIFEST_FILE, PACK_FORMAT_VERSION, PACK_KIND, SHARD_BYTES, type NamedArray, type PackDataset, type PackManifest, type PackProvenance } from './format.ts';
import type { TokenizerJSON } from '../tokenizer.ts';
import type { PeapodConfig } from '../types.ts';

export interface PackContents {
  name: string;
  config: PeapodConfig;
  tokenizer: TokenizerJSON;
  dataset: PackDataset;
  provenance: PackProvenance;
  metrics?: Record<string, unknown>;
  /** Model weights by parameter name (params.ts names), stored as weightDtype. */
  weights: NamedArray[];
  weightDtype: 'float32' | 'float16';
  /** Data arrays (PACK_DATA names); each keeps its own `store`. */
  data?: NamedArray[];
  /** Side files (PACK_FILES names such as items.json), serialised as JSON. */
  jsonFiles?: Record<string, unknown>;
  /** Side files stored byte for byte (e.g. training-log.jsonl). */
  rawFiles?: Record<string, Uint8Array>;
  /** Extra top-level manifest fields (e.g. training options); they cannot replace the standard ones. */
  extraManifest?: Record<string, unknown>;
  /** Shard size limit; default 4 MB. */
  shardBytes?: number;
}

export interface BuiltPack {
  manifest: PackManifest;
  /** Every file by path relative to the pack folder, manifest.json included (written last). */
  files: Map<string, Uint8Array>;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function buildPack(contents: PackContents): Promise<BuiltPack> {
  const weights = contents.weights.map((w) => ({ ...w, store: contents.weightDtype }));
  const w = encodeGroup(weights, 'weights', contents.shardBytes ?? SHARD_BYTES);
  const data = contents.data?.length ? encodeGroup(contents.data, 'data', contents.shardBytes ?? SHARD_BYTES) : null;
  const files = new Map<string, Uint8Array>();
  w.group.paths.forEach((p, i) => files.set(p, w.shards[i]!));
  data?.group.paths.forEach((p, i) => files.set(p, data.shards[i]!));
  const enc = new TextEncoder();
  const side: [string, Uint8Array][] = [
    ...Object.entries(contents.jsonFiles ?? {}).map(([p, v]): [string, Uint8Array] => [p, enc.encode(JSON.stringify(v))]),
    ...Object.entries(contents.rawFiles ?? {}),
  ];
  for (const [path, bytes] of side) {
    if (path === MANIFEST_FILE || files.has(path)) throw new RangeError(`side file "${path}" clashes with a pack file; choose another name.`);
    files.set(path, bytes);
  }
  const info: PackManifest['files'] = {};
  for (const [path, bytes] of files) info[path] = { sha256: await sha256Hex(bytes), bytes: bytes.byteLength };
  const manifest: PackManifest = {
    ...contents.extraManifest,
    formatVersion: PACK_FORMAT_VERSION,
    kind: PACK_KIND,
    name: contents.name,
    config: contents.config,
    idScheme: contents.config.idScheme,
    tokenizer: contents.tokenizer,
    dataset: contents.dataset,
    provenance: contents.provenance,
    metrics: contents.metrics ?? {},
    weightDtype: contents.weightDtype,
    weightsManifest: [w.group],
    dataManifest: data ? [data.group] : [],
    files: info,
  };
  files.set(MANIFEST_FILE, enc.encode(JSON.stringify(manifest, null, 1)));
  return { manifest, files };
}

// Loads and verifies a weight pack from any PackSource (disk in Node, HTTP in the browser): reads the
// manifest, then every file with byte progress, checks size and SHA-256, decodes the shards and
// checks the weights against the shapes the model config implies. Every failure is a typed
// ModelPack*Error naming the file and tensor. Creates no tensors (pack/params.ts does) and never
// imports node:fs, so it is safe in the browser module graph.
import { cfPriorItemTable } from '../composer.ts';
import {
  ModelPackCorruptError,
  ModelPackError,
  ModelPackInvalidManifestError,
  ModelPackMismatchError,
  ModelPackTruncatedError,
  ModelPackVersionError,
  TokenizerError,
} from '../errors.ts';
import { PARAM, paramShapes } from '../params.ts';
import { Tokenizer } from '../tokenizer.ts';
import { PACK_DATA } from '../types.ts';
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';
import { sha256Hex } from './build.ts';
import { limitedAll, READ_CONCURRENCY } from './limited.ts';
import { decodeGroup, MANIFEST_FILE, PACK_FORMAT_VERSION, PACK_KIND, type NamedArray, type PackManifest, type WeightsManifestGroup } from './format.ts';

/** Byte progress of one file as it arrives. */
export type FileProgress = (loaded: number) => void;

/** Where pack files come from. `read` throws ModelPackMissingFileError when a file does not exist. */
export interface PackSource {
  /** Human-readable location, used in error messages ("the folder /x/pack", "https://.../pack/"). */
  readonly description: string;
  read(path: string, onBytes?: FileProgress, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * The bytes with their SHA-256 (hex), for a source that hashed them already (a prefetch hashes each
   * file as it arrives, while others still download). The loader still compares it to the manifest.
   */
  readHashed?(path: string, onBytes?: FileProgress, signal?: AbortSignal): Promise<{ bytes: Uint8Array; sha256: string }>;
}

export interface PackProgress {
  /** File being read. */
  file: string;
  fileLoaded: number;
  /** Size of the file from the manifest; null for the manifest itself. */
  fileTotal: number | null;
  /** Bytes of all files read so far (manifest included). */
  loaded: number;
  /** All bytes of the pack; null until the manifest is read. */
  total: number | null;
  phase: 'manifest' | 'files' | 'verify' | 'done';
}

export interface LoadPackOptions {
  onProgress?: (p: PackProgress) => void;
  signal?: AbortSignal;
  /** Weight shapes to require; default paramShapes(manifest.config). Pass null to skip the check. */
  expectedShapes?: Map<string, number[]> | null;
  /** Called as each start-up stage ends (the app turns them into performance marks). */
  onStage?: (stage: LoadStage) => void;
}

/** Stages of loadPack, in the order they end. */
export type LoadStage = 'manifest' | 'fetched' | 'verified' | 'decoded' | 'tables';

export interface LoadedPack {
  manifest: PackManifest;
  tokenizer: Tokenizer;
  /** Model weights as float32 (float16 packs are dequantised). */
  weights: Map<string, NamedArray>;
  /** Data arrays (PACK_DATA names): floats as Float32Array, integers as Int32Array. */
  data: Map<string, NamedArray>;
  /** Side files other than shards (items.json, example.json, ...), as raw bytes. */
  sideFiles: Map<string, Uint8Array>;
  /** Parses a side JSON file, or returns undefined when the pack has none of that name. */
  json<T = unknown>(path: string): T | undefined;
  /** Total bytes read, manifest included. */
  bytes: number;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Upper bounds far above any PeaPOD model (T5-base has d_model 768, 12 layers, vocab 32k). */
const CONFIG_LIMITS: Record<'t5' | 'composer', Record<string, number>> = {
  t5: { vocabSize: 1 << 20, dModel: 8192, dKv: 1024, numHeads: 128, dFf: 65536, numEncoderLayers: 64, numDecoderLayers: 64, relativeAttentionNumBuckets: 1024, relativeAttentionMaxDistance: 1 << 16, padTokenId: 1 << 20, eosTokenId: 1 << 20, wholeWordVocab: 1 << 20 },
  composer: { cfDim: 8192, numNeighbours: 4096, numHeads: 128, promptLength: 1024 },
};

/** Structural checks of the parsed manifest, before any other file is read. */
export function validateManifest(raw: unknown): PackManifest {
  const bad = (detail: string): never => {
    throw new ModelPackInvalidManifestError(MANIFEST_FILE, detail);
  };
  if (!isObject(raw)) bad('it is not a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.kind !== PACK_KIND) throw new ModelPackVersionError(MANIFEST_FILE, `kind is ${JSON.stringify(m.kind)}, expected "${PACK_KIND}"`);
  if (m.formatVersion !== PACK_FORMAT_VERSION) {
    throw new ModelPackVersionError(MANIFEST_FILE, `formatVersion is ${JSON.stringify(m.formatVersion)}, this version of PeaPOD Web reads formatVersion ${PACK_FORMAT_VERSION}`);
  }
  for (const key of ['name', 'idScheme', 'weightDtype'] as const) if (typeof m[key] !== 'string') bad(`"${key}" is missing or not a string`);
  for (const key of ['config', 'tokenizer', 'dataset', 'provenance', 'metrics', 'files'] as const) if (!isObject(m[key])) bad(`"${key}" is missing or not an object`);
  for (const key of ['weightsManifest', 'dataManifest'] as const) {
    if (!Array.isArray(m[key])) bad(`"${key}" is missing or not an array`);
    for (const g of m[key] as unknown[]) {
      if (!isObject(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) bad(`a "${key}" group lacks "paths" or "weights"`);
      for (const e of (g as { weights: unknown[] }).weights) {
        if (!isObject(e) || typeof e.name !== 'string' || !Array.isArray(e.shape)) bad(`a "${key}" entry lacks "name" or "shape"`);
        const entry = e as Record<string, unknown>;
        const what = `"${key}" entry ${JSON.stringify(entry.name)}`;
        if (!(entry.shape as unknown[]).every((d) => Number.isInteger(d) && (d as number) >= 0 && (d as number) < 2 ** 31)) bad(`${what} has shape ${JSON.stringify(entry.shape)}; dimensions must be non-negative integers`);
        if (entry.dtype !== 'float32' && entry.dtype !== 'int32') bad(`${what} has dtype ${JSON.stringify(entry.dtype)}; expected "float32" or "int32"`);
        const q = entry.quantization;
        if (q !== undefined && !(isObject(q) && (q.dtype === 'float16' || q.dtype === 'uint16' || q.dtype === 'uint8'))) bad(`${what} has quantization ${JSON.stringify(q)}; expected dtype float16, uint16 or uint8`);
      }
      for (const p of (g as { paths: unknown[] }).paths) {
        if (typeof p !== 'string' || !Object.hasOwn(m.files as object, p) || !isObject((m.files as Record<string, unknown>)[p])) bad(`shard ${JSON.stringify(p)} of "${key}" is not listed in "files"`);
      }
    }
  }
  for (const [path, info] of Object.entries(m.files as Record<string, unknown>)) {
    if (!isObject(info) || typeof info.sha256 !== 'string' || !Number.isInteger(info.bytes)) bad(`files["${path}"] needs "sha256" and "bytes"`);
  }
  const cfg = m.config as Record<string, unknown>;
  if (!isObject(cfg.t5) || !isObject(cfg.composer)) bad('"config" lacks "t5" or "composer"');
  if (cfg.idScheme !== m.idScheme) bad(`idScheme ${JSON.stringify(m.idScheme)} differs from config.idScheme ${JSON.stringify(cfg.idScheme)}`);
  // Sizes are read before any weight is: the shapes derived from them (and loops over layers) must be
  // bounded by the config, not by whatever number a damaged or hostile manifest holds.
  for (const [part, limits] of Object.entries(CONFIG_LIMITS)) {
    const c = cfg[part] as Record<string, unknown>;
    for (const [key, max] of Object.entries(limits)) {
      const v = c[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) bad(`config.${part}.${key} is ${typeof v === 'number' ? v : typeof v}, expected an integer in 0..${max}`);
    }
  }
  return raw as PackManifest;
}

function checkWeights(manifest: PackManifest, weights: Map<string, NamedArray>, expected: Map<string, number[]>): void {
  for (const [name, shape] of expected) {
    const w = weights.get(name);
    if (!w) throw new ModelPackMismatchError(MANIFEST_FILE, name, `the model needs this weight [${shape.join(', ')}] but the pack has none`);
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new ModelPackMismatchError(MANIFEST_FILE, name, `its shape is [${w.shape.join(', ')}] but the config (d_model ${manifest.config.t5.dModel}, vocab ${manifest.config.t5.vocabSize}) implies [${shape.join(', ')}]`);
    }
  }
  for (const name of weights.keys()) {
    if (!expected.has(name)) throw new ModelPackMismatchError(MANIFEST_FILE, name, 'the pack has this weight but the model config has no such parameter');
  }
}

function checkTokenizer(manifest: PackManifest): Tokenizer {
  let tok: Tokenizer;
  try {
    tok = Tokenizer.fromJSON(manifest.tokenizer);
  } catch (err) {
    if (err instanceof TokenizerError) throw new ModelPackMismatchError(MANIFEST_FILE, null, `its tokenizer cannot be loaded (${err.message})`);
    throw err;
  }
  const t5 = manifest.config.t5;
  if (tok.vocabSize !== t5.vocabSize) throw new ModelPackMismatchError(MANIFEST_FILE, null, `the tokenizer has ${tok.vocabSize} tokens but config.t5.vocabSize is ${t5.vocabSize}`);
  if (tok.idScheme !== manifest.idScheme) throw new ModelPackMismatchError(MANIFEST_FILE, null, `the tokenizer uses id scheme "${tok.idScheme}" but the pack says "${manifest.idScheme}"`);
  if (tok.wholeWordVocab > t5.wholeWordVocab) {
    throw new ModelPackMismatchError(MANIFEST_FILE, null, `the tokenizer can emit whole-word ids up to ${tok.wholeWordVocab - 1} but the model's table has ${t5.wholeWordVocab} rows`);
  }
  return tok;
}

/** Shape rules of the known data arrays (PACK_DATA): they must agree with each other and the config. */
function checkData(manifest: PackManifest, data: Map<string, NamedArray>): void {
  const get = (name: string): NamedArray | undefined => data.get(name);
  const fail = (name: string, detail: string): never => {
    throw new ModelPackMismatchError(MANIFEST_FILE, name, detail);
  };
  const users = get(PACK_DATA.userIds)?.shape[0];
  const cf = get(PACK_DATA.cfUser);
  if (cf && (cf.shape.length !== 2 || cf.shape[1] !== manifest.config.composer.cfDim)) fail(PACK_DATA.cfUser, `shape [${cf.shape.join(', ')}] should be [users, ${manifest.config.composer.cfDim}] (composer.cfDim)`);
  if (cf && users !== undefined && cf.shape[0] !== users) fail(PACK_DATA.cfUser, `${cf.shape[0]} rows but ${PACK_DATA.userIds} lists ${users} users`);
  const ni = get(PACK_DATA.neighbourIndices);
  const ns = get(PACK_DATA.neighbourSimilarity);
  if (ni && (ni.shape.length !== 2 || ni.shape[1]! < manifest.config.composer.numNeighbours)) {
    fail(PACK_DATA.neighbourIndices, `shape [${ni.shape.join(', ')}] should be [users, >= ${manifest.config.composer.numNeighbours}] (composer.numNeighbours)`);
  }
  if (ni && ns && ni.shape.join() !== ns.shape.join()) fail(PACK_DATA.neighbourSimilarity, `shape [${ns.shape.join(', ')}] differs from ${PACK_DATA.neighbourIndices} [${ni.shape.join(', ')}]`);
  const off = get(PACK_DATA.historyOffsets);
  const items = get(PACK_DATA.historyItems);
  if (off && users !== undefined && off.shape[0] !== users + 1) fail(PACK_DATA.historyOffsets, `${off.shape[0]} offsets but ${users} users need ${users + 1}`);
  if (off && items && off.values[off.values.length - 1] !== items.shape[0]) fail(PACK_DATA.historyOffsets, `the last offset is ${off.values[off.values.length - 1]} but ${PACK_DATA.historyItems} holds ${items.shape[0]} items`);
  const neg = get(PACK_DATA.topnNegatives);
  const negatives = PAPER_PROTOCOL.topn.negatives;
  if (neg && (neg.shape.length !== 2 || neg.shape[1] !== negatives)) fail(PACK_DATA.topnNegatives, `shape [${neg.shape.join(', ')}] should be [users, ${negatives}]`);
}

function configShapes(manifest: PackManifest): Map<string, number[]> {
  try {
    return paramShapes(manifest.config);
  } catch (err) {
    throw new ModelPackInvalidManifestError(MANIFEST_FILE, `its model config is not usable (${(err as Error).message})`);
  }
}

/**
 * The collaborative prior's item table is frozen CF item factors, so packs leave it out of the
 * weights and it is rebuilt here from the data array cf/item: row of item i's token = factors of i.
 */
export function cfPriorTable(manifest: PackManifest, tok: Tokenizer, data: Map<string, NamedArray>): NamedArray {
  const cf = data.get(PACK_DATA.cfItem);
  const d = manifest.config.composer.cfDim;
  if (!cf || cf.shape.length !== 2 || cf.shape[1] !== d) {
    throw new ModelPackCorruptError(MANIFEST_FILE, `the config uses the collaborative prior (composer.cfPrior) but the data array "${PACK_DATA.cfItem}" is ${cf ? `[${cf.shape.join(', ')}]` : 'missing'}, not [items + 1, ${d}]; re-export the pack`);
  }
  const V = manifest.config.t5.vocabSize;
  return { name: PARAM.cfPriorItems, shape: [V, d], values: cfPriorItemTable(tok, cf.values as Float32Array, d, V) };
}

export async function loadPack(source: PackSource, opts: LoadPackOptions = {}): Promise<LoadedPack> {
  const report = opts.onProgress ?? ((): void => {});
  const manifestBytes = await source.read(MANIFEST_FILE, (n) => report({ file: MANIFEST_FILE, fileLoaded: n, fileTotal: null, loaded: n, total: null, phase: 'manifest' }), opts.signal);
  let loaded = manifestBytes.byteLength;
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (err) {
    throw new ModelPackInvalidManifestError(MANIFEST_FILE, `it is not valid JSON (${(err as Error).message}) at ${source.description}`);
  }
  const manifest = validateManifest(raw);
  const tokenizer = checkTokenizer(manifest);
  const entries = Object.entries(manifest.files);
  const total = loaded + entries.reduce((s, [, f]) => s + f.bytes, 0);
  report({ file: MANIFEST_FILE, fileLoaded: loaded, fileTotal: null, loaded, total, phase: 'manifest' });
  const stage = opts.onStage ?? ((): void => {});
  stage('manifest');

  // Several files at once, each checked as soon as it is complete; failures surface in manifest
  // order, so the error names the same file a one-by-one read would have.
  const perFile = new Map<string, number>();
  let arrived = loaded;
  let remaining = entries.length;
  const verified = limitedAll(entries, READ_CONCURRENCY, async ([path, info]) => {
    const onBytes = (n: number) => {
      const now = Math.min(n, info.bytes);
      arrived += now - (perFile.get(path) ?? 0);
      perFile.set(path, now);
      report({ file: path, fileLoaded: n, fileTotal: info.bytes, loaded: arrived, total, phase: 'files' });
    };
    const got = source.readHashed ? await source.readHashed(path, onBytes, opts.signal) : { bytes: await source.read(path, onBytes, opts.signal), sha256: null };
    if (--remaining === 0) stage('fetched');
    const bytes = got.bytes;
    onBytes(bytes.byteLength); // a source may have finished before anyone listened
    if (bytes.byteLength !== info.bytes) throw new ModelPackTruncatedError(path, info.bytes, bytes.byteLength);
    const hash = got.sha256 ?? (await sha256Hex(bytes));
    if (hash !== info.sha256) throw new ModelPackCorruptError(path, `its SHA-256 is ${hash} but the manifest says ${info.sha256}`);
    return bytes;
  });
  const contents = new Map<string, Uint8Array>();
  for (const [k, [path, info]] of entries.entries()) {
    contents.set(path, await verified[k]!);
    loaded += info.bytes;
    report({ file: path, fileLoaded: info.bytes, fileTotal: info.bytes, loaded: arrived, total, phase: 'verify' });
  }
  stage('verified');

  const decode = (groups: WeightsManifestGroup[]): Map<string, NamedArray> => {
    const out = new Map<string, NamedArray>();
    for (const g of groups) {
      for (const a of decodeGroup(g, g.paths.map((p) => contents.get(p)!))) {
        if (out.has(a.name)) throw new ModelPackCorruptError(g.paths[0]!, `tensor "${a.name}" appears twice`);
        out.set(a.name, a);
      }
    }
    return out;
  };
  const weights = decode(manifest.weightsManifest);
  const data = decode(manifest.dataManifest);
  stage('decoded');
  if (manifest.config.composer.cfPrior && !weights.has(PARAM.cfPriorItems)) weights.set(PARAM.cfPriorItems, cfPriorTable(manifest, tokenizer, data));
  const expected = opts.expectedShapes === undefined ? configShapes(manifest) : opts.expectedShapes;
  if (expected) checkWeights(manifest, weights, expected);
  checkData(manifest, data);

  const shardPaths = new Set([...manifest.weightsManifest, ...manifest.dataManifest].flatMap((g) => g.paths));
  const sideFiles = new Map([...contents].filter(([p]) => !shardPaths.has(p)));
  report({ file: MANIFEST_FILE, fileLoaded: manifestBytes.byteLength, fileTotal: null, loaded, total, phase: 'done' });
  return {
    manifest,
    tokenizer,
    weights,
    data,
    sideFiles,
    bytes: loaded,
    json<T>(path: string): T | undefined {
      const b = sideFiles.get(path);
      if (!b) return undefined;
      try {
        return JSON.parse(new TextDecoder().decode(b)) as T;
      } catch (err) {
        throw new ModelPackCorruptError(path, `it is not valid JSON (${(err as Error).message})`);
      }
    },
  };
}

export { ModelPackError };

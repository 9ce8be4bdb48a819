// The weight-pack format: manifest types, float16 conversion, and the (de)serialisation of named arrays
// into TF.js weights-manifest groups (concatenated little-endian buffers cut into <= 4 MB shards).
// Pure: no I/O, no tensors, no hashing; save.ts / load.ts do those.
import { ModelPackCorruptError } from '../errors.ts';
import type { TokenizerJSON } from '../tokenizer.ts';
import type { IdScheme, PeapodConfig } from '../types.ts';

export const PACK_KIND = 'peapod-pack';
export const PACK_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
/** TF.js's converter uses 4 MB shards; browsers and HTTP caches handle files of that size well. */
export const SHARD_BYTES = 4 * 1024 * 1024;

/** How an array is stored. float16/uint16/uint8 are TF.js "quantization" entries. */
export type StorageType = 'float32' | 'float16' | 'int32' | 'uint16' | 'uint8';

export type Quantization = { dtype: 'float16' } | { dtype: 'uint16' | 'uint8'; scale: 1; min: 0; original_dtype: 'int32' };

/** One entry of a TF.js weights manifest group. */
export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: Quantization;
}

export interface WeightsManifestGroup {
  /** Shard files, relative to the manifest, in order; their concatenation holds the entries in order. */
  paths: string[];
  weights: WeightsManifestEntry[];
}

export interface PackFileInfo {
  sha256: string;
  bytes: number;
}

export interface PackDataset {
  /** Folder name under the data directory, e.g. 'amazon-beauty-p5', or 'synthetic'. */
  name: string;
  /** SHA-256 over the dataset files the pack was built from (src/data/fingerprint.ts). */
  fingerprint: string;
  users: number;
  items: number;
  /** 'original': the dataset's ids; 'remapped': leak-free random ids (the map is a data array). */
  ids: 'original' | 'remapped';
}

export interface PackProvenance {
  command: string;
  gitCommit: string | null;
  /** ISO 8601. */
  date: string;
  /** Wall-clock seconds of the run that produced the weights (0 for random weights). */
  seconds: number;
  samplesPerSecond: number | null;
  backend?: string;
}

export interface PackManifest {
  formatVersion: number;
  kind: typeof PACK_KIND;
  name: string;
  config: PeapodConfig;
  idScheme: IdScheme;
  tokenizer: TokenizerJSON;
  dataset: PackDataset;
  provenance: PackProvenance;
  metrics: Record<string, unknown>;
  /** Storage type of the model weights. */
  weightDtype: 'float32' | 'float16';
  weightsManifest: WeightsManifestGroup[];
  /** Data arrays the app and evaluation need (CF embeddings, neighbours, histories...); see PACK_DATA. */
  dataManifest: WeightsManifestGroup[];
  /** Every file of the pack except manifest.json. */
  files: Record<string, PackFileInfo>;
}

/** A named array in memory: float arrays as Float32Array, integer arrays as Int32Array. */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array | Int32Array;
  /** Storage on disk; default float32 for floats, int32 for integers. */
  store?: StorageType;
}

// ---- float16 ------------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of x, rounded to nearest even (overflow -> Infinity, NaN kept). */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Half subnormal: units of 2^-24, i.e. the 24-bit significand shifted right by 14 - e.
    if (e < -10) return sign;
    mant |= 0x800000;
    const s = 14 - e;
    let h = mant >>> s;
    const rem = mant & ((1 << s) - 1);
    const halfway = 1 << (s - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and reaches Infinity at the top).
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

let halfTable: Float32Array | null = null;

/** float32 value of every binary16 bit pattern (256 KB, built on first use). */
function float16Table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      halfTable[h] = e === 0 ? sign * m * 2 ** -24 : e === 31 ? (m ? NaN : sign * Infinity) : sign * (1 + m / 1024) * 2 ** (e - 15);
    }
  }
  return halfTable;
}

export function fromFloat16Bits(h: number): number {
  return float16Table()[h & 0xffff]!;
}

export function encodeFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]!);
  return out;
}

export function decodeFloat16(bits: Uint16Array): Float32Array {
  const table = float16Table();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
  return out;
}

// ---- arrays <-> manifest groups -------------------------------------------------------------------

const BYTES: Record<StorageType, number> = { float32: 4, float16: 2, int32: 4, uint16: 2, uint8: 1 };

export function storageOf(entry: WeightsManifestEntry): StorageType {
  return entry.quantization ? entry.quantization.dtype : entry.dtype;
}

export function entryBytes(entry: WeightsManifestEntry): number {
  return entry.shape.reduce((a, b) => a * b, 1) * BYTES[storageOf(entry)];
}

function manifestEntry(a: NamedArray): WeightsManifestEntry {
  const isFloat = a.values instanceof Float32Array;
  const store = a.store ?? (isFloat ? 'float32' : 'int32');
  const size = a.shape.reduce((x, y) => x * y, 1);
  if (size !== a.values.length) throw new RangeError(`array "${a.name}" has ${a.values.length} values but shape [${a.shape.join(', ')}] needs ${size}.`);
  if (isFloat && store !== 'float32' && store !== 'float16') throw new RangeError(`float array "${a.name}" cannot be stored as ${store}; use float32 or float16.`);
  if (!isFloat && store !== 'int32' && store !== 'uint16' && store !== 'uint8') throw new RangeError(`integer array "${a.name}" cannot be stored as ${store}; use int32, uint16 or uint8.`);
  if (store === 'float16') return { name: a.name, shape: a.shape, dtype: 'float32', quantization: { dtype: 'float16' } };
  if (store === 'uint16' || store === 'uint8') {
    const max = store === 'uint16' ? 0xffff : 0xff;
    for (const v of a.values) if (v < 0 || v > max) throw new RangeError(`array "${a.name}" holds ${v}, outside ${store}; store it as int32.`);
    return { name: a.name, shape: a.shape, dtype: 'int32', quantization: { dtype: store, scale: 1, min: 0, original_dtype: 'int32' } };
  }
  return { name: a.name, shape: a.shape, dtype: store };
}

function storedBytes(a: NamedArray, entry: WeightsManifestEntry): Uint8Array {
  const v = a.values;
  let typed: ArrayBufferView;
  switch (storageOf(entry)) {
    case 'float16':
      typed = encodeFloat16(v as Float32Array);
      break;
    case 'uint16':
      typed = Uint16Array.from(v);
      break;
    case 'uint8':
      typed = Uint8Array.from(v);
      break;
    default:
      typed = v;
  }
  // Typed arrays are little-endian on every platform TF.js runs on; TF.js packs assume the same.
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/**
 * Serialises arrays into one manifest group whose shards are `${prefix}-shard{i}of{n}.bin`, each at
 * most shardBytes long (a large array simply continues in the next shard, as in TF.js).
 */
export function encodeGroup(arrays: NamedArray[], prefix: string, shardBytes = SHARD_BYTES): { group: WeightsManifestGroup; shards: Uint8Array[] } {
  const entries = arrays.map(manifestEntry);
  const total = entries.reduce((s, e) => s + entryBytes(e), 0);
  const buffer = new Uint8Array(total);
  let off = 0;
  arrays.forEach((a, i) => {
    const bytes = storedBytes(a, entries[i]!);
    buffer.set(bytes, off);
    off += bytes.byteLength;
  });
  const n = Math.max(1, Math.ceil(total / shardBytes));
  const shards: Uint8Array[] = [];
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    shards.push(buffer.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes)));
    paths.push(`${prefix}-shard${i + 1}of${n}.bin`);
  }
  return { group: { paths, weights: entries }, shards };
}

/** Inverse of encodeGroup: shard bytes (in path order) -> arrays (floats dequantised to float32). */
export function decodeGroup(group: WeightsManifestGroup, shards: Uint8Array[]): NamedArray[] {
  const total = shards.reduce((s, b) => s + b.byteLength, 0);
  const buffer = new Uint8Array(total);
  let pos = 0;
  for (const s of shards) {
    buffer.set(s, pos);
    pos += s.byteLength;
  }
  const where = group.paths.join(', ');
  const out: NamedArray[] = [];
  let off = 0;
  for (const entry of group.weights) {
    const store = storageOf(entry);
    const n = entry.shape.reduce((a, b) => a * b, 1);
    const bytes = entryBytes(entry);
    if (!entry.shape.every((d) => Number.isInteger(d) && d >= 0) || !Object.hasOwn(BYTES, store)) {
      throw new ModelPackCorruptError(group.paths[0] ?? '?', `tensor "${entry.name}" has an invalid shape [${entry.shape.join(', ')}] or storage type "${store}"`);
    }
    if (off + bytes > total) {
      throw new ModelPackCorruptError(where, `tensor "${entry.name}" needs bytes ${off}..${off + bytes} but the shards hold only ${total} bytes`);
    }
    // Copy out so each array is aligned and owns its memory (the shard buffer can be freed).
    const slice = buffer.slice(off, off + bytes).buffer;
    let values: Float32Array | Int32Array;
    switch (store) {
      case 'float16':
        values = decodeFloat16(new Uint16Array(slice, 0, n));
        break;
      case 'uint16':
        values = Int32Array.from(new Uint16Array(slice, 0, n));
        break;
      case 'uint8':
        values = Int32Array.from(new Uint8Array(slice, 0, n));
        break;
      case 'int32':
        values = new Int32Array(slice, 0, n);
        break;
      default:
        values = new Float32Array(slice, 0, n);
    }
    out.push({ name: entry.name, shape: [...entry.shape], values, store });
    off += bytes;
  }
  if (off !== total) throw new ModelPackCorruptError(where, `the shards hold ${total} bytes but the manifest's tensors use ${off}`);
  return out;
}

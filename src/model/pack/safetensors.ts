// safetensors (Hugging Face's tensor file format) read and write, browser-safe and dependency-free.
// Layout: an 8-byte little-endian unsigned header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the raw
// little-endian data; offsets are relative to the first data byte, and the tensors cover the data
// exactly (no holes, no overlaps). Floats come back as Float32Array (F16 / BF16 widened), integers as
// Int32Array (I64 range-checked). Every failure is a CheckpointError naming the tensor and the fix.
import { CheckpointError } from '../errors.ts';
import { decodeFloat16 } from './format.ts';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64';

export interface SafetensorsTensor {
  /** The dtype stored in the file (the data is widened: F16/BF16 -> Float32Array, I64 -> Int32Array). */
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface ParsedSafetensors {
  /** In header order. */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export interface SafetensorsInput {
  name: string;
  dtype: 'F32' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array;
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };
/** The safetensors reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function elementCount(shape: number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((s) => Number.isSafeInteger(s) && (s as number) >= 0);
}

/** Copies `length` bytes starting at `offset` into a fresh, aligned buffer. */
function copyBytes(bytes: Uint8Array, offset: number, length: number): ArrayBuffer {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(offset, offset + length));
  return out.buffer;
}

function decodeTensor(name: string, dtype: SafetensorsDtype, bytes: Uint8Array, offset: number, count: number): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * DTYPE_BYTES[dtype]);
  switch (dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN) return new Float32Array(copyBytes(bytes, offset, count * 4));
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'I32': {
      if (LITTLE_ENDIAN) return new Int32Array(copyBytes(bytes, offset, count * 4));
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'F16': {
      const bits = new Uint16Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true);
      return decodeFloat16(bits);
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the 16 bits up and reinterpret.
      const wide = new Uint32Array(count);
      for (let i = 0; i < count; i++) wide[i] = view.getUint16(i * 2, true) << 16;
      return new Float32Array(wide.buffer);
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new CheckpointError('range', name, `Tensor "${name}" (I64) holds ${v} at flat index ${i}, which does not fit int32; the importer keeps integers as int32. Save it as int32 (e.g. tensor.to(torch.int32)) or check that it is the tensor you meant.`);
        }
        out[i] = Number(v);
      }
      return out;
    }
  }
}

/** Reads a safetensors file. Throws CheckpointError (codes truncated, header, offsets, shape, dtype, range). */
export function parseSafetensors(bytes: Uint8Array): ParsedSafetensors {
  if (bytes.length < 8) {
    throw new CheckpointError('truncated', null, `The safetensors file has ${bytes.length} bytes, fewer than its 8-byte header length: the file is truncated or is not safetensors. Copy or export it again.`);
  }
  const lengthView = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const headerLength = lengthView.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError('header', null, `The safetensors header claims ${headerLength} bytes (the limit is ${MAX_HEADER_BYTES}): the file is not safetensors (a torch .bin / .pt pickle?) or is corrupt. Convert the checkpoint with safetensors.torch.save_file.`);
  }
  const n = Number(headerLength);
  if (8 + n > bytes.length) {
    throw new CheckpointError('truncated', null, `The safetensors header claims ${n} bytes but the file has only ${bytes.length - 8} after the length field: the file is truncated. Copy or export it again.`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new CheckpointError('header', null, `The safetensors header is not valid UTF-8 JSON (${(e as Error).message}): the file is corrupt or not safetensors. Export it again with safetensors.torch.save_file.`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new CheckpointError('header', null, 'The safetensors header is not a JSON object of tensors: the file is corrupt or not safetensors. Export it again with safetensors.torch.save_file.');
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new CheckpointError('header', null, 'The safetensors "__metadata__" entry is not an object of strings; fix the exporter (metadata values must be strings).');
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new CheckpointError('header', null, `The safetensors metadata value "${k}" is not a string; fix the exporter (metadata values must be strings, e.g. json.dumps(...)).`);
        metadata[k] = v;
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (info === null || typeof info !== 'object' || Array.isArray(info) || typeof info.dtype !== 'string' || !isShape(info.shape) || !Array.isArray(info.data_offsets)) {
      throw new CheckpointError('header', name, `Tensor "${name}" has a malformed header entry (needs dtype, shape and data_offsets): the file is corrupt. Export it again with safetensors.torch.save_file.`);
    }
    const dtype = info.dtype;
    if (!(dtype in DTYPE_BYTES)) {
      throw new CheckpointError('dtype', name, `Tensor "${name}" has dtype ${dtype}; the importer reads F32, F16, BF16, I32 and I64. Cast it before saving (e.g. tensor.float() for weights, tensor.int() for ids).`);
    }
    const offsets = info.data_offsets;
    if (offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      throw new CheckpointError('header', name, `Tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not two non-negative integers: the file is corrupt. Export it again.`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) {
      throw new CheckpointError('offsets', name, `Tensor "${name}" has data_offsets [${begin}, ${end}] outside the ${dataLength} data bytes: the file is truncated or corrupt. Copy or export it again.`);
    }
    const shape = info.shape;
    const expected = elementCount(shape) * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (end - begin !== expected) {
      throw new CheckpointError('shape', name, `Tensor "${name}" has ${end - begin} data bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expected}: the header and the data disagree (corrupt file). Export it again.`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: [...shape], begin, end });
  }
  // The data must be covered exactly: sorted by offset, each tensor starts where the last one ended.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: string | null = null;
  for (const e of byOffset) {
    if (e.begin < cursor) {
      throw new CheckpointError('offsets', e.name, `Tensor "${e.name}" (data_offsets [${e.begin}, ${e.end}]) overlaps tensor "${previous}": the file is corrupt. Export it again with safetensors.torch.save_file.`);
    }
    if (e.begin > cursor) {
      throw new CheckpointError('offsets', e.name, `Bytes ${cursor}..${e.begin} before tensor "${e.name}" belong to no tensor (safetensors data has no holes): the file is corrupt. Export it again with safetensors.torch.save_file.`);
    }
    cursor = e.end;
    previous = e.name;
  }
  if (cursor !== dataLength) {
    throw new CheckpointError('offsets', previous, `The last ${dataLength - cursor} data bytes belong to no tensor (the header covers ${cursor} of ${dataLength}): the file is corrupt or two files were joined. Export it again.`);
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decodeTensor(e.name, e.dtype, bytes, dataStart + e.begin, elementCount(e.shape)) });
  }
  return { tensors, metadata };
}

/** Writes tensors (in the given order) as safetensors. Throws CheckpointError on a bad input. */
export function writeSafetensors(tensors: SafetensorsInput[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new CheckpointError('header', null, `Metadata value "${k}" is not a string; safetensors metadata maps strings to strings (JSON.stringify it).`);
    }
    header[METADATA_KEY] = { ...metadata };
  }
  let offset = 0;
  for (const t of tensors) {
    if (t.name === METADATA_KEY) throw new CheckpointError('invalid', t.name, `A tensor cannot be called "${METADATA_KEY}" (the name is reserved for metadata); rename it.`);
    if (Object.hasOwn(header, t.name)) throw new CheckpointError('invalid', t.name, `Tensor "${t.name}" is given twice; each name may appear once in a safetensors file.`);
    if (t.dtype !== 'F32' && t.dtype !== 'I32') throw new CheckpointError('dtype', t.name, `Tensor "${t.name}" has dtype ${String(t.dtype)}; writeSafetensors writes F32 and I32.`);
    const wantFloat = t.dtype === 'F32';
    if (wantFloat !== t.data instanceof Float32Array) {
      throw new CheckpointError('dtype', t.name, `Tensor "${t.name}" is declared ${t.dtype} but its data is a ${t.data.constructor.name}; pass a ${wantFloat ? 'Float32Array' : 'Int32Array'}.`);
    }
    if (!isShape(t.shape) || elementCount(t.shape) !== t.data.length) {
      throw new CheckpointError('shape', t.name, `Tensor "${t.name}" has ${t.data.length} values but shape [${String(t.shape)}] needs ${isShape(t.shape) ? elementCount(t.shape) : 'non-negative integer dimensions'}; pass matching data and shape.`);
    }
    const size = t.data.length * 4;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  let headerBytes = new TextEncoder().encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    headerBytes = new TextEncoder().encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    } else {
      for (let i = 0; i < t.data.length; i++) {
        if (t.dtype === 'F32') view.setFloat32(at + i * 4, t.data[i]!, true);
        else view.setInt32(at + i * 4, t.data[i]!, true);
      }
    }
    at += t.data.length * 4;
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.ts';
import { parseSafetensors, writeSafetensors } from './safetensors.ts';

/** Builds a safetensors file by hand: header object as given, data bytes as given (no checks). */
function rawFile(header: unknown, data: Uint8Array, padTo8 = true): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  if (padTo8) while (json.length % 8 !== 0) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function u16le(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setUint16(i * 2, x, true));
  return b;
}

function i64le(values: bigint[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setBigInt64(i * 8, x, true));
  return b;
}

function expectCode(fn: () => unknown, code: string, tensor?: string | null, text?: RegExp): CheckpointError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    const err = e as CheckpointError;
    expect(err.code).toBe(code);
    if (tensor !== undefined) expect(err.tensor).toBe(tensor);
    if (text) expect(err.message).toMatch(text);
    return err;
  }
  throw new Error(`expected a CheckpointError with code ${code}`);
}

describe('parseSafetensors: dtypes against known values', () => {
  it('decodes F16 (normal, negative, max, subnormal, inf)', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555];
    const file = rawFile({ h: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] } }, u16le(bits));
    const t = parseSafetensors(file).tensors.get('h')!;
    expect(t.dtype).toBe('F16');
    expect(t.shape).toEqual([2, 3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data).slice(0, 5)).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
    expect(t.data[5]).toBeCloseTo(0.33325195, 7);
  });

  it('decodes BF16 (the top 16 bits of a float32)', () => {
    const bits = [0x3f80, 0xc0a0, 0x4049, 0x0000, 0x8000, 0xff80];
    const file = rawFile({ b: { dtype: 'BF16', shape: [6], data_offsets: [0, 12] } }, u16le(bits));
    const t = parseSafetensors(file).tensors.get('b')!;
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([1, -5, 3.140625, 0, -0, -Infinity]);
  });

  it('decodes F32 and I32 at an unaligned data offset', () => {
    const f = new Float32Array([1.5, -2.25, 3e-8]);
    const i = new Int32Array([-7, 2147483647]);
    const data = new Uint8Array(20);
    data.set(new Uint8Array(f.buffer), 0);
    data.set(new Uint8Array(i.buffer), 12);
    // A 1-byte-odd header makes the data start at an odd address: parsing must not need alignment.
    const file = rawFile({ f: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, i: { dtype: 'I32', shape: [2], data_offsets: [12, 20] } }, data, false);
    const parsed = parseSafetensors(file);
    expect(Array.from(parsed.tensors.get('f')!.data)).toEqual(Array.from(f));
    expect(parsed.tensors.get('i')!.data).toBeInstanceOf(Int32Array);
    expect(Array.from(parsed.tensors.get('i')!.data)).toEqual([-7, 2147483647]);
  });

  it('decodes I64 into Int32Array and range-checks it', () => {
    const ok = rawFile({ ids: { dtype: 'I64', shape: [3], data_offsets: [0, 24] } }, i64le([0n, -2147483648n, 2147483647n]));
    const t = parseSafetensors(ok).tensors.get('ids')!;
    expect(t.dtype).toBe('I64');
    expect(t.data).toBeInstanceOf(Int32Array);
    expect(Array.from(t.data)).toEqual([0, -2147483648, 2147483647]);
    const big = rawFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, i64le([1n, 2147483648n]));
    expectCode(() => parseSafetensors(big), 'range', 'ids', /does not fit int32/);
  });

  it('reads scalars and empty tensors, and the metadata', () => {
    const data = new Uint8Array(new Float32Array([4]).buffer);
    const file = rawFile({ __metadata__: { format: 'pt', note: 'x' }, s: { dtype: 'F32', shape: [], data_offsets: [0, 4] }, e: { dtype: 'F32', shape: [0, 3], data_offsets: [4, 4] } }, data);
    const parsed = parseSafetensors(file);
    expect(parsed.metadata).toEqual({ format: 'pt', note: 'x' });
    expect(parsed.tensors.get('s')!.shape).toEqual([]);
    expect(Array.from(parsed.tensors.get('s')!.data)).toEqual([4]);
    expect(parsed.tensors.get('e')!.data.length).toBe(0);
  });
});

describe('writeSafetensors', () => {
  it('round-trips through parseSafetensors exactly, with metadata', () => {
    const a = new Float32Array([0, -0, 1e-30, 3.4e38, -1.25, NaN]);
    const b = new Int32Array([1, -2, 3, 2147483647]);
    const bytes = writeSafetensors(
      [
        { name: 'a.weight', dtype: 'F32', shape: [2, 3], data: a },
        { name: 'b', dtype: 'I32', shape: [4], data: b },
        { name: 'scalar', dtype: 'F32', shape: [], data: new Float32Array([7]) },
      ],
      { format: 'pt', config: '{"x":1}' },
    );
    // 8-byte length + header padded to a multiple of 8.
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const parsed = parseSafetensors(bytes);
    expect([...parsed.tensors.keys()]).toEqual(['a.weight', 'b', 'scalar']);
    expect(parsed.metadata).toEqual({ format: 'pt', config: '{"x":1}' });
    const pa = parsed.tensors.get('a.weight')!;
    expect(pa.dtype).toBe('F32');
    expect(pa.shape).toEqual([2, 3]);
    expect(new Uint8Array(pa.data.buffer)).toEqual(new Uint8Array(a.buffer)); // bit-exact, NaN and -0 included
    expect(parsed.tensors.get('b')!.data).toEqual(b);
    expect(Array.from(parsed.tensors.get('scalar')!.data)).toEqual([7]);
  });

  it('writes the header the way the reference does (JSON + spaces, offsets in order)', () => {
    const bytes = writeSafetensors([{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([1]) }]);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const json = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(JSON.parse(json)).toEqual({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
    expect(json.trimEnd()).toBe('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    expect(bytes.length).toBe(8 + n + 4);
  });

  it('accepts subarray views (byteOffset != 0)', () => {
    const backing = new Float32Array([9, 1, 2, 9]);
    const bytes = writeSafetensors([{ name: 'v', dtype: 'F32', shape: [2], data: backing.subarray(1, 3) }]);
    expect(Array.from(parseSafetensors(bytes).tensors.get('v')!.data)).toEqual([1, 2]);
  });

  it('refuses bad inputs with typed errors', () => {
    expectCode(() => writeSafetensors([{ name: 'x', dtype: 'F32', shape: [3], data: new Float32Array(2) }]), 'shape', 'x', /needs 3/);
    expectCode(() => writeSafetensors([{ name: 'x', dtype: 'F32', shape: [2], data: new Int32Array(2) }]), 'dtype', 'x', /Float32Array/);
    expectCode(() => writeSafetensors([{ name: 'x', dtype: 'F64' as 'F32', shape: [2], data: new Float32Array(2) }]), 'dtype', 'x');
    const t = { name: 'x', dtype: 'F32' as const, shape: [1], data: new Float32Array(1) };
    expectCode(() => writeSafetensors([t, t]), 'invalid', 'x', /twice/);
    expectCode(() => writeSafetensors([{ ...t, name: '__metadata__' }]), 'invalid', '__metadata__');
    expectCode(() => writeSafetensors([t], { a: 1 as unknown as string }), 'header', null);
  });
});

describe('parseSafetensors: broken files', () => {
  const good = writeSafetensors([
    { name: 'a', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
    { name: 'b', dtype: 'F32', shape: [1], data: new Float32Array([3]) },
  ]);

  it('a file shorter than its length field', () => {
    expectCode(() => parseSafetensors(new Uint8Array(5)), 'truncated', null, /truncated/);
  });

  it('a header longer than the file', () => {
    expectCode(() => parseSafetensors(good.subarray(0, 20)), 'truncated', null, /truncated/);
  });

  it('a file cut inside the data names the tensor whose bytes are missing', () => {
    expectCode(() => parseSafetensors(good.subarray(0, good.length - 2)), 'offsets', 'b', /outside/);
  });

  it('an absurd header length (a torch pickle, say)', () => {
    const pickle = new Uint8Array(64);
    pickle.set([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46]);
    expectCode(() => parseSafetensors(pickle), 'header', null, /not safetensors/);
  });

  it('header that is not JSON, not an object, or an entry without fields', () => {
    expectCode(() => parseSafetensors(rawFile('{"a": [', new Uint8Array(0))), 'header', null, /JSON/);
    expectCode(() => parseSafetensors(rawFile('[1, 2]', new Uint8Array(0))), 'header', null);
    expectCode(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [1] } }, new Uint8Array(4))), 'header', 'a', /data_offsets/);
    expectCode(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4))), 'header', 'a');
    expectCode(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, new Uint8Array(4))), 'header', 'a');
    expectCode(() => parseSafetensors(rawFile({ __metadata__: { n: 1 } }, new Uint8Array(0))), 'header', null, /string/);
  });

  it('offsets out of range, reversed, overlapping, with a hole or trailing bytes', () => {
    const d8 = new Uint8Array(8);
    expectCode(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, d8)), 'offsets', 'a', /outside/);
    expectCode(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, d8)), 'offsets', 'a');
    expectCode(
      () => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, d8)),
      'offsets',
      'b',
      /overlaps tensor "a"/,
    );
    expectCode(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, d8)), 'offsets', 'a', /no tensor/);
    expectCode(() => parseSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, d8)), 'offsets', 'a', /last 4 data bytes/);
  });

  it('byte size that does not match the shape', () => {
    expectCode(() => parseSafetensors(rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))), 'shape', 'w', /needs 12/);
    expectCode(() => parseSafetensors(rawFile({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8))), 'shape', 'w');
  });

  it('unsupported dtypes name the tensor and the cast to use', () => {
    for (const dtype of ['F64', 'U8', 'BOOL', 'F8_E4M3', 'nonsense']) {
      expectCode(() => parseSafetensors(rawFile({ w: { dtype, shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))), 'dtype', 'w', /F32, F16, BF16, I32 and I64/);
    }
  });
});

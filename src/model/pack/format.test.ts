import { describe, expect, it } from 'vitest';
import { decodeFloat16, decodeGroup, encodeFloat16, encodeGroup, fromFloat16Bits, toFloat16Bits, type NamedArray } from './format.ts';
import { ModelPackCorruptError } from '../errors.ts';

describe('float16', () => {
  it('matches numpy float32 -> float16 on hand-picked values (round to nearest even)', () => {
    // Expected bits from numpy: np.array(v, np.float32).astype(np.float16).view(np.uint16).
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519, 0x7bff], [65520, 0x7c00], [0.1, 0x2e66],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [1 / 3, 0x3555], [2 ** -14, 0x0400],
      [1e-8, 0x0000], [-0, 0x8000], [0.5 + 2 ** -12, 0x3800], [5e-5, 0x0347], [Infinity, 0x7c00], [-Infinity, 0xfc00],
    ];
    for (const [v, bits] of cases) expect(toFloat16Bits(v), String(v)).toBe(bits);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });

  it('round-trips every finite float16 value exactly', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue; // Inf / NaN
      if (toFloat16Bits(fromFloat16Bits(h)) !== h) wrong.push(h); // -0 and +0 both kept
    }
    expect(wrong).toEqual([]);
  });

  it('has relative error <= 2^-11 in the normal range', () => {
    const xs = new Float32Array(20000);
    let s = 12345;
    for (let i = 0; i < xs.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      xs[i] = (s / 2 ** 32 - 0.5) * 2 ** ((i % 30) - 14); // magnitudes 2^-15 .. 2^14
    }
    const back = decodeFloat16(encodeFloat16(xs));
    let worstRel = 0;
    let worstAbsSub = 0;
    for (let i = 0; i < xs.length; i++) {
      const err = Math.abs(back[i]! - xs[i]!);
      if (Math.abs(xs[i]!) < 2 ** -14) worstAbsSub = Math.max(worstAbsSub, err);
      else worstRel = Math.max(worstRel, err / Math.abs(xs[i]!));
    }
    expect(worstRel).toBeLessThanOrEqual(2 ** -11);
    expect(worstRel).toBeGreaterThan(2 ** -12); // the bound is tight, not vacuous
    expect(worstAbsSub).toBeLessThanOrEqual(2 ** -25);
  });
});

describe('encodeGroup / decodeGroup', () => {
  const arrays: NamedArray[] = [
    { name: 'a', shape: [3, 2], values: Float32Array.from([1, -2, 3.5, 0.1, 1e-3, 7]) },
    { name: 'b', shape: [5], values: Int32Array.from([0, 1, 65535, 7, 9]), store: 'uint16' },
    { name: 'c', shape: [2, 2], values: Float32Array.from([0.1, 0.2, 0.3, 65504]), store: 'float16' },
    { name: 'd', shape: [3], values: Int32Array.from([-5, 2 ** 30, 3]) },
    { name: 'e', shape: [0], values: new Float32Array(0) },
  ];

  it('writes TF.js manifest entries and splits shards at the byte limit, even inside a tensor', () => {
    const { group, shards } = encodeGroup(arrays, 'weights', 10);
    // bytes: a 24 + b 10 + c 8 + d 12 + e 0 = 54 -> 6 shards of <= 10 bytes.
    expect(group.paths).toEqual([1, 2, 3, 4, 5, 6].map((i) => `weights-shard${i}of6.bin`));
    expect(shards.map((s) => s.byteLength)).toEqual([10, 10, 10, 10, 10, 4]);
    expect(group.weights).toEqual([
      { name: 'a', shape: [3, 2], dtype: 'float32' },
      { name: 'b', shape: [5], dtype: 'int32', quantization: { dtype: 'uint16', scale: 1, min: 0, original_dtype: 'int32' } },
      { name: 'c', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'd', shape: [3], dtype: 'int32' },
      { name: 'e', shape: [0], dtype: 'float32' },
    ]);
    const back = decodeGroup(group, shards);
    expect([...back[0]!.values]).toEqual([...arrays[0]!.values]);
    expect(back[1]!.values).toBeInstanceOf(Int32Array);
    expect([...back[1]!.values]).toEqual([0, 1, 65535, 7, 9]);
    expect([...back[2]!.values]).toEqual([0.0999755859375, 0.199951171875, 0.300048828125, 65504]);
    expect([...back[3]!.values]).toEqual([-5, 2 ** 30, 3]);
    expect(back[4]!.values.length).toBe(0);
  });

  it('rejects values a storage type cannot hold, and shards that do not match the manifest', () => {
    expect(() => encodeGroup([{ name: 'x', shape: [1], values: Int32Array.of(70000), store: 'uint16' }], 'w')).toThrow(/outside uint16/);
    expect(() => encodeGroup([{ name: 'x', shape: [2], values: Float32Array.of(1) }], 'w')).toThrow(/needs 2/);
    const { group, shards } = encodeGroup(arrays, 'weights', 10);
    expect(() => decodeGroup(group, shards.slice(0, 5))).toThrow(ModelPackCorruptError);
    expect(() => decodeGroup(group, shards.slice(0, 5))).toThrow(/tensor "d" needs bytes 42..54/);
    expect(() => decodeGroup(group, [...shards, new Uint8Array(4)])).toThrow(/hold 58 bytes but the manifest's tensors use 54/);
  });
});

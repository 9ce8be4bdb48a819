import { describe, expect, it } from 'vitest';
import { attendCapacity, attendProgram, embedProgram, ffnFits, ffnProgram, headProgram, kvProgram, normProgram, scoreSlots, topkProgram, WORKGROUP_BYTES, type AttendSpec, type FusedProgram } from './programs.ts';
import { fusedSupports } from './fused-t5.ts';
import { t5SmallConfig, type T5Config } from '../types.ts';

const t5Small = { d: 512, heads: 8, dKv: 64 };
const beauty: T5Config = { ...t5SmallConfig(12168), dModel: 128, dKv: 32, numHeads: 4, dFf: 512, numEncoderLayers: 2, numDecoderLayers: 2 };

/** Bytes of every `var<workgroup>` array in a program's source. */
function sharedBytes(p: FusedProgram): number {
  let total = 0;
  for (const m of p.getUserCode().matchAll(/var<workgroup> \w+ : array<(f32|i32), (\d+)>/g)) total += 4 * Number(m[2]);
  return total;
}

function attendSpecs(base: { d: number; heads: number; dKv: number }): AttendSpec[] {
  const common = { ...base, eps: 1e-6 };
  return [
    { ...common, positionBias: { maxDistance: 128 }, mask: true, causal: false, exampleIds: false },
    { ...common, positionBias: { maxDistance: 128 }, mask: true, causal: true, exampleIds: false },
    { ...common, positionBias: { maxDistance: 128 }, mask: false, causal: false, exampleIds: false },
    { ...common, positionBias: null, mask: true, causal: false, exampleIds: true },
  ];
}

describe('fused WGSL programs', () => {
  it('keep every workgroup buffer within 16 KiB and every input count within 8 storage buffers, up to the attention capacity', () => {
    for (const shape of [t5Small, { d: 128, heads: 4, dKv: 32 }, { d: 96, heads: 4, dKv: 20 }]) {
      const cap = attendCapacity(shape);
      for (const spec of attendSpecs(shape)) {
        for (const len of [1, 17, cap]) {
          const p = attendProgram(spec, 3, len);
          expect(sharedBytes(p)).toBeLessThanOrEqual(WORKGROUP_BYTES);
          expect(p.variableNames.length).toBeLessThanOrEqual(7);
        }
      }
      expect(() => scoreSlots(shape, cap + 1)).toThrow(RangeError);
    }
    // T5-small: 8 heads x 367 positions fit beside the row, query and context buffers.
    expect(attendCapacity(t5Small)).toBe(367);
    expect(ffnFits({ d: 512, dFf: 2048 })).toBe(true);
    expect(ffnFits({ d: 1024, dFf: 4096 })).toBe(false);
    expect(sharedBytes(ffnProgram({ d: 512, dFf: 2048, eps: 1e-6, gated: true }, 4))).toBeLessThanOrEqual(WORKGROUP_BYTES);
  });

  it('refuses a position bias, a mask and example ids together (9 storage buffers)', () => {
    expect(() => attendProgram({ ...t5Small, eps: 1e-6, positionBias: { maxDistance: 128 }, mask: true, causal: false, exampleIds: true }, 2, 4)).toThrow(/8 storage buffers/);
  });

  it('score slots are powers of two from 16, so a decode compiles a handful of pipelines', () => {
    expect([1, 16, 17, 33, 64, 65].map((n) => scoreSlots(t5Small, n))).toEqual([16, 16, 32, 64, 64, 128]);
    expect(scoreSlots(t5Small, 300)).toBe(367); // the next power of two would not fit: capacity instead
    expect(attendProgram(attendSpecs(t5Small)[0]!, 1, 20).shaderKey).toBe(attendProgram(attendSpecs(t5Small)[0]!, 7, 30).shaderKey);
    expect(attendProgram(attendSpecs(t5Small)[0]!, 1, 20).shaderKey).not.toBe(attendProgram(attendSpecs(t5Small)[1]!, 1, 20).shaderKey);
  });

  it('statically use the uniforms in every program (the auto pipeline layout drops unused bindings) and dispatch what they cover', () => {
    const programs: FusedProgram[] = [
      kvProgram({ d: 128, inner: 128, eps: 1e-6, append: true }, 20, 3),
      kvProgram({ d: 128, inner: 128, eps: null, append: false }, 26, 0),
      attendProgram(attendSpecs(t5Small)[3]!, 20, 26),
      ffnProgram({ d: 128, dFf: 512, eps: 1e-6, gated: false }, 20),
      normProgram(128, 1e-6, 26),
      headProgram({ d: 128, vocab: 12168, eps: 1e-6, scale: 128 ** -0.5, add: 'example' }, 20),
      topkProgram(12168, 40, 20),
      embedProgram(128, 20),
    ];
    for (const p of programs) expect(p.getUserCode()).toContain('uniforms.');
    // Columns across workgroups where a row is wide (kv: 2 * inner; head: the vocabulary), rows otherwise.
    expect(programs[0]!.dispatch).toEqual([4, 20, 1]);
    expect(programs[0]!.outputShape).toEqual([20, 4, 256]);
    expect(programs[5]!.dispatch).toEqual([Math.ceil(12168 / 4 / 64), 5, 1]); // 4 columns x 4 rows per thread
    expect(programs[6]!.outputShape).toEqual([20, 80]);
    expect(programs[2]!.dispatch).toEqual([20, 1, 1]);
  });

  it('fusedSupports the shipped configs and T5-small, not a model whose feed-forward cannot fit', () => {
    expect(fusedSupports(beauty)).toBe(true);
    expect(fusedSupports(t5SmallConfig(32100))).toBe(true);
    expect(fusedSupports({ ...t5SmallConfig(32100), dModel: 1024, dFf: 4096 })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { t5SmallConfig } from './types.ts';
import { decoderStepFlops, encoderFlops, crossKvFlops, decoderFullFlops, foldCrossFlops } from './flops.ts';

describe('FLOP counts', () => {
  const c = t5SmallConfig(32100);
  it('encoder: T5-small, one token, hand-computed', () => {
    // per layer: q,k,v,o 4*2*512*512 = 2,097,152; FFN 2*(2*512*2048) = 4,194,304; scores+mix 4*1*1*512 = 2,048
    expect(encoderFlops(c, 1)).toBe(6 * (2_097_152 + 4_194_304 + 2_048));
  });
  it('gated-gelu counts two input projections', () => {
    const g = { ...c, feedForward: 'gated-gelu' as const };
    expect(encoderFlops(g, 1) - encoderFlops(c, 1)).toBe(6 * 2 * 512 * 2048);
  });
  it('decoder step: head dominates for a large vocabulary; full = cross K/V + sum of steps', () => {
    const step0 = decoderStepFlops(c, 0, 10);
    expect(step0 - decoderStepFlops(c, 0, 10, false)).toBe(2 * 512 * 32100);
    expect(decoderFullFlops(c, 2, 10)).toBe(crossKvFlops(c, 10) + step0 + decoderStepFlops(c, 1, 10));
  });
  it('a restricted head costs its columns only', () => {
    // 12 allowed tokens: 2 * 512 * 12 = 12,288 FLOPs of head instead of 2 * 512 * 32100.
    expect(decoderStepFlops(c, 3, 10, true, 12) - decoderStepFlops(c, 3, 10, false)).toBe(12_288);
  });
  it('folded cross-attention: 4 d H S per row instead of q, o and the two attention products', () => {
    // S = 22: standard 2*2*512*512 + 2*2*22*512 = 1,093,632 per layer; folded 2*2*512*8*22 = 360,448.
    expect(decoderStepFlops(c, 3, 22, false) - decoderStepFlops(c, 3, 22, false, 0, true)).toBe(6 * (1_093_632 - 360_448));
    // Folding: per layer and head two [22, 64] x [64, 512] products.
    expect(foldCrossFlops(c, 22)).toBe(6 * 8 * 2 * 2 * 22 * 64 * 512);
  });
});

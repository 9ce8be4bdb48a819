import { describe, expect, it } from 'vitest';
import { t5SmallConfig } from '../model/types.ts';
import { decoderStepFlops, encoderFlops, crossKvFlops, decoderFullFlops } from './flops.ts';

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
});

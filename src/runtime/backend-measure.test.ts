// The workload the measured backend choice times (backend-measure.ts), on TF.js's CPU backend: it is
// the pack's cached decoder step in FLOPs (every matrix product of src/model/flops.ts's count, at the
// measurement's past and source lengths), it leaves no tensor behind, and it keeps to its allowance
// and to a cancellation. Clocks are scripted, so nothing depends on this machine's speed.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { decoderStepFlops } from '../model/flops.ts';
import { t5SmallConfig, type T5Config } from '../model/types.ts';
import { modelSizeOf, type StepShape } from './backend-choice.ts';
import { MEASURE_PAST_LEN, MEASURE_SOURCE_LEN, timeDecoderStep } from './backend-measure.ts';

const tiny = (feedForward: T5Config['feedForward']): T5Config => ({ ...t5SmallConfig(50), dModel: 16, dKv: 4, numHeads: 3, dFf: 24, numEncoderLayers: 1, numDecoderLayers: 2, feedForward });

/** A clock that moves `step` ms each time it is read. */
function tickingClock(step: number) {
  let t = 0;
  return () => (t += step);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the measured decoder step', () => {
  for (const ff of ['relu', 'gated-gelu'] as const) {
    it(`has the FLOPs of the pack's cached decoder step (${ff}) and disposes everything`, async () => {
      const c = tiny(ff);
      const step = modelSizeOf(c).step!;
      const before = tf.memory().numTensors;
      let flops = 0;
      const info = await tf.profile(async () => {
        expect(await timeDecoderStep(step, 1e9, { now: tickingClock(1), reps: 1 })).toBe(1);
      });
      // Two runs (warm + one timed); each matrix product [.., m, k] x [.., k, n] is 2mkn per batch.
      for (const k of info.kernels) {
        if (k.name !== 'BatchMatMul') continue;
        const a = k.inputShapes[0]!;
        const out = k.outputShapes[0]!;
        // [batch?, m, n] out of an a of [batch?, m, k] (a is never transposed here).
        flops += 2 * out.reduce((p, d) => p * d, 1) * a[a.length - 1]!;
      }
      expect(flops / 2).toBe(decoderStepFlops(c, MEASURE_PAST_LEN, MEASURE_SOURCE_LEN, true));
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the T5-small-sized step keeps its shape', () => {
    expect(modelSizeOf(t5SmallConfig(4408)).step).toEqual<StepShape>({ dModel: 512, dKv: 64, numHeads: 8, dFf: 2048, numDecoderLayers: 6, vocabSize: 4408, gated: false });
  });

  it('reports the fastest timed step; null when no timed step fits the allowance or after a cancellation', async () => {
    const step = modelSizeOf(tiny('relu')).step!;
    const before = tf.memory().numTensors;
    // Each timed step reads the clock twice (start, end): 3 ms apart on a 3 ms clock.
    expect(await timeDecoderStep(step, 1e9, { now: tickingClock(3) })).toBe(3);
    expect(await timeDecoderStep(step, 0, { now: tickingClock(1) })).toBeNull();
    // The warm step alone is past the allowance: nothing timed.
    expect(await timeDecoderStep(step, 1, { now: tickingClock(5) })).toBeNull();
    expect(await timeDecoderStep(step, 1e9, { now: tickingClock(1), cancelled: () => true })).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
  });
});

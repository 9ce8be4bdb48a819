import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeParams, initPeapodParams } from '../params.ts';
import { outputLogits, outputLogitsAt, t5Weights } from './stacks.ts';
import { tinyConfig } from './test-fixtures.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Unsorted, with a repeat and both ends of the vocabulary (24 tokens).
const IDS = [23, 1, 7, 0, 7, 12];

describe.each([
  ['tied', tinyConfig(), false],
  ['tied, pre-transposed kernel', tinyConfig(), true],
  ['untied', tinyConfig({ tieWordEmbeddings: false }), false],
])('outputLogitsAt (%s)', (_name, config, withKernel) => {
  it('equals the full head gathered at the ids, for rank-2 and rank-3 hidden states', () => {
    const params = initPeapodParams(config, 5);
    const w = t5Weights(params, config.t5);
    const kernel = withKernel ? tf.transpose(w.shared) as tf.Tensor2D : undefined;
    const ids = Int32Array.from(IDS);
    const idsT = tf.tensor1d(IDS, 'int32');
    for (const shape of [[3, 16], [2, 3, 16]]) {
      const hidden = tf.randomNormal(shape, 0, 1, 'float32', 9);
      const full = outputLogits(hidden, w, config.t5, kernel);
      const sub = outputLogitsAt(hidden, w, config.t5, ids);
      expect(sub.shape).toEqual([...shape.slice(0, -1), IDS.length]);
      const want = tf.gather(full, idsT, shape.length - 1).dataSync();
      const got = sub.dataSync();
      let worst = 0;
      want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[i]!))));
      expect(worst).toBeLessThan(1e-5);
      // Not all equal: the check above would pass trivially on constant logits.
      expect(Math.max(...got) - Math.min(...got)).toBeGreaterThan(0.01);
      tf.dispose([hidden, full, sub]);
    }
    tf.dispose([idsT, ...(kernel ? [kernel] : [])]);
    disposeParams(params);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeParams, initPeapodParams, PARAM } from '../params.ts';
import { disposeEncoderOutput, PeapodModel } from '../peapod.ts';
import { tinyConfig } from '../t5/test-fixtures.ts';
import { peapodDecoder } from './peapod-decoder.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// With the collaborative output prior, step 0 adds the prior and step 1 the end-of-id logit on </s>:
// the restricted head must carry both into the right columns.
const config = tinyConfig({}, { cfPrior: true });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('PeapodSession.stepAt', () => {
  it('returns the full step logits at the requested ids, through priors, reorders and the growing cache', () => {
    const params = initPeapodParams(config, 8);
    // A non-zero prior table, so the prior actually moves the step-0 logits.
    const table = params.get(PARAM.cfPriorItems)!;
    table.assign(tf.randomNormal([config.t5.vocabSize, config.composer.cfDim], 0, 1, 'float32', 3));
    const model = new PeapodModel(config, params);
    const collab = { userEmb: tf.randomNormal([2, 8], 0, 1, 'float32', 1) as tf.Tensor2D, neighbourEmb: tf.randomNormal([2, 4, 8], 0, 1, 'float32', 2) as tf.Tensor3D };
    const p = model.composePrompt('sequential', collab, 2);
    const batch = {
      tokenIds: tf.tensor2d([[5, 9, 10, 1], [7, 12, 1, 0]], undefined, 'int32'),
      wholeWordIds: tf.tensor2d([[0, 0, 0, 0], [0, 0, 0, 0]], undefined, 'int32'),
      attentionMask: tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]]),
    };
    const enc = model.encode(batch, p.prompt, false, p.prior);
    expect(enc.prior).toBeTruthy();
    const dec = peapodDecoder(model, enc);
    const full = dec.startSession();
    const sub = dec.startSession();
    const ids = Int32Array.of(1, 4, 23, 0, 9);
    const tokens = [Int32Array.of(0, 0), Int32Array.of(4, 6, 6), Int32Array.of(1, 2, 3)];
    for (let t = 0; t < tokens.length; t++) {
      if (t === 1) {
        // Beam-style expansion between steps: 2 rows -> 3 (row 1 duplicated).
        full.reorder(Int32Array.of(0, 1, 1));
        sub.reorder(Int32Array.of(0, 1, 1));
      }
      const a = full.step(tokens[t]!);
      const b = sub.stepAt!(tokens[t]!, ids);
      expect(b.shape).toEqual([tokens[t]!.length, ids.length]);
      const want = tf.tidy(() => tf.gather(a, tf.tensor1d(ids, 'int32'), 1));
      expect(maxAbsDiff(want.dataSync(), b.dataSync())).toBeLessThan(1e-5);
      if (t === 1) {
        // The end-of-id logit (+30 on </s>) reached the </s> column of the restricted head.
        const row = b.dataSync();
        expect(row[0]!).toBeGreaterThan(Math.max(row[1]!, row[2]!, row[3]!, row[4]!) + 20);
      }
      tf.dispose([a, b, want]);
    }
    full.dispose();
    sub.dispose();
    disposeEncoderOutput(enc);
    tf.dispose([p.prompt, p.prior!, collab.userEmb, collab.neighbourEmb, batch.tokenIds, batch.wholeWordIds, batch.attentionMask]);
    p.attention?.dispose();
    model.dispose();
    disposeParams(params);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { peapodDecoder } from '../generate/peapod-decoder.ts';
import { disposeParams, initPeapodParams } from '../params.ts';
import { disposeEncoderOutput, PeapodModel } from '../peapod.ts';
import { ModelInputError } from './config.ts';
import { tableRows } from './layers.ts';
import { tinyConfig } from './test-fixtures.ts';

// Top-level await so that skipIf sees the answer when the tests are declared.
const wasmReady = await tf.setBackend('wasm').catch(() => false);
// Without wasm in this Node the wasm cases are skipped, silently: the runner's summary counts them.

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('tableRows on %s', (backend) => {
  it.skipIf(backend === 'wasm' && !wasmReady)('copies the requested rows (repeats and any order) and rejects ids outside the table', async () => {
    await tf.setBackend(backend);
    // Row r, column j holds 10 r + j: every copied value names where it came from.
    const table = tf.tensor2d(Float32Array.from({ length: 7 * 3 }, (_, i) => 10 * Math.floor(i / 3) + (i % 3)), [7, 3]);
    const rows = tableRows(table, Int32Array.of(6, 0, 3, 3));
    expect(rows.shape).toEqual([4, 3]);
    expect(Array.from(rows.dataSync())).toEqual([60, 61, 62, 0, 1, 2, 30, 31, 32, 30, 31, 32]);
    expect(() => tableRows(table, Int32Array.of(2, 7), 'test table')).toThrow(ModelInputError);
    expect(() => tableRows(table, Int32Array.of(-1))).toThrow(/row -1 \(position 0\) is outside \[0, 7\)/);
    tf.dispose([table, rows]);
  });

  it.skipIf(backend === 'wasm' && !wasmReady)('feeds the cached decoder: steps with host token ids equal teacher-forced decoding', async () => {
    await tf.setBackend(backend);
    const config = tinyConfig({ feedForward: 'gated-gelu' });
    const params = initPeapodParams(config, 12);
    const model = new PeapodModel(config, params);
    const batch = {
      tokenIds: tf.tensor2d([[5, 9, 10, 1], [7, 12, 1, 0]], undefined, 'int32'),
      wholeWordIds: tf.tensor2d([[0, 1, 1, 0], [0, 0, 0, 0]], undefined, 'int32'),
      attentionMask: tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]]),
    };
    const enc = model.encode(batch, null);
    const inputs = [[0, 4, 23, 7, 7], [0, 2, 9, 1, 16]];
    const full = model.decodeFull(enc, tf.tensor2d(inputs, undefined, 'int32')).arraySync();
    const session = peapodDecoder(model, enc).startSession();
    for (let t = 0; t < inputs[0]!.length; t++) {
      const logits = session.step(Int32Array.of(inputs[0]![t]!, inputs[1]![t]!));
      const got = logits.arraySync();
      for (let r = 0; r < 2; r++) {
        let worst = 0;
        got[r]!.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - full[r]![t]![j]!))));
        expect(worst).toBeLessThan(1e-5);
      }
      logits.dispose();
    }
    session.dispose();
    disposeEncoderOutput(enc);
    tf.dispose([batch.tokenIds, batch.wholeWordIds, batch.attentionMask]);
    model.dispose();
    disposeParams(params);
  });
});

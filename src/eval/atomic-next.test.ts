import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initPeapodParams } from '../model/params.ts';
import { PeapodModel } from '../model/peapod.ts';
import { buildTokenizer } from '../model/tokenizer.ts';
import { peapodDecoder } from '../model/generate/peapod-decoder.ts';
import { recommendNext } from '../model/generate/recommend.ts';
import type { PeapodConfig } from '../model/types.ts';
import { atomicConstrainedNext } from './atomic-next.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('atomicConstrainedNext', () => {
  it('returns exactly what the generic constrained beam search returns, without leaking tensors', async () => {
    const items = Array.from({ length: 40 }, (_, i) => i + 1);
    const tok = buildTokenizer({ idScheme: 'atomic', texts: ['what next ?'], users: [], items });
    const config: PeapodConfig = {
      t5: { vocabSize: tok.vocabSize, dModel: 16, dKv: 8, numHeads: 2, dFf: 32, numEncoderLayers: 1, numDecoderLayers: 1, feedForward: 'relu', relativeAttentionNumBuckets: 8, relativeAttentionMaxDistance: 16, tieWordEmbeddings: true, dropoutRate: 0, layerNormEpsilon: 1e-6, padTokenId: 0, eosTokenId: 1, wholeWordVocab: 0 },
      composer: { cfDim: 4, numNeighbours: 3, numHeads: 2, promptLength: 2, taskPrompts: true, collaborative: false },
      tasks: ['sequential'],
      idScheme: 'atomic',
    };
    const params = initPeapodParams(config, 5);
    const model = new PeapodModel(config, params);
    const texts = ['item_3 item_7 item_9', 'item_1', 'what next ? item_40 item_2'];
    const [hidden, mask] = tf.tidy<[tf.Tensor3D, tf.Tensor2D]>(() => {
      const rows = texts.map((t) => tok.encodeText(t).ids);
      const L = Math.max(...rows.map((r) => r.length));
      const ids = new Int32Array(rows.length * L);
      const mask = new Float32Array(rows.length * L);
      rows.forEach((r, b) => {
        ids.set(r, b * L);
        mask.fill(1, b * L, b * L + r.length);
      });
      const batch = { tokenIds: tf.tensor2d(ids, [rows.length, L], 'int32'), wholeWordIds: tf.zeros([rows.length, L], 'int32') as tf.Tensor2D, attentionMask: tf.tensor2d(mask, [rows.length, L]) };
      const { prompt } = model.composePrompt('sequential', null, rows.length);
      const e = model.encode(batch, prompt, false);
      return [e.hidden, e.mask];
    });
    const enc = { hidden, mask };
    // The first decode builds the model's cached tied output kernel (kept on purpose); measure after it.
    await atomicConstrainedNext(peapodDecoder(model, enc), tok, 20, 10);
    const before = tf.memory().numTensors;
    const fast = await atomicConstrainedNext(peapodDecoder(model, enc), tok, 20, 10);
    expect(tf.memory().numTensors).toBe(before);
    const generic = await recommendNext(peapodDecoder(model, enc), tok, { beamWidth: 20, topK: 10, constrained: true });
    expect(fast.length).toBe(3);
    fast.forEach((f, b) => {
      expect(f.items).toEqual(generic[b]!.items);
      f.scores.forEach((s, k) => expect(s).toBeCloseTo(generic[b]!.scores[k]!, 4));
      expect(f.scores).toEqual([...f.scores].sort((x, y) => y - x));
    });
    // Excluding items: with every other item in the beam, exactly the full ranking without them.
    const exclude = [[3, 7, 9], [1], [40, 2, 2]];
    const full = await atomicConstrainedNext(peapodDecoder(model, enc), tok, 40, 40);
    const kept = await atomicConstrainedNext(peapodDecoder(model, enc), tok, 40, 10, exclude);
    kept.forEach((k, b) => {
      const want = full[b]!.items.filter((i) => !exclude[b]!.includes(i)).slice(0, 10);
      expect(k.items).toEqual(want);
      expect(k.items.some((i) => exclude[b]!.includes(i))).toBe(false);
    });
    // A narrower beam never returns an excluded item either, and still returns topK items.
    const narrow = await atomicConstrainedNext(peapodDecoder(model, enc), tok, 20, 10, exclude);
    narrow.forEach((k, b) => {
      expect(k.items.length).toBe(10);
      expect(k.items.some((i) => exclude[b]!.includes(i))).toBe(false);
    });
    await expect(atomicConstrainedNext(peapodDecoder(model, enc), tok, 20, 10, [[1]])).rejects.toThrow(/1 exclusion lists for 3 rows/);
    enc.hidden.dispose();
    enc.mask.dispose();
    model.dispose();
    params.forEach((v) => v.dispose());
  });
});

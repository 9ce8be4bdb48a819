// T5-small-sized smoke test: the same code builds and runs d 512, 6+6 layers, 8 heads, d_ff 2048
// with PeaPOD's reference composer (cfDim 512, 4 heads, l 3, n 20). Runs on wasm (with the kernel
// fixes) when it loads in this Node, else on cpu.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { countParams, disposeParams, initPeapodParams } from './params.ts';
import { PeapodModel } from './peapod.ts';
import { t5SmallConfig, type PeapodConfig } from './types.ts';
import { registerWasmMatmulFix } from './wasm-kernels.ts';

const onWasm = await tf.setBackend('wasm').catch(() => false);
if (onWasm) registerWasmMatmulFix();
else await tf.setBackend('cpu');

describe('T5-small-sized PeapodModel', () => {
  it('builds, encodes, decodes 5 cached steps equal to full decoding, and frees everything', () => {
    const config: PeapodConfig = {
      t5: t5SmallConfig(32128, 64),
      composer: { cfDim: 512, numNeighbours: 20, numHeads: 4, promptLength: 3, taskPrompts: true, collaborative: true },
      tasks: ['sequential', 'topn', 'explanation'],
      idScheme: 'p5',
    };
    const start = tf.memory().numTensors;
    const params = initPeapodParams(config, 1);
    // T5-small + whole-word table + W_Q/W_K/W_V with biases + prompt layer (512 -> 3 x 512) + 3 tasks x 3 vectors
    expect(countParams(config)).toBe(60_506_624 + 64 * 512 + 3 * (512 * 512 + 512) + (512 * 1536 + 1536) + 3 * 3 * 512);
    const model = new PeapodModel(config, params);
    const b = 2;
    const length = 24;
    const tokens = Array.from({ length: b }, (_, i) => Array.from({ length }, (_, t) => (t === length - 1 ? 1 : 2 + ((i * 977 + t * 131) % 32000))));
    const batch = {
      tokenIds: tf.tensor2d(tokens, undefined, 'int32'),
      wholeWordIds: tf.tensor2d(tokens.map((r) => r.map((_, t) => (t > 2 && t < 20 ? 1 + Math.floor(t / 3) : 0))), undefined, 'int32'),
      attentionMask: tf.ones([b, length]) as tf.Tensor2D,
    };
    const collab = { userEmb: tf.randomNormal([b, 512], 0, 1, 'float32', 3) as tf.Tensor2D, neighbourEmb: tf.randomNormal([b, 20, 512], 0, 1, 'float32', 4) as tf.Tensor3D };

    const { prompt, attention } = model.composePrompt('sequential', collab, b);
    const enc = model.encode(batch, prompt);
    const hidden = enc.hidden.dataSync();
    expect(enc.hidden.shape).toEqual([b, 6 + length, 512]);
    expect(attention!.shape).toEqual([b, 4, 20]);
    expect(hidden.every((v) => Number.isFinite(v))).toBe(true);

    const steps = [0, 5, 17, 99, 1234];
    let cache = model.startDecoding(enc);
    const stepLogits: number[][][] = [];
    for (const token of steps) {
      const s = model.decodeStep(cache, tf.tensor1d([token, token], 'int32'));
      stepLogits.push(s.logits.arraySync());
      s.logits.dispose();
      cache = s.cache;
    }
    model.disposeCache(cache);
    const full = model.decodeFull(enc, tf.tensor2d([steps, steps], undefined, 'int32')).arraySync();
    let maxDiff = 0;
    stepLogits.forEach((l, t) => l.forEach((row, i) => row.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - full[i]![t]![k]!))))));
    expect(maxDiff).toBeLessThan(1e-4);

    tf.dispose([prompt, attention!, enc.hidden, enc.mask, batch.tokenIds, batch.wholeWordIds, batch.attentionMask, collab.userEmb, collab.neighbourEmb]);
    model.dispose();
    disposeParams(params);
    // The test's own step token tensors and decodeFull inputs are not tracked; allow for those.
    expect(tf.memory().numTensors - start).toBeLessThanOrEqual(steps.length + 2);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeParams, initPeapodParams } from './params.ts';
import { FOLD_CROSS_MIN_ROWS, PeapodModel, type EncoderBatch, type EncoderOutput } from './peapod.ts';
import { shouldFoldCrossMemory } from './t5/stacks.ts';
import { tinyConfig } from './t5/test-fixtures.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function batch(): EncoderBatch {
  return {
    tokenIds: tf.tensor2d([[5, 9, 10, 11, 3, 1], [7, 12, 13, 1, 0, 0], [2, 2, 1, 0, 0, 0]], undefined, 'int32'),
    wholeWordIds: tf.tensor2d([[0, 1, 1, 1, 0, 0], [0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]], undefined, 'int32'),
    attentionMask: tf.tensor2d([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0]]),
  };
}

// 14 steps pass the 8 causal buckets' exact range (4) and the log range up to max distance 20.
const STEPS = 14;
const DECODER_IDS = [0, 1, 2].map((b) => Array.from({ length: STEPS }, (_, t) => (t === 0 ? 0 : (b * 7 + t * 5) % 24)));

function maxAbsDiff(a: number[], b: number[]): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe.each([
  ['relu, tied', tinyConfig()],
  ['gated-gelu, untied', tinyConfig({ feedForward: 'gated-gelu', tieWordEmbeddings: false })],
])('cached decoding (%s)', (_name, config) => {
  it('each step equals full recomputation to 1e-5', () => {
    const params = initPeapodParams(config, 21);
    const model = new PeapodModel(config, params);
    const b = batch();
    const { prompt } = model.composePrompt('sequential', null, 3);
    const enc = model.encode(b, prompt);
    const full = model.decodeFull(enc, tf.tensor2d(DECODER_IDS, undefined, 'int32')).arraySync();
    let cache = model.startDecoding(enc);
    for (let t = 0; t < STEPS; t++) {
      const step = model.decodeStep(cache, tf.tensor1d(DECODER_IDS.map((r) => r[t]!), 'int32'));
      cache = step.cache;
      expect(cache.step).toBe(t + 1);
      const logits = step.logits.arraySync();
      for (let i = 0; i < 3; i++) expect(maxAbsDiff(logits[i]!, full[i]![t]!)).toBeLessThan(1e-5);
      step.logits.dispose();
    }
    model.disposeCache(cache);
    model.dispose();
    disposeParams(params);
  });
});

describe.each([
  ['relu, tied', tinyConfig({ dKv: 8 })],
  ['gated-gelu, untied', tinyConfig({ dKv: 8, feedForward: 'gated-gelu', tieWordEmbeddings: false })],
])('expandSingle: beams of one input share its folded cross-attention (%s)', (_name, config) => {
  it('folds from 4 rows on, and every step equals full recomputation to 1e-5 through reorders', () => {
    const params = initPeapodParams(config, 5);
    const model = new PeapodModel(config, params);
    const b = batch();
    const { prompt } = model.composePrompt('sequential', null, 3);
    const before = tf.memory().numTensors;
    // Example 2 has padding, so the folded mask bias matters.
    for (const example of [0, 2]) {
      const pick = (t: tf.Tensor2D) => tf.slice(t, [example, 0], [1, -1]) as tf.Tensor2D;
      const enc: EncoderOutput = {
        ...tf.tidy(() => {
          const e = model.encode({ tokenIds: pick(b.tokenIds), wholeWordIds: pick(b.wholeWordIds), attentionMask: pick(b.attentionMask) }, tf.slice(prompt, [example, 0, 0], [1, -1, -1]) as tf.Tensor3D);
          return { hidden: e.hidden, mask: e.mask };
        }),
        prior: null,
      };
      const srcLen = enc.hidden.shape[1];
      expect(shouldFoldCrossMemory(config.t5, srcLen)).toBe(true);
      // Five beams with their own continuations; after step 3 they are reordered with repeats.
      const beams = Array.from({ length: 5 }, (_, r) => Array.from({ length: STEPS }, (_, t) => (t === 0 ? 0 : (r * 5 + t * 3 + example) % 24)));
      const order = [4, 4, 0, 1, 2];
      const seqs = beams.map((row, r) => row.map((tok, t) => (t <= 3 ? beams[order[r]!]![t]! : tok)));
      const tiled: typeof enc = { hidden: tf.tile(enc.hidden, [5, 1, 1]), mask: tf.tile(enc.mask, [5, 1]), prior: null };
      // References: the beams' own sequences before the reorder, the reordered histories after it.
      const reference = (ids: number[][]) => {
        const logits = tf.tidy(() => model.decodeFull(tiled, tf.tensor2d(ids, undefined, 'int32')));
        const values = logits.arraySync();
        logits.dispose();
        return values;
      };
      const fullBefore = reference(beams);
      const fullAfter = reference(seqs);

      let cache = model.startDecoding(enc);
      let s = model.decodeStep(cache, Int32Array.of(0));
      s.logits.dispose();
      cache = model.expandSingle(s.cache, 5);
      expect(cache.foldedCross).toBeTruthy();
      expect(cache.batchSize).toBe(5);
      for (let t = 1; t < STEPS; t++) {
        if (t === 4) cache = model.reorderCache(cache, Int32Array.from(order));
        const current = t < 4 ? beams : seqs;
        s = model.decodeStep(cache, Int32Array.from(current.map((row) => row[t]!)));
        cache = s.cache;
        const logits = s.logits.arraySync();
        s.logits.dispose();
        const full = t < 4 ? fullBefore : fullAfter;
        for (let r = 0; r < 5; r++) expect(maxAbsDiff(logits[r]!, full[r]![t]!)).toBeLessThan(1e-5);
      }
      model.disposeCache(cache);
      tf.dispose([enc.hidden, enc.mask, tiled.hidden, tiled.mask]);
    }
    // Fewer rows than FOLD_CROSS_MIN_ROWS: plain copies.
    const one: EncoderOutput = { hidden: tf.randomNormal([1, 6, config.t5.dModel], 0, 1, 'float32', 9) as tf.Tensor3D, mask: tf.ones([1, 6]) as tf.Tensor2D };
    const small = model.expandSingle(model.startDecoding(one), FOLD_CROSS_MIN_ROWS - 1);
    tf.dispose([one.hidden, one.mask]);
    expect(small.foldedCross ?? null).toBeNull();
    expect(small.crossKeysT[0]!.shape[0]).toBe(FOLD_CROSS_MIN_ROWS - 1);
    model.disposeCache(small);
    // Nothing left behind but what the model keeps for decoding, built once on first use: the tied
    // head's transposed embedding and the cross-attention q/o slices per layer and head.
    const kept = (config.t5.tieWordEmbeddings ? 1 : 0) + 2 * config.t5.numDecoderLayers * config.t5.numHeads;
    expect(tf.memory().numTensors).toBe(before + kept);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(params);
  });
});

describe('shouldFoldCrossMemory', () => {
  it('folds while H*S*d < H*dk*(d+S): T5-small up to 73 source positions, the Beauty model up to 42', () => {
    const t5 = { ...tinyConfig().t5, dModel: 512, numHeads: 8, dKv: 64 };
    expect(shouldFoldCrossMemory(t5, 73)).toBe(true);
    expect(shouldFoldCrossMemory(t5, 74)).toBe(false);
    const beauty = { ...t5, dModel: 128, numHeads: 4, dKv: 32 };
    expect(shouldFoldCrossMemory(beauty, 42)).toBe(true);
    expect(shouldFoldCrossMemory(beauty, 43)).toBe(false);
  });
});

describe('reorderCache', () => {
  it('gathers rows (with repeats) so decoding continues as if the inputs had been reordered', () => {
    const config = tinyConfig();
    const params = initPeapodParams(config, 4);
    const model = new PeapodModel(config, params);
    const b = batch();
    const enc = model.encode(b, null);
    const rows = [2, 0, 0, 1];
    // Reference: encode the reordered batch and decode it from scratch.
    const gather = (t: tf.Tensor2D) => tf.gather(t, tf.tensor1d(rows, 'int32'));
    const encReordered = model.encode({ tokenIds: gather(b.tokenIds), wholeWordIds: gather(b.wholeWordIds), attentionMask: gather(b.attentionMask) }, null);
    const ids = rows.map((r) => DECODER_IDS[r]!.slice(0, 5));
    const full = model.decodeFull(encReordered, tf.tensor2d(ids, undefined, 'int32')).arraySync();

    let cache = model.startDecoding(enc);
    for (let t = 0; t < 2; t++) {
      const s = model.decodeStep(cache, tf.tensor1d(DECODER_IDS.map((r) => r[t]!), 'int32'));
      s.logits.dispose();
      cache = s.cache;
    }
    cache = model.reorderCache(cache, tf.tensor1d(rows, 'int32'));
    expect(cache.batchSize).toBe(4);
    expect(cache.step).toBe(2);
    for (let t = 2; t < 5; t++) {
      const s = model.decodeStep(cache, tf.tensor1d(ids.map((r) => r[t]!), 'int32'));
      cache = s.cache;
      const logits = s.logits.arraySync();
      for (let i = 0; i < 4; i++) expect(maxAbsDiff(logits[i]!, full[i]![t]!)).toBeLessThan(1e-5);
    }
    model.disposeCache(cache);
    disposeParams(params);
  });
});

describe('tensor bookkeeping', () => {
  it('encode + 5 cached steps + disposeCache leaves tf.memory().numTensors unchanged', () => {
    const config = tinyConfig();
    const params = initPeapodParams(config, 4);
    const model = new PeapodModel(config, params);
    const b = batch();
    const collab = { userEmb: tf.ones([3, 8]) as tf.Tensor2D, neighbourEmb: tf.ones([3, 4, 8]) as tf.Tensor3D };
    const tokens = tf.tensor1d([0, 0, 0], 'int32');
    const rows = tf.tensor1d([1, 1, 0, 2], 'int32');
    const tokens4 = tf.tensor1d([1, 2, 3, 4], 'int32');
    const run = () => {
      const p = model.composePrompt('sequential', collab, 3);
      const enc = model.encode(b, p.prompt);
      tf.dispose([p.prompt, p.attention!]);
      let cache = model.startDecoding(enc);
      tf.dispose([enc.hidden, enc.mask]);
      for (let t = 0; t < 5; t++) {
        if (t === 3) cache = model.reorderCache(cache, rows);
        const s = model.decodeStep(cache, t >= 3 ? tokens4 : tokens);
        s.logits.dispose();
        cache = s.cache;
      }
      model.disposeCache(cache);
    };
    const start = tf.memory().numTensors;
    run(); // the first run builds the model's transposed output embedding (tied head) once
    const afterFirst = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(afterFirst).toBe(start + 1);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
    disposeParams(params);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { cfPriorLogits } from './composer.ts';
import { disposeParams, initPeapodParams, PARAM, paramShapes } from './params.ts';
import { disposeEncoderOutput, END_OF_ID_LOGIT, PeapodModel, type CollaborativeInput, type EncoderBatch } from './peapod.ts';
import { tinyConfig } from './t5/test-fixtures.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = tinyConfig({}, { cfPrior: true });
const V = config.t5.vocabSize;
const CF = config.composer.cfDim;

function setup(seed = 3) {
  const params = initPeapodParams(config, seed);
  // Item table: token row r gets factors (r mod 5 - 2) * e_(r mod CF); scales exp(log 2), exp(log 0.5).
  const table = new Float32Array(V * CF);
  for (let r = 0; r < V; r++) table[r * CF + (r % CF)] = (r % 5) - 2;
  params.get(PARAM.cfPriorItems)!.assign(tf.tensor2d(table, [V, CF]));
  params.get(PARAM.cfPriorScales)!.assign(tf.tensor1d([Math.log(2), Math.log(0.5)]));
  return { params, table };
}

function collab(): CollaborativeInput {
  const u = Float32Array.from({ length: 2 * CF }, (_, i) => Math.cos(i));
  const nb = Float32Array.from({ length: 2 * 4 * CF }, (_, i) => Math.sin(i * 0.7));
  return { userEmb: tf.tensor2d(u, [2, CF]), neighbourEmb: tf.tensor3d(nb, [2, 4, CF]), neighbourMask: tf.tensor2d([[1, 1, 0, 1], [1, 1, 1, 1]]) };
}

function batch(): EncoderBatch {
  return {
    tokenIds: tf.tensor2d([[5, 9, 10, 1], [7, 12, 1, 0]], undefined, 'int32'),
    wholeWordIds: tf.tensor2d([[0, 0, 0, 0], [0, 0, 0, 0]], undefined, 'int32'),
    attentionMask: tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]]),
  };
}

describe('collaborative output prior', () => {
  it('has its two weights only when switched on', () => {
    expect(paramShapes(config).get(PARAM.cfPriorItems)).toEqual([V, CF]);
    expect(paramShapes(config).get(PARAM.cfPriorScales)).toEqual([2]);
    expect(paramShapes(tinyConfig()).has(PARAM.cfPriorItems)).toBe(false);
  });

  it('equals s_u (u . v_i) + s_n (mean-head attention . N . v_i), computed by hand', () => {
    const { params, table } = setup();
    const c = collab();
    const model = new PeapodModel(config, params);
    const out = model.composePrompt('sequential', c, 2);
    const prior = out.prior!.arraySync();
    const att = out.attention!.arraySync(); // [B, H, n]
    const u = c.userEmb.arraySync();
    const nb = c.neighbourEmb.arraySync();
    for (let b = 0; b < 2; b++) {
      const mix = new Array<number>(CF).fill(0);
      for (let k = 0; k < 4; k++) {
        const a = (att[b]![0]![k]! + att[b]![1]![k]!) / 2;
        for (let j = 0; j < CF; j++) mix[j]! += a * nb[b]![k]![j]!;
      }
      if (b === 0) expect(att[0]![0]![2]).toBe(0); // the masked neighbour
      for (const r of [0, 3, 11, V - 1]) {
        let want = 0;
        for (let j = 0; j < CF; j++) want += (2 * u[b]![j]! + 0.5 * mix[j]!) * table[r * CF + j]!;
        expect(prior[b]![r]!).toBeCloseTo(want, 5);
      }
    }
    // No attention (individual-only): the user term alone.
    const solo = cfPriorLogits(params, c.userEmb, null, null).arraySync();
    expect(solo[1]![3]).toBeCloseTo(2 * u[1]![3]! * table[3 * CF + 3]!, 5);
    expect(model.composePrompt('explanation', c, 2).prior).toBeNull();
    model.dispose();
    disposeParams(params);
  });

  it('moves only the first decoded position, and cached decoding agrees with full decoding', () => {
    const { params } = setup();
    const model = new PeapodModel(config, params);
    const c = collab();
    const p = model.composePrompt('sequential', c, 2);
    const withPrior = model.encode(batch(), p.prompt, false, p.prior);
    const without = model.encode(batch(), p.prompt, false);
    const ids = tf.tensor2d([[0, 4, 6], [0, 2, 9]], undefined, 'int32');
    const a = model.decodeFull(withPrior, ids).arraySync();
    const b = model.decodeFull(without, ids).arraySync();
    const prior = p.prior!.arraySync();
    const eos = config.t5.eosTokenId;
    for (let r = 0; r < 2; r++) {
      for (const v of [0, eos, 5, V - 1]) {
        expect(a[r]![0]![v]! - b[r]![0]![v]!).toBeCloseTo(prior[r]![v]!, 4);
        // Second position: only </s> moves, by END_OF_ID_LOGIT; third: nothing.
        expect(a[r]![1]![v]! - b[r]![1]![v]!).toBeCloseTo(v === eos ? END_OF_ID_LOGIT : 0, 4);
        expect(a[r]![2]![v]).toBeCloseTo(b[r]![2]![v]!, 5);
      }
    }
    let cache = model.startDecoding(withPrior);
    for (let t = 0; t < 3; t++) {
      const s = model.decodeStep(cache, tf.tensor1d([[0, 4, 6][t]!, [0, 2, 9][t]!], 'int32'));
      cache = s.cache;
      expect(cache.prior ?? null).toBeNull();
      const l = s.logits.arraySync();
      for (let r = 0; r < 2; r++) for (const v of [0, 5, V - 1]) expect(l[r]![v]).toBeCloseTo(a[r]![t]![v]!, 4);
      s.logits.dispose();
    }
    model.disposeCache(cache);
    // Beam reordering before the first step carries the prior rows along.
    let c2 = model.reorderCache(model.startDecoding(withPrior), tf.tensor1d([1, 1, 0], 'int32'));
    const s0 = model.decodeStep(c2, tf.tensor1d([0, 0, 0], 'int32'));
    c2 = s0.cache;
    const l0 = s0.logits.arraySync();
    expect(l0[0]![5]).toBeCloseTo(a[1]![0]![5]!, 4);
    expect(l0[2]![5]).toBeCloseTo(a[0]![0]![5]!, 4);
    model.disposeCache(c2);
    disposeEncoderOutput(withPrior);
    disposeEncoderOutput(without);
    model.dispose();
    disposeParams(params);
  });

  it('is differentiable through the scales (training moves them)', () => {
    const { params } = setup();
    const model = new PeapodModel(config, params);
    const c = collab();
    const labels = tf.tensor2d([[7, 1], [3, 1]], undefined, 'int32');
    const scales = params.get(PARAM.cfPriorScales)!;
    const { grads } = tf.variableGrads(() => model.loss('sequential', batch(), c, labels, false), [scales]);
    const g = grads[Object.keys(grads)[0]!]!.dataSync();
    expect(Math.abs(g[0]!) + Math.abs(g[1]!)).toBeGreaterThan(1e-6);
    model.dispose();
    disposeParams(params);
  });
});

describe('sequential transition prior', () => {
  it('adds exp(scale) x transition features for the sequential task only, and refuses to guess', async () => {
    const { buildTransitions, transitionFeatures } = await import('./transitions.ts');
    const cfg = tinyConfig({}, { seqPrior: true, collaborative: false });
    const params = initPeapodParams(cfg, 5);
    params.get(PARAM.seqPriorScale)!.assign(tf.tensor1d([Math.log(3)]));
    params.get(PARAM.seqPriorRepeat)!.assign(tf.tensor1d([-2]));
    const model = new PeapodModel(cfg, params);
    expect(() => model.composePrompt('sequential', null, 1, [[1, 2]])).toThrow(/setTransitions/);
    const table = buildTransitions([Int32Array.of(1, 2, 3, 1, 2)], 3);
    const itemRow = Int32Array.of(-1, 7, 8, 9);
    model.setTransitions(table, itemRow);
    expect(() => model.composePrompt('sequential', null, 2, [[1]])).toThrow(/one history per row/);
    const hist = [[1, 2], [3]];
    const out = model.composePrompt('sequential', null, 2, hist);
    const want = new Float32Array(2 * V);
    hist.forEach((h, b) => transitionFeatures(table, h, itemRow, want, b * V));
    const got = out.prior!.dataSync();
    const inHistory = (b: number, i: number) => hist[b]!.some((it) => itemRow[it] === i);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(3 * want[i]! + (inHistory(Math.floor(i / V), i % V) ? -2 : 0), 5);
    expect(want.some((v) => v > 0)).toBe(true);
    expect(model.composePrompt('explanation', null, 2, hist).prior).toBeNull();
    model.dispose();
    disposeParams(params);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkParams, countParams, disposeParams, getParam, initPeapodParams, MissingParamError, PARAM, paramShapes, ParamShapeError, seededNormal } from './params.ts';
import { ModelConfigError, smallT5Config } from './t5/config.ts';
import { t5SmallConfig, type PeapodConfig } from './types.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function config(over: Partial<PeapodConfig['composer']> = {}, t5 = smallT5Config(50, 4)): PeapodConfig {
  return {
    t5,
    composer: { cfDim: 16, numNeighbours: 5, numHeads: 4, promptLength: 3, taskPrompts: true, collaborative: true, ...over },
    tasks: ['sequential', 'topn', 'explanation'],
    idScheme: 'p5',
  };
}

describe('paramSpecs / paramShapes', () => {
  it('counts exactly the 60,506,624 weights of T5-small when the PeaPOD parts are off', () => {
    const c = config({ taskPrompts: false, collaborative: false }, t5SmallConfig(32128));
    expect(countParams(c)).toBe(60_506_624);
  });

  it('adds the composer, task prompts and whole-word table with the documented shapes', () => {
    const shapes = paramShapes(config());
    expect(shapes.get(PARAM.composerQuery)).toEqual([16, 16]);
    expect(shapes.get(PARAM.composerPrompt)).toEqual([16, 3 * 128]);
    expect(shapes.get('task_prompt/topn')).toEqual([3, 128]);
    expect(shapes.get(PARAM.wholeWordEmbedding)).toEqual([4, 128]);
    expect(shapes.get('encoder/block_0/self_attn/relative_attention_bias')).toEqual([32, 4]);
    expect(shapes.has('encoder/block_1/self_attn/relative_attention_bias')).toBe(false);
    expect(shapes.get('decoder/block_1/cross_attn/q')).toEqual([128, 128]);
    expect(shapes.get('decoder/block_1/ffn/wi')).toEqual([128, 512]);
    expect(shapes.has(PARAM.lmHead)).toBe(false);
    const gated = paramShapes(config({ collaborative: false, taskPrompts: false }, { ...smallT5Config(50), feedForward: 'gated-gelu', tieWordEmbeddings: false }));
    expect(gated.get('encoder/block_0/ffn/wi_0')).toEqual([128, 512]);
    expect(gated.get('encoder/block_0/ffn/wi_1')).toEqual([128, 512]);
    expect(gated.get(PARAM.lmHead)).toEqual([128, 50]);
    expect([...gated.keys()].some((k) => k.startsWith('composer/') || k.startsWith('task_prompt/'))).toBe(false);
  });

  it('rejects impossible configs with a typed error', () => {
    expect(() => paramShapes(config({ numHeads: 3 }))).toThrow(ModelConfigError);
    expect(() => paramShapes(config({}, { ...smallT5Config(50), dModel: 0 }))).toThrow(/dModel must be a positive integer/);
  });
});

describe('initPeapodParams', () => {
  it('is deterministic per (seed, name) and has T5 init scales', () => {
    const c = config();
    const a = initPeapodParams(c, 7);
    const b = initPeapodParams(config({ collaborative: false }), 7);
    const other = initPeapodParams(c, 8);
    const emb = getParam(a, PARAM.sharedEmbedding).dataSync();
    expect(Array.from(getParam(b, PARAM.sharedEmbedding).dataSync())).toEqual(Array.from(emb));
    expect(getParam(other, PARAM.sharedEmbedding).dataSync()[0]).not.toBe(emb[0]);
    const std = (name: string) => {
      const v = Array.from(getParam(a, name).dataSync() as Float32Array);
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      return Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    };
    expect(std(PARAM.sharedEmbedding)).toBeCloseTo(1, 1); // 6400 samples
    expect(std('encoder/block_0/self_attn/q')).toBeCloseTo((128 * 32) ** -0.5, 2);
    expect(std('encoder/block_0/self_attn/k')).toBeCloseTo(128 ** -0.5, 2);
    expect(std('encoder/block_0/ffn/wo')).toBeCloseTo(512 ** -0.5, 2);
    expect(Array.from(getParam(a, 'encoder/block_0/ffn_norm').dataSync()).every((x) => x === 1)).toBe(true);
    expect(Array.from(getParam(a, PARAM.composerKeyBias).dataSync()).every((x) => x === 0)).toBe(true);
    for (const p of [a, b, other]) disposeParams(p);
  });

  it('seededNormal has mean 0 and the requested spread', () => {
    const v = seededNormal(1, 'x', 100_000, 2);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('checkParams names the missing or misshapen weight', () => {
    const c = config({ collaborative: false });
    const p = initPeapodParams(c, 1);
    expect(() => checkParams(config(), p)).toThrow(MissingParamError);
    expect(() => checkParams(config(), p)).toThrow(/composer\/query\/kernel/);
    const q = p.get('decoder/block_0/self_attn/q')!;
    p.set('decoder/block_0/self_attn/q', tf.variable(tf.zeros([3, 3])));
    expect(() => checkParams(c, p)).toThrow(ParamShapeError);
    expect(() => checkParams(c, p)).toThrow(/decoder\/block_0\/self_attn\/q.*\[3, 3\].*\[128, 128\]/);
    q.dispose();
    disposeParams(p);
  });
});

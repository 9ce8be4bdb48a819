import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeCollaborativePrompt } from './composer.ts';
import { disposeParams, initPeapodParams, PARAM, type ParamMap } from './params.ts';
import { PeapodModel } from './peapod.ts';
import { ModelInputError } from './t5/config.ts';
import { naiveCompose } from './t5/naive-reference.ts';
import { tinyConfig } from './t5/test-fixtures.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = tinyConfig();
const USER = [[0.3, -1.2, 0.5, 0.9, -0.4, 1.1, 0.0, 0.7]];
const NEIGHBOURS = [Array.from({ length: 5 }, (_, j) => Array.from({ length: 8 }, (_, i) => Math.sin(3 * j + i) * (1 + j / 2)))];

function compose(params: ParamMap, neighbours: number[][][], mask?: number[][]) {
  return composeCollaborativePrompt(params, config.composer, config.t5.dModel, tf.tensor2d(USER), tf.tensor3d(neighbours), mask ? tf.tensor2d(mask) : undefined);
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i]![j]!)))));
  return m;
}

/** A 2-d, one-head composer with identity q/k/v projections (no q/k bias) and the given value bias and prompt layer. */
function identityComposer(valueBias: number[], prompt: number[][], promptBias: number[]): ParamMap {
  const eye = [[1, 0], [0, 1]];
  return new Map([
    [PARAM.composerQuery, tf.variable(tf.tensor2d(eye))],
    [PARAM.composerKey, tf.variable(tf.tensor2d(eye))],
    [PARAM.composerValue, tf.variable(tf.tensor2d(eye))],
    [PARAM.composerQueryBias, tf.variable(tf.zeros([2]))],
    [PARAM.composerKeyBias, tf.variable(tf.zeros([2]))],
    [PARAM.composerValueBias, tf.variable(tf.tensor1d(valueBias))],
    [PARAM.composerPrompt, tf.variable(tf.tensor2d(prompt))],
    [PARAM.composerPromptBias, tf.variable(tf.tensor1d(promptBias))],
  ]);
}

describe('composeCollaborativePrompt', () => {
  it('attention rows are softmaxes over the neighbours, one per head, matching the plain-JS definition', () => {
    const params = initPeapodParams(config, 13);
    const { prompt, attention } = compose(params, NEIGHBOURS);
    const a = attention.arraySync()[0]!;
    expect(a.length).toBe(2);
    for (const row of a) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    const ref = naiveCompose(params, config, USER[0]!, NEIGHBOURS[0]!);
    expect(maxAbsDiff(a, ref.attention)).toBeLessThan(1e-6);
    expect(maxAbsDiff(prompt.arraySync()[0]!, ref.prompt)).toBeLessThan(1e-5);
    disposeParams(params);
  });

  it('hand-checked single head: identity projections give softmax(u.e_j / sqrt(d)) and p = sum alpha_j e_j', () => {
    const c = { ...config.composer, cfDim: 2, numHeads: 1, promptLength: 1 };
    // values shifted by (0, 1); prompt d = 3
    const params = identityComposer([0, 1], [[1, 0, 2], [0, 1, 0]], [0, 0, 0.5]);
    // u = (2, 0); neighbours (1, 0), (0, 1), (-1, 0): logits 2/sqrt2, 0, -2/sqrt2.
    const out = composeCollaborativePrompt(params, c, 3, tf.tensor2d([[2, 0]]), tf.tensor3d([[[1, 0], [0, 1], [-1, 0]]]));
    const s = Math.SQRT2;
    const z = Math.exp(s) + 1 + Math.exp(-s);
    const alpha = [Math.exp(s) / z, 1 / z, Math.exp(-s) / z];
    out.attention.arraySync()[0]![0]!.forEach((v, j) => expect(v).toBeCloseTo(alpha[j]!, 6));
    // values = e_j + (0, 1); p = (alpha0 - alpha2, alpha1 + 1); prompt = (p0, p1, 2 p0 + 0.5)
    const p0 = alpha[0]! - alpha[2]!;
    const p1 = alpha[1]! + 1;
    out.prompt.arraySync()[0]![0]!.forEach((v, j) => expect(v).toBeCloseTo([p0, p1, 2 * p0 + 0.5][j]!, 6));
    disposeParams(params);
  });

  it('keyScale k scales what q and K read, not V: the same as the identity case with u and the keys times k', () => {
    const c = { ...config.composer, cfDim: 2, numHeads: 1, promptLength: 1, keyScale: 3 };
    const params = identityComposer([0, 0], [[1], [0]], [0]); // d = 1: the prompt is p0
    // u = (1, 0); neighbours (1, 0), (-1, 0): logits +-(3 * 3) / sqrt(2) with keyScale 3 (+-1/sqrt2 at 1).
    const out = composeCollaborativePrompt(params, c, 1, tf.tensor2d([[1, 0]]), tf.tensor3d([[[1, 0], [-1, 0]]]));
    const l = 9 / Math.SQRT2;
    const a0 = Math.exp(l) / (Math.exp(l) + Math.exp(-l));
    out.attention.arraySync()[0]![0]!.forEach((v, j) => expect(v).toBeCloseTo([a0, 1 - a0][j]!, 6));
    // values unscaled: p0 = a0 * 1 + (1 - a0) * -1
    expect(out.prompt.arraySync()[0]![0]![0]).toBeCloseTo(2 * a0 - 1, 6);
    disposeParams(params);
  });

  it('a masked neighbour gets zero weight and the rest renormalise: same as leaving it out', () => {
    const params = initPeapodParams(config, 13);
    const masked = compose(params, NEIGHBOURS, [[1, 0, 1, 1, 0]]);
    const fewer = compose(params, [[NEIGHBOURS[0]![0]!, NEIGHBOURS[0]![2]!, NEIGHBOURS[0]![3]!]]);
    const a = masked.attention.arraySync()[0]!;
    const f = fewer.attention.arraySync()[0]!;
    for (let h = 0; h < 2; h++) {
      expect(a[h]![1]).toBe(0);
      expect(a[h]![4]).toBe(0);
      expect(a[h]!.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      [0, 2, 3].forEach((j, k) => expect(a[h]![j]).toBeCloseTo(f[h]![k]!, 6));
    }
    expect(maxAbsDiff(masked.prompt.arraySync()[0]!, fewer.prompt.arraySync()[0]!)).toBeLessThan(1e-5);
    // Also equal to the definition with the mask applied.
    const ref = naiveCompose(params, config, USER[0]!, NEIGHBOURS[0]!, [1, 0, 1, 1, 0]);
    expect(maxAbsDiff(a, ref.attention)).toBeLessThan(1e-6);
    disposeParams(params);
  });

  it('every neighbour masked: zero attention and the prompt is the bias alone (no NaN)', () => {
    const params = initPeapodParams(config, 13);
    params.get(PARAM.composerPromptBias)!.assign(tf.fill([2 * 16], 0.25));
    const out = compose(params, NEIGHBOURS, [[0, 0, 0, 0, 0]]);
    expect(out.attention.arraySync()[0]).toEqual([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]);
    expect(new Set(Array.from(out.prompt.dataSync()))).toEqual(new Set([0.25]));
    disposeParams(params);
  });

  it('rejects mis-shaped inputs naming the tensor', () => {
    const params = initPeapodParams(config, 13);
    expect(() => composeCollaborativePrompt(params, config.composer, 16, tf.zeros([1, 7]) as tf.Tensor2D, tf.zeros([1, 3, 8]) as tf.Tensor3D)).toThrow(ModelInputError);
    expect(() => composeCollaborativePrompt(params, config.composer, 16, tf.zeros([1, 8]) as tf.Tensor2D, tf.zeros([2, 3, 8]) as tf.Tensor3D)).toThrow(/neighbourEmb has shape \[2, 3, 8\]/);
    expect(() => compose(params, NEIGHBOURS, [[1, 1]])).toThrow(/neighbourMask has shape \[1, 2\]/);
    disposeParams(params);
  });
});

describe('PeapodModel.composePrompt switches', () => {
  const collab = () => ({ userEmb: tf.tensor2d(USER), neighbourEmb: tf.tensor3d(NEIGHBOURS) });

  it('task prompt first, then the collaborative prompt; individual-only drops the latter', () => {
    const params = initPeapodParams(config, 2);
    const model = new PeapodModel(config, params);
    const both = model.composePrompt('explanation', collab(), 1);
    expect(both.prompt.shape).toEqual([1, 4, 16]);
    const taskRows = params.get('task_prompt/explanation')!.arraySync() as number[][];
    expect(maxAbsDiff(both.prompt.arraySync()[0]!.slice(0, 2), taskRows)).toBe(0);
    const direct = compose(params, NEIGHBOURS);
    expect(maxAbsDiff(both.prompt.arraySync()[0]!.slice(2), direct.prompt.arraySync()[0]!)).toBe(0);
    const individual = model.composePrompt('explanation', null, 1);
    expect(individual.prompt.shape).toEqual([1, 2, 16]);
    expect(individual.attention).toBeNull();
    disposeParams(params);
  });

  it('config switches: no task prompts, no collaborative prompt, neither', () => {
    for (const [composer, length] of [
      [{ taskPrompts: false }, 2],
      [{ collaborative: false }, 2],
      [{ taskPrompts: false, collaborative: false }, 0],
    ] as const) {
      const c = tinyConfig({}, composer);
      const params = initPeapodParams(c, 2);
      const model = new PeapodModel(c, params);
      const out = model.composePrompt('sequential', collab(), 1);
      expect(out.prompt.shape).toEqual([1, length, 16]);
      expect(out.attention === null).toBe(composer.collaborative === false);
      const enc = model.encode({ tokenIds: tf.tensor2d([[3, 4, 1]], undefined, 'int32'), wholeWordIds: tf.zeros([1, 3], 'int32') as tf.Tensor2D, attentionMask: tf.ones([1, 3]) as tf.Tensor2D }, out.prompt);
      expect(enc.hidden.shape).toEqual([1, length + 3, 16]);
      expect(enc.mask.shape).toEqual([1, length + 3]);
      disposeParams(params);
    }
  });
});

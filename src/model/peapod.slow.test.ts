import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeParams, initPeapodParams, type ParamMap } from './params.ts';
import { IGNORE_LABEL, maskedCrossEntropy, ModelInputError, PeapodModel, shiftRight, type CollaborativeInput, type EncoderBatch } from './peapod.ts';
import { naiveCompose, naiveDecode, naiveEncode, naiveTaskPrompt } from './t5/naive-reference.ts';
import { tinyConfig } from './t5/test-fixtures.ts';

// Two examples, the second padded after 4 tokens.
const TOKENS = [
  [5, 9, 10, 11, 3, 1],
  [7, 12, 13, 1, 0, 0],
];
const WHOLE_WORD = [
  [0, 1, 1, 1, 0, 0],
  [0, 1, 1, 0, 0, 0],
];
const MASK = [
  [1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 0],
];
const DECODER_IDS = [
  [0, 4, 17, 8, 1],
  [0, 22, 2, 1, 6],
];

function batch(): EncoderBatch {
  return {
    tokenIds: tf.tensor2d(TOKENS, undefined, 'int32'),
    wholeWordIds: tf.tensor2d(WHOLE_WORD, undefined, 'int32'),
    attentionMask: tf.tensor2d(MASK, undefined, 'float32'),
  };
}

function collabInput(): { input: CollaborativeInput; user: number[][]; neighbours: number[][][] } {
  const user = [0, 1].map((b) => Array.from({ length: 8 }, (_, i) => Math.sin(1 + b * 8 + i)));
  const neighbours = [0, 1].map((b) => Array.from({ length: 4 }, (_, j) => Array.from({ length: 8 }, (_, i) => Math.cos(b * 32 + j * 8 + i))));
  return { input: { userEmb: tf.tensor2d(user), neighbourEmb: tf.tensor3d(neighbours) }, user, neighbours };
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i]![j]!)))));
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each([
  ['relu, tied head', tinyConfig()],
  ['gated-gelu, untied head', tinyConfig({ feedForward: 'gated-gelu', tieWordEmbeddings: false })],
])('PeapodModel forward vs a plain-JS transcription of T5 (%s)', (_name, config) => {
  let params: ParamMap;
  let model: PeapodModel;
  beforeAll(() => {
    params = initPeapodParams(config, 42);
    model = new PeapodModel(config, params);
  });
  afterAll(() => disposeParams(params));

  it('encode and decodeFull match the reference to 1e-4', () => {
    const b = batch();
    const c = collabInput();
    const { prompt, attention } = model.composePrompt('sequential', c.input, 2);
    expect(prompt.shape).toEqual([2, 4, 16]);
    expect(attention!.shape).toEqual([2, 2, 4]);
    const enc = model.encode(b, prompt, false);
    expect(enc.hidden.shape).toEqual([2, 10, 16]);
    expect(enc.mask.arraySync()).toEqual(MASK.map((m) => [1, 1, 1, 1, ...m]));
    const logits = model.decodeFull(enc, tf.tensor2d(DECODER_IDS, undefined, 'int32'));
    expect(logits.shape).toEqual([2, 5, 24]);
    const hidden = enc.hidden.arraySync();
    const logitRows = logits.arraySync();
    const att = attention!.arraySync();
    for (let i = 0; i < 2; i++) {
      const composed = naiveCompose(params, config, c.user[i]!, c.neighbours[i]!);
      expect(maxAbsDiff(att[i]!, composed.attention)).toBeLessThan(1e-6);
      const ref = naiveEncode(params, config, TOKENS[i]!, WHOLE_WORD[i]!, MASK[i]!, [...naiveTaskPrompt(params, 'sequential'), ...composed.prompt]);
      expect(maxAbsDiff(hidden[i]!, ref.hidden)).toBeLessThan(1e-4);
      const refLogits = naiveDecode(params, config, ref.hidden, ref.mask, DECODER_IDS[i]!);
      expect(maxAbsDiff(logitRows[i]!, refLogits)).toBeLessThan(1e-4);
    }
    tf.dispose([b.tokenIds, b.wholeWordIds, b.attentionMask, c.input.userEmb, c.input.neighbourEmb, prompt, attention!, enc.hidden, enc.mask, logits]);
  });
});

describe('PeapodModel golden values (seed 42, relu, tied)', () => {
  // Pinned from this implementation after it matched the plain-JS reference above; they guard the
  // weight init (names, seeding, scales) and the forward pass against silent changes.
  it('pins encoder output, logits and composer attention', () => {
    const config = tinyConfig();
    const params = initPeapodParams(config, 42);
    const model = new PeapodModel(config, params);
    const b = batch();
    const c = collabInput();
    const { prompt, attention } = model.composePrompt('sequential', c.input, 2);
    const enc = model.encode(b, prompt);
    const logits = model.decodeFull(enc, tf.tensor2d(DECODER_IDS, undefined, 'int32'));
    const h = enc.hidden.arraySync();
    const l = logits.arraySync();
    const a = attention!.arraySync();
    const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThan(1e-5);
    close(h[0]![0]![0]!, 0.2481818050146103);
    close(h[0]![5]![3]!, 1.1822326183319092);
    close(h[1]![9]![15]!, 2.091810703277588);
    close(l[0]![0]![0]!, 0.6589401960372925);
    close(l[0]![4]![7]!, -0.9954845905303955);
    close(l[1]![2]![23]!, -1.0167568922042847);
    [0.16580712795257568, 0.22331218421459198, 0.37254464626312256, 0.23833605647087097].forEach((v, j) => close(a[0]![0]![j]!, v));
    [0.32385310530662537, 0.2532307803630829, 0.1743553727865219, 0.24856075644493103].forEach((v, j) => close(a[1]![1]![j]!, v));
    disposeParams(params);
  });
});

describe('shiftRight and maskedCrossEntropy', () => {
  it('shifts labels right behind the pad start token and turns ignored labels into pad', () => {
    const labels = tf.tensor2d([[5, 6, 1, IGNORE_LABEL], [7, IGNORE_LABEL, IGNORE_LABEL, IGNORE_LABEL]], undefined, 'int32');
    expect(shiftRight(labels, 0).arraySync()).toEqual([[0, 5, 6, 1], [0, 7, 0, 0]]);
  });

  it('averages -log p(label) over positions that are neither -100 nor pad', () => {
    // Row 0: logits [0, ln 2, ln 3] -> p = [1/6, 2/6, 3/6]; labels 2 (p 1/2) then pad (ignored).
    // Row 1: labels 1 (p 1/3) then -100 (ignored).
    const logits = tf.tensor3d([[[0, Math.log(2), Math.log(3)], [5, 0, 0]], [[0, Math.log(2), Math.log(3)], [0, 9, 0]]]);
    const labels = tf.tensor2d([[2, 0], [1, IGNORE_LABEL]], undefined, 'int32');
    const loss = maskedCrossEntropy(logits, labels, 0).arraySync();
    expect(loss).toBeCloseTo((Math.log(2) + Math.log(3)) / 2, 6);
    // No valid label at all: 0, not NaN.
    expect(maskedCrossEntropy(logits, tf.zeros([2, 2], 'int32') as tf.Tensor2D, 0).arraySync()).toBeCloseTo(0, 10);
  });

  it('model.loss equals the cross-entropy of decodeFull on the shifted labels', () => {
    const config = tinyConfig();
    const params = initPeapodParams(config, 3);
    const model = new PeapodModel(config, params);
    const b = batch();
    const labels = tf.tensor2d([[4, 17, 8, 1], [22, 1, 0, 0]], undefined, 'int32');
    const loss = model.loss('explanation', b, null, labels, false).arraySync();
    const { prompt } = model.composePrompt('explanation', null, 2);
    expect(prompt.shape).toEqual([2, 2, 16]); // individual-only: task prompt alone
    const enc = model.encode(b, prompt);
    const logits = model.decodeFull(enc, tf.tensor2d([[0, 4, 17, 8], [0, 22, 1, 0]], undefined, 'int32')).arraySync();
    const targets = [[4, 17, 8, 1], [22, 1]];
    let sum = 0;
    let count = 0;
    targets.forEach((row, i) =>
      row.forEach((y, t) => {
        const z = logits[i]![t]!;
        const m = Math.max(...z);
        sum += -(z[y]! - m - Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)));
        count++;
      }),
    );
    expect(loss).toBeCloseTo(sum / count, 5);
    disposeParams(params);
  });
});

describe('PeapodModel training behaviour', () => {
  it('dropout acts only when training = true', () => {
    const config = tinyConfig({ dropoutRate: 0.3 });
    const params = initPeapodParams(config, 5);
    const model = new PeapodModel(config, params);
    const b = batch();
    const run = (training: boolean) => model.encode(b, null, training).hidden.arraySync();
    expect(run(false)).toEqual(run(false));
    expect(maxAbsDiff(run(true)[0]!, run(false)[0]!)).toBeGreaterThan(1e-3);
    disposeParams(params);
  });

  it('gradients reach every weight the sequential task uses, composer and whole-word table included', () => {
    const config = tinyConfig();
    const params = initPeapodParams(config, 9);
    const model = new PeapodModel(config, params);
    const b = batch();
    const c = collabInput();
    const labels = tf.tensor2d([[4, 17, 1], [22, 1, 0]], undefined, 'int32');
    const byVariable = new Map([...params].map(([name, v]) => [v.name, name]));
    const { grads } = tf.variableGrads(() => model.loss('sequential', b, c.input, labels, true), [...params.values()]);
    const reached = new Set<string>();
    for (const [varName, g] of Object.entries(grads)) {
      if ((tf.norm(g) as tf.Scalar).arraySync() > 0) reached.add(byVariable.get(varName)!);
    }
    const expected = [...params.keys()].filter((n) => n !== 'task_prompt/explanation');
    expect([...reached].sort()).toEqual(expected.sort());
    tf.dispose(grads);
    disposeParams(params);
  });

  it('a tiny model overfits a copy task with Adam (loss < 0.05 after 150 steps)', () => {
    const config = tinyConfig({ dropoutRate: 0, vocabSize: 16, dModel: 32, dKv: 8, numHeads: 4, dFf: 64 });
    const params = initPeapodParams(config, 11);
    const model = new PeapodModel(config, params);
    // Copy task: the target is the input followed by EOS. Whole-word ids mark spans as P5 does.
    const inputs = [
      [5, 6, 7, 8],
      [9, 3, 12, 4],
      [15, 14, 2, 10],
      [11, 13, 6, 5],
    ];
    const b: EncoderBatch = {
      tokenIds: tf.tensor2d(inputs, undefined, 'int32'),
      wholeWordIds: tf.tensor2d(inputs.map(() => [1, 1, 2, 2]), undefined, 'int32'),
      attentionMask: tf.ones([4, 4]) as tf.Tensor2D,
    };
    const labels = tf.tensor2d(inputs.map((r) => [...r, 1]), undefined, 'int32');
    const collab: CollaborativeInput = {
      userEmb: tf.tensor2d(inputs.map((r) => Array.from({ length: 8 }, (_, i) => Math.sin(r[0]! + i)))),
      neighbourEmb: tf.tensor3d(inputs.map((r) => Array.from({ length: 4 }, (_, j) => Array.from({ length: 8 }, (_, i) => Math.cos(r[1]! * j + i))))),
    };
    const optimizer = tf.train.adam(1e-2);
    const vars = [...params.values()];
    let first = 0;
    let last = 0;
    for (let step = 0; step < 150; step++) {
      const cost = optimizer.minimize(() => model.loss('sequential', b, collab, labels, true), true, vars)!;
      last = cost.arraySync();
      if (step === 0) first = last;
      cost.dispose();
    }
    expect(first).toBeGreaterThan(2); // about ln 16 = 2.77 at the start
    expect(last).toBeLessThan(0.05);
    optimizer.dispose();
    disposeParams(params);
  });
});

describe('PeapodModel input checks', () => {
  it('names the offending tensor', () => {
    const config = tinyConfig();
    const params = initPeapodParams(config, 1);
    const model = new PeapodModel(config, params);
    const b = batch();
    expect(() => model.encode({ ...b, attentionMask: tf.ones([2, 5]) as tf.Tensor2D }, null)).toThrow(ModelInputError);
    expect(() => model.encode({ ...b, attentionMask: tf.ones([2, 5]) as tf.Tensor2D }, null)).toThrow(/batch.attentionMask has shape \[2, 5\]/);
    expect(() => model.encode({ ...b, tokenIds: tf.zeros([2, 6]) as tf.Tensor2D }, null)).toThrow(/batch.tokenIds is float32 but must be int32/);
    expect(() => model.composePrompt('topn', null, 2)).toThrow(/No prompt vectors for task 'topn'/);
    disposeParams(params);
  });
});

// PeapodModel.fromPack, the one way the pack loaders, the evaluator and the trainer assemble a model:
// on a tiny model with both output priors it must decode exactly like a model put together by hand
// (constructor + setTransitions), whichever form the transitions come in, and it must refuse a
// sequential-prior config without transitions instead of failing later at the first prompt.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeParams, initPeapodParams, PARAM, type ParamMap } from './params.ts';
import { disposeEncoderOutput, PeapodModel, type CollaborativeInput, type EncoderBatch } from './peapod.ts';
import { ModelInputError } from './t5/config.ts';
import { tinyConfig } from './t5/test-fixtures.ts';
import { atomicItemRows, buildTransitions, trainingParts, transitionTableFromHistories } from './transitions.ts';

const config = tinyConfig({ dropoutRate: 0 }, { cfPrior: true, seqPrior: true });
const CF = config.composer.cfDim;
const ITEMS = 6;
/** Item i (1..6) is token 9 + i; items 1..6 are the only ones the vocabulary has. */
const tokenizer = { items: () => [1, 2, 3, 4, 5, 6], itemTokens: (i: number) => [9 + i] };
/** Four users' full histories (CSR); the last two items of each are held out of the counts. */
const historyOffsets = Int32Array.of(0, 6, 10, 15, 19);
const historyItems = Int32Array.of(1, 2, 3, 4, 5, 6, 2, 3, 5, 1, 3, 6, 1, 2, 4, 4, 2, 6, 3);
/** The inputs of the prompt (oldest first). */
const histories = [Int32Array.of(1, 2, 3), Int32Array.of(4, 2)];

let params: ParamMap;

beforeAll(async () => {
  await tf.setBackend('cpu');
  params = initPeapodParams(config, 7);
  const V = config.t5.vocabSize;
  params.get(PARAM.cfPriorItems)!.assign(tf.tensor2d(Float32Array.from({ length: V * CF }, (_, k) => Math.sin(k * 1.3) * 0.8), [V, CF]));
  params.get(PARAM.seqPriorScale)!.assign(tf.tensor1d([Math.log(1.3)]));
  params.get(PARAM.seqPriorRepeat)!.assign(tf.tensor1d([-0.8]));
});
afterAll(() => disposeParams(params));

function collab(): CollaborativeInput {
  return {
    userEmb: tf.tensor2d(Float32Array.from({ length: 2 * CF }, (_, i) => Math.cos(i)), [2, CF]),
    neighbourEmb: tf.tensor3d(Float32Array.from({ length: 2 * 4 * CF }, (_, i) => Math.sin(i * 0.7)), [2, 4, CF]),
    neighbourMask: tf.tensor2d([[1, 0, 1, 1], [1, 1, 1, 1]]),
  };
}

/** The prior and the first two decoding steps' logits of `model` on a fixed batch, as plain numbers. */
function outputs(model: PeapodModel): { prior: number[][] | null; first: number[][]; second: number[][] } {
  const c = collab();
  const p = model.composePrompt('sequential', c, 2, histories);
  const b: EncoderBatch = {
    tokenIds: tf.tensor2d([[5, 9, 10, 1], [7, 12, 1, 0]], undefined, 'int32'),
    wholeWordIds: tf.tensor2d([[0, 1, 1, 0], [0, 2, 0, 0]], undefined, 'int32'),
    attentionMask: tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]]),
  };
  const enc = model.encode(b, p.prompt, false, p.prior);
  const s0 = model.decodeStep(model.startDecoding(enc), new Int32Array(2));
  const s1 = model.decodeStep(s0.cache, Int32Array.of(10, 11));
  const out = { prior: p.prior ? p.prior.arraySync() : null, first: s0.logits.arraySync(), second: s1.logits.arraySync() };
  tf.dispose([s0.logits, s1.logits, b.tokenIds, b.wholeWordIds, b.attentionMask, p.prompt, ...(p.attention ? [p.attention] : []), ...(p.prior ? [p.prior] : [])]);
  tf.dispose([c.userEmb, c.neighbourEmb, c.neighbourMask!]);
  model.disposeCache(s1.cache);
  disposeEncoderOutput(enc);
  return out;
}

describe('PeapodModel.fromPack', () => {
  it('decodes exactly like the hand-assembled model, from histories or from a counted table', () => {
    const byHand = new PeapodModel(config, params);
    byHand.setTransitions(transitionTableFromHistories(historyOffsets, historyItems, ITEMS), atomicItemRows(tokenizer, ITEMS));
    const expected = outputs(byHand);
    // The fixture makes the sequential prior matter (else equal outputs would prove little).
    const parts = byHand.priorParts('sequential', null, 2, histories);
    expect(parts.seq!.arraySync().flat().filter((v) => Math.abs(v) > 1e-3).length).toBeGreaterThan(4);
    parts.cf?.dispose();
    parts.seq!.dispose();
    byHand.dispose();

    const stages: string[] = [];
    const fromHistories = PeapodModel.fromPack({ config, params, tokenizer, numItems: ITEMS, transitions: { historyOffsets, historyItems } }, (s) => stages.push(s));
    expect(stages).toEqual(['model', 'tables']);
    expect(fromHistories.config).toBe(config);
    expect(fromHistories.params).toBe(params);
    expect(outputs(fromHistories)).toEqual(expected);
    fromHistories.dispose();

    const table = buildTransitions(trainingParts(historyOffsets, historyItems), ITEMS);
    const fromTable = PeapodModel.fromPack({ config, params, tokenizer, numItems: ITEMS, transitions: table });
    expect(outputs(fromTable)).toEqual(expected);
    fromTable.dispose();
  });

  it('installs the transitions: without them a sequential-prior model cannot compose a prompt, and fromPack refuses to build one', () => {
    const bare = new PeapodModel(config, params);
    expect(() => bare.composePrompt('sequential', null, 2, histories)).toThrow(ModelInputError);
    bare.dispose();
    expect(() => PeapodModel.fromPack({ config, params, tokenizer, numItems: ITEMS })).toThrow(ModelInputError);
    expect(() => PeapodModel.fromPack({ config, params, tokenizer, numItems: ITEMS, transitions: null })).toThrow(/composer\.seqPrior.*no transitions/);
  });

  it('needs no transitions when the config has no sequential prior, and then matches the constructor', () => {
    const plain = tinyConfig({ dropoutRate: 0 }, { cfPrior: true });
    const p = initPeapodParams(plain, 7);
    const byHand = new PeapodModel(plain, p);
    const expected = outputs(byHand);
    byHand.dispose();
    const stages: string[] = [];
    const model = PeapodModel.fromPack({ config: plain, params: p, tokenizer, numItems: ITEMS }, (s) => stages.push(s));
    expect(stages).toEqual(['model', 'tables']);
    expect(outputs(model)).toEqual(expected);
    model.dispose();
    disposeParams(p);
  });
});

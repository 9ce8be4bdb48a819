// The output prior split into its parts (PeapodModel.priorParts) and the priors switch
// (composePrompt's options.priors): the T5's own first-token logit + the collaborative part + the
// sequential part must add up to the logit the model decodes with, on a tiny model with both priors.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeParams, initPeapodParams, PARAM } from './params.ts';
import { disposeEncoderOutput, END_OF_ID_LOGIT, PeapodModel, type CollaborativeInput, type EncoderBatch } from './peapod.ts';
import { tinyConfig } from './t5/test-fixtures.ts';
import { buildTransitions } from './transitions.ts';

const config = tinyConfig({}, { cfPrior: true, seqPrior: true });
const V = config.t5.vocabSize;
const CF = config.composer.cfDim;
const ITEMS = 6;
/** Item i (1..6) is token row 9 + i. */
const itemRow = Int32Array.from({ length: ITEMS + 1 }, (_, i) => (i === 0 ? -1 : 9 + i));
const histories = [Int32Array.of(1, 2, 3), Int32Array.of(4, 2)];

let params: ReturnType<typeof initPeapodParams>;
let model: PeapodModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  params = initPeapodParams(config, 5);
  const table = Float32Array.from({ length: V * CF }, (_, k) => Math.sin(k * 1.3) * 0.8);
  params.get(PARAM.cfPriorItems)!.assign(tf.tensor2d(table, [V, CF]));
  params.get(PARAM.cfPriorScales)!.assign(tf.tensor1d([Math.log(1.5), Math.log(0.7)]));
  params.get(PARAM.seqPriorScale)!.assign(tf.tensor1d([Math.log(1.3)]));
  params.get(PARAM.seqPriorRepeat)!.assign(tf.tensor1d([-0.8]));
  model = new PeapodModel(config, params);
  model.setTransitions(buildTransitions([[1, 2, 3, 4], [2, 3, 5], [3, 6, 1], [4, 2, 6]], ITEMS), itemRow);
  // The first decode builds the model's one cached tensor (the tied output kernel).
  const p = model.composePrompt('explanation', null, 2);
  firstStep(p.prompt, null);
  p.prompt.dispose();
});
afterAll(() => {
  model.dispose();
  disposeParams(params);
});

function collab(): CollaborativeInput {
  return {
    userEmb: tf.tensor2d(Float32Array.from({ length: 2 * CF }, (_, i) => Math.cos(i)), [2, CF]),
    neighbourEmb: tf.tensor3d(Float32Array.from({ length: 2 * 4 * CF }, (_, i) => Math.sin(i * 0.7)), [2, 4, CF]),
    neighbourMask: tf.tensor2d([[1, 0, 1, 1], [1, 1, 1, 1]]),
  };
}

function disposeCollab(c: CollaborativeInput): void {
  tf.dispose([c.userEmb, c.neighbourEmb, ...(c.neighbourMask ? [c.neighbourMask] : [])]);
}

function batch(): EncoderBatch {
  return {
    tokenIds: tf.tensor2d([[5, 9, 10, 1], [7, 12, 1, 0]], undefined, 'int32'),
    wholeWordIds: tf.tensor2d([[0, 1, 1, 0], [0, 2, 0, 0]], undefined, 'int32'),
    attentionMask: tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]]),
  };
}

/** First-step logits [B][V] of the model on the prompt (and prior, if any). */
function firstStep(prompt: tf.Tensor3D, prior: tf.Tensor2D | null): { first: number[][]; second: number[][] } {
  const b = batch();
  const enc = model.encode(b, prompt, false, prior);
  const s0 = model.decodeStep(model.startDecoding(enc), new Int32Array(2));
  const s1 = model.decodeStep(s0.cache, Int32Array.of(10, 11));
  const out = { first: s0.logits.arraySync(), second: s1.logits.arraySync() };
  tf.dispose([s0.logits, s1.logits, b.tokenIds, b.wholeWordIds, b.attentionMask]);
  model.disposeCache(s1.cache);
  disposeEncoderOutput(enc);
  return out;
}

describe('prior parts and the priors switch', () => {
  it('T5 logit + collaborative part + sequential part = the decoded first-token logit (within 1e-4)', () => {
    const before = tf.memory().numTensors;
    const c = collab();
    const on = model.composePrompt('sequential', c, 2, histories);
    const off = model.composePrompt('sequential', c, 2, histories, undefined, { priors: false });
    expect(off.prior).toBeNull();
    // The switch changes only the prior, never the soft prompt.
    expect(off.prompt.arraySync()).toEqual(on.prompt.arraySync());
    const parts = model.priorParts('sequential', c, 2, histories);
    const cf = parts.cf!.arraySync();
    const seq = parts.seq!.arraySync();
    const prior = on.prior!.arraySync();
    const total = firstStep(on.prompt, on.prior);
    const t5 = firstStep(off.prompt, null);
    let seqNonZero = 0;
    let cfNonZero = 0;
    for (let r = 0; r < 2; r++) {
      for (let v = 0; v < V; v++) {
        expect(Math.abs(cf[r]![v]! + seq[r]![v]! - prior[r]![v]!)).toBeLessThan(1e-5);
        expect(Math.abs(t5.first[r]![v]! + cf[r]![v]! + seq[r]![v]! - total.first[r]![v]!)).toBeLessThan(1e-4);
        if (Math.abs(seq[r]![v]!) > 1e-3) seqNonZero++;
        if (Math.abs(cf[r]![v]!) > 1e-3) cfNonZero++;
      }
      // Only item rows carry the sequential part.
      for (let v = 0; v < 10; v++) expect(seq[r]![v]).toBe(0);
    }
    // The fixture exercises both parts (else the sums above would prove little).
    expect(seqNonZero).toBeGreaterThan(4);
    expect(cfNonZero).toBeGreaterThan(V);
    tf.dispose([on.prompt, on.attention!, on.prior!, off.prompt, off.attention!, parts.cf!, parts.seq!]);
    disposeCollab(c);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with the priors off the T5 decodes alone: no prior at step 0 and no end-of-id logit at step 1', () => {
    const c = collab();
    const on = model.composePrompt('sequential', c, 2, histories);
    const off = model.composePrompt('sequential', c, 2, histories, undefined, { priors: false });
    const withPriors = firstStep(on.prompt, on.prior);
    const alone = firstStep(off.prompt, null);
    const eos = config.t5.eosTokenId;
    for (let r = 0; r < 2; r++) {
      expect(withPriors.second[r]![eos]! - alone.second[r]![eos]!).toBeCloseTo(END_OF_ID_LOGIT, 3);
      expect(withPriors.second[r]![3]!).toBeCloseTo(alone.second[r]![3]!, 4);
    }
    tf.dispose([on.prompt, on.attention!, on.prior!, off.prompt, off.attention!]);
    disposeCollab(c);
  });

  it('gathers the parts at given token columns, and leaves out parts that do not apply', () => {
    const c = collab();
    const cols = Int32Array.of(12, 10, 15, 3);
    const full = model.priorParts('sequential', c, 2, histories);
    const at = model.priorParts('sequential', c, 2, histories, cols);
    const f = { cf: full.cf!.arraySync(), seq: full.seq!.arraySync() };
    const a = { cf: at.cf!.arraySync(), seq: at.seq!.arraySync() };
    expect(at.cf!.shape).toEqual([2, 4]);
    for (let r = 0; r < 2; r++)
      cols.forEach((col, j) => {
        expect(a.cf[r]![j]).toBeCloseTo(f.cf[r]![col]!, 6);
        expect(a.seq[r]![j]).toBeCloseTo(f.seq[r]![col]!, 6);
      });
    // Top-n: no sequential prior; explanation: none; no collaborative input: no collaborative part.
    const topn = model.priorParts('topn', c, 2, undefined, cols);
    expect(topn.seq).toBeNull();
    expect(topn.cf!.shape).toEqual([2, 4]);
    const expl = model.priorParts('explanation', c, 2);
    expect(expl).toEqual({ cf: null, seq: null });
    const solo = model.priorParts('sequential', null, 2, histories, cols);
    expect(solo.cf).toBeNull();
    expect(solo.seq!.arraySync()).toEqual(a.seq);
    tf.dispose([full.cf!, full.seq!, at.cf!, at.seq!, topn.cf!, solo.seq!]);
    disposeCollab(c);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beamSearch, greedyDecode } from './beam.ts';
import { peapodDecoder } from './peapod-decoder.ts';
import { gatherRows } from '../t5/layers.ts';
import { recommendNext } from './recommend.ts';
import { rankCandidates } from './topn.ts';
import { buildTokenizer, type Tokenizer } from '../tokenizer.ts';
import { disposeParams, initPeapodParams, type ParamMap } from '../params.ts';
import { PeapodModel, type EncoderOutput } from '../peapod.ts';
import type { PeapodConfig } from '../types.ts';

await tf.setBackend('cpu');

const ITEMS = Array.from({ length: 140 }, (_, i) => i + 1); // 1- to 3-digit ids: 1 or 2 pieces
const PROMPTS = ['user_1 item_3 item_17 item_140', 'user_2 item_99', 'user_3 item_5 item_6 item_7 item_8'];

let tok: Tokenizer;
let config: PeapodConfig;
let params: ParamMap;
let model: PeapodModel;

function configFor(t: Tokenizer): PeapodConfig {
  return {
    t5: {
      vocabSize: t.vocabSize, dModel: 32, dKv: 8, numHeads: 4, dFf: 64, numEncoderLayers: 2, numDecoderLayers: 2,
      feedForward: 'relu', relativeAttentionNumBuckets: 8, relativeAttentionMaxDistance: 20, tieWordEmbeddings: true,
      dropoutRate: 0.1, layerNormEpsilon: 1e-6, padTokenId: 0, eosTokenId: 1, wholeWordVocab: t.wholeWordVocab,
    },
    composer: { cfDim: 8, numNeighbours: 3, numHeads: 2, promptLength: 2, taskPrompts: true, collaborative: true },
    tasks: ['sequential', 'topn', 'explanation'],
    idScheme: 'p5',
  };
}

/** Fixed pseudo-random CF vectors for prompt k, so a prompt encodes the same in any batch. */
function cfRow(k: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(1.7 * (k + 1) * (i + 1)));
}

/** Encodes PROMPTS[k] for k in `which` (right-padded); the caller disposes the result. */
function encode(which: number[]): EncoderOutput {
  const enc = which.map((k) => tok.encodeText(PROMPTS[k]!));
  const B = which.length;
  const L = Math.max(...enc.map((e) => e.ids.length));
  const ids = new Int32Array(B * L);
  const whole = new Int32Array(B * L);
  const mask = new Float32Array(B * L);
  enc.forEach((e, b) => {
    ids.set(e.ids, b * L);
    whole.set(e.wholeWord, b * L);
    mask.fill(1, b * L, b * L + e.ids.length);
  });
  const out = tf.tidy(() => {
    const batch = { tokenIds: tf.tensor2d(ids, [B, L], 'int32'), wholeWordIds: tf.tensor2d(whole, [B, L], 'int32'), attentionMask: tf.tensor2d(mask, [B, L]) };
    const collab = {
      userEmb: tf.tensor2d(which.flatMap((k) => cfRow(k, 8)), [B, 8]),
      neighbourEmb: tf.tensor3d(which.flatMap((k) => cfRow(k + 10, 24)), [B, 3, 8]),
    };
    const { prompt, attention } = model.composePrompt('sequential', collab, B);
    attention?.dispose();
    const e = model.encode(batch, prompt);
    return { hidden: e.hidden, mask: e.mask };
  });
  return out;
}

function free(enc: EncoderOutput): void {
  enc.hidden.dispose();
  enc.mask.dispose();
}

beforeAll(() => {
  tok = buildTokenizer({ idScheme: 'p5', texts: ['the user bought'], users: [1, 2, 3], items: ITEMS, wholeWordVocab: 8 });
  config = configFor(tok);
  params = initPeapodParams(config, 3);
  model = new PeapodModel(config, params);
});
afterAll(() => {
  model.dispose();
  disposeParams(params);
});

describe('gatherRows', () => {
  it('equals tf.gather on axis 0, rows repeated and reordered', () => {
    const t = tf.tensor3d(Array.from({ length: 4 * 3 * 2 }, (_, i) => i * 0.5 - 3), [4, 3, 2]);
    const rows = Int32Array.of(3, 0, 0, 2);
    const got = gatherRows(t, rows);
    const want = tf.gather(t, tf.tensor1d(rows, 'int32'));
    expect(got.shape).toEqual([4, 3, 2]);
    expect([...got.dataSync()]).toEqual([...want.dataSync()]);
    expect(gatherRows(t, new Int32Array(0)).shape).toEqual([0, 3, 2]);
    // tf.gather on wasm returns zeros for a bad row; gatherRows says which row is wrong.
    expect(() => gatherRows(t, Int32Array.of(0, 4), 'cache')).toThrow(/cache row 4 \(position 1\) is outside \[0, 4\)/);
    tf.dispose([t, got, want]);
  });
});

describe('decoding a small random PeapodModel', () => {
  it('beam width 1 equals greedy; beams are sorted; batch equals single runs', async () => {
    const enc = encode([0, 1, 2]);
    try {
      const dec = peapodDecoder(model, enc);
      const greedy = await greedyDecode(dec.startSession(), { maxLength: 6 });
      const beam1 = await beamSearch(dec.startSession(), { beamWidth: 1, maxLength: 6 });
      for (let b = 0; b < PROMPTS.length; b++) {
        expect([...beam1[b]![0]!.tokens]).toEqual([...greedy[b]!.tokens]);
        expect(beam1[b]![0]!.logProb).toBeCloseTo(greedy[b]!.logProb, 4);
      }
      const beams = await beamSearch(dec.startSession(), { beamWidth: 6, maxLength: 6 });
      for (const list of beams) {
        expect(list).toHaveLength(6);
        for (let i = 1; i < list.length; i++) expect(list[i - 1]!.score).toBeGreaterThanOrEqual(list[i]!.score);
      }
      // Every prompt decoded alone (no padding, one row) gives the same beams as in the batch.
      for (let k = 0; k < PROMPTS.length; k++) {
        const one = encode([k]);
        try {
          const r = await beamSearch(peapodDecoder(model, one).startSession(), { beamWidth: 6, maxLength: 6 });
          expect(r[0]!.map((h) => [...h.tokens])).toEqual(beams[k]!.map((h) => [...h.tokens]));
          r[0]!.forEach((h, i) => expect(h.logProb).toBeCloseTo(beams[k]![i]!.logProb, 4));
        } finally {
          free(one);
        }
      }
    } finally {
      free(enc);
    }
  });

  it('constrained beams are valid items whose scores equal the teacher-forced top-n scores', async () => {
    const enc = encode([0, 1, 2]);
    try {
      const dec = peapodDecoder(model, enc);
      const before = tf.memory().numTensors;
      const recs = await recommendNext(dec, tok, { beamWidth: 8, topK: 5, constrained: true });
      const free = await recommendNext(dec, tok, { beamWidth: 8, topK: 5, constrained: false, invalid: 'random', seed: 3 });
      const ranked = await rankCandidates(dec, tok, recs.map((r) => r.items as number[]), { method: 'teacher-forced', chunkRows: 7 });
      // Incremental prefix-tree scoring agrees with teacher forcing on a larger, overlapping candidate set.
      const many = [0, 1, 2].map((b) => Array.from({ length: 40 }, (_, i) => 1 + ((b * 13 + i * 7) % 140)));
      const inc = await rankCandidates(dec, tok, many, { method: 'incremental' });
      const tfd = await rankCandidates(dec, tok, many, { method: 'teacher-forced' });
      inc.forEach((r, b) => {
        expect(r.items).toEqual(tfd[b]!.items);
        r.scores.forEach((s, i) => expect(s).toBeCloseTo(tfd[b]!.scores[i]!, 4));
      });
      expect(tf.memory().numTensors).toBe(before);
      recs.forEach((r, b) => {
        expect(r.items.every((x) => x !== null && tok.hasItem(x))).toBe(true);
        expect(new Set(r.items).size).toBe(5);
        // Incremental decoding (decodeStep + reorderCache) and decodeFull agree on each sequence.
        const byItem = new Map(ranked[b]!.items.map((it, i) => [it, ranked[b]!.scores[i]!]));
        r.items.forEach((it, i) => expect(r.scores[i]).toBeCloseTo(byItem.get(it!)!, 4));
        expect(ranked[b]!.items).toEqual(r.items);
        expect(free[b]!.items.every((x) => x !== null && tok.hasItem(x))).toBe(true);
      });
    } finally {
      free(enc);
    }
  });
});

// Engine tests on a tiny, randomly initialised but otherwise real pack: real tokenizer, real
// PeapodModel, real composer attention, beam search and candidate ranking (tfjs cpu backend).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { similarUsers } from '../model/neighbours.ts';
import { disposeParams, initPeapodParams } from '../model/params.ts';
import { PeapodModel } from '../model/peapod.ts';
import { buildTokenizer } from '../model/tokenizer.ts';
import type { PeapodConfig } from '../model/types.ts';
import { Engine } from './engine.ts';
import type { PackContents } from './pack-source.ts';
import type { WhatIf } from './protocol.ts';

const U = 12;
const I = 30;
const D = 8;
const N_MAX = 5;

/** Deterministic pseudo-random numbers (so the fixture is the same on every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** `history`: atomic ids and the history form of next-item (config.sequentialForm), no explanations. */
function tinyPack(opts: { history?: boolean } = {}): PackContents {
  const rnd = lcg(7);
  const histories = Array.from({ length: U }, (_, u) => Array.from({ length: 4 + (u % 4) }, (_, k) => 1 + ((u * 7 + k * 3) % I)));
  const userIds = Int32Array.from({ length: U }, (_, u) => 100 + u * 3);
  const offsets = new Int32Array(U + 1);
  histories.forEach((h, u) => (offsets[u + 1] = offsets[u]! + h.length));
  const cfUser = Float32Array.from({ length: U * D }, () => rnd() * 2 - 1);
  const nb = similarUsers(cfUser, D, N_MAX);
  const negatives = new Int32Array(U * 99);
  // With 30 items the 99 negatives repeat; fine for ranking (each is a catalogue item).
  for (let u = 0; u < U; u++) for (let k = 0; k < 99; k++) negatives[u * 99 + k] = 1 + ((u + k * 11) % I);
  const tokenizer = opts.history
    ? buildTokenizer({ idScheme: 'atomic', texts: [], users: [], items: Array.from({ length: I }, (_, i) => i + 1) })
    : buildTokenizer({ idScheme: 'p5', texts: ['great sound and good price', 'the strings feel nice'], users: userIds, items: Array.from({ length: I }, (_, i) => i + 1), wholeWordVocab: 128 });
  const config: PeapodConfig = {
    t5: {
      vocabSize: tokenizer.vocabSize,
      dModel: 16,
      dKv: 4,
      numHeads: 2,
      dFf: 24,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      feedForward: 'relu',
      relativeAttentionNumBuckets: 8,
      relativeAttentionMaxDistance: 20,
      tieWordEmbeddings: true,
      dropoutRate: 0,
      layerNormEpsilon: 1e-6,
      padTokenId: 0,
      eosTokenId: 1,
      wholeWordVocab: opts.history ? 0 : 128,
    },
    composer: { cfDim: D, numNeighbours: N_MAX, numHeads: 2, promptLength: 2, taskPrompts: true, collaborative: true },
    tasks: opts.history ? ['sequential', 'topn'] : ['sequential', 'topn', 'explanation'],
    idScheme: opts.history ? 'atomic' : 'p5',
    ...(opts.history ? { sequentialForm: 'history' as const } : {}),
  };
  const params = initPeapodParams(config, 3);
  const model = new PeapodModel(config, params);
  const names = ['', ...Array.from({ length: I }, (_, i) => `item number ${i + 1}`)];
  return {
    name: 'tiny',
    manifest: { metrics: { sequential: { 'HR@10': 0.5 } } },
    model,
    tokenizer,
    arrays: {
      userIds,
      historyOffsets: offsets,
      historyItems: Int32Array.from(histories.flat()),
      cfUser,
      cfItem: null,
      neighbourIndices: nb.indices,
      neighbourSimilarity: nb.similarities,
      topnNegatives: negatives,
    },
    nMax: N_MAX,
    nDefault: 4,
    maxInputTokens: 512,
    itemNames: names,
    trainingLog: [],
    explanations: new Map([['2:5', 'the strings feel nice']]),
    explanationPairs: [{ user: 2, item: 5, reference: 'the strings feel nice' }],
    foldIn: () => {
      throw new Error('fold-in is not part of this fixture');
    },
    dispose: () => {
      model.dispose();
      disposeParams(params);
    },
  };
}

let engine: Engine;
const base: WhatIf = { masked: [], n: 4, individualOnly: false };

beforeAll(async () => {
  await tf.setBackend('cpu');
  engine = new Engine(tinyPack(), 'beauty');
  // The first prediction creates the model's one-time caches (the tied output kernel).
  await engine.warmup();
});
afterAll(() => engine.dispose());

describe('Engine users', () => {
  it('finds users by dataset id, user_ id, #index, and rejects unknown ones with a typed error', () => {
    expect(engine.findUser('106')).toBe(2);
    expect(engine.findUser('user_106')).toBe(2);
    expect(engine.findUser('#11')).toBe(11);
    expect(() => engine.findUser('999')).toThrow(/No user "999"/);
    expect(() => engine.findUser('#12')).toThrowError(expect.objectContaining({ code: 'UnknownUser' }));
    const r = engine.findUser('random');
    expect(r >= 0 && r < U).toBe(true);
  });
  it('returns the history newest last, the test item and the stored neighbours', () => {
    const u = engine.userInfo(2);
    // user 2: 4 + 2 = 6 items, item = 1 + ((14 + 3k) % 30)
    expect(u.history.map((i) => i.id)).toEqual([15, 18, 21, 24, 27, 30]);
    expect(u.history[0]!.name).toBe('item number 15');
    expect(u.testItem!.id).toBe(30);
    expect(u.label).toBe('106');
    expect(u.explainable).toEqual([5]);
    expect(engine.userInfo(3).explainable).toEqual([]);
    expect(u.neighbours).toHaveLength(N_MAX);
    expect(u.neighbours.every((n) => n.index !== 2)).toBe(true);
    // Shared items are exactly the intersection of the two histories.
    for (const nb of u.neighbours) {
      const theirs = new Set(engine.userInfo(nb.index).history.map((i) => i.id));
      expect(nb.shared).toEqual([...new Set(engine.sequences[nb.index])].filter((i) => u.history.some((h) => h.id === i)));
      expect(nb.shared.every((i) => theirs.has(i))).toBe(true);
    }
    for (let k = 1; k < N_MAX; k++) expect(u.neighbours[k]!.similarity).toBeLessThanOrEqual(u.neighbours[k - 1]!.similarity);
  });
});

describe('Engine inference', () => {
  it('gives attention rows that sum to 1 per head, a prompt of l task + l collaborative vectors, 10 next items and 100 ranked candidates', async () => {
    const before = tf.memory().numTensors;
    const r = await engine.infer({ target: { kind: 'user', index: 2 }, whatIf: base, constrained: true, evaluation: false });
    expect(tf.memory().numTensors).toBe(before);
    const att = r.attention!;
    expect(att.weights).toHaveLength(2);
    for (const row of att.weights) {
      expect(row).toHaveLength(4);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    att.mean.forEach((m, j) => expect(m).toBeCloseTo((att.weights[0]![j]! + att.weights[1]![j]!) / 2, 6));
    expect(att.neighbours).toEqual(engine.userInfo(2).neighbours.slice(0, 4).map((n) => n.index));
    expect(r.prompt.task).toHaveLength(2);
    expect(r.prompt.collaborative).toHaveLength(2);
    expect(r.prompt.task[0]).toHaveLength(16);
    expect(r.sequential).toHaveLength(10);
    // Constrained decoding only yields catalogue items, best score first.
    for (const s of r.sequential) expect(s.item.id >= 1 && s.item.id <= I).toBe(true);
    for (let k = 1; k < 10; k++) expect(r.sequential[k]!.score).toBeLessThanOrEqual(r.sequential[k - 1]!.score + 1e-9);
    expect(r.topn!.ranked).toHaveLength(100);
    expect(r.topn!.positive).toBe(30);
    expect(r.topn!.ranked.some((s) => s.item.id === 30)).toBe(true);
  });

  it('masking a neighbour zeroes its weight, renormalises the rest and changes the prompt', async () => {
    const r0 = await engine.infer({ target: { kind: 'user', index: 2 }, whatIf: base, constrained: true, evaluation: false });
    const victim = r0.attention!.neighbours[0]!;
    const r1 = await engine.infer({ target: { kind: 'user', index: 2 }, whatIf: { ...base, masked: [victim] }, constrained: true, evaluation: false });
    for (let h = 0; h < 2; h++) {
      const w0 = r0.attention!.weights[h]!;
      const w1 = r1.attention!.weights[h]!;
      expect(w1[0]).toBe(0);
      expect(w1.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      // The others keep their ratios: w1[j] = w0[j] / (1 - w0[0]).
      for (let j = 1; j < 4; j++) expect(w1[j]!).toBeCloseTo(w0[j]! / (1 - w0[0]!), 5);
    }
    expect(r1.prompt.collaborative).not.toEqual(r0.prompt.collaborative);
    expect(r1.prompt.task).toEqual(r0.prompt.task);
  });

  it('n changes the attended set; individual-only drops the attention and the collaborative prompt', async () => {
    const r = await engine.infer({ target: { kind: 'user', index: 2 }, whatIf: { ...base, n: 2 }, constrained: true, evaluation: false });
    expect(r.attention!.weights[0]).toHaveLength(2);
    const solo = await engine.infer({ target: { kind: 'user', index: 2 }, whatIf: { ...base, individualOnly: true }, constrained: true, evaluation: false });
    expect(solo.attention).toBeNull();
    expect(solo.prompt.collaborative).toHaveLength(0);
    expect(solo.prompt.task).toHaveLength(2);
    expect(solo.sequential).toHaveLength(10);
  });

  it('the evaluation view predicts from the history without the test item', async () => {
    const a = await engine.infer({ target: { kind: 'user', index: 2 }, whatIf: base, constrained: false, evaluation: true });
    const b = await engine.infer({ target: { kind: 'user', index: 2 }, whatIf: base, constrained: false, evaluation: false });
    expect(a.evaluation).toBe(true);
    expect(b.evaluation).toBe(false);
    // Different encoder inputs give different beam scores (random weights, but not identical inputs).
    expect(a.sequential.map((s) => s.score)).not.toEqual(b.sequential.map((s) => s.score));
  });
});

describe('Engine warm-up on the first view', () => {
  it('resolves the first view like the page: URL user keeps its what-if, else the example user with defaults', () => {
    const masked = { masked: [5], n: 99, individualOnly: false };
    expect(engine.resolveFirstView({ user: 3, whatIf: masked, constrained: false, evaluation: true }, 7)).toEqual({ target: { kind: 'user', index: 3 }, whatIf: { masked: [5], n: 4, individualOnly: false }, constrained: false, evaluation: true, priors: true, skipHistory: false });
    expect(engine.resolveFirstView({ user: null, whatIf: masked, constrained: true, evaluation: false }, 7)).toEqual({ target: { kind: 'user', index: 7 }, whatIf: base, constrained: true, evaluation: false, priors: true, skipHistory: false });
    // A user the pack does not have (the page reports it): the example's user, then user 0.
    expect(engine.resolveFirstView({ user: 12, whatIf: base, constrained: true, evaluation: false }, 99).target).toEqual({ kind: 'user', index: 0 });
    expect(engine.resolveFirstView(undefined, null)).toEqual({ target: { kind: 'user', index: 0 }, whatIf: base, constrained: true, evaluation: false, priors: true, skipHistory: false });
    expect(engine.resolveFirstView({ user: 3, whatIf: base, constrained: true, evaluation: false, priors: false }, null).priors).toBe(false);
    expect(engine.resolveFirstView({ user: 3, whatIf: base, constrained: true, evaluation: false, skipHistory: true }, null).skipHistory).toBe(true);
  });

  it('resolves a shared link by dataset id: the user and its masked neighbours by their ids, not indexes', () => {
    const u = engine.userInfo(3);
    const nb = u.neighbours[1]!;
    const view = engine.resolveFirstView({ user: null, userId: u.label, maskedIds: [nb.datasetId, 'not-a-user'], whatIf: { masked: [], n: 99, individualOnly: false }, constrained: true, evaluation: false }, 7);
    expect(view.target).toEqual({ kind: 'user', index: 3 });
    expect(view.whatIf.masked).toEqual([nb.index]);
    // An id the pack does not have falls back like an unknown index.
    expect(engine.resolveFirstView({ user: null, userId: 'nobody', whatIf: base, constrained: true, evaluation: false }, 7).target).toEqual({ kind: 'user', index: 7 });
  });

  it('answers the next request with the same inputs from the warm-up, and only that one', async () => {
    const first = { user: 5, whatIf: { masked: [], n: 3, individualOnly: false }, constrained: true, evaluation: false };
    const warm = await engine.warmup(first, null);
    const a = await engine.infer({ target: { kind: 'user', index: 5 }, whatIf: { masked: [], n: 3, individualOnly: false }, constrained: true, evaluation: false });
    const b = await engine.infer({ target: { kind: 'user', index: 5 }, whatIf: { masked: [], n: 3, individualOnly: false }, constrained: true, evaluation: false });
    expect(a).toBe(warm);
    expect(b).not.toBe(warm);
    // The kept answer is the model's own: a fresh run of the same inputs gives the same result.
    expect({ ...a, elapsedMs: 0 }).toEqual({ ...b, elapsedMs: 0 });
    expect(a.sequential).toHaveLength(10);
    // A different first request computes afresh, and the kept answer is gone for good.
    const warm2 = await engine.warmup(first, null);
    const c = await engine.infer({ target: { kind: 'user', index: 5 }, whatIf: { masked: [], n: 3, individualOnly: false }, constrained: false, evaluation: false });
    expect(c.constrained).toBe(false);
    const d = await engine.infer({ target: { kind: 'user', index: 5 }, whatIf: { masked: [], n: 3, individualOnly: false }, constrained: true, evaluation: false });
    expect(d).not.toBe(warm2);
    expect({ ...d, elapsedMs: 0 }).toEqual({ ...a, elapsedMs: 0 });
  });
});

describe('Engine explanation and evaluation', () => {
  it('streams the explanation, returns the reference, and stops when aborted', async () => {
    const seen: string[] = [];
    const r = await engine.explain({ target: { kind: 'user', index: 2 }, item: 5, whatIf: base, maxTokens: 21 }, (t) => seen.push(t), new AbortController().signal);
    expect(r.stopped).toBe(false);
    expect(r.reference).toBe('the strings feel nice');
    expect(r.tokens).toBeGreaterThanOrEqual(10); // minimum length 10 (the reference's rule)
    expect(seen.length).toBeGreaterThan(0);
    const ac = new AbortController();
    let calls = 0;
    const s = await engine.explain({ target: { kind: 'user', index: 3 }, item: 5, whatIf: base, maxTokens: 21 }, () => {
      if (++calls === 3) ac.abort();
    }, ac.signal);
    expect(s.stopped).toBe(true);
    expect(s.reference).toBeNull();
  });

  it('passes noRepeatNgram to beam search (blocking itself is tested in beam.test.ts)', async () => {
    // This untrained model repeats one digit piece ("and 1111..."); blocked, beam search must leave it.
    const run = (n: number) => engine.explain({ target: { kind: 'user', index: 2 }, item: 5, whatIf: base, maxTokens: 21, noRepeatNgram: n }, () => {}, new AbortController().signal);
    const plain = await run(0);
    expect(plain.text).toMatch(/^and 1{20,}$/);
    const blocked = await run(2);
    expect(blocked.tokens).toBeGreaterThanOrEqual(10);
    expect(blocked.text).not.toMatch(/1{20,}/);
  });

  it('computes HR/NDCG over the first users and BLEU/ROUGE where references exist', async () => {
    const progress: number[] = [];
    const r = await engine.evaluate({ numUsers: 3, constrained: true }, (d) => progress.push(d), new AbortController().signal);
    // 3 tasks x 3 users, reported as batches finish.
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(9);
    for (let k = 1; k < progress.length; k++) expect(progress[k]!).toBeGreaterThanOrEqual(progress[k - 1]!);
    const seq = r.rows.find((x) => x.task === 'sequential')!;
    expect(seq.users).toBe(3);
    for (const v of Object.values(seq.values)) expect(v >= 0 && v <= 1).toBe(true);
    expect(seq.values['HR@10']!).toBeGreaterThanOrEqual(seq.values['HR@5']!);
    expect(r.rows.find((x) => x.task === 'topn')!.users).toBe(3);
    expect(r.rows.find((x) => x.task === 'explanation')!.users).toBe(1);
  });
});

describe('Engine, history form of next-item (the items are the decoder\'s prefix)', () => {
  it('ranks by the T5 logits after [start ; history] (encoder: user only), and the score split holds exactly those logits', async () => {
    const pack = tinyPack({ history: true });
    const e = new Engine(pack, 'beauty');
    try {
      expect(e.summary.sequentialForm).toBe('history');
      const r = await e.infer({ target: { kind: 'user', index: 2 }, whatIf: base, constrained: true, evaluation: false });
      expect(r.sequential).toHaveLength(10);
      // The reference computation, by hand: encoder on [user, </s>] behind the soft prompt, the
      // decoder teacher-forced over [start, history tokens], log-softmax at the last position.
      const m = pack.model;
      const tok = pack.tokenizer;
      const history = e.userInfo(2).history.map((i) => i.id);
      const userEmb = tf.tensor2d(pack.arrays.cfUser.subarray(2 * D, 3 * D), [1, D]);
      const nb = Array.from(pack.arrays.neighbourIndices.subarray(2 * N_MAX, 2 * N_MAX + 4));
      const neighbourEmb = tf.tensor3d(nb.flatMap((j) => Array.from(pack.arrays.cfUser.subarray(j * D, (j + 1) * D))), [1, 4, D]);
      const { prompt, attention } = m.composePrompt('sequential', { userEmb, neighbourEmb }, 1, [Int32Array.from(history)]);
      const ids = tok.encodeText('user_0', { addEos: true }).ids;
      const batch = { tokenIds: tf.tensor2d([Array.from(ids)], undefined, 'int32'), wholeWordIds: tf.tensor2d([Array.from(ids, () => 0)], undefined, 'int32'), attentionMask: tf.tensor2d([Array.from(ids, () => 1)]), task: 'sequential' as const };
      const enc = m.encode(batch, prompt, false);
      const dec = tf.tensor2d([[tok.padId, ...history.map((h) => tok.itemTokens(h)[0]!)]], undefined, 'int32');
      const full = m.decodeFull(enc, dec);
      const lastT = tf.reshape(tf.slice(full, [0, history.length, 0], [1, 1, tok.vocabSize]), [tok.vocabSize]);
      const last = lastT.arraySync() as number[];
      const shown = r.sequential.map((s) => s.item.id);
      const byLogit = tok.items().slice().sort((a, b) => last[tok.itemTokens(b)[0]!]! - last[tok.itemTokens(a)[0]!]!);
      expect(shown).toEqual(byLogit.slice(0, 10));
      r.sequential.forEach((s) => expect(s.parts!.t5).toBeCloseTo(last[tok.itemTokens(s.item.id)[0]!]!, 4));
      tf.dispose([userEmb, neighbourEmb, prompt, batch.tokenIds, batch.wholeWordIds, batch.attentionMask, enc.hidden, enc.mask, dec, full, lastT, ...(attention ? [attention] : [])]);
    } finally {
      e.dispose();
    }
  });
});

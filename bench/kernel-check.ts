// The fused-kernel check page (kernel-check.html), driven by e2e/fused-kernels.spec.ts: on the WebGPU
// backend it runs every fused kernel (src/model/webgpu) on seeded random inputs beside the unfused
// TensorFlow.js ops it replaces and records the largest absolute difference; then it runs a shipped
// pack's next-item and top-n requests on WebGPU (fused) and on WASM and records how far their scores
// and rankings differ, with the WebGPU dispatches, uploads and read-backs each took. The results are
// left in `window.__kernelCheck`. Not imported by the app.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { chooseBackend } from '../src/runtime/backend.ts';
import { countGpuWork, type GpuCounts } from '../src/runtime/gpu-counters.ts';
import { fetchPackSource } from '../src/model/pack/fetch-source.ts';
import { openPack } from '../src/runtime/pack-source.ts';
import { collate, disposeBatch, toTensors, type Sample } from '../src/model/inputs/batch.ts';
import { peapodDecoder } from '../src/model/generate/peapod-decoder.ts';
import { recommendNext } from '../src/model/generate/recommend.ts';
import { rankCandidates } from '../src/model/generate/topn.ts';
import { PeapodModel } from '../src/model/peapod.ts';
import { initPeapodParams, disposeParams } from '../src/model/params.ts';
import { t5Weights } from '../src/model/t5/stacks.ts';
import { encoderStack, decoderStep, outputLogits } from '../src/model/t5/stacks.ts';
import { multiHeadAttention } from '../src/model/t5/attention.ts';
import { feedForward } from '../src/model/t5/feed-forward.ts';
import { linear, rmsNorm } from '../src/model/t5/layers.ts';
import { paddingMaskBias, positionBias, causalMaskBias } from '../src/model/t5/position-bias.ts';
import { FusedT5 } from '../src/model/webgpu/fused-t5.ts';
import { FUSED_FLAG, runFused, int32 } from '../src/model/webgpu/ops.ts';
import { attendProgram, embedProgram, ffnProgram, headProgram, kvProgram, normProgram, topkProgram } from '../src/model/webgpu/programs.ts';
import type { PeapodConfig, T5Config } from '../src/model/types.ts';
import { PAPER_PROTOCOL } from '../src/paper-protocol.ts';

const status = document.getElementById('status')!;
const log = (s: string) => {
  status.textContent += `\n${s}`;
};

type Counts = Pick<GpuCounts, 'dispatches' | 'uploads' | 'readbacks'>;

/** The webgpu backend's dispatches, data uploads and read-backs while `fn` runs (src/runtime/gpu-counters.ts). */
async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; counts: Counts }> {
  const { result, counts } = await countGpuWork(fn);
  if (!counts) throw new Error('no WebGPU backend to count on');
  return { result, counts: { dispatches: counts.dispatches, uploads: counts.uploads, readbacks: counts.readbacks } };
}

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0]!;
  d.dispose();
  return v;
}

const randn = (shape: number[], std: number, seed: number) => tf.randomNormal(shape, 0, std, 'float32', seed);

/** Each fused kernel against the ops it replaces, on random inputs: name -> max |difference|. */
async function kernelChecks(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const d = 96;
  const H = 4;
  const dk = 20; // inner 80 != d, as T5 allows
  const inner = H * dk;
  const eps = 1e-6;
  const maxDistance = 20;
  const buckets = 8;
  const rows = 6;
  const w = {
    nw: tf.add(1, randn([d], 0.2, 1)) as tf.Tensor1D,
    q: randn([d, inner], d ** -0.5, 2) as tf.Tensor2D,
    k: randn([d, inner], d ** -0.5, 3) as tf.Tensor2D,
    v: randn([d, inner], d ** -0.5, 4) as tf.Tensor2D,
    o: randn([inner, d], inner ** -0.5, 5) as tf.Tensor2D,
    pos: randn([buckets, H], 1, 6) as tf.Tensor2D,
  };
  const x = randn([rows, d], 1, 7) as tf.Tensor2D;
  const cfg = { d, inner, eps };

  // kv: normed and plain projections; the cache append with parents (rows gathered, then the new position).
  const normed = rmsNorm(x, w.nw, eps);
  const kvRef = tf.concat([linear(normed, w.k), linear(normed, w.v)], 1);
  const kvFused = runFused<tf.Tensor2D>('PeapodKv', kvProgram({ ...cfg, append: false }, rows, 0), [x, w.nw, w.k, w.v]);
  out['kv (RMSNorm + k, v)'] = await maxDiff(kvFused, kvRef);
  const rawRef = tf.concat([linear(x, w.k), linear(x, w.v)], 1);
  out['kv (no norm)'] = await maxDiff(runFused('PeapodKv', kvProgram({ ...cfg, eps: null, append: false }, rows, 0), [x, w.k, w.v]), rawRef);
  const past = randn([rows, 3, 2 * inner], 1, 8) as tf.Tensor3D;
  const parents = Int32Array.from([2, 2, 0, 5, 1, 3]);
  const ids = tf.tensor1d(Int32Array.from([...new Array<number>(rows).fill(0), ...parents, ...new Array<number>(rows).fill(0)]), 'int32');
  const appended = runFused<tf.Tensor3D>('PeapodKv', kvProgram({ ...cfg, append: true }, rows, 3), [x, w.nw, w.k, w.v, past, ids], [int32([rows])]);
  const appendRef = tf.concat([tf.gather(past, tf.tensor1d(parents, 'int32')), tf.reshape(kvRef, [rows, 1, 2 * inner])], 1);
  out['kv append (parents gathered)'] = await maxDiff(appended, appendRef);

  // attend, encoder form: 2 examples x 5 positions, bidirectional position bias, padding mask.
  const L = 5;
  const xe = randn([2 * L, d], 1, 9) as tf.Tensor2D;
  const mask = tf.tensor2d([1, 1, 1, 1, 0, 1, 1, 1, 0, 0], [2, L]);
  // The bias of each head by relative position -M..M, read off the reference's positionBias.
  const relOf = (bidirectional: boolean) => tf.reshape(positionBias(w.pos, 1, 2 * maxDistance + 1, bidirectional, maxDistance, maxDistance), [H, 2 * maxDistance + 1]);
  for (const causal of [false, true]) {
    const kvE = runFused<tf.Tensor2D>('PeapodKv', kvProgram({ ...cfg, append: false }, 2 * L, 0), [xe, w.nw, w.k, w.v]);
    const spec = { d, heads: H, dKv: dk, eps, positionBias: { maxDistance }, mask: true, causal, exampleIds: false };
    const fused = runFused('PeapodAttend', attendProgram(spec, 2 * L, L), [xe, w.nw, w.q, tf.reshape(kvE, [2, L, 2 * inner]), w.o, relOf(true), mask], [int32([L]), int32([0]), int32([0])]);
    const x3 = tf.reshape(xe, [2, L, d]) as tf.Tensor3D;
    const h = rmsNorm(x3, w.nw, eps);
    let bias = tf.add(positionBias(w.pos, L, L, true, maxDistance), paddingMaskBias(mask));
    if (causal) bias = tf.add(bias, causalMaskBias(L));
    const ref = tf.reshape(tf.add(x3, multiHeadAttention(h, h, w, H, bias, 0, false)), [2 * L, d]);
    out[`attend (encoder${causal ? ', causal' : ''}: position bias + padding mask)`] = await maxDiff(fused, ref);
  }
  // attend, decoder self-attention at step 3 over a 4-position cache, causal buckets.
  {
    const cache = randn([rows, 4, 2 * inner], 1, 10) as tf.Tensor3D;
    const spec = { d, heads: H, dKv: dk, eps, positionBias: { maxDistance }, mask: false, causal: false, exampleIds: false };
    const fused = runFused('PeapodAttend', attendProgram(spec, rows, 4), [x, w.nw, w.q, cache, w.o, relOf(false)], [int32([1]), int32([3]), int32([0])]);
    const h = rmsNorm(x, w.nw, eps);
    const q = tf.reshape(linear(h, w.q), [rows, H, 1, dk]);
    const keys = tf.transpose(tf.reshape(tf.slice(cache, [0, 0, 0], [rows, 4, inner]), [rows, 4, H, dk]), [0, 2, 3, 1]);
    const vals = tf.transpose(tf.reshape(tf.slice(cache, [0, 0, inner], [rows, 4, inner]), [rows, 4, H, dk]), [0, 2, 1, 3]);
    const probs = tf.softmax(tf.add(tf.matMul(q, keys), positionBias(w.pos, 1, 4, false, maxDistance, 3)));
    const ref = tf.add(x, linear(tf.reshape(tf.matMul(probs, vals), [rows, inner]), w.o));
    out['attend (decoder step: causal position bias)'] = await maxDiff(fused, ref);
  }
  // attend, cross-attention: rows of 2 examples (ids), padding mask, no position bias.
  {
    const S = 7;
    const memory = randn([2, S, d], 1, 11) as tf.Tensor3D;
    const cmask = tf.tensor2d([1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1], [2, S]);
    const exampleOf = Int32Array.from([0, 1, 1, 0, 1, 0]);
    const kvC = runFused<tf.Tensor2D>('PeapodKv', kvProgram({ ...cfg, eps: null, append: false }, 2 * S, 0), [tf.reshape(memory, [2 * S, d]), w.k, w.v]);
    const idsC = tf.tensor1d(Int32Array.from([...new Array<number>(2 * rows).fill(0), ...exampleOf]), 'int32');
    const spec = { d, heads: H, dKv: dk, eps, positionBias: null, mask: true, causal: false, exampleIds: true };
    const fused = runFused('PeapodAttend', attendProgram(spec, rows, S), [x, w.nw, w.q, tf.reshape(kvC, [2, S, 2 * inner]), w.o, cmask, idsC], [int32([1]), int32([0]), int32([2 * rows])]);
    const rowsIdx = tf.tensor1d(exampleOf, 'int32');
    const mem = tf.gather(memory, rowsIdx) as tf.Tensor3D;
    const h = rmsNorm(tf.reshape(x, [rows, 1, d]) as tf.Tensor3D, w.nw, eps);
    const ref = tf.add(x, tf.reshape(multiHeadAttention(h, mem, w, H, paddingMaskBias(tf.gather(cmask, rowsIdx) as tf.Tensor2D), 0, false), [rows, d]));
    out['attend (cross: example ids + padding mask)'] = await maxDiff(fused, ref);
  }
  // ffn: relu and gated gelu.
  for (const gated of [false, true]) {
    const F = 160;
    const wi = randn([d, F], d ** -0.5, 12) as tf.Tensor2D;
    const wi1 = randn([d, F], d ** -0.5, 13) as tf.Tensor2D;
    const wo = randn([F, d], F ** -0.5, 14) as tf.Tensor2D;
    const fw = gated ? ({ kind: 'gated-gelu', wi0: wi, wi1, wo } as const) : ({ kind: 'relu', wi, wo } as const);
    const fused = runFused('PeapodFfn', ffnProgram({ d, dFf: F, eps, gated }, rows), gated ? [x, w.nw, wi, wi1, wo] : [x, w.nw, wi, wo]);
    const ref = tf.add(x, feedForward(rmsNorm(x, w.nw, eps), fw, 0, false));
    out[`ffn (${gated ? 'gated gelu' : 'relu'})`] = await maxDiff(fused, ref);
  }
  out['norm'] = await maxDiff(runFused('PeapodNorm', normProgram(d, eps, rows), [x, w.nw]), rmsNorm(x, w.nw, eps));
  // head: tied-style scale, plus a per-example prior row and a broadcast row.
  {
    const V = 333; // not divisible by 4: the head's scalar form (the vec4 one runs in the model checks); 6 rows = a full and a partial group of 4
    const kernel = randn([d, V], 1, 15) as tf.Tensor2D;
    const prior = randn([2, V], 1, 16) as tf.Tensor2D;
    const exampleOf = Int32Array.from([1, 0, 0, 1, 1, 0]);
    const idsH = tf.tensor1d(Int32Array.from([...new Array<number>(2 * rows).fill(0), ...exampleOf]), 'int32');
    const base = tf.mul(linear(rmsNorm(x, w.nw, eps), kernel), d ** -0.5);
    const spec = { d, vocab: V, eps, scale: d ** -0.5 };
    out['head'] = await maxDiff(runFused('PeapodHead', headProgram({ ...spec, add: 'none' }, rows), [x, w.nw, kernel], [int32([0])]), base);
    out['head (+ prior per example)'] = await maxDiff(runFused('PeapodHead', headProgram({ ...spec, add: 'example' }, rows), [x, w.nw, kernel, prior, idsH], [int32([2 * rows])]), tf.add(base, tf.gather(prior, tf.tensor1d(exampleOf, 'int32'))));
    out['head (+ broadcast row)'] = await maxDiff(runFused('PeapodHead', headProgram({ ...spec, add: 'broadcast' }, rows), [x, w.nw, kernel, tf.slice(prior, [0, 0], [1, V])], [int32([0])]), tf.add(base, tf.slice(prior, [0, 0], [1, V])));
    // topk: log-probs and ids against logSumExp + topk, with and without the </s> ban.
    for (const banned of [false, true]) {
      const logits = tf.mul(base, 30);
      const fusedT5 = { topk: FusedT5.prototype.topk } as unknown as FusedT5;
      const packed = fusedT5.topk(logits as tf.Tensor2D, 12, { eos: 1, banned });
      const ranked = banned ? tf.add(logits, tf.mul(tf.oneHot(tf.fill([rows], 1, 'int32'), V, 1, 0), -1e9)) : logits;
      const { values, indices } = tf.topk(ranked, 12, true);
      const ref = tf.concat([tf.sub(values, tf.logSumExp(logits, 1, true)), tf.cast(indices, 'float32')], 1);
      out[`topk (k 12${banned ? ', </s> banned' : ''})`] = await maxDiff(packed, ref);
    }
  }
  {
    const table = randn([50, d], 1, 17) as tf.Tensor2D;
    const tok = Int32Array.from([4, 49, 0, 7, 7, 12]);
    const idsE = tf.tensor1d(tok, 'int32');
    out['embed'] = await maxDiff(runFused('PeapodEmbed', embedProgram(d, rows), [table, idsE], [int32([0])]), tf.gather(table, idsE));
  }
  return out;
}

/** A tiny random PeaPOD (composer off) with relu or gated-gelu: the fused encoder and decoding against the ops. */
async function modelChecks(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const feedForwardKind of ['relu', 'gated-gelu'] as const) {
    const t5: T5Config = {
      vocabSize: 120, dModel: 64, dKv: 12, numHeads: 4, dFf: 96, numEncoderLayers: 2, numDecoderLayers: 2, feedForward: feedForwardKind,
      relativeAttentionNumBuckets: 16, relativeAttentionMaxDistance: 32, tieWordEmbeddings: true, dropoutRate: 0, layerNormEpsilon: 1e-6,
      padTokenId: 0, eosTokenId: 1, wholeWordVocab: 0,
    };
    const config: PeapodConfig = { t5, composer: { cfDim: 8, numNeighbours: 4, numHeads: 2, promptLength: 2, taskPrompts: false, collaborative: false }, tasks: ['sequential'], idScheme: 'p5' };
    const params = initPeapodParams(config, 5);
    // Bigger weights than the initialisation, so differences are not hidden by tiny activations.
    for (const p of Object.values(params)) p.assign(tf.mul(p, 4));
    const w = t5Weights(params, t5);
    const model = new PeapodModel(config, params);
    const fused = model.fused();
    if (!fused) throw new Error('the fused kernels did not engage on webgpu');
    const B = 2;
    const L = 9;
    const embeds = randn([B, L, 64], 1, 21) as tf.Tensor3D;
    const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1], [B, L]);
    const hidden = fused.encoder(embeds, mask, false);
    out[`encoder stack (${feedForwardKind})`] = await maxDiff(hidden, encoderStack(w.encoder, t5, embeds, mask, false));
    // Decoding: 4 steps, beams reordered between steps, against decoderStep on gathered caches.
    const session = fused.session({ hidden, mask, prior: null, endOfId: null });
    const ref = { keys: [] as (tf.Tensor4D | null)[], values: [] as (tf.Tensor4D | null)[] };
    ref.keys = [null, null];
    ref.values = [null, null];
    let exampleOf = Int32Array.from([0, 1]);
    let worst = 0;
    const tokens = [Int32Array.from([0, 0]), Int32Array.from([5, 9, 5, 11]), Int32Array.from([3, 3, 7, 2]), Int32Array.from([8, 4, 6, 1])];
    const reorders = [Int32Array.from([0, 0, 1, 1]), Int32Array.from([1, 0, 3, 3]), Int32Array.from([2, 2, 0, 1])];
    for (let s = 0; s < tokens.length; s++) {
      const logits = session.step(tokens[s]!);
      const rowsIdx = tf.tensor1d(exampleOf, 'int32');
      const encRows = tf.gather(hidden, rowsIdx) as tf.Tensor3D;
      const memK = w.decoder.layers.map((l) => tf.transpose(tf.reshape(linear(encRows, l.crossAttn!.k), [exampleOf.length, L, 4, 12]), [0, 2, 3, 1]) as tf.Tensor4D);
      const memV = w.decoder.layers.map((l) => tf.transpose(tf.reshape(linear(encRows, l.crossAttn!.v), [exampleOf.length, L, 4, 12]), [0, 2, 1, 3]) as tf.Tensor4D);
      const embedsStep = tf.gather(w.shared, tf.tensor1d(tokens[s]!, 'int32')) as tf.Tensor2D;
      const r = decoderStep(w.decoder, t5, embedsStep, s, { selfKeys: ref.keys, selfValues: ref.values, crossKeysT: memK, crossValues: memV, crossBias: paddingMaskBias(tf.gather(mask, rowsIdx) as tf.Tensor2D) });
      worst = Math.max(worst, await maxDiff(logits, outputLogits(r.hidden, w, t5)));
      ref.keys = r.selfKeys;
      ref.values = r.selfValues;
      const next = reorders[s];
      if (next) {
        session.reorder(next);
        const g = tf.tensor1d(next, 'int32');
        ref.keys = ref.keys.map((t) => tf.gather(t!, g) as tf.Tensor4D);
        ref.values = ref.values.map((t) => tf.gather(t!, g) as tf.Tensor4D);
        exampleOf = Int32Array.from(next, (i) => exampleOf[i]!);
      }
    }
    session.dispose();
    out[`decoding, 4 steps with beam reorders (${feedForwardKind})`] = worst;
    model.dispose();
    disposeParams(params);
  }
  return out;
}

interface PackRun {
  nextItems: number[][];
  nextScores: number[][];
  topnItems: number[][];
  topnScores: number[][];
  counts?: { nextItem: Counts; topn: Counts; steps: number };
  /** One cached beam step of 20 rows (the third, after a reorder), its top-k read back: what it took on webgpu. */
  step?: Counts & { layers: number };
}

/** Next-item (beam 20, top 10) and top-n 100 for a few users of a shipped pack, on the active backend. */
async function packRun(packUrl: string, users: number[], count: boolean): Promise<PackRun> {
  const pack = await openPack(fetchPackSource(packUrl), () => {});
  const model = pack.model;
  const a = pack.arrays;
  const d = model.config.composer.cfDim;
  const n = pack.nDefault;
  const run: PackRun = { nextItems: [], nextScores: [], topnItems: [], topnScores: [] };
  for (const user of users) {
    const history = Array.from(a.historyItems.subarray(a.historyOffsets[user], a.historyOffsets[user + 1])).slice(0, -1).slice(-PAPER_PROTOCOL.sequential.maxHistory);
    /** Encodes `sample` for this user as the engine does, runs `fn` on its decoder, frees everything. */
    const withEncoded = async <T>(sample: Sample, fn: (dec: ReturnType<typeof peapodDecoder>) => Promise<T>): Promise<T> => {
      const batch = toTensors(collate(pack.tokenizer, [sample], Int32Array.of(a.userIds[user]!), pack.maxInputTokens));
      const ne = new Float32Array(n * d);
      for (let k = 0; k < n; k++) {
        const v = a.neighbourIndices[user * pack.nMax + k]!;
        ne.set(a.cfUser.subarray(v * d, (v + 1) * d), k * d);
      }
      const collab = { userEmb: tf.tensor2d(a.cfUser.slice(user * d, (user + 1) * d), [1, d]), neighbourEmb: tf.tensor3d(ne, [1, n, d]) };
      const p = model.composePrompt(sample.task, collab, 1, sample.task === 'sequential' ? [sample.items] : undefined);
      const enc = model.encode(batch, p.prompt, false, p.prior);
      try {
        return await fn(peapodDecoder(model, enc));
      } finally {
        disposeBatch(batch);
        tf.dispose([p.prompt, enc.hidden, enc.mask, collab.userEmb, collab.neighbourEmb, ...(p.attention ? [p.attention] : []), ...(p.prior ? [p.prior] : []), ...(enc.prior ? [enc.prior] : [])]);
      }
    };
    const seq: Sample = { task: 'sequential', user: 0, items: Int32Array.from(history), target: history[history.length - 1]!, template: -1 };
    const next = () => withEncoded(seq, async (dec) => (await recommendNext(dec, pack.tokenizer, { beamWidth: PAPER_PROTOCOL.sequential.beamWidth, topK: PAPER_PROTOCOL.sequential.topK }))[0]!);
    const negatives = a.topnNegatives;
    const cands = negatives ? Int32Array.from([history[history.length - 1]!, ...negatives.subarray(user * 99, user * 99 + 99)]) : null;
    const topn = async () => (cands ? withEncoded({ task: 'topn', user: 0, items: cands, target: cands[0]!, template: -1 }, async (dec) => (await rankCandidates(dec, pack.tokenizer, [cands]))[0]!) : null);
    const top = await next();
    run.nextItems.push(top.items.map((it) => it ?? -1));
    run.nextScores.push(top.scores);
    const ranked = await topn();
    run.topnItems.push(ranked ? ranked.items.slice(0, 10) : []);
    run.topnScores.push(ranked ? ranked.scores.slice(0, 10) : []);
    if (count && user === users[0]) {
      const c1 = await counted(next);
      const c2 = await counted(topn);
      run.counts = { nextItem: c1.counts, topn: c2.counts, steps: top.hypotheses[0]?.tokens.length ?? 0 };
      // A beam step in isolation: step 0 on the start token, 20 beams, then one counted step.
      run.step = await withEncoded(seq, async (dec) => {
        const session = dec.startSession();
        try {
          const first = session.step(Int32Array.of(pack.tokenizer.padId));
          first.dispose();
          session.reorder(new Int32Array(20));
          const tokens = Int32Array.from(top.hypotheses.slice(0, 10).flatMap((h) => [h.tokens[0]!, h.tokens[0]!]));
          // Step 1 may add the end-of-id row (uploaded on first use); a steady step is counted after it.
          session.step(tokens).dispose();
          session.reorder(Int32Array.from({ length: 20 }, (_, i) => (i * 7) % 20));
          const { counts } = await counted(async () => {
            const out = session.stepTopK ? session.stepTopK(tokens, 40, { eos: pack.tokenizer.eosId, banned: false }) : session.step(tokens);
            await out.data();
            out.dispose();
          });
          return { ...counts, layers: model.config.t5.numDecoderLayers };
        } finally {
          session.dispose();
        }
      });
    }
  }
  pack.dispose();
  return run;
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const packs = (q.get('packs') ?? 'beauty').split(',').filter(Boolean);
  const users = (q.get('users') ?? '0,1,2').split(',').map(Number);
  const base = new URL(import.meta.env.BASE_URL, location.href);
  const decision = await chooseBackend('webgpu');
  if (decision.backend !== 'webgpu') throw new Error(`webgpu did not start: ${decision.failures.map((f) => f.error).join('; ')}`);
  log('webgpu started');
  if (q.get('time') === '1') {
    (window as unknown as { __kernelCheck: unknown }).__kernelCheck = { times: await kernelTimes() };
    return;
  }
  const kernels = await kernelChecks();
  log(`kernels: ${JSON.stringify(kernels)}`);
  const models = await modelChecks();
  log(`models: ${JSON.stringify(models)}`);
  const packsOut: Record<string, { webgpu: PackRun; unfused: PackRun | null; wasm: PackRun }> = {};
  for (const name of packs) {
    const url = new URL(`models/${name}/`, base).href;
    tf.env().set(FUSED_FLAG, true);
    const webgpu = await packRun(url, users, true);
    // ?unfused=1 also runs the pack on the unfused WebGPU ops (slow on a software adapter).
    tf.env().set(FUSED_FLAG, false);
    const unfused = q.get('unfused') === '1' ? await packRun(url, users, true) : null;
    tf.env().set(FUSED_FLAG, true);
    if ((await chooseBackend('wasm')).backend !== 'wasm') throw new Error('wasm did not start');
    const wasm = await packRun(url, users, false);
    if ((await chooseBackend('webgpu')).backend !== 'webgpu') throw new Error('webgpu did not restart');
    packsOut[name] = { webgpu, unfused, wasm };
    log(`${name}: done`);
  }
  (window as unknown as { __kernelCheck: unknown }).__kernelCheck = { kernels, models, packs: packsOut };
}

main().catch((e: unknown) => {
  (window as unknown as { __kernelCheck: unknown }).__kernelCheck = { error: String((e as Error)?.stack ?? e) };
  log(`error: ${String(e)}`);
});

/** ?time=1: median ms of each fused kernel at the Beauty pack's sizes, 20 rows (read-back included). */
export async function kernelTimes(): Promise<Record<string, number>> {
  const d = 128, H = 4, dk = 32, inner = 128, F = 512, V = 12168, rows = 20, S = 30, eps = 1e-6;
  const t = (shape: number[], seed: number) => randn(shape, 0.1, seed);
  const x = t([rows, d], 1) as tf.Tensor2D;
  const nw = t([d], 2), wq = t([d, inner], 3), wk = t([d, inner], 4), wv = t([d, inner], 5), wo = t([inner, d], 6);
  const kvS = t([rows, S, 2 * inner], 7), kvC = t([1, S, 2 * inner], 8), mask = tf.ones([1, S]), rel = t([H, 257], 9);
  const ids = tf.tensor1d(new Int32Array(3 * rows), 'int32');
  const wi = t([d, F], 10), wo2 = t([F, d], 11), head = t([d, V], 12), logits = t([rows, V], 13) as tf.Tensor2D;
  const cases: Record<string, () => tf.Tensor> = {
    kvAppend: () => runFused('PeapodKv', kvProgram({ d, inner, eps, append: true }, rows, S), [x, nw, wk, wv, kvS, ids], [int32([rows])]),
    attendSelf: () => runFused('PeapodAttend', attendProgram({ d, heads: H, dKv: dk, eps, positionBias: { maxDistance: 128 }, mask: false, causal: false, exampleIds: false }, rows, S), [x, nw, wq, kvS, wo, rel], [int32([1]), int32([S - 1]), int32([0])]),
    attendCross: () => runFused('PeapodAttend', attendProgram({ d, heads: H, dKv: dk, eps, positionBias: null, mask: true, causal: false, exampleIds: true }, rows, S), [x, nw, wq, kvC, wo, mask, ids], [int32([1]), int32([0]), int32([2 * rows])]),
    ffn: () => runFused('PeapodFfn', ffnProgram({ d, dFf: F, eps, gated: false }, rows), [x, nw, wi, wo2]),
    head: () => runFused('PeapodHead', headProgram({ d, vocab: V, eps, scale: 1, add: 'none' }, rows), [x, nw, head], [int32([0])]),
    topk: () => runFused('PeapodTopK', topkProgram(V, 40, rows), [logits], [int32([1]), int32([0])]),
    embed: () => runFused('PeapodEmbed', embedProgram(d, rows), [head, ids], [int32([0])]),
    matmulHeadUnfused: () => tf.matMul(x, head),
    topkUnfused: () => tf.topk(logits, 40).values,
  };
  const out: Record<string, number> = {};
  for (const [name, fn] of Object.entries(cases)) {
    const xs: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const y = fn();
      await y.data();
      y.dispose();
      if (i > 0) xs.push(performance.now() - t0);
    }
    xs.sort((a, b) => a - b);
    out[name] = xs[1]!;
    log(`${name}: ${out[name].toFixed(1)} ms`);
  }
  return out;
}

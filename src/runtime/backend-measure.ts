// The workload the automatic backend choice times on WebGPU and on WASM (backend-choice.ts
// measureAndPick): one cached T5 decoder step for one row, shaped like the pack's own (its dModel,
// heads, d_ff, feed-forward kind and decoder layers, cross-attention over a short prompt, then the
// dModel x vocabulary output head and a log-softmax), read back to the host as the decoding loop
// does, so the time includes the GPU finishing. The pack's weights are still downloading when the
// backend is chosen, so the step runs on stand-in weights of the same shapes; one layer's weights
// serve every layer (the same ops and FLOPs, a fraction of the memory). Values do not matter for
// speed. Where the model decodes on the fused WebGPU kernels (src/model/webgpu: webgpu active, their
// switch on, the shape within their limits) the step is theirs, beam top-k included, exactly as the
// decoding loop runs it; elsewhere it is built from plain TF.js ops (about 30 per layer), the ops the
// model runs on that backend. Everything created here is disposed before it returns.
import * as tf from '@tensorflow/tfjs-core';
import type { StepShape } from './backend-choice.ts';
import { FusedT5, fusedSupports } from '../model/webgpu/fused-t5.ts';
import type { T5Weights, StackWeights } from '../model/t5/stacks.ts';
import type { T5Config } from '../model/types.ts';

/** Encoder positions the cross-attention reads (a short prompt) and cached self-attention positions. */
export const MEASURE_SOURCE_LEN = 16;
export const MEASURE_PAST_LEN = 8;
/**
 * Timed repetitions after the warm one, the fastest reported (the least disturbed by other work);
 * fewer once the timed ones add up to MEASURE_TIMED_MS (a slow backend is slow on the first one).
 */
export const MEASURE_REPS = 5;
export const MEASURE_TIMED_MS = 50;

interface StepWeights {
  norm: tf.Tensor1D;
  q: tf.Tensor2D;
  k: tf.Tensor2D;
  v: tf.Tensor2D;
  o: tf.Tensor2D;
  crossQ: tf.Tensor2D;
  crossO: tf.Tensor2D;
  /** [heads, MEASURE_PAST_LEN, dKv]: the self-attention cache. */
  pastK: tf.Tensor3D;
  pastV: tf.Tensor3D;
  /** [heads, MEASURE_SOURCE_LEN, dKv]: the encoder's keys and values, computed once per input. */
  srcK: tf.Tensor3D;
  srcV: tf.Tensor3D;
  wi: tf.Tensor2D[];
  wo: tf.Tensor2D;
  head: tf.Tensor2D;
  x: tf.Tensor2D;
}

function stepWeights(s: StepShape): StepWeights {
  const inner = s.numHeads * s.dKv;
  const w = (shape: number[]) => tf.fill(shape, 0.01);
  return {
    norm: tf.ones([s.dModel]),
    q: w([s.dModel, inner]) as tf.Tensor2D,
    k: w([s.dModel, inner]) as tf.Tensor2D,
    v: w([s.dModel, inner]) as tf.Tensor2D,
    o: w([inner, s.dModel]) as tf.Tensor2D,
    crossQ: w([s.dModel, inner]) as tf.Tensor2D,
    crossO: w([inner, s.dModel]) as tf.Tensor2D,
    pastK: w([s.numHeads, MEASURE_PAST_LEN, s.dKv]) as tf.Tensor3D,
    pastV: w([s.numHeads, MEASURE_PAST_LEN, s.dKv]) as tf.Tensor3D,
    srcK: w([s.numHeads, MEASURE_SOURCE_LEN, s.dKv]) as tf.Tensor3D,
    srcV: w([s.numHeads, MEASURE_SOURCE_LEN, s.dKv]) as tf.Tensor3D,
    wi: (s.gated ? [0, 1] : [0]).map(() => w([s.dModel, s.dFf]) as tf.Tensor2D),
    wo: w([s.dFf, s.dModel]) as tf.Tensor2D,
    head: w([s.dModel, s.vocabSize]) as tf.Tensor2D,
    x: w([1, s.dModel]) as tf.Tensor2D,
  };
}

const disposeWeights = (w: StepWeights) => tf.dispose([w.norm, w.q, w.k, w.v, w.o, w.crossQ, w.crossO, w.pastK, w.pastV, w.srcK, w.srcV, ...w.wi, w.wo, w.head, w.x]);

/** T5's layer norm: scale only, no mean subtraction. */
function rmsNorm(x: tf.Tensor2D, w: tf.Tensor1D): tf.Tensor2D {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6))), w);
}

/** q [1, inner] against keys/values [heads, L, dKv] -> [1, inner]. */
function attend(q: tf.Tensor2D, keys: tf.Tensor3D, values: tf.Tensor3D, s: StepShape): tf.Tensor2D {
  const qh = tf.reshape<tf.Rank.R3>(q, [s.numHeads, 1, s.dKv]);
  const p = tf.softmax(tf.matMul(qh, keys, false, true));
  return tf.reshape<tf.Rank.R2>(tf.matMul(p, values), [1, s.numHeads * s.dKv]);
}

/** tanh approximation of GELU, as gated-gelu T5s use. */
function gelu(x: tf.Tensor2D): tf.Tensor2D {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** One decoder step, head and log-softmax included: [1, vocabSize]. */
function decoderStep(w: StepWeights, s: StepShape): tf.Tensor2D {
  return tf.tidy(() => {
    let x = w.x;
    for (let l = 0; l < s.numDecoderLayers; l++) {
      let h = rmsNorm(x, w.norm);
      const keys = tf.concat([w.pastK, tf.reshape<tf.Rank.R3>(tf.matMul(h, w.k), [s.numHeads, 1, s.dKv])], 1);
      const values = tf.concat([w.pastV, tf.reshape<tf.Rank.R3>(tf.matMul(h, w.v), [s.numHeads, 1, s.dKv])], 1);
      x = tf.add(x, tf.matMul(attend(tf.matMul(h, w.q), keys, values, s), w.o));
      h = rmsNorm(x, w.norm);
      x = tf.add(x, tf.matMul(attend(tf.matMul(h, w.crossQ), w.srcK, w.srcV, s), w.crossO));
      h = rmsNorm(x, w.norm);
      const ff = s.gated ? tf.mul(gelu(tf.matMul(h, w.wi[0]!)), tf.matMul(h, w.wi[1]!)) : tf.relu(tf.matMul(h, w.wi[0]!));
      x = tf.add(x, tf.matMul(ff, w.wo));
    }
    return tf.logSoftmax(tf.matMul(rmsNorm(x, w.norm), w.head)) as tf.Tensor2D;
  });
}

/** A T5 config with the step's shape and T5's defaults elsewhere (stand-in for the pack's). */
function stepConfig(s: StepShape): T5Config {
  return {
    vocabSize: s.vocabSize, dModel: s.dModel, dKv: s.dKv, numHeads: s.numHeads, dFf: s.dFf, numEncoderLayers: 1, numDecoderLayers: s.numDecoderLayers,
    feedForward: s.gated ? 'gated-gelu' : 'relu', relativeAttentionNumBuckets: 32, relativeAttentionMaxDistance: 128, tieWordEmbeddings: true,
    dropoutRate: 0, layerNormEpsilon: 1e-6, padTokenId: 0, eosTokenId: 1, wholeWordVocab: 0,
  };
}

/**
 * The fused kernels' step (one row after MEASURE_PAST_LEN cached positions, head and top-40 read back)
 * on stand-in weights, or null where the model would not decode on them.
 */
function fusedStep(s: StepShape): { run: () => Promise<void>; dispose: () => void } | null {
  const c = stepConfig(s);
  if (!FusedT5.active() || !fusedSupports(c)) return null;
  const w = stepWeights(s);
  const table = tf.fill([c.relativeAttentionNumBuckets, s.numHeads], 0.01) as tf.Tensor2D;
  const layer = { selfAttn: { q: w.q, k: w.k, v: w.v, o: w.o }, selfNorm: w.norm, crossAttn: { q: w.crossQ, k: w.k, v: w.v, o: w.crossO }, crossNorm: w.norm, ffn: s.gated ? { kind: 'gated-gelu' as const, wi0: w.wi[0]!, wi1: w.wi[1]!, wo: w.wo } : { kind: 'relu' as const, wi: w.wi[0]!, wo: w.wo }, ffnNorm: w.norm };
  const stack: StackWeights = { layers: Array.from({ length: s.numDecoderLayers }, () => layer), positionTable: table, finalNorm: w.norm };
  const shared = tf.fill([s.vocabSize, s.dModel], 0.01) as tf.Tensor2D;
  const weights: T5Weights = { shared, wholeWord: null, lmHead: null, encoder: stack, decoder: stack };
  const fused = new FusedT5(weights, c, w.head, s.dModel ** -0.5);
  const hidden = tf.fill([1, MEASURE_SOURCE_LEN, s.dModel], 0.01) as tf.Tensor3D;
  const mask = tf.ones([1, MEASURE_SOURCE_LEN]) as tf.Tensor2D;
  const session = fused.session({ hidden, mask, prior: null, endOfId: null });
  for (let i = 0; i < MEASURE_PAST_LEN; i++) session.step(Int32Array.of(0)).dispose();
  return {
    run: async () => {
      const out = session.stepTopK(Int32Array.of(0), 40, { eos: 1, banned: false });
      try {
        await out.data();
      } finally {
        out.dispose();
      }
    },
    dispose: () => {
      session.dispose();
      fused.dispose();
      disposeWeights(w);
      tf.dispose([table, shared, hidden, mask]);
    },
  };
}

export interface MeasureOptions {
  /** The clock (ms); performance.now() by default. */
  now?: () => number;
  reps?: number;
  /** Set (by the caller's timer) once the caller stopped waiting: no further tf work is started. */
  cancelled?: () => boolean;
}

/**
 * Times the step on the active backend: builds the weights, runs one warm step (kernels compiled,
 * weights uploaded), then up to `reps` timed steps (fewer past MEASURE_TIMED_MS), each ending in a readback. Resolves the fastest
 * step in ms, or null when no timed step fitted in `allowanceMs` (counted from the call): none is
 * started that the steps before it say would not finish in time, and none after `cancelled`.
 */
export async function timeDecoderStep(s: StepShape, allowanceMs: number, opts: MeasureOptions = {}): Promise<number | null> {
  const now = opts.now ?? (() => performance.now());
  const reps = opts.reps ?? MEASURE_REPS;
  const cancelled = opts.cancelled ?? (() => false);
  const t0 = now();
  const fused = fusedStep(s);
  const weights = fused ? null : stepWeights(s);
  try {
    const run =
      fused?.run ??
      (async () => {
        const out = decoderStep(weights!, s);
        try {
          await out.data();
        } finally {
          out.dispose();
        }
      });
    await run();
    let best = Infinity;
    let timed = 0;
    for (let i = 0; i < reps && timed < MEASURE_TIMED_MS; i++) {
      if (cancelled()) return null;
      const left = allowanceMs - (now() - t0);
      // The warm step compiled the kernels: a timed one takes about `best` (or the warm one's time).
      if (left <= 0 || (Number.isFinite(best) && best > left)) break;
      const ts = now();
      await run();
      const dt = now() - ts;
      best = Math.min(best, dt);
      timed += dt;
    }
    return cancelled() || !Number.isFinite(best) ? null : best;
  } finally {
    fused?.dispose();
    if (weights) disposeWeights(weights);
  }
}

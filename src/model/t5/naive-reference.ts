// A deliberately plain JavaScript (float64, loops, one example at a time) forward pass of the T5
// encoder/decoder and the PeaPOD composer, written straight from the definitions. Tests compare the
// batched tfjs implementation against it. Test support only: never import it from runtime code.
import type { ParamMap } from '../params.ts';
import { layerParam, PARAM, taskPromptParam } from '../params.ts';
import type { PeapodConfig, TaskName } from '../types.ts';

type Vec = number[];
type Mat = number[][];

function weight(params: ParamMap, name: string): Mat {
  const v = params.get(name);
  if (!v) throw new Error(`naive reference: missing ${name}`);
  const a = v.arraySync();
  return (v.rank === 1 ? [a as number[]] : a) as Mat;
}

function vecTimesMat(x: Vec, w: Mat): Vec {
  const out = new Array<number>(w[0]!.length).fill(0);
  for (let i = 0; i < x.length; i++) for (let j = 0; j < out.length; j++) out[j]! += x[i]! * w[i]![j]!;
  return out;
}

export function naiveRmsNorm(x: Vec, w: Vec, eps: number): Vec {
  const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
  return x.map((v, i) => (v / Math.sqrt(ms + eps)) * w[i]!);
}

/** T5's `_relative_position_bucket`, transcribed literally (float64). */
export function naiveBucket(rel: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  let ret = 0;
  let n = numBuckets;
  let r = rel;
  if (bidirectional) {
    n = Math.floor(n / 2); // num_buckets //= 2
    if (r > 0) ret += n;
    r = Math.abs(r);
  } else {
    r = Math.max(-r, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (r < maxExact) return ret + r;
  const large = maxExact + Math.floor((Math.log(r / maxExact) / Math.log(maxDistance / maxExact)) * (n - maxExact));
  return ret + Math.min(large, n - 1);
}

function softmax(xs: Vec): Vec {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

interface Ctx {
  params: ParamMap;
  config: PeapodConfig;
}

/** Attention of queries xs over memory ms; `allowed(i, j)` masks; `bias(h, i, j)` adds. */
function attention(ctx: Ctx, prefix: string, xs: Mat, ms: Mat, allowed: (i: number, j: number) => boolean, bias: (h: number, i: number, j: number) => number): Mat {
  const c = ctx.config.t5;
  const wq = weight(ctx.params, `${prefix}/q`);
  const wk = weight(ctx.params, `${prefix}/k`);
  const wv = weight(ctx.params, `${prefix}/v`);
  const wo = weight(ctx.params, `${prefix}/o`);
  const q = xs.map((x) => vecTimesMat(x, wq));
  const k = ms.map((x) => vecTimesMat(x, wk));
  const v = ms.map((x) => vecTimesMat(x, wv));
  return xs.map((_, i) => {
    const concat: Vec = [];
    for (let h = 0; h < c.numHeads; h++) {
      const lo = h * c.dKv;
      const scores = ms.map((_m, j) => {
        let s = 0;
        for (let t = 0; t < c.dKv; t++) s += q[i]![lo + t]! * k[j]![lo + t]!;
        return allowed(i, j) ? s + bias(h, i, j) : -1e9;
      });
      const p = softmax(scores);
      for (let t = 0; t < c.dKv; t++) concat.push(p.reduce((s, pj, j) => s + pj * v[j]![lo + t]!, 0));
    }
    return vecTimesMat(concat, wo);
  });
}

function ffn(ctx: Ctx, stack: 'encoder' | 'decoder', layer: number, x: Vec): Vec {
  const c = ctx.config.t5;
  let hidden: Vec;
  if (c.feedForward === 'relu') {
    hidden = vecTimesMat(x, weight(ctx.params, layerParam(stack, layer, 'ffn/wi'))).map((v) => Math.max(v, 0));
  } else {
    const a = vecTimesMat(x, weight(ctx.params, layerParam(stack, layer, 'ffn/wi_0')));
    const b = vecTimesMat(x, weight(ctx.params, layerParam(stack, layer, 'ffn/wi_1')));
    hidden = a.map((v, i) => gelu(v) * b[i]!);
  }
  return vecTimesMat(hidden, weight(ctx.params, layerParam(stack, layer, 'ffn/wo')));
}

const add = (a: Mat, b: Mat): Mat => a.map((r, i) => r.map((v, j) => v + b[i]![j]!));

/** Encoder output [P + L][d] for one example; `prompt` rows go in front of the token embeddings. */
export function naiveEncode(params: ParamMap, config: PeapodConfig, tokens: number[], wholeWord: number[], mask: number[], prompt: Mat): { hidden: Mat; mask: number[] } {
  const ctx = { params, config };
  const c = config.t5;
  const emb = weight(params, PARAM.sharedEmbedding);
  const ww = c.wholeWordVocab > 0 ? weight(params, PARAM.wholeWordEmbedding) : null;
  let x: Mat = [...prompt.map((r) => [...r]), ...tokens.map((t, i) => emb[t]!.map((v, j) => v + (ww ? ww[wholeWord[i]!]![j]! : 0)))];
  const fullMask = [...prompt.map(() => 1), ...mask];
  const table = weight(params, layerParam('encoder', 0, 'self_attn/relative_attention_bias'));
  const bias = (h: number, i: number, j: number) => table[naiveBucket(j - i, true, c.relativeAttentionNumBuckets, c.relativeAttentionMaxDistance)]![h]!;
  for (let l = 0; l < c.numEncoderLayers; l++) {
    const nw = weight(params, layerParam('encoder', l, 'self_attn_norm'))[0]!;
    const h = x.map((r) => naiveRmsNorm(r, nw, c.layerNormEpsilon));
    x = add(x, attention(ctx, layerParam('encoder', l, 'self_attn'), h, h, (_i, j) => fullMask[j] === 1, bias));
    const fw = weight(params, layerParam('encoder', l, 'ffn_norm'))[0]!;
    x = x.map((r) => {
      const f = ffn(ctx, 'encoder', l, naiveRmsNorm(r, fw, c.layerNormEpsilon));
      return r.map((v, j) => v + f[j]!);
    });
  }
  const fin = weight(params, PARAM.encoderFinalNorm)[0]!;
  return { hidden: x.map((r) => naiveRmsNorm(r, fin, c.layerNormEpsilon)), mask: fullMask };
}

/** Teacher-forced logits [T][V] for one example. */
export function naiveDecode(params: ParamMap, config: PeapodConfig, encHidden: Mat, encMask: number[], decoderIds: number[]): Mat {
  const ctx = { params, config };
  const c = config.t5;
  const emb = weight(params, PARAM.sharedEmbedding);
  let x: Mat = decoderIds.map((t) => [...emb[t]!]);
  const table = weight(params, layerParam('decoder', 0, 'self_attn/relative_attention_bias'));
  const bias = (h: number, i: number, j: number) => table[naiveBucket(j - i, false, c.relativeAttentionNumBuckets, c.relativeAttentionMaxDistance)]![h]!;
  for (let l = 0; l < c.numDecoderLayers; l++) {
    const sw = weight(params, layerParam('decoder', l, 'self_attn_norm'))[0]!;
    let h = x.map((r) => naiveRmsNorm(r, sw, c.layerNormEpsilon));
    x = add(x, attention(ctx, layerParam('decoder', l, 'self_attn'), h, h, (i, j) => j <= i, bias));
    const cw = weight(params, layerParam('decoder', l, 'cross_attn_norm'))[0]!;
    h = x.map((r) => naiveRmsNorm(r, cw, c.layerNormEpsilon));
    x = add(x, attention(ctx, layerParam('decoder', l, 'cross_attn'), h, encHidden, (_i, j) => encMask[j] === 1, () => 0));
    const fw = weight(params, layerParam('decoder', l, 'ffn_norm'))[0]!;
    x = x.map((r) => {
      const f = ffn(ctx, 'decoder', l, naiveRmsNorm(r, fw, c.layerNormEpsilon));
      return r.map((v, j) => v + f[j]!);
    });
  }
  const fin = weight(params, PARAM.decoderFinalNorm)[0]!;
  const out = x.map((r) => naiveRmsNorm(r, fin, c.layerNormEpsilon));
  if (c.tieWordEmbeddings) {
    const s = c.dModel ** -0.5;
    return out.map((r) => emb.map((e) => e.reduce((acc, v, j) => acc + v * r[j]! * s, 0)));
  }
  const head = weight(params, PARAM.lmHead);
  return out.map((r) => vecTimesMat(r, head));
}

/** Composer for one user: prompt [l][d] and attention [H][n]; mask 0 drops a neighbour. */
export function naiveCompose(params: ParamMap, config: PeapodConfig, user: Vec, neighbours: Mat, mask?: number[]): { prompt: Mat; attention: Mat } {
  const m = config.composer;
  const linear = (x: Vec, k: string, b: string) => {
    const y = vecTimesMat(x, weight(params, k));
    const bias = weight(params, b)[0]!;
    return y.map((v, i) => v + bias[i]!);
  };
  const q = linear(user, PARAM.composerQuery, PARAM.composerQueryBias);
  const ks = neighbours.map((e) => linear(e, PARAM.composerKey, PARAM.composerKeyBias));
  const vs = neighbours.map((e) => linear(e, PARAM.composerValue, PARAM.composerValueBias));
  const dh = m.cfDim / m.numHeads;
  const attentionRows: Mat = [];
  const p: Vec = [];
  for (let h = 0; h < m.numHeads; h++) {
    const kept = neighbours.map((_, j) => (mask ? mask[j] === 1 : true));
    const logits = ks.map((k) => {
      let s = 0;
      for (let t = 0; t < dh; t++) s += q[h * dh + t]! * k[h * dh + t]!;
      return s / Math.sqrt(dh);
    });
    const keptLogits = logits.filter((_, j) => kept[j]);
    const keptProbs = keptLogits.length ? softmax(keptLogits) : [];
    let cursor = 0;
    const alpha = kept.map((k) => (k ? keptProbs[cursor++]! : 0));
    attentionRows.push(alpha);
    for (let t = 0; t < dh; t++) p.push(alpha.reduce((s, a, j) => s + a * vs[j]![h * dh + t]!, 0));
  }
  const flat = linear(p, PARAM.composerPrompt, PARAM.composerPromptBias);
  const d = config.t5.dModel;
  const prompt: Mat = [];
  for (let i = 0; i < m.promptLength; i++) prompt.push(flat.slice(i * d, (i + 1) * d));
  return { prompt, attention: attentionRows };
}

export function naiveTaskPrompt(params: ParamMap, task: TaskName): Mat {
  return weight(params, taskPromptParam(task));
}

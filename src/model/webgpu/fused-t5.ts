// The T5 encoder stack and cached decoding on the fused WebGPU kernels: per encoder layer 3 dispatches
// (kv, attend, ffn), per decoder layer and step 4 (self kv + cache append, self attend, cross attend,
// ffn), per step one embedding lookup and one head, and for beam search one top-k whose [rows, 2k]
// result is the step's only read-back. A beam reorder moves no data by itself: the next step's cache
// append copies each row from its parent. Same maths as stacks.ts (the unfused reference the checks
// compare against), for inference only (no gradients, no dropout).
import * as tf from '@tensorflow/tfjs-core';
import type { T5Config } from '../types.ts';
import type { T5Weights } from '../t5/stacks.ts';
import { relativePositionBucket } from '../t5/position-bias.ts';
import type { DecoderSession } from '../generate/types.ts';
import { attendCapacity, attendProgram, embedProgram, ffnFits, ffnProgram, headFits, headProgram, kvProgram, normProgram, topkProgram, type AttendSpec } from './programs.ts';
import { fusedKernelsActive, int32, runFused } from './ops.ts';

/** Whether every fused kernel has room for this config (shared memory per workgroup). */
export function fusedSupports(c: T5Config): boolean {
  const inner = c.numHeads * c.dKv;
  return inner <= 2048 && c.dModel <= 2048 && ffnFits({ d: c.dModel, dFf: c.dFf }) && headFits({ d: c.dModel }) && attendCapacity(attendShape(c)) >= 64 && c.numHeads <= 64;
}

const attendShape = (c: T5Config) => ({ d: c.dModel, heads: c.numHeads, dKv: c.dKv });

/**
 * The position bias of every head by relative position -M..M, [H, 2M+1] (M = max distance: beyond it
 * the bucket no longer changes), from a stack's learned table [buckets, H].
 */
function relativeBiasTable(table: tf.Tensor2D, c: T5Config, bidirectional: boolean): tf.Tensor2D {
  const M = c.relativeAttentionMaxDistance;
  const lut = new Int32Array(2 * M + 1);
  for (let k = 0; k < lut.length; k++) lut[k] = relativePositionBucket(k - M, bidirectional, c.relativeAttentionNumBuckets, M);
  return tf.tidy(() => tf.transpose(tf.gather(table, tf.tensor1d(lut, 'int32'))));
}

/** What a fused decoding starts from: the encoder output (kept by the caller) and the step-0 prior. */
export interface FusedEncoded {
  hidden: tf.Tensor3D;
  mask: tf.Tensor2D;
  prior: tf.Tensor2D | null;
  /** Step 1 gets `endOfId` (a [1, V] logit row) added: atomic ids end after one token. */
  endOfId: tf.Tensor2D | null;
}

export class FusedT5 {
  private readonly encRel: tf.Tensor2D;
  private readonly decRel: tf.Tensor2D;

  /**
   * `head` is the output projection as [d, V] (the untied lm_head, or the tied embedding transposed)
   * and `headScale` its factor (T5's tied head: d^-0.5). The weights stay the caller's.
   */
  constructor(
    readonly w: T5Weights,
    readonly c: T5Config,
    readonly head: tf.Tensor2D,
    readonly headScale: number,
  ) {
    this.encRel = tf.keep(relativeBiasTable(w.encoder.positionTable, c, true));
    this.decRel = tf.keep(relativeBiasTable(w.decoder.positionTable, c, false));
  }

  /** Longest memory (encoder length, decoded length) one attention kernel holds. */
  get maxMemory(): number {
    return attendCapacity(attendShape(this.c));
  }

  /** Whether the fused kernels may run now (webgpu active, switch on). */
  static active(): boolean {
    return fusedKernelsActive();
  }

  private attendSpec(kind: 'encoder' | 'self' | 'cross', causal: boolean): AttendSpec {
    const c = this.c;
    return {
      d: c.dModel,
      heads: c.numHeads,
      dKv: c.dKv,
      eps: c.layerNormEpsilon,
      positionBias: kind === 'cross' ? null : { maxDistance: c.relativeAttentionMaxDistance },
      mask: kind !== 'self',
      causal,
      exampleIds: kind === 'cross',
    };
  }

  private ffn(x: tf.Tensor2D, layer: T5Weights['encoder']['layers'][number]): tf.Tensor2D {
    const c = this.c;
    const f = layer.ffn;
    const program = ffnProgram({ d: c.dModel, dFf: c.dFf, eps: c.layerNormEpsilon, gated: f.kind === 'gated-gelu' }, x.shape[0]);
    const weights = f.kind === 'relu' ? [f.wi, f.wo] : [f.wi0, f.wi1, f.wo];
    return runFused('PeapodFfn', program, [x, layer.ffnNorm, ...weights]);
  }

  /** Encoder over embeddings [B, L, d] with mask [B, L] (1 = token); returns the final hidden states [B, L, d]. */
  encoder(embeds: tf.Tensor3D, mask: tf.Tensor2D, causal: boolean): tf.Tensor3D {
    const c = this.c;
    const [b, l] = embeds.shape;
    if (l > this.maxMemory) throw new RangeError(`the fused encoder holds ${this.maxMemory} positions, got ${l}`);
    return tf.tidy(() => {
      const rows = b * l;
      let x = tf.reshape(embeds, [rows, c.dModel]) as tf.Tensor2D;
      const w = this.w.encoder;
      for (const layer of w.layers) {
        const kv = runFused<tf.Tensor2D>('PeapodKv', kvProgram({ d: c.dModel, inner: c.numHeads * c.dKv, eps: c.layerNormEpsilon, append: false }, rows, 0), [x, layer.selfNorm, layer.selfAttn.k, layer.selfAttn.v]);
        const memory = tf.reshape(kv, [b, l, kv.shape[1]]);
        x = runFused('PeapodAttend', attendProgram(this.attendSpec('encoder', causal), rows, l), [x, layer.selfNorm, layer.selfAttn.q, memory, layer.selfAttn.o, this.encRel, mask], [int32([l]), int32([0]), int32([0])]);
        x = this.ffn(x, layer);
      }
      const hidden = runFused<tf.Tensor2D>('PeapodNorm', normProgram(c.dModel, c.layerNormEpsilon, rows), [x, w.finalNorm]);
      return tf.reshape(hidden, [b, l, c.dModel]) as tf.Tensor3D;
    });
  }

  /** A cached decoding session over `enc` (one row per example to start with). */
  session(enc: FusedEncoded): FusedDecoderSession {
    return new FusedDecoderSession(this, enc);
  }

  /** Per decoder layer: cross-attention keys and values of the encoder output, [E, S, 2*inner]. */
  crossMemory(hidden: tf.Tensor3D): tf.Tensor3D[] {
    const c = this.c;
    const [e, s] = hidden.shape;
    return tf.tidy(() => {
      const x = tf.reshape(hidden, [e * s, c.dModel]) as tf.Tensor2D;
      const program = kvProgram({ d: c.dModel, inner: c.numHeads * c.dKv, eps: null, append: false }, e * s, 0);
      return this.w.decoder.layers.map((layer) => {
        const kv = runFused<tf.Tensor2D>('PeapodKv', program, [x, layer.crossAttn!.k, layer.crossAttn!.v]);
        return tf.reshape(kv, [e, s, kv.shape[1]]) as tf.Tensor3D;
      });
    });
  }

  /**
   * One decoder step for `rows` rows: `ids` packs [tokens | parent rows | example of each row]
   * (int32, 3 * rows). Returns the logits [rows, V] and each layer's grown self-attention cache.
   */
  step(ids: tf.Tensor1D, rows: number, past: readonly (tf.Tensor3D | null)[], cross: readonly tf.Tensor3D[], crossMask: tf.Tensor2D, add: { row: tf.Tensor2D; perExample: boolean } | null): { logits: tf.Tensor2D; cache: tf.Tensor3D[] } {
    const c = this.c;
    const inner = c.numHeads * c.dKv;
    const w = this.w.decoder;
    return tf.tidy(() => {
      let x = runFused<tf.Tensor2D>('PeapodEmbed', embedProgram(c.dModel, rows), [this.w.shared, ids], [int32([0])]);
      const cache: tf.Tensor3D[] = [];
      const t = past[0]?.shape[1] ?? 0;
      w.layers.forEach((layer, i) => {
        const prev = past[i] ?? null;
        const kvSpec = { d: c.dModel, inner, eps: c.layerNormEpsilon, append: prev !== null };
        const kv = prev
          ? runFused<tf.Tensor3D>('PeapodKv', kvProgram(kvSpec, rows, t), [x, layer.selfNorm, layer.selfAttn.k, layer.selfAttn.v, prev, ids], [int32([rows])])
          : (tf.reshape(runFused('PeapodKv', kvProgram(kvSpec, rows, 0), [x, layer.selfNorm, layer.selfAttn.k, layer.selfAttn.v]), [rows, 1, 2 * inner]) as tf.Tensor3D);
        cache.push(kv);
        x = runFused('PeapodAttend', attendProgram(this.attendSpec('self', false), rows, t + 1), [x, layer.selfNorm, layer.selfAttn.q, kv, layer.selfAttn.o, this.decRel], [int32([1]), int32([t]), int32([0])]);
        x = runFused('PeapodAttend', attendProgram(this.attendSpec('cross', false), rows, cross[i]!.shape[1]), [x, layer.crossNorm!, layer.crossAttn!.q, cross[i]!, layer.crossAttn!.o, crossMask, ids], [int32([1]), int32([0]), int32([2 * rows])]);
        x = this.ffn(x, layer);
      });
      const headSpec = { d: c.dModel, vocab: c.vocabSize, eps: c.layerNormEpsilon, scale: this.headScale, add: add ? (add.perExample ? 'example' : 'broadcast') : 'none' } as const;
      const extra = add ? [add.row, ...(add.perExample ? [ids] : [])] : [];
      const logits = runFused<tf.Tensor2D>('PeapodHead', headProgram(headSpec, rows), [x, w.finalNorm, this.head, ...extra], [int32([2 * rows])]);
      return { logits, cache };
    });
  }

  /** Per row: the top k log-probabilities and their ids, packed [rows, 2k] (ids as floats). */
  topk(logits: tf.Tensor2D, k: number, ban: { eos: number; banned: boolean }): tf.Tensor2D {
    const [rows, vocab] = logits.shape;
    return runFused('PeapodTopK', topkProgram(vocab, k, rows), [logits], [int32([ban.eos]), int32([ban.banned ? 1 : 0])]);
  }

  dispose(): void {
    this.encRel.dispose();
    this.decRel.dispose();
  }
}

/**
 * DecoderSession on the fused kernels. The state per row is its self-attention cache (one tensor per
 * layer, [rows, t, 2*inner]) plus two host arrays: which cache row each row continues (parents, applied
 * by the next step's append) and which example it belongs to (for the cross-attention memory and the
 * prior). So reorder() is bookkeeping on the host.
 */
export class FusedDecoderSession implements DecoderSession {
  private cache: (tf.Tensor3D | null)[];
  private readonly cross: tf.Tensor3D[];
  private readonly crossMask: tf.Tensor2D;
  private prior: tf.Tensor2D | null;
  private readonly endOfId: tf.Tensor2D | null;
  private parents: Int32Array;
  private example: Int32Array;
  private steps = 0;
  private disposed = false;

  constructor(
    private readonly t5: FusedT5,
    enc: FusedEncoded,
  ) {
    const e = enc.hidden.shape[0];
    if (enc.hidden.shape[1] > t5.maxMemory) throw new RangeError(`the fused decoder attends over at most ${t5.maxMemory} encoder positions, got ${enc.hidden.shape[1]}`);
    this.cross = t5.crossMemory(enc.hidden).map((t) => tf.keep(t));
    this.crossMask = tf.keep(tf.clone(enc.mask));
    this.prior = enc.prior ? tf.keep(tf.clone(enc.prior)) : null;
    this.endOfId = enc.endOfId ? tf.keep(tf.clone(enc.endOfId)) : null;
    this.cache = new Array<null>(t5.c.numDecoderLayers).fill(null);
    this.parents = Int32Array.from({ length: e }, (_, i) => i);
    this.example = Int32Array.from({ length: e }, (_, i) => i);
  }

  get rows(): number {
    return this.example.length;
  }

  get vocabSize(): number {
    return this.t5.c.vocabSize;
  }

  private live(): void {
    if (this.disposed) throw new Error('FusedDecoderSession used after dispose()');
  }

  step(tokens: Int32Array): tf.Tensor2D {
    this.live();
    const rows = this.rows;
    if (tokens.length !== rows) throw new RangeError(`step got ${tokens.length} tokens for ${rows} rows`);
    const V = this.t5.c.vocabSize;
    for (let i = 0; i < rows; i++) {
      const t = tokens[i]!;
      if (!(t >= 0 && t < V)) throw new RangeError(`decoder input token ${t} (row ${i}) is outside [0, ${V})`);
    }
    if (this.steps + 1 > this.t5.maxMemory) throw new RangeError(`the fused decoder holds ${this.t5.maxMemory} steps`);
    const packed = new Int32Array(3 * rows);
    packed.set(tokens, 0);
    packed.set(this.parents, rows);
    packed.set(this.example, 2 * rows);
    const ids = tf.tensor1d(packed, 'int32');
    const add = this.steps === 0 && this.prior ? { row: this.prior, perExample: true } : this.steps === 1 && this.endOfId ? { row: this.endOfId, perExample: false } : null;
    let out: { logits: tf.Tensor2D; cache: tf.Tensor3D[] };
    try {
      out = this.t5.step(ids, rows, this.cache, this.cross, this.crossMask, add);
    } finally {
      ids.dispose();
    }
    for (const t of this.cache) t?.dispose();
    this.cache = out.cache.map((t) => tf.keep(t));
    if (this.steps === 0) {
      this.prior?.dispose();
      this.prior = null;
    }
    this.steps++;
    this.parents = Int32Array.from({ length: rows }, (_, i) => i);
    return out.logits;
  }

  stepTopK(tokens: Int32Array, k: number, ban: { eos: number; banned: boolean }): tf.Tensor2D {
    const logits = this.step(tokens);
    try {
      return this.t5.topk(logits, k, ban);
    } finally {
      logits.dispose();
    }
  }

  stepAt(tokens: Int32Array, outputIds: Int32Array): tf.Tensor2D {
    const logits = this.step(tokens);
    try {
      return tf.tidy(() => tf.gather(logits, tf.tensor1d(outputIds, 'int32'), 1));
    } finally {
      logits.dispose();
    }
  }

  reorder(rows: Int32Array): void {
    this.live();
    const n = this.rows;
    for (const r of rows) if (!(r >= 0 && r < n)) throw new RangeError(`reorder row ${r} is outside [0, ${n})`);
    this.parents = Int32Array.from(rows, (r) => this.parents[r]!);
    this.example = Int32Array.from(rows, (r) => this.example[r]!);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.cache) t?.dispose();
    tf.dispose([...this.cross, this.crossMask, ...(this.prior ? [this.prior] : []), ...(this.endOfId ? [this.endOfId] : [])]);
  }
}

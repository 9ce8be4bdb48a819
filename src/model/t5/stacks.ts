// The T5 encoder and decoder stacks (pre-norm residual blocks), the cached single-step decoder and the
// output head. Each stack builds its position bias + mask once and hands it to every layer, as T5
// does. Weights arrive as typed views of the ParamMap; nothing here owns or creates weights.
import * as tf from '@tensorflow/tfjs-core';
import type { T5Config } from '../types.ts';
import { getParam, layerParam, PARAM, type ParamMap, type StackName } from '../params.ts';
import { attend, multiHeadAttention, splitHeads, splitHeadsTransposed, type AttentionWeights } from './attention.ts';
import { feedForward, type FeedForwardWeights } from './feed-forward.ts';
import { linear, maybeDropout, rmsNorm, tableRows } from './layers.ts';
import { causalMaskBias, paddingMaskBias, positionBias } from './position-bias.ts';

export interface LayerWeights {
  selfAttn: AttentionWeights;
  selfNorm: tf.Tensor1D;
  crossAttn: AttentionWeights | null; // decoder only
  crossNorm: tf.Tensor1D | null;
  ffn: FeedForwardWeights;
  ffnNorm: tf.Tensor1D;
}

export interface StackWeights {
  layers: LayerWeights[];
  positionTable: tf.Tensor2D; // [numBuckets, H], owned by layer 0
  finalNorm: tf.Tensor1D;
}

export interface T5Weights {
  shared: tf.Tensor2D; // [V, d]
  wholeWord: tf.Tensor2D | null; // [W, d]
  lmHead: tf.Tensor2D | null; // [d, V] when untied
  encoder: StackWeights;
  decoder: StackWeights;
}

function attentionWeights(params: ParamMap, stack: StackName, layer: number, kind: 'self_attn' | 'cross_attn'): AttentionWeights {
  const get = (p: string) => getParam(params, layerParam(stack, layer, `${kind}/${p}`)) as tf.Tensor2D;
  return { q: get('q'), k: get('k'), v: get('v'), o: get('o') };
}

function stackWeights(params: ParamMap, c: T5Config, stack: StackName): StackWeights {
  const count = stack === 'encoder' ? c.numEncoderLayers : c.numDecoderLayers;
  const layers: LayerWeights[] = [];
  for (let i = 0; i < count; i++) {
    const p = (part: string) => getParam(params, layerParam(stack, i, part));
    const ffn: FeedForwardWeights =
      c.feedForward === 'relu'
        ? { kind: 'relu', wi: p('ffn/wi') as tf.Tensor2D, wo: p('ffn/wo') as tf.Tensor2D }
        : { kind: 'gated-gelu', wi0: p('ffn/wi_0') as tf.Tensor2D, wi1: p('ffn/wi_1') as tf.Tensor2D, wo: p('ffn/wo') as tf.Tensor2D };
    layers.push({
      selfAttn: attentionWeights(params, stack, i, 'self_attn'),
      selfNorm: p('self_attn_norm') as tf.Tensor1D,
      crossAttn: stack === 'decoder' ? attentionWeights(params, stack, i, 'cross_attn') : null,
      crossNorm: stack === 'decoder' ? (p('cross_attn_norm') as tf.Tensor1D) : null,
      ffn,
      ffnNorm: p('ffn_norm') as tf.Tensor1D,
    });
  }
  return {
    layers,
    positionTable: getParam(params, layerParam(stack, 0, 'self_attn/relative_attention_bias')) as tf.Tensor2D,
    finalNorm: getParam(params, stack === 'encoder' ? PARAM.encoderFinalNorm : PARAM.decoderFinalNorm) as tf.Tensor1D,
  };
}

/** Typed views of the T5 weights (the Variables themselves; training updates stay visible). */
export function t5Weights(params: ParamMap, c: T5Config): T5Weights {
  return {
    shared: getParam(params, PARAM.sharedEmbedding) as tf.Tensor2D,
    wholeWord: c.wholeWordVocab > 0 ? (getParam(params, PARAM.wholeWordEmbedding) as tf.Tensor2D) : null,
    lmHead: c.tieWordEmbeddings ? null : (getParam(params, PARAM.lmHead) as tf.Tensor2D),
    encoder: stackWeights(params, c, 'encoder'),
    decoder: stackWeights(params, c, 'decoder'),
  };
}

function ffnBlock(x: tf.Tensor3D, layer: LayerWeights, c: T5Config, training: boolean): tf.Tensor3D {
  const h = rmsNorm(x, layer.ffnNorm, c.layerNormEpsilon);
  return tf.add(x, maybeDropout(feedForward(h, layer.ffn, c.dropoutRate, training), c.dropoutRate, training));
}

/** Encoder over input embeddings [B, L, d] (soft prompts included) with mask [B, L]; returns [B, L, d]. */
export function encoderStack(w: StackWeights, c: T5Config, embeds: tf.Tensor3D, mask: tf.Tensor2D, training: boolean, causal = false): tf.Tensor3D {
  return tf.tidy(() => {
    const length = embeds.shape[1];
    // Causal: the same bidirectional position buckets, with the future masked out.
    let bias = tf.add(positionBias(w.positionTable, length, length, true, c.relativeAttentionMaxDistance), paddingMaskBias(mask));
    if (causal) bias = tf.add(bias, causalMaskBias(length));
    let x = maybeDropout(embeds, c.dropoutRate, training);
    for (const layer of w.layers) {
      const h = rmsNorm(x, layer.selfNorm, c.layerNormEpsilon);
      x = tf.add(x, maybeDropout(multiHeadAttention(h, h, layer.selfAttn, c.numHeads, bias, c.dropoutRate, training), c.dropoutRate, training));
      x = ffnBlock(x, layer, c, training);
    }
    return maybeDropout(rmsNorm(x, w.finalNorm, c.layerNormEpsilon), c.dropoutRate, training);
  });
}

/** Teacher-forced decoder over embeddings [B, T, d]; returns the final hidden states [B, T, d]. */
export function decoderStack(w: StackWeights, c: T5Config, embeds: tf.Tensor3D, encoderHidden: tf.Tensor3D, encoderMask: tf.Tensor2D, training: boolean): tf.Tensor3D {
  return tf.tidy(() => {
    const length = embeds.shape[1];
    const selfBias = tf.add(positionBias(w.positionTable, length, length, false, c.relativeAttentionMaxDistance), causalMaskBias(length));
    const crossBias = paddingMaskBias(encoderMask);
    let x = maybeDropout(embeds, c.dropoutRate, training);
    for (const layer of w.layers) {
      let h = rmsNorm(x, layer.selfNorm, c.layerNormEpsilon);
      x = tf.add(x, maybeDropout(multiHeadAttention(h, h, layer.selfAttn, c.numHeads, selfBias, c.dropoutRate, training), c.dropoutRate, training));
      h = rmsNorm(x, layer.crossNorm!, c.layerNormEpsilon);
      x = tf.add(x, maybeDropout(multiHeadAttention(h, encoderHidden, layer.crossAttn!, c.numHeads, crossBias, c.dropoutRate, training), c.dropoutRate, training));
      x = ffnBlock(x, layer, c, training);
    }
    return maybeDropout(rmsNorm(x, w.finalNorm, c.layerNormEpsilon), c.dropoutRate, training);
  });
}

/** Cross-attention keys (transposed, [B, H, dk, S]) and values ([B, H, S, dk]) of every decoder layer. */
export function crossAttentionMemory(w: StackWeights, c: T5Config, encoderHidden: tf.Tensor3D): { keysT: tf.Tensor4D[]; values: tf.Tensor4D[] } {
  return tf.tidy(() => ({
    keysT: w.layers.map((l) => splitHeadsTransposed(linear(encoderHidden, l.crossAttn!.k), c.numHeads)),
    values: w.layers.map((l) => splitHeads(linear(encoderHidden, l.crossAttn!.v), c.numHeads)),
  }));
}

export interface DecoderStepState {
  /**
   * Per layer: self-attention keys so far [B, H, t, dk] and values [B, H, t, dk]; null before step 0.
   * Keys are cached untransposed although cross-attention keeps them transposed: appending a position
   * then concatenates along axis 2, one contiguous block per (row, head). Along the last axis tfjs
   * 4.22's wasm Concat copies one short run per (row, head, feature): measured 1.0 ms vs 0.03 ms for
   * T5-small's 20 x 8 x 64 x 8 keys, about a fifth of the whole step.
   */
  selfKeys: (tf.Tensor4D | null)[];
  selfValues: (tf.Tensor4D | null)[];
  crossKeysT: tf.Tensor4D[];
  crossValues: tf.Tensor4D[];
  /** Encoder padding mask as an additive bias [B, 1, 1, S]. */
  crossBias: tf.Tensor4D;
  /** When set, every row attends to this one encoder output (crossKeysT etc. are then not read). */
  foldedCross?: FoldedCrossMemory | null;
}

/**
 * Cross-attention memory of ONE encoder output with the query and output projections folded in, for
 * the many rows (beams) that attend to it. Per layer and head h, with keys K_h [S, dk], values
 * V_h [S, dk] and the projections' head blocks Wq_h [d, dk], Wo_h [dk, d]:
 *   scoreKernel [d, H*S], columns h*S..h*S+S-1 = Wq_h K_h^T   (so x Wq_h K_h^T = scores of head h)
 *   valueKernel [H*S, d], rows h*S..h*S+S-1    = V_h Wo_h     (so probs_h V_h Wo_h = head h's output)
 * A row's cross-attention is then two plain matmuls, x @ scoreKernel and probs @ valueKernel, instead
 * of the q and o projections plus two batched [B*H] matmuls: 4 d H S instead of 4 d H dk + 4 S H dk
 * FLOPs per row (T5 scores are not scaled, so nothing else changes). Worth it while S < ~dk
 * (shouldFoldCrossMemory) and for several rows (building it costs about S rows' q/o projections).
 */
export interface FoldedCrossMemory {
  scoreKernels: tf.Tensor2D[];
  valueKernels: tf.Tensor2D[];
  /** The encoder mask bias repeated per head, [1, H*S]. */
  bias: tf.Tensor2D;
  srcLen: number;
}

/** Whether folding (FoldedCrossMemory) makes a step's cross-attention cheaper at this source length. */
export function shouldFoldCrossMemory(c: T5Config, srcLen: number): boolean {
  const inner = c.numHeads * c.dKv;
  return c.numHeads * srcLen * c.dModel < inner * (c.dModel + srcLen);
}

/** Per decoder layer and head: the cross-attention query projection's head block, transposed
 * (Wq_h^T [dk, d]), and the output projection's (Wo_h [dk, d]). Kept by the model (see
 * PeapodModel.crossHeads): on wasm a matmul whose right operand persists reuses its packed form,
 * while a freshly sliced one is repacked on every call (0.14 vs 0.34 ms at T5-small's [22,64]x[64,512]).
 */
export interface CrossHeadWeights {
  queryT: tf.Tensor2D[][];
  output: tf.Tensor2D[][];
}

/** Slices every decoder layer's cross-attention q and o into CrossHeadWeights (new tensors). */
export function crossHeadWeights(w: StackWeights, c: T5Config): CrossHeadWeights {
  return tf.tidy(() => {
    const queryT = w.layers.map((l) => Array.from({ length: c.numHeads }, (_, h) => tf.transpose(tf.slice(l.crossAttn!.q, [0, h * c.dKv], [c.dModel, c.dKv])) as tf.Tensor2D));
    const output = w.layers.map((l) => Array.from({ length: c.numHeads }, (_, h) => tf.slice(l.crossAttn!.o, [h * c.dKv, 0], [c.dKv, c.dModel]) as tf.Tensor2D));
    return { queryT, output };
  });
}

/**
 * Folds one encoder output's cross-attention keys [1, H, dk, S] / values [1, H, S, dk] (per layer) and
 * mask bias [1, 1, 1, S] into FoldedCrossMemory. Per head one [S, dk] x [dk, d] matmul each for keys
 * and values (a single block-diagonal matmul would do H times the arithmetic; batched matmuls take a
 * slow path on wasm).
 */
export function foldCrossMemory(heads: CrossHeadWeights, keysT: readonly tf.Tensor4D[], values: readonly tf.Tensor4D[], crossBias: tf.Tensor4D): FoldedCrossMemory {
  const [examples, numHeads, dk, srcLen] = keysT[0]!.shape;
  if (examples !== 1) throw new Error(`foldCrossMemory folds one encoder output, got ${examples}`);
  return tidyFolded(() => {
    const scoreKernels: tf.Tensor2D[] = [];
    const valueKernels: tf.Tensor2D[] = [];
    keysT.forEach((kT, i) => {
      // Keys as [H*S, dk] rows (head-major) and values likewise: row slices per head are contiguous.
      const keys = tf.reshape(tf.transpose(tf.reshape(kT, [numHeads, dk, srcLen]), [0, 2, 1]), [numHeads * srcLen, dk]) as tf.Tensor2D;
      const vals = tf.reshape(values[i]!, [numHeads * srcLen, dk]) as tf.Tensor2D;
      const scoreRows: tf.Tensor2D[] = [];
      const valueRows: tf.Tensor2D[] = [];
      for (let h = 0; h < numHeads; h++) {
        scoreRows.push(tf.matMul(tf.slice(keys, [h * srcLen, 0], [srcLen, dk]) as tf.Tensor2D, heads.queryT[i]![h]!));
        valueRows.push(tf.matMul(tf.slice(vals, [h * srcLen, 0], [srcLen, dk]) as tf.Tensor2D, heads.output[i]![h]!));
      }
      scoreKernels.push(tf.transpose(tf.concat(scoreRows, 0)) as tf.Tensor2D);
      valueKernels.push(tf.concat(valueRows, 0) as tf.Tensor2D);
    });
    const bias = tf.tile(tf.reshape(crossBias, [1, srcLen]), [1, numHeads]) as tf.Tensor2D;
    return { scoreKernels, valueKernels, bias, srcLen };
  });
}

function tidyFolded(fn: () => FoldedCrossMemory): FoldedCrossMemory {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as FoldedCrossMemory;
}

/**
 * One decoding step at position `step` for the token embeddings [B, d] (or [B, 1, d]). Returns the
 * final hidden state [B, d] and each layer's self-attention keys/values extended by this position
 * (new tensors; the caller decides what to dispose).
 */
export function decoderStep(w: StackWeights, c: T5Config, embeds: tf.Tensor2D | tf.Tensor3D, step: number, state: DecoderStepState): { hidden: tf.Tensor2D; selfKeys: tf.Tensor4D[]; selfValues: tf.Tensor4D[] } {
  return tf.tidy(() => {
    const b = embeds.shape[0];
    const inner = c.numHeads * c.dKv;
    // With a single position the activations stay 2-D [B, d] (every projection one plain matmul, no
    // reshapes around it), and [B, H*dk] has the memory order of [B, H, 1, dk]: heads split and merge
    // by reshape alone (splitHeads/mergeHeads would add a Transpose kernel each).
    const heads = (t: tf.Tensor) => tf.reshape(t, [b, c.numHeads, 1, c.dKv]) as tf.Tensor4D;
    const merged = (t: tf.Tensor) => tf.reshape(t, [b, inner]) as tf.Tensor2D;
    const eps = tf.scalar(c.layerNormEpsilon);
    // Query at `step` against keys 0..step: the last row of the causal bias, so no mask is needed.
    const selfBias = positionBias(w.positionTable, 1, step + 1, false, c.relativeAttentionMaxDistance, step);
    const newKeys: tf.Tensor4D[] = [];
    const newValues: tf.Tensor4D[] = [];
    let x = (embeds.rank === 2 ? embeds : tf.reshape(embeds, [b, c.dModel])) as tf.Tensor2D;
    w.layers.forEach((layer, i) => {
      let h = rmsNorm(x, layer.selfNorm, eps);
      const q = heads(tf.matMul(h, layer.selfAttn.q));
      const kStep = heads(tf.matMul(h, layer.selfAttn.k));
      const vStep = heads(tf.matMul(h, layer.selfAttn.v));
      const pastK = state.selfKeys[i];
      const pastV = state.selfValues[i];
      const k = (pastK ? tf.concat([pastK, kStep], 2) : kStep) as tf.Tensor4D;
      const v = (pastV ? tf.concat([pastV, vStep], 2) : vStep) as tf.Tensor4D;
      newKeys.push(k);
      newValues.push(v);
      // Scores as keys x query: [B, H, t+1, dk] x [B, H, dk, 1] (the query [B, H*dk] read as [B, H, dk, 1]
      // has the same memory order) gives [B, H, t+1, 1], which read as [B, H, 1, t+1] is q kT. No
      // transpose of the growing keys, and no transposeB (a path 10-15x slower on wasm unless
      // registerWasmMatmulFix ran; the app's worker does not register it).
      const scores = tf.reshape(tf.matMul(k, tf.reshape(q, [b, c.numHeads, c.dKv, 1])), [b, c.numHeads, 1, step + 1]);
      const context = tf.matMul(tf.softmax(tf.add(scores, selfBias)), v);
      x = tf.add(x, tf.matMul(merged(context), layer.selfAttn.o));
      h = rmsNorm(x, layer.crossNorm!, eps);
      const folded = state.foldedCross;
      if (folded) {
        const s = folded.srcLen;
        const crossScores = tf.reshape(tf.add(tf.matMul(h, folded.scoreKernels[i]!), folded.bias), [b, c.numHeads, s]);
        x = tf.add(x, tf.matMul(tf.reshape(tf.softmax(crossScores), [b, c.numHeads * s]) as tf.Tensor2D, folded.valueKernels[i]!));
      } else {
        const cq = heads(tf.matMul(h, layer.crossAttn!.q));
        x = tf.add(x, tf.matMul(merged(attend(cq, state.crossKeysT[i]!, state.crossValues[i]!, state.crossBias, 0, false)), layer.crossAttn!.o));
      }
      x = tf.add(x, feedForward(rmsNorm(x, layer.ffnNorm, eps), layer.ffn, 0, false));
    });
    return { hidden: rmsNorm(x, w.finalNorm, eps), selfKeys: newKeys, selfValues: newValues };
  });
}

/**
 * Vocabulary logits from decoder hidden states [..., d]. Tied head: T5 rescales the hidden state by
 * d^-0.5 before multiplying with the shared embedding. `outputKernel` [d, V] may be passed to use a
 * pre-transposed embedding (inference only: it is outside the gradient tape).
 */
export function outputLogits(hidden: tf.Tensor, w: T5Weights, c: T5Config, outputKernel?: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const lead = hidden.shape.slice(0, -1);
    const flat = (hidden.rank === 2 ? hidden : tf.reshape(hidden, [-1, c.dModel])) as tf.Tensor2D;
    let logits: tf.Tensor2D;
    if (w.lmHead) {
      logits = tf.matMul(flat, w.lmHead);
    } else {
      const scaled = tf.mul(flat, c.dModel ** -0.5);
      logits = outputKernel ? tf.matMul(scaled, outputKernel) : tf.matMul(scaled, w.shared, false, true);
    }
    return hidden.rank === 2 ? logits : tf.reshape(logits, [...lead, c.vocabSize]);
  });
}

/**
 * Logits of the tokens `ids` only, [..., N] for hidden states [..., d]: column j equals
 * outputLogits(...)[..., ids[j]] (the same dot products, over gathered head columns). For decoding
 * steps that need only a few tokens' logits. Inference only, like `outputKernel`.
 */
export function outputLogitsAt(hidden: tf.Tensor, w: T5Weights, c: T5Config, ids: Int32Array): tf.Tensor {
  return tf.tidy(() => {
    const lead = hidden.shape.slice(0, -1);
    const flat = (hidden.rank === 2 ? hidden : tf.reshape(hidden, [-1, c.dModel])) as tf.Tensor2D;
    let logits: tf.Tensor2D;
    if (w.lmHead) {
      logits = tf.matMul(flat, tf.gather(w.lmHead, tf.tensor1d(ids, 'int32'), 1) as tf.Tensor2D);
    } else {
      // Embedding rows, transposed explicitly (matMul's transposeB is the slow path on wasm).
      const columns = tf.transpose(tableRows(w.shared, ids, 'output token'));
      logits = tf.matMul(tf.mul(flat, c.dModel ** -0.5) as tf.Tensor2D, columns);
    }
    return hidden.rank === 2 ? logits : tf.reshape(logits, [...lead, ids.length]);
  });
}

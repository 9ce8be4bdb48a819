// PeapodModel: the T5 encoder-decoder with PeaPOD's soft prompts in front of the encoder input
// ([task prompt (l) ; collaborative prompt (l) ; token + whole-word embeddings]), cached decoding for
// generation, teacher-forced decoding and the masked seq2seq loss for training. It owns no weights
// (the ParamMap belongs to the caller) and never reads tensor data back (no syncs).
import * as tf from '@tensorflow/tfjs-core';
import { cfPriorLogits, composeCollaborativePrompt, taskPrompt } from './composer.ts';
import { checkParams, getParam, PARAM, type ParamMap } from './params.ts';
import { ModelInputError, validatePeapodConfig } from './t5/config.ts';
import { gatherRows, tableRows, tidyObject } from './t5/layers.ts';
import { paddingMaskBias } from './t5/position-bias.ts';
import { crossAttentionMemory, crossHeadWeights, decoderStack, decoderStep, encoderStack, foldCrossMemory, outputLogits, outputLogitsAt, shouldFoldCrossMemory, t5Weights, type CrossHeadWeights, type FoldedCrossMemory, type T5Weights } from './t5/stacks.ts';
import type { PeapodConfig, TaskName } from './types.ts';
import { FusedT5, fusedSupports } from './webgpu/fused-t5.ts';
import type { DecoderSession } from './generate/types.ts';
import { atomicItemRows, repeatFeatures, transitionFeatures, transitionTableFromHistories, type ItemTokenSource, type TransitionTable } from './transitions.ts';

export { ModelConfigError, ModelInputError } from './t5/config.ts';

export interface EncoderBatch {
  tokenIds: tf.Tensor2D; // int32 [B, L]
  wholeWordIds: tf.Tensor2D; // int32 [B, L]; 0 = not part of an id span
  attentionMask: tf.Tensor2D; // float32 [B, L], 1 = token, 0 = padding
  /** The task of every row; the encoder is causal when config.causalTasks lists it. */
  task?: TaskName;
}

export interface CollaborativeInput {
  userEmb: tf.Tensor2D; // [B, cfDim]
  neighbourEmb: tf.Tensor3D; // [B, n, cfDim]
  neighbourMask?: tf.Tensor2D; // [B, n], 1 keep, 0 masked
}

export interface PromptOutput {
  /** [B, P, d] with P = l (task) + l (collaborative), or fewer when a part is switched off. */
  prompt: tf.Tensor3D;
  /** Composer attention per head over the neighbours [B, H, n]; null without a collaborative prompt. */
  attention: tf.Tensor3D | null;
  /** Collaborative output prior [B, vocab] for the first decoded token (config.composer.cfPrior, recommendation tasks); else null. Pass it to encode. */
  prior: tf.Tensor2D | null;
}

export interface EncoderOutput {
  hidden: tf.Tensor3D; // [B, P + L, d]
  mask: tf.Tensor2D; // [B, P + L], soft prompt positions included
  /** Logit prior [B, vocab] added to the first decoded position (see ComposerConfig.cfPrior). */
  prior?: tf.Tensor2D | null;
}

/** Frees every tensor of an encoder output. */
export function disposeEncoderOutput(enc: EncoderOutput): void {
  enc.hidden.dispose();
  enc.mask.dispose();
  enc.prior?.dispose();
}

/**
 * State of an incremental decode. Ownership: decodeStep and reorderCache consume the cache they are
 * given (its tensors are disposed or moved into the returned cache); keep only the returned one and
 * free the last with disposeCache. Do not create it inside a tf.tidy that ends before decoding does.
 */
export interface DecoderCache {
  /** Number of tokens already fed (the next token is at this position). */
  readonly step: number;
  readonly batchSize: number;
  /** Per decoder layer: self-attention keys [B, H, step, dk] and values [B, H, step, dk]; null at step 0. */
  readonly selfKeys: readonly (tf.Tensor4D | null)[];
  readonly selfValues: readonly (tf.Tensor4D | null)[];
  /** Per decoder layer: cross-attention keys [B, H, dk, S] and values [B, H, S, dk], computed once. */
  readonly crossKeysT: readonly tf.Tensor4D[];
  readonly crossValues: readonly tf.Tensor4D[];
  /** Encoder mask as an additive bias [B, 1, 1, S]. */
  readonly crossBias: tf.Tensor4D;
  /** Logit prior [B, vocab] for step 0 only; dropped (null) once used. */
  readonly prior?: tf.Tensor2D | null;
  /** Recommendation with output priors (atomic ids): step 1 gets END_OF_ID_LOGIT on </s>. */
  readonly endAfterId?: boolean;
  /**
   * Set by expandSingle: every row continues the same single input, whose cross-attention is folded
   * here; crossKeysT/crossValues/crossBias then keep that input's one row and are not gathered.
   */
  readonly foldedCross?: FoldedCrossMemory | null;
}

/** expandSingle folds the cross-attention memory from this many rows on (building it costs ~S rows' work). */
export const FOLD_CROSS_MIN_ROWS = 4;

/**
 * With the output priors an atomic id is one token, so the answer's grammar is "item, </s>": the
 * second position gets this logit on </s>. (Otherwise the T5 must learn to end, and at this budget
 * it learned that only after the steps that also degraded its ranking; unconstrained decoding then
 * produced no valid id.) Constrained decoding forces </s> there anyway.
 */
export const END_OF_ID_LOGIT = 30;

/** Labels with this value (HF convention) or equal to the pad id are left out of the loss. */
export const IGNORE_LABEL = -100;

function expectShape(name: string, t: tf.Tensor, shape: (number | null)[], dtype: tf.DataType, what: string): void {
  const ok = t.rank === shape.length && shape.every((s, i) => s === null || t.shape[i] === s);
  if (!ok) {
    throw new ModelInputError(`${name} has shape [${t.shape.join(', ')}] but must be [${shape.map((s) => (s === null ? '*' : s)).join(', ')}] (${what}).`);
  }
  if (t.dtype !== dtype) throw new ModelInputError(`${name} is ${t.dtype} but must be ${dtype} (${what}).`);
}

/** Full user histories in CSR form: user u's items are historyItems[historyOffsets[u] .. historyOffsets[u + 1]]. */
export interface HistoriesCsr {
  historyOffsets: ArrayLike<number>;
  historyItems: ArrayLike<number>;
}

/** Everything PeapodModel.fromPack needs: a loaded pack's parts, or those of a model about to be trained. */
export interface PeapodParts {
  config: PeapodConfig;
  /** One tf.Variable per weight name. The model reads them but does not own them: the caller disposes them. */
  params: ParamMap;
  /** The item -> token mapping the sequential prior scores items through. */
  tokenizer: ItemTokenSource;
  /** Highest item id (items are 1..numItems). */
  numItems: number;
  /**
   * Where the sequential prior's transition counts come from; read only when config.composer.seqPrior
   * is on (and then required). Either a table counted already, or full histories that are counted
   * here on each user's training part (every item but the last two).
   */
  transitions?: TransitionTable | HistoriesCsr | null;
}

export class PeapodModel {
  /**
   * The one way to assemble a model for use: checks config and weights (as the constructor does),
   * then installs what the config's output priors need (the transition table of the sequential
   * prior). `onStage` hears 'model' once the model is built and 'tables' once its tables are in.
   */
  static fromPack(parts: PeapodParts, onStage: (stage: 'model' | 'tables') => void = () => {}): PeapodModel {
    const { config, params, tokenizer, numItems, transitions } = parts;
    if (config.composer.seqPrior && !transitions) {
      throw new ModelInputError('This config uses the sequential transition prior (composer.seqPrior) but fromPack got no transitions: pass the transition table or the histories to count it from.');
    }
    const model = new PeapodModel(config, params);
    onStage('model');
    if (config.composer.seqPrior) {
      const t = transitions!;
      const table = 'targets' in t ? t : transitionTableFromHistories(t.historyOffsets, t.historyItems, numItems);
      model.setTransitions(table, atomicItemRows(tokenizer, numItems));
    }
    onStage('tables');
    return model;
  }

  readonly config: PeapodConfig;
  readonly params: ParamMap;
  private readonly weights: T5Weights;
  /** Transition counts + item token rows for the sequential prior (config.composer.seqPrior). */
  private transitions: { table: TransitionTable; itemRow: Int32Array } | null = null;
  /** Transposed shared embedding [d, V] for tied-head decoding, rebuilt when training reassigns it. */
  private outputKernel: { source: object; kernel: tf.Tensor2D } | null = null;
  /** Cross-attention q/o head slices for folding (expandSingle), with the weights' dataIds they came from. */
  private crossHeadCache: { sources: object[]; heads: CrossHeadWeights } | null = null;
  /** The fused WebGPU kernels over these weights, with the head tensor they were built for. */
  private fusedCache: { sources: object[]; t5: FusedT5 } | null = null;

  constructor(config: PeapodConfig, params: ParamMap) {
    validatePeapodConfig(config);
    checkParams(config, params);
    this.config = config;
    this.params = params;
    this.weights = t5Weights(params, config.t5);
  }

  /**
   * Soft prompt for `task`: [task prompt ; collaborative prompt]. The collaborative part is left out
   * when `collab` is null (individual-only view) or the config switches it off; the task part when
   * config.composer.taskPrompts is false.
   */
  /** The transition table the sequential prior reads (loaders build it from the pack's training sequences). */
  setTransitions(table: TransitionTable, itemRow: Int32Array): void {
    this.transitions = { table, itemRow };
  }

  /**
   * `histories`: each row's input history (the sequential prior reads it). `exclude` (training
   * only): each row's own training sequence, whose transitions are taken out of the counts.
   * `options.priors` false: no output prior at all (prior = null: the T5's own logits, as if the
   * pack had neither cfPrior nor seqPrior); default true.
   */
  composePrompt(task: TaskName, collab: CollaborativeInput | null, batchSize: number, histories?: ArrayLike<ArrayLike<number>>, exclude?: ArrayLike<ArrayLike<number>>, options: { priors?: boolean } = {}): PromptOutput {
    const m = this.config.composer;
    const d = this.config.t5.dModel;
    const withPriors = options.priors ?? true;
    const seq = withPriors ? this.seqPriorFeatures(task, batchSize, histories, exclude) : null;
    if (collab && collab.userEmb.shape[0] !== batchSize) {
      throw new ModelInputError(`collab.userEmb has batch ${collab.userEmb.shape[0]} but batchSize is ${batchSize}.`);
    }
    return tidyObject(() => {
      const parts: tf.Tensor3D[] = [];
      if (m.taskPrompts) parts.push(taskPrompt(this.params, task, batchSize));
      let attention: tf.Tensor3D | null = null;
      if (m.collaborative && collab) {
        const c = composeCollaborativePrompt(this.params, m, d, collab.userEmb, collab.neighbourEmb, collab.neighbourMask);
        parts.push(c.prompt);
        attention = c.attention;
      }
      const prompt = parts.length === 0 ? tf.zeros([batchSize, 0, d]) : parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
      let prior: tf.Tensor2D | null = withPriors && m.cfPrior && collab && task !== 'explanation' ? cfPriorLogits(this.params, collab.userEmb, attention ? collab.neighbourEmb : null, attention) : null;
      if (seq) {
        const t = this.seqPriorLogits(seq, batchSize);
        prior = prior ? (tf.add(prior, t) as tf.Tensor2D) : t;
      }
      return { prompt: prompt as tf.Tensor3D, attention, prior };
    });
  }

  /**
   * composePrompt's prior split into its two parts, in logit space: `cf` (the user's CF embedding
   * plus the attended neighbours, dot the item factors; config.composer.cfPrior) and `seq` (history
   * transitions + repeat penalty; config.composer.seqPrior, sequential task only), each [B, vocab],
   * or [B, N] at the token ids `columns` (the same for every row). null where that prior does not
   * apply (not in the config, this task, or no collaborative input). For the same inputs cf + seq is
   * composePrompt's prior. The caller disposes the tensors.
   */
  priorParts(task: TaskName, collab: CollaborativeInput | null, batchSize: number, histories?: ArrayLike<ArrayLike<number>>, columns?: Int32Array): { cf: tf.Tensor2D | null; seq: tf.Tensor2D | null } {
    const m = this.config.composer;
    const seq = this.seqPriorFeatures(task, batchSize, histories);
    if (collab && collab.userEmb.shape[0] !== batchSize) {
      throw new ModelInputError(`collab.userEmb has batch ${collab.userEmb.shape[0]} but batchSize is ${batchSize}.`);
    }
    return tidyObject(() => {
      const at = (t: tf.Tensor2D): tf.Tensor2D => (columns ? (tf.gather(t, tf.tensor1d(columns, 'int32'), 1) as tf.Tensor2D) : t);
      let cf: tf.Tensor2D | null = null;
      if (m.cfPrior && collab && task !== 'explanation') {
        const attention = m.collaborative ? composeCollaborativePrompt(this.params, m, this.config.t5.dModel, collab.userEmb, collab.neighbourEmb, collab.neighbourMask).attention : null;
        cf = at(cfPriorLogits(this.params, collab.userEmb, attention ? collab.neighbourEmb : null, attention));
      }
      return { cf, seq: seq ? at(this.seqPriorLogits(seq, batchSize)) : null };
    });
  }

  /** Host-side features of the sequential prior ([B * vocab] each), or null where it does not apply. */
  private seqPriorFeatures(task: TaskName, batchSize: number, histories?: ArrayLike<ArrayLike<number>>, exclude?: ArrayLike<ArrayLike<number>>): { transitions: Float32Array; repeats: Float32Array } | null {
    if (!this.config.composer.seqPrior || task !== 'sequential') return null;
    if (!this.transitions) throw new ModelInputError('This model uses the sequential transition prior (composer.seqPrior) but has no transition table: call setTransitions (the pack loaders do).');
    if (!histories || histories.length !== batchSize) throw new ModelInputError(`The sequential prior needs one history per row: got ${histories ? histories.length : 'none'} for batch ${batchSize}.`);
    const V = this.config.t5.vocabSize;
    const transitions = new Float32Array(batchSize * V);
    const repeats = new Float32Array(batchSize * V);
    for (let b = 0; b < batchSize; b++) {
      transitionFeatures(this.transitions.table, histories[b]!, this.transitions.itemRow, transitions, b * V, undefined, undefined, exclude?.[b]);
      repeatFeatures(histories[b]!, this.transitions.itemRow, repeats, b * V);
    }
    return { transitions, repeats };
  }

  /** The sequential prior's logits [B, vocab] from its features (call inside a tidy). */
  private seqPriorLogits(f: { transitions: Float32Array; repeats: Float32Array }, batchSize: number): tf.Tensor2D {
    const shape: [number, number] = [batchSize, this.config.t5.vocabSize];
    return tf.add(
      tf.mul(tf.tensor2d(f.transitions, shape), tf.exp(getParam(this.params, PARAM.seqPriorScale))),
      tf.mul(tf.tensor2d(f.repeats, shape), getParam(this.params, PARAM.seqPriorRepeat)),
    ) as tf.Tensor2D;
  }

  /**
   * Encoder over [prompt ; token embeddings + whole-word embeddings]; the mask grows by the prompt
   * length. `prior` (from composePrompt) is copied into the output; the caller keeps its own.
   */
  encode(batch: EncoderBatch, prompt: tf.Tensor3D | null, training = false, prior: tf.Tensor2D | null = null): EncoderOutput {
    const c = this.config.t5;
    expectShape('batch.tokenIds', batch.tokenIds, [null, null], 'int32', 'token ids, batch x length');
    const [b, l] = batch.tokenIds.shape;
    expectShape('batch.wholeWordIds', batch.wholeWordIds, [b, l], 'int32', 'whole-word ids aligned with tokenIds');
    expectShape('batch.attentionMask', batch.attentionMask, [b, l], 'float32', '1 for tokens, 0 for padding');
    if (prompt) expectShape('prompt', prompt, [b, null, c.dModel], 'float32', 'soft prompt from composePrompt');
    if (prior) expectShape('prior', prior, [b, c.vocabSize], 'float32', 'logit prior from composePrompt');
    return tidyObject((): EncoderOutput => {
      let embeds = tf.gather<tf.Tensor>(this.weights.shared, batch.tokenIds) as tf.Tensor3D;
      if (this.weights.wholeWord) embeds = tf.add(embeds, tf.gather(this.weights.wholeWord, batch.wholeWordIds));
      let mask = batch.attentionMask;
      if (prompt && prompt.shape[1] > 0) {
        embeds = tf.concat([prompt, embeds], 1);
        mask = tf.concat([tf.ones([b, prompt.shape[1]]), mask], 1);
      }
      const causal = batch.task !== undefined && (this.config.causalTasks ?? []).includes(batch.task);
      const fused = training ? null : this.fused();
      const hidden = fused && embeds.shape[1] <= fused.maxMemory ? fused.encoder(embeds, mask, causal) : encoderStack(this.weights.encoder, c, embeds, mask, training, causal);
      // A fresh mask tensor even without a prompt, so the caller can always dispose both outputs.
      return { hidden, mask: mask === batch.attentionMask ? tf.clone(mask) : mask, prior: prior ? tf.clone(prior) : null };
    });
  }

  /**
   * The fused WebGPU kernels (webgpu/fused-t5.ts) over this model's weights, when they run here: the
   * active backend is webgpu, their switch is on and the config fits them. Otherwise null, and the
   * unfused ops of t5/stacks.ts run (the reference the fused kernels are checked against).
   */
  fused(): FusedT5 | null {
    const c = this.config.t5;
    if (!FusedT5.active() || !fusedSupports(c)) return null;
    const head = this.weights.lmHead ?? this.tiedOutputKernel();
    if (!head) return null;
    // The fused kernels keep tables derived from the weights (the position biases by distance): rebuilt
    // when training swaps a tensor they come from.
    const sources = [head, this.weights.encoder.positionTable, this.weights.decoder.positionTable].map((t) => t.dataId);
    if (!this.fusedCache || this.fusedCache.sources.some((d, i) => d !== sources[i])) {
      this.fusedCache?.t5.dispose();
      this.fusedCache = { sources, t5: new FusedT5(this.weights, c, head, this.weights.lmHead ? 1 : c.dModel ** -0.5) };
    }
    return this.fusedCache.t5;
  }

  /**
   * A cached decoding session on the fused kernels for `enc` (which stays the caller's), or null where
   * they do not run (see fused()) or the input is longer than they hold. Same results as the session
   * over startDecoding / decodeStep, up to float rounding.
   */
  fusedSession(enc: EncoderOutput): (DecoderSession & Pick<import('./webgpu/fused-t5.ts').FusedDecoderSession, 'stepTopK'>) | null {
    const f = this.fused();
    if (!f || enc.hidden.shape[1] > f.maxMemory) return null;
    const endOfId = enc.prior ? this.endOfIdRow() : null;
    try {
      return f.session({ hidden: enc.hidden, mask: enc.mask, prior: enc.prior ?? null, endOfId });
    } finally {
      endOfId?.dispose();
    }
  }

  /** Computes every decoder layer's cross-attention keys/values once. `enc` stays owned by the caller. */
  startDecoding(enc: EncoderOutput): DecoderCache {
    const layers = this.config.t5.numDecoderLayers;
    return tidyObject((): DecoderCache => {
      const memory = crossAttentionMemory(this.weights.decoder, this.config.t5, enc.hidden);
      return {
        step: 0,
        batchSize: enc.hidden.shape[0],
        selfKeys: new Array<null>(layers).fill(null),
        selfValues: new Array<null>(layers).fill(null),
        crossKeysT: memory.keysT,
        crossValues: memory.values,
        crossBias: paddingMaskBias(enc.mask),
        prior: enc.prior ? tf.clone(enc.prior) : null,
        endAfterId: Boolean(enc.prior),
      };
    });
  }

  /**
   * Feeds one token per row; returns the next-token logits [B, V] and the grown cache (the input cache
   * is consumed). Tokens may come as an Int32Array (range-checked on the host, see tableRows). With
   * `outputIds` (token ids) only those tokens' logits are computed: [B, N], column
   * j = the full logits' column outputIds[j] (priors included), at the cost of N head columns, not V.
   */
  decodeStep(cache: DecoderCache, tokens: tf.Tensor1D | Int32Array, outputIds?: Int32Array): { logits: tf.Tensor2D; cache: DecoderCache } {
    const c = this.config.t5;
    if (tokens instanceof Int32Array) {
      if (tokens.length !== cache.batchSize) throw new ModelInputError(`tokens has ${tokens.length} ids but the cache holds ${cache.batchSize} rows (one token id per cache row).`);
    } else {
      expectShape('tokens', tokens, [cache.batchSize], 'int32', 'one token id per cache row');
    }
    const kernel = outputIds ? null : this.tiedOutputKernel();
    const out = tidyObject(() => {
      const embeds = (tokens instanceof Int32Array ? tableRows(this.weights.shared, tokens, 'decoder input token') : tf.gather(this.weights.shared, tokens)) as tf.Tensor2D;
      const r = decoderStep(this.weights.decoder, c, embeds, cache.step, {
        selfKeys: [...cache.selfKeys],
        selfValues: [...cache.selfValues],
        crossKeysT: [...cache.crossKeysT],
        crossValues: [...cache.crossValues],
        crossBias: cache.crossBias,
        foldedCross: cache.foldedCross ?? null,
      });
      const columns = <T extends tf.Tensor>(t: T): T => (outputIds ? tf.gather(t, tf.tensor1d(outputIds, 'int32'), 1) : t);
      let logits = (outputIds ? outputLogitsAt(r.hidden, this.weights, c, outputIds) : outputLogits(r.hidden, this.weights, c, kernel ?? undefined)) as tf.Tensor2D;
      if (cache.step === 0 && cache.prior) logits = tf.add(logits, columns(cache.prior));
      if (cache.step === 1 && cache.endAfterId) logits = tf.add(logits, columns(this.endOfIdRow()));
      return { logits, keys: r.selfKeys, values: r.selfValues };
    });
    for (const t of cache.selfKeys) t?.dispose();
    for (const t of cache.selfValues) t?.dispose();
    cache.prior?.dispose();
    return {
      logits: out.logits,
      cache: { ...cache, step: cache.step + 1, selfKeys: out.keys, selfValues: out.values, prior: null },
    };
  }

  /**
   * Gathers cache rows (beam search): row i of the result is row rows[i] of the input. Rows may repeat
   * (one input expanded to several beams), so the batch size may change. With `sameInputs` the caller
   * promises that every new row continues a row of the same input as the row at its position before
   * (beams reordered within their examples, batch size unchanged): then only the per-row state (self-
   * attention caches, prior) moves, not the cross-attention memory. Consumes the input cache.
   */
  reorderCache(cache: DecoderCache, rows: tf.Tensor1D | Int32Array, opts: { sameInputs?: boolean } = {}): DecoderCache {
    let ids: Int32Array;
    if (rows instanceof Int32Array) {
      ids = rows;
    } else {
      expectShape('rows', rows, [null], 'int32', 'cache row indices');
      ids = rows.dataSync() as Int32Array;
    }
    if (opts.sameInputs && ids.length !== cache.batchSize) throw new ModelInputError(`reorderCache with sameInputs keeps the batch size (${cache.batchSize}), got ${ids.length} rows.`);
    const g = <T extends tf.Tensor>(t: T): T => gatherRows(t, ids, 'cache');
    const rowState = {
      selfKeys: cache.selfKeys.map((t) => (t ? g(t) : null)),
      selfValues: cache.selfValues.map((t) => (t ? g(t) : null)),
      prior: cache.prior ? g(cache.prior) : null,
    };
    this.disposeRowState(cache);
    // Folded: every row continues the one input, whatever the order.
    if (cache.foldedCross || opts.sameInputs) return { ...cache, batchSize: ids.length, ...rowState };
    const next: DecoderCache = {
      step: cache.step,
      batchSize: ids.length,
      ...rowState,
      crossKeysT: cache.crossKeysT.map(g),
      crossValues: cache.crossValues.map(g),
      crossBias: g(cache.crossBias),
      endAfterId: cache.endAfterId ?? false,
    };
    this.disposeCache({ ...cache, selfKeys: [], selfValues: [], prior: null });
    return next;
  }

  /**
   * A one-row cache (one input) continued by `rows` copies of its row: beam search's first expansion.
   * From FOLD_CROSS_MIN_ROWS rows on, and where shouldFoldCrossMemory says it is cheaper, the input's
   * cross-attention is folded once (FoldedCrossMemory) instead of being copied into every row; later
   * reorders then move only the per-row state. Same results as reorderCache with `rows` zeros, up to
   * float rounding. Consumes the input cache.
   */
  expandSingle(cache: DecoderCache, rows: number): DecoderCache {
    if (cache.batchSize !== 1) throw new ModelInputError(`expandSingle expands a one-row cache, got ${cache.batchSize} rows.`);
    const zeros = new Int32Array(rows);
    const srcLen = cache.crossBias.shape[3];
    if (cache.foldedCross || rows < FOLD_CROSS_MIN_ROWS || !shouldFoldCrossMemory(this.config.t5, srcLen)) return this.reorderCache(cache, zeros);
    const foldedCross = foldCrossMemory(this.crossHeads(), cache.crossKeysT, cache.crossValues, cache.crossBias);
    return this.reorderCache({ ...cache, foldedCross }, zeros);
  }

  /** Frees the per-row part of a cache (self-attention caches and prior). */
  private disposeRowState(cache: DecoderCache): void {
    for (const list of [cache.selfKeys, cache.selfValues]) for (const t of list) t?.dispose();
    cache.prior?.dispose();
  }

  disposeCache(cache: DecoderCache): void {
    this.disposeRowState(cache);
    for (const list of [cache.crossKeysT, cache.crossValues]) for (const t of list) t.dispose();
    cache.crossBias.dispose();
    const f = cache.foldedCross;
    if (f) tf.dispose([...f.scoreKernels, ...f.valueKernels, f.bias]);
  }

  /** Teacher-forced logits [B, T, V] for decoder inputs [B, T] (start with the pad id, as T5). */
  decodeFull(enc: EncoderOutput, decoderInputIds: tf.Tensor2D, training = false): tf.Tensor3D {
    const c = this.config.t5;
    expectShape('decoderInputIds', decoderInputIds, [enc.hidden.shape[0], null], 'int32', 'decoder input ids, batch x length');
    return tf.tidy(() => {
      const embeds = tf.gather<tf.Tensor>(this.weights.shared, decoderInputIds) as tf.Tensor3D;
      const hidden = decoderStack(this.weights.decoder, c, embeds, enc.hidden, enc.mask, training);
      const logits = outputLogits(hidden, this.weights, c) as tf.Tensor3D;
      if (!enc.prior) return logits;
      // The prior speaks only to the first position (the item token of an atomic id), the end-of-id
      // logit only to the second.
      const [b, t, v] = logits.shape;
      let out = tf.add(logits, tf.pad(tf.reshape(enc.prior, [b, 1, v]), [[0, 0], [0, t - 1], [0, 0]])) as tf.Tensor3D;
      if (t > 1) out = tf.add(out, tf.pad(tf.reshape(this.endOfIdRow(), [1, 1, v]), [[0, 0], [1, t - 2], [0, 0]])) as tf.Tensor3D;
      return out;
    });
  }

  /**
   * Masked seq2seq cross-entropy, averaged over real target tokens. Labels [B, T] int32: positions
   * holding IGNORE_LABEL (-100) or the pad id are left out (so padded label batches work with either
   * convention). Decoder input = labels shifted right with the pad id as start token (T5).
   * Differentiating it needs tfjs's gradient registry, which '@tensorflow/tfjs-core' alone does not
   * fill: import '@tensorflow/tfjs' in Node (pure Node ESM cannot load
   * 'tfjs-core/dist/register_all_gradients'; Vite/Vitest can).
   */
  loss(task: TaskName, batch: EncoderBatch, collab: CollaborativeInput | null, labels: tf.Tensor2D, training: boolean, histories?: ArrayLike<ArrayLike<number>>, exclude?: ArrayLike<ArrayLike<number>>): tf.Scalar {
    const c = this.config.t5;
    const b = batch.tokenIds.shape[0];
    expectShape('labels', labels, [b, null], 'int32', 'target ids, batch x length');
    return tf.tidy(() => {
      const { prompt, prior } = this.composePrompt(task, collab, b, histories, exclude);
      const enc = this.encode(batch, prompt, training, prior);
      const decoderInput = shiftRight(labels, c.padTokenId);
      const logits = this.decodeFull(enc, decoderInput, training);
      return maskedCrossEntropy(logits, labels, c.padTokenId);
    });
  }

  /** Frees the model's own inference caches (not the weights, which belong to the caller). */
  dispose(): void {
    this.fusedCache?.t5.dispose();
    this.fusedCache = null;
    this.outputKernel?.kernel.dispose();
    this.outputKernel = null;
    this.disposeCrossHeads();
  }

  /** [1, vocab]: END_OF_ID_LOGIT on </s>, 0 elsewhere. */
  private endOfIdRow(): tf.Tensor2D {
    const v = this.config.t5.vocabSize;
    const row = new Float32Array(v);
    row[this.config.t5.eosTokenId] = END_OF_ID_LOGIT;
    return tf.tensor2d(row, [1, v]);
  }

  /** Per-head slices of the decoder's cross-attention q and o (CrossHeadWeights), rebuilt when training reassigns them. */
  private crossHeads(): CrossHeadWeights {
    const sources = this.weights.decoder.layers.flatMap((l) => [l.crossAttn!.q.dataId, l.crossAttn!.o.dataId]);
    if (!this.crossHeadCache || this.crossHeadCache.sources.some((d, i) => d !== sources[i])) {
      this.disposeCrossHeads();
      this.crossHeadCache = { sources, heads: crossHeadWeights(this.weights.decoder, this.config.t5) };
    }
    return this.crossHeadCache.heads;
  }

  private disposeCrossHeads(): void {
    const h = this.crossHeadCache?.heads;
    if (h) tf.dispose([...h.queryT.flat(), ...h.output.flat()]);
    this.crossHeadCache = null;
  }

  private tiedOutputKernel(): tf.Tensor2D | null {
    if (!this.weights.lmHead && this.weights.shared) {
      // Variable.assign swaps the dataId, so a changed dataId means training updated the embedding.
      const source = this.weights.shared.dataId;
      if (this.outputKernel?.source !== source) {
        this.outputKernel?.kernel.dispose();
        this.outputKernel = { source, kernel: tf.keep(tf.transpose(this.weights.shared)) };
      }
      return this.outputKernel.kernel;
    }
    return null;
  }
}

/** T5's decoder input: [pad, y_0, ..., y_{T-2}], with ignored labels (-100) turned into pad. */
export function shiftRight(labels: tf.Tensor2D, padTokenId: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, t] = labels.shape;
    const start = tf.fill([b, 1], padTokenId, 'int32');
    const body = tf.slice(labels, [0, 0], [b, t - 1]);
    const shifted = tf.concat([start, body], 1);
    return tf.where(tf.less(shifted, 0), tf.fill([b, t], padTokenId, 'int32'), shifted) as tf.Tensor2D;
  });
}

/** Mean token cross-entropy over positions whose label is neither IGNORE_LABEL (< 0) nor the pad id. */
export function maskedCrossEntropy(logits: tf.Tensor3D, labels: tf.Tensor2D, padTokenId: number): tf.Scalar {
  return tf.tidy(() => {
    const vocab = logits.shape[2];
    const valid = tf.cast(tf.logicalAnd(tf.greaterEqual(labels, 0), tf.notEqual(labels, padTokenId)), 'float32');
    const safeLabels = tf.maximum(labels, tf.scalar(0, 'int32'));
    const logProbs = tf.logSoftmax(logits);
    // oneHot in int32 then cast: tfjs-backend-wasm 4.22 writes int bit patterns into a float32 oneHot.
    const picked = tf.sum(tf.mul(logProbs, tf.cast(tf.oneHot(safeLabels, vocab), 'float32')), -1);
    const total = tf.neg(tf.sum(tf.mul(picked, valid)));
    return tf.div(total, tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
  });
}

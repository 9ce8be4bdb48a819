// The worker's engine: one loaded pack on one backend, answering the protocol's questions with the
// real PeapodModel (composer attention, T5, beam search, candidate ranking). It turns tensors into
// plain numbers before anything leaves this module; the worker posts them, the UI never sees tensors.
// It must not touch the DOM or the message port (worker.ts does that). The pack's users live in
// user-directory.ts and cold-start profiles in profile-cache.ts; this file is inference only.
// Each method takes one options object (protocol.ts InferOptions, ExplainOptions, EvaluateOptions).
import * as tf from '@tensorflow/tfjs-core';
import { collate, disposeBatch, toTensors, type Sample } from '../model/inputs/batch.ts';
import { DEFAULT_EVAL, evaluateModel } from '../eval/evaluate.ts';
import { heldOutTopn } from '../model/inputs/heldout.ts';
import { GenerationAbortedError } from '../model/errors.ts';
import { peapodDecoder } from '../model/generate/peapod-decoder.ts';
import { sequentialDecoder, sequentialEncoderSample } from '../model/generate/sequential-decoder.ts';
import type { EncodedDecoder } from '../model/generate/types.ts';
import { generateExplanations, recommendNext } from '../model/generate/recommend.ts';
import { withFirstStepBan } from '../model/generate/first-step-ban.ts';
import { rankCandidates } from '../model/generate/topn.ts';
import type { CollaborativeInput, EncoderOutput, PeapodModel } from '../model/peapod.ts';
import { PAPER_PROTOCOL } from '../paper-protocol.ts';
import { BadRequestError } from './errors.ts';
import { installGpuCounters } from './gpu-counters.ts';
import { draft, finished, GpuMeter } from './gpu-meter.ts';
import type { ByteProgress } from './fetch-progress.ts';
import { fetchPackSource } from '../model/pack/fetch-source.ts';
import type { PackSource } from '../model/pack/load.ts';
import { cachedPackFetch } from './pack-cache.ts';
import { openPack, type PackContents } from './pack-source.ts';
import { ProfileCache } from './profile-cache.ts';
import { defaultWhatIf, isDefaultWhatIf } from './protocol.ts';
import { UserDirectory } from './user-directory.ts';
import type {
  AttentionInfo,
  BackendInfo,
  EvaluateOptions,
  EvaluateResult,
  ExplainOptions,
  ExplainResult,
  FileProgress,
  FirstView,
  InferOptions,
  InferResult,
  MetricsRow,
  PackId,
  PackSummary,
  ProgressStage,
  PromptInfo,
  ScoredItem,
  ScoreParts,
  StartupStage,
  Target,
  UserInfo,
  WhatIf,
} from './protocol.ts';

/** Reference decoding: 20 beams, 10 items (docs/method.md §2). */
const { beamWidth: BEAMS, topK: TOP_K } = PAPER_PROTOCOL.sequential;
/** The sequential input keeps the last 20 items of the history (as training did). */
const MAX_HISTORY = PAPER_PROTOCOL.sequential.maxHistory;
/** Top-n candidate order seed, as the pack's evaluation used (eval/evaluate.ts DEFAULT_EVAL.orderSeed is the same value). */
const ORDER_SEED = PAPER_PROTOCOL.topn.orderSeed;
/** Fixed top-n negatives per user in the pack's flat [users, 99] array. */
const NEGATIVES = PAPER_PROTOCOL.topn.negatives;

/** Identifies a pack user's prediction by every input it depends on (priors: whether they are added). */
function viewKey(o: InferOptions & { target: { kind: 'user' } }, priors: boolean): string {
  const w = o.whatIf;
  return JSON.stringify([o.target.index, [...w.masked].sort((a, b) => a - b), w.n, w.individualOnly, o.constrained, o.evaluation, priors, o.skipHistory ?? false]);
}

export type ProgressFn = (stage: ProgressStage, files: FileProgress[], done: number, total: number) => void;

interface Resolved {
  user: UserInfo;
  /** Number written in `user_{n}`. */
  userWord: number;
  cf: Float32Array;
  history: number[];
}

export class Engine {
  readonly summary: PackSummary;
  /** The pack's users: lookup, history, neighbours. */
  readonly users: UserDirectory;
  private readonly profiles: ProfileCache;
  private readonly model: PeapodModel;
  /** The warm-up's prediction, kept for the one request that follows it. */
  private primed: { key: string; result: InferResult } | null = null;
  /** GPU work counters (the WebGPU backend only; see gpu-counters.ts). */
  private readonly gpu: GpuMeter;

  constructor(
    private readonly pack: PackContents,
    packId: PackId,
  ) {
    this.model = pack.model;
    this.gpu = new GpuMeter(installGpuCounters() !== null);
    this.users = new UserDirectory(pack);
    this.profiles = new ProfileCache(pack, this.users);
    const a = pack.arrays;
    this.summary = {
      pack: packId,
      name: pack.name,
      numUsers: a.userIds.length,
      numItems: pack.itemNames.length - 1,
      nMax: pack.nMax,
      nDefault: pack.nDefault,
      heads: pack.model.config.composer.numHeads,
      promptLength: pack.model.config.composer.promptLength,
      tasks: pack.model.config.tasks,
      itemNames: pack.itemNames,
      manifest: pack.manifest,
      trainingLog: pack.trainingLog,
      hasReferences: pack.explanations !== null,
      priors: { cf: Boolean(pack.model.config.composer.cfPrior), seq: Boolean(pack.model.config.composer.seqPrior) },
      sequentialForm: pack.model.config.sequentialForm ?? 'bare',
      idScheme: pack.tokenizer.idScheme,
    };
  }

  /** Whether the pack adds any output prior (so the T5-only switch means something). */
  get hasPriors(): boolean {
    return this.summary.priors.cf || this.summary.priors.seq;
  }

  get numUsers(): number {
    return this.users.numUsers;
  }

  /** Every user's full sequence (eval's HeldOutSource). */
  get sequences(): Int32Array[] {
    return this.users.sequences;
  }

  findUser(query: string): number {
    return this.users.findUser(query);
  }

  historyOf(index: number): number[] {
    return this.users.historyOf(index);
  }

  userInfo(index: number): UserInfo {
    return this.users.userInfo(index);
  }

  private resolve(target: Target): Resolved {
    if (target.kind === 'user') {
      const user = this.users.userInfo(target.index);
      return { user, userWord: this.users.userWord(target.index), cf: this.users.cfRow(target.index), history: this.users.historyOf(target.index) };
    }
    // A cold-start user has no trained user token; the number is only read through its digit pieces.
    return { ...this.profiles.resolve(target), userWord: 0 };
  }

  /** Collaborative input for one user under the what-if settings (null = individual-only). */
  private collab(r: Resolved, w: WhatIf): { input: CollaborativeInput | null; neighbours: number[] } {
    if (w.individualOnly) return { input: null, neighbours: [] };
    const d = this.model.config.composer.cfDim;
    const n = Math.max(1, Math.min(w.n, r.user.neighbours.length));
    const chosen = r.user.neighbours.slice(0, n).map((x) => x.index);
    const emb = new Float32Array(n * d);
    chosen.forEach((v, k) => emb.set(this.users.cfRow(v), k * d));
    const masked = new Set(w.masked);
    const mask = Float32Array.from(chosen, (v) => (masked.has(v) ? 0 : 1));
    return {
      neighbours: chosen,
      input: {
        userEmb: tf.tensor2d(r.cf, [1, d]),
        neighbourEmb: tf.tensor3d(emb, [1, n, d]),
        neighbourMask: masked.size ? tf.tensor2d(mask, [1, n]) : undefined,
      },
    };
  }

  /**
   * Runs `fn` on the encoder output of one bare-form sample with its soft prompt; frees every tensor
   * it made. The text goes through eval's collate, so truncation matches the pack's evaluation.
   */
  private async withEncoded<T>(sample: Sample, userWord: number, collab: CollaborativeInput | null, fn: (dec: EncodedDecoder, prompt: tf.Tensor3D, attention: tf.Tensor3D | null, enc: EncoderOutput) => Promise<T>, priors = true): Promise<T> {
    const batch = toTensors(collate(this.pack.tokenizer, [{ ...sequentialEncoderSample(this.model.config, sample), user: 0 }], Int32Array.of(userWord), this.pack.maxInputTokens));
    const { prompt, attention, prior } = this.model.composePrompt(sample.task, collab, 1, sample.task === 'sequential' ? [sample.items] : undefined, undefined, { priors });
    const enc = this.model.encode(batch, prompt, false, prior);
    try {
      return await fn(this.decoderFor(sample, enc), prompt, attention, enc);
    } finally {
      disposeBatch(batch);
      tf.dispose([prompt, enc.hidden, enc.mask]);
      prior?.dispose();
      enc.prior?.dispose();
      attention?.dispose();
    }
  }

  /** The decoder of an encoded one-sample batch: the sequential task's form (history in the decoder or not), else the plain one. */
  private decoderFor(sample: Sample, enc: EncoderOutput): EncodedDecoder {
    return sample.task === 'sequential' ? sequentialDecoder(this.model, enc, this.pack.tokenizer, [sample.items]) : peapodDecoder(this.model, enc);
  }

  /**
   * The first-token logit of each item split into its parts (ScoreParts) for the encoded sample:
   * the T5's own logit at the item's (first) token from one decoder step on `enc` without its
   * prior, plus the two priors (PeapodModel.priorParts) when `priors`. Items with id 0 (not an
   * item) get null.
   */
  private async scoreParts(enc: EncoderOutput, sample: Sample, collab: CollaborativeInput | null, items: readonly number[], priors: boolean): Promise<(ScoreParts | null)[]> {
    if (items.length === 0) return [];
    const tok = this.pack.tokenizer;
    const columns = Int32Array.from(items, (id) => (id > 0 ? tok.itemTokens(id)[0]! : tok.eosId));
    // The decoder session (fused kernels on webgpu) without the prior: the T5's own logits.
    const session = this.decoderFor(sample, { hidden: enc.hidden, mask: enc.mask, prior: null }).startSession();
    let logits: tf.Tensor2D;
    try {
      logits = session.stepAt ? session.stepAt(Int32Array.of(tok.padId), columns) : tf.tidy(() => tf.gather(session.step(Int32Array.of(tok.padId)), tf.tensor1d(columns, 'int32'), 1));
    } finally {
      session.dispose();
    }
    const t5 = (await logits.data()) as Float32Array;
    logits.dispose();
    let cf: Float32Array | null = null;
    let seq: Float32Array | null = null;
    if (priors) {
      const p = this.model.priorParts(sample.task, collab, 1, sample.task === 'sequential' ? [sample.items] : undefined, columns);
      cf = p.cf ? ((await p.cf.data()) as Float32Array) : null;
      seq = p.seq ? ((await p.seq.data()) as Float32Array) : null;
      tf.dispose([...(p.cf ? [p.cf] : []), ...(p.seq ? [p.seq] : [])]);
    }
    return items.map((id, k) => (id > 0 ? { t5: t5[k]!, cf: cf ? cf[k]! : null, seq: seq ? seq[k]! : null } : null));
  }

  /** The same items' parts for the unmodified user (default what-if), to show which part a what-if moved. */
  private async defaultParts(r: Resolved, sample: Sample, items: readonly number[], priors: boolean): Promise<(ScoreParts | null)[]> {
    const { input } = this.collab(r, defaultWhatIf(this.pack.nDefault));
    try {
      return await this.withEncoded(sample, r.userWord, input, (_dec, _p, _a, enc) => this.scoreParts(enc, sample, input, items, priors), priors);
    } finally {
      if (input) tf.dispose([input.userEmb, input.neighbourEmb, ...(input.neighbourMask ? [input.neighbourMask] : [])]);
    }
  }

  async infer(options: InferOptions): Promise<InferResult> {
    const { target, whatIf, constrained, evaluation, priors = true } = options;
    const skipHistory = (options.skipHistory ?? false) && this.pack.tokenizer.idScheme === 'atomic';
    // Only the request right after the warm-up may take its answer, and only for the same inputs.
    const primed = this.primed;
    this.primed = null;
    const usePriors = priors && this.hasPriors;
    if (primed && target.kind === 'user' && primed.key === viewKey({ ...options, target }, usePriors)) return primed.result;
    const t0 = performance.now();
    const g0 = this.gpu.mark();
    const seqWork = draft();
    const topnWork = draft();
    const r = this.resolve(target);
    const whatIfOn = !isDefaultWhatIf(whatIf, this.pack.nDefault);
    const evalView = evaluation && target.kind === 'user' && r.history.length > 1;
    const history = evalView ? r.history.slice(0, -1) : r.history;
    const { input, neighbours } = this.collab(r, whatIf);
    try {
      const config = this.model.config;
      let attention: AttentionInfo | null = null;
      let prompt: PromptInfo = { task: [], collaborative: [] };
      let sequential: ScoredItem[] = [];
      // The target only fills collate's label slot; decoding never reads it.
      const seqSample: Sample = { task: 'sequential', user: 0, items: Int32Array.from(history.slice(-MAX_HISTORY)), target: history[history.length - 1]!, template: -1 };
      const gSeq = this.gpu.mark();
      await this.withEncoded(seqSample, r.userWord, input, async (dec, p, att, enc) => {
        const l = config.composer.promptLength;
        const rows = (await p.array())[0]!;
        const taskRows = config.composer.taskPrompts ? rows.slice(0, l) : [];
        prompt = { task: taskRows, collaborative: rows.slice(taskRows.length) };
        if (att) {
          const weights = (await att.array())[0]!;
          const mean = neighbours.map((_, j) => weights.reduce((s, h) => s + h[j]!, 0) / weights.length);
          attention = { neighbours, weights, mean };
        }
        const tok = this.pack.tokenizer;
        const [res] = await this.gpu.decoding(dec, seqWork, (d) =>
          recommendNext(skipHistory ? withFirstStepBan(d, [history.map((id) => tok.itemTokens(id)[0]!)]) : d, tok, { beamWidth: BEAMS, topK: TOP_K, constrained }),
        );
        sequential = res!.items.map((id, k) => (id === null ? { item: { id: 0, name: '(not an item id)' }, score: res!.scores[k]! } : { item: this.users.item(id), score: res!.scores[k]! }));
        const parts = await this.scoreParts(enc, seqSample, input, sequential.map((s) => s.item.id), usePriors);
        sequential = sequential.map((s, k) => ({ ...s, parts: parts[k]! }));
      }, usePriors);
      if (whatIfOn) withDeltas(sequential, await this.defaultParts(r, seqSample, sequential.map((s) => s.item.id), usePriors));
      seqWork.total = this.gpu.since(gSeq);
      let topn: InferResult['topn'] = null;
      const negatives = this.pack.arrays.topnNegatives;
      if (target.kind === 'user' && negatives && config.tasks.includes('topn') && r.history.length) {
        // Same candidates in the same order as the pack's evaluation (fixed negatives, seeded per user).
        const gTopn = this.gpu.mark();
        const real = heldOutTopn(this, target.index, 'test', negatives.subarray(target.index * NEGATIVES, target.index * NEGATIVES + NEGATIVES), ORDER_SEED);
        const ranked = await this.withEncoded(
          real,
          r.userWord,
          input,
          async (dec, _p, _a, enc) => {
            const res = (await this.gpu.decoding(dec, topnWork, (d) => rankCandidates(d, this.pack.tokenizer, [real.items])))[0]!;
            const parts = await this.scoreParts(enc, real, input, res.items, usePriors);
            return res.items.map((id, k): ScoredItem => ({ item: this.users.item(id), score: res.scores[k]!, parts: parts[k]! }));
          },
          usePriors,
        );
        if (whatIfOn) withDeltas(ranked, await this.defaultParts(r, real, ranked.map((s) => s.item.id), usePriors));
        topn = { ranked, positive: real.target };
        topnWork.total = this.gpu.since(gTopn);
      }
      const elapsedMs = performance.now() - t0;
      const total = this.gpu.since(g0);
      const nextItem = finished(seqWork);
      const gpu = total && nextItem ? { gpu: { total, nextItem, topn: finished(topnWork) } } : {};
      return { user: r.user, whatIf: { ...whatIf, n: Math.min(whatIf.n, r.user.neighbours.length) }, attention, prompt, sequential, topn, constrained, evaluation: evalView, priors: usePriors, skipHistory, elapsedMs, ...gpu };
    } finally {
      if (input) tf.dispose([input.userEmb, input.neighbourEmb, ...(input.neighbourMask ? [input.neighbourMask] : [])]);
    }
  }

  reference(userIndex: number | null, item: number): string | null {
    if (userIndex === null || !this.pack.explanations) return null;
    return this.pack.explanations.get(`${userIndex}:${item}`) ?? null;
  }

  /** Streams the best text so far to `onText`; aborting `signal` stops it (stopped: true, the text so far). */
  async explain(options: ExplainOptions, onText: (text: string) => void, signal: AbortSignal): Promise<ExplainResult> {
    const { target, item, whatIf, maxTokens, noRepeatNgram = 0 } = options;
    if (!this.model.config.tasks.includes('explanation')) throw new BadRequestError('This pack was not trained on explanations; pick the Musical Instruments pack.');
    const r = this.resolve(target);
    const { input } = this.collab(r, whatIf);
    let last = '';
    let tokens = 0;
    let stopped = false;
    const g0 = this.gpu.mark();
    const work = draft();
    try {
      const sample: Sample = { task: 'explanation', user: 0, item, text: '', template: -1 };
      const res = await this.withEncoded(sample, r.userWord, input, async (dec) => {
        try {
          return await this.gpu.decoding(dec, work, (d) => generateExplanations(d, this.pack.tokenizer, {
            maxLength: Math.min(maxTokens, PAPER_PROTOCOL.explanation.maxLength),
            noRepeatNgram,
            signal,
            onText: (texts, e) => {
              tokens = e.step + 1;
              const t = texts[0] ?? '';
              if (t !== last) {
                last = t;
                onText(t);
              }
            },
          }));
        } catch (e) {
          if (e instanceof GenerationAbortedError) {
            stopped = true;
            return null;
          }
          throw e;
        }
      });
      const text = res ? res[0]!.text : last;
      if (res) tokens = res[0]!.tokens.length;
      work.total = this.gpu.since(g0);
      const gpu = finished(work);
      return { text, stopped, reference: this.reference(target.kind === 'user' ? target.index : null, item), item: this.users.item(item), tokens, ...(gpu ? { gpu } : {}) };
    } finally {
      if (input) tf.dispose([input.userEmb, input.neighbourEmb, ...(input.neighbourMask ? [input.neighbourMask] : [])]);
    }
  }

  /**
   * The paper's metrics (eval/evaluate.ts, the same code that recorded the pack's numbers) on the
   * first `numUsers` test users. Stop takes effect at the next batch boundary; partial runs report
   * nothing rather than numbers over a different user set.
   */
  async evaluate(options: EvaluateOptions, onProgress: (done: number, total: number) => void, signal: AbortSignal): Promise<EvaluateResult> {
    const { numUsers, constrained, priors = true } = options;
    const excludeHistory = (options.skipHistory ?? false) && constrained && this.pack.tokenizer.idScheme === 'atomic';
    const N = Math.max(1, Math.min(numUsers, this.numUsers));
    const a = this.pack.arrays;
    const tasks = this.model.config.tasks.filter((t) => t !== 'topn' || a.topnNegatives !== null);
    const pairs = (this.pack.explanationPairs ?? []).map((p) => ({ user: p.user, item: p.item, text: p.reference }));
    const perTask = new Map<string, number>();
    const total = tasks.length * N;
    onProgress(0, total);
    class Stopped extends Error {}
    try {
      const res = await evaluateModel(
        {
          model: this.model,
          tok: this.pack.tokenizer,
          sequences: this.sequences,
          userIds: a.userIds,
          numItems: this.pack.itemNames.length - 1,
          collab: { cfUser: a.cfUser, cfDim: this.model.config.composer.cfDim, neighbourIndices: a.neighbourIndices, nMax: this.pack.nMax },
          neighbours: this.pack.nDefault,
          negatives: a.topnNegatives ? this.sequences.map((_, u) => a.topnNegatives!.subarray(u * NEGATIVES, u * NEGATIVES + NEGATIVES)) : [],
          explanations: pairs,
          datasetItem: (i) => i,
        },
        {
          ...DEFAULT_EVAL,
          split: 'test',
          tasks,
          users: N,
          constrained,
          priors,
          ...(excludeHistory ? { excludeHistory: true } : {}),
          batchSize: 4,
          maxInputTokens: this.pack.maxInputTokens,
          onProgress: (task, done, t) => {
            if (signal.aborted) throw new Stopped();
            perTask.set(task, Math.min(N, Math.round((done / Math.max(1, t)) * N)));
            onProgress([...perTask.values()].reduce((x, y) => x + y, 0), total);
          },
        },
      );
      const rows: MetricsRow[] = [];
      const m = res.metrics;
      const rank = (r: { HR1: number; HR5: number; NDCG5: number; HR10: number; NDCG10: number }) => ({ 'HR@1': r.HR1, 'HR@5': r.HR5, 'NDCG@5': r.NDCG5, 'HR@10': r.HR10, 'NDCG@10': r.NDCG10 });
      if (m.sequential) rows.push({ task: 'sequential', values: rank(m.sequential), users: m.sequential.users });
      if (m.topn) rows.push({ task: 'topn', values: rank(m.topn), users: m.topn.users });
      if (m.explanation) {
        const e = m.explanation;
        rows.push({ task: 'explanation', values: { 'BLEU-1': e.bleu1, 'BLEU-4': e.bleu4, 'ROUGE-1': e.rouge1, 'ROUGE-2': e.rouge2, 'ROUGE-L': e.rougeL }, users: e.pairs });
      }
      onProgress(total, total);
      return { rows, stopped: false };
    } catch (e) {
      if (e instanceof Stopped) return { rows: [], stopped: true };
      throw e;
    }
  }

  /**
   * One full prediction compiles every kernel the views use (the first call is the slow one). It
   * predicts the view the page will ask for first (`first`, resolved against this pack; user 0 with
   * the defaults otherwise) and keeps that answer for the very next infer() with the same inputs:
   * the page's first recommendation is then this real prediction instead of a second run of it.
   */
  async warmup(first?: FirstView, exampleUser: number | null = null): Promise<InferResult> {
    const view = this.resolveFirstView(first, exampleUser);
    const result = await this.infer(view);
    this.primed = { key: viewKey(view, view.priors && this.hasPriors), result };
    return result;
  }

  /** The inputs the page's first request will carry (store/session.ts 'ready' decides them the same way). */
  resolveFirstView(first: FirstView | undefined, exampleUser: number | null): InferOptions & { target: { kind: 'user' }; priors: boolean } {
    const ok = (u: number | null | undefined): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0 && u < this.numUsers;
    const defaults = defaultWhatIf(this.pack.nDefault);
    // A user named in the URL keeps the URL's what-if; the example's user starts from the defaults.
    // A shared link names the user (and masks) by dataset id; an old one, or the page, by index.
    const byId = first?.userId !== undefined ? this.users.indexOf(first.userId) : undefined;
    const named = byId !== undefined || ok(first?.user);
    const index = byId ?? (named ? first!.user! : ok(exampleUser) ? exampleUser : 0);
    const w = first?.whatIf;
    let masked = w?.masked ?? [];
    if (byId !== undefined) {
      const wanted = new Set(first!.maskedIds ?? []);
      masked = this.users.neighboursOf(byId).filter((nb) => wanted.has(nb.datasetId)).map((nb) => nb.index).sort((a, b) => a - b);
    }
    const whatIf = named && w ? { masked, n: w.n >= 1 && w.n <= this.pack.nMax ? w.n : this.pack.nDefault, individualOnly: w.individualOnly } : defaults;
    return { target: { kind: 'user', index }, whatIf, constrained: first?.constrained ?? true, evaluation: first?.evaluation ?? false, priors: first?.priors ?? true, skipHistory: first?.skipHistory ?? false };
  }

  dispose(): void {
    this.pack.dispose();
  }
}

/** Adds to each row's parts its change against `before` (the same items for the unmodified user). */
function withDeltas(rows: ScoredItem[], before: readonly (ScoreParts | null)[]): void {
  rows.forEach((s, k) => {
    const a = s.parts;
    const b = before[k];
    if (!a || !b) return;
    s.parts = { ...a, delta: { t5: a.t5 - b.t5, cf: (a.cf ?? 0) - (b.cf ?? 0), seq: (a.seq ?? 0) - (b.seq ?? 0) } };
  });
}

/**
 * `source`: where the pack's files come from; by default the pack folder at `baseUrl` through the
 * pack cache. The worker passes a prefetch that started downloading before this module was loaded.
 */
export async function openEngine(packId: PackId, baseUrl: string, backend: BackendInfo, onProgress: ProgressFn, onStage: (stage: StartupStage) => void = () => {}, source?: PackSource): Promise<Engine> {
  void backend;
  const files = new Map<string, FileProgress>();
  const report = (p: ByteProgress) => {
    files.set(p.file, p);
    const all = [...files.values()];
    onProgress('download', all, all.reduce((s, f) => s + f.loaded, 0), all.reduce((s, f) => s + f.total, 0));
  };
  // Through the pack cache: a reload or retry re-downloads only what is not cached and verified.
  const pack = await openPack(source ?? fetchPackSource(baseUrl, cachedPackFetch(baseUrl, packId)), report, onStage);
  return new Engine(pack, packId);
}

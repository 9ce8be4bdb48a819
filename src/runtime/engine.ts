// The worker's engine: one loaded pack on one backend, answering the protocol's questions with the
// real PeapodModel (composer attention, T5, beam search, candidate ranking). It turns tensors into
// plain numbers before anything leaves this module; the worker posts them, the UI never sees tensors.
// It must not touch the DOM or the message port (worker.ts does that).
import * as tf from '@tensorflow/tfjs-core';
import { explanationMetrics, rankingMetrics } from '../eval/metrics.ts';
import { peapodDecoder } from '../model/generate/peapod-decoder.ts';
import { generateExplanations, recommendNext } from '../model/generate/recommend.ts';
import { rankCandidates } from '../model/generate/topn.ts';
import { neighboursOf } from '../model/neighbours.ts';
import type { CollaborativeInput, PeapodModel } from '../model/peapod.ts';
import type { TaskName } from '../model/types.ts';
import { BadRequestError, UnknownUserError } from './errors.ts';
import type { ByteProgress } from './fetch-progress.ts';
import { openPack, type PackContents } from './pack-source.ts';
import type {
  AttentionInfo,
  BackendInfo,
  FileProgress,
  InferResult,
  ItemRef,
  MetricsRow,
  NeighbourInfo,
  PackId,
  PackSummary,
  ProgressStage,
  PromptInfo,
  ScoredItem,
  Target,
  UserInfo,
  WhatIf,
} from './protocol.ts';

/** Reference decoding: 20 beams, 10 items (peapod-method.md §2). */
const BEAMS = 20;
const TOP_K = 10;
/** The sequential input keeps the last 20 items of the history (as training did). */
const MAX_HISTORY = 20;

export type ProgressFn = (stage: ProgressStage, files: FileProgress[], done: number, total: number) => void;

/** Deterministic per-user shuffle of the top-n candidates (mulberry32), so a user always sees the same list. */
function shuffled(items: number[], seed: number): number[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface Resolved {
  user: UserInfo;
  /** Number written in `user_{n}`. */
  userWord: number;
  cf: Float32Array;
  history: number[];
}

export class Engine {
  readonly summary: PackSummary;
  private readonly model: PeapodModel;
  private readonly byDatasetId = new Map<string, number>();
  private readonly profiles = new Map<string, { items: string; cf: Float32Array; neighbours: NeighbourInfo[] }>();

  constructor(
    private readonly pack: PackContents,
    packId: PackId,
  ) {
    this.model = pack.model;
    const a = pack.arrays;
    a.userIds.forEach((id, u) => this.byDatasetId.set(String(id), u));
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
    };
  }

  get numUsers(): number {
    return this.pack.arrays.userIds.length;
  }

  private item(id: number): ItemRef {
    return { id, name: this.pack.itemNames[id] ?? '' };
  }

  private checkUser(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.numUsers) throw new UnknownUserError(`#${index}`, this.numUsers);
  }

  findUser(query: string): number {
    if (query === 'random') return Math.floor(Math.random() * this.numUsers);
    const m = /^#(\d+)$/.exec(query);
    if (m) {
      const i = Number(m[1]);
      this.checkUser(i);
      return i;
    }
    const bare = query.replace(/^user_/, '');
    const u = this.byDatasetId.get(bare);
    if (u === undefined) throw new UnknownUserError(query, this.numUsers);
    return u;
  }

  historyOf(index: number): number[] {
    const a = this.pack.arrays;
    return Array.from(a.historyItems.subarray(a.historyOffsets[index]!, a.historyOffsets[index + 1]!));
  }

  private neighboursOfUser(index: number): NeighbourInfo[] {
    const a = this.pack.arrays;
    const n = this.pack.nMax;
    const out: NeighbourInfo[] = [];
    for (let k = 0; k < n; k++) {
      const v = a.neighbourIndices[index * n + k]!;
      if (v < 0) break;
      out.push({ index: v, datasetId: String(a.userIds[v]), similarity: a.neighbourSimilarity[index * n + k]! });
    }
    return out;
  }

  userInfo(index: number): UserInfo {
    this.checkUser(index);
    const h = this.historyOf(index);
    return {
      index,
      label: String(this.pack.arrays.userIds[index]),
      history: h.map((i) => this.item(i)),
      testItem: h.length ? this.item(h[h.length - 1]!) : null,
      neighbours: this.neighboursOfUser(index),
    };
  }

  private cfRow(index: number): Float32Array {
    const d = this.model.config.composer.cfDim;
    return this.pack.arrays.cfUser.subarray(index * d, (index + 1) * d);
  }

  private resolve(target: Target): Resolved {
    if (target.kind === 'user') {
      const user = this.userInfo(target.index);
      return { user, userWord: this.pack.arrays.userIds[target.index]!, cf: this.cfRow(target.index), history: this.historyOf(target.index) };
    }
    const items = target.items.filter((i) => Number.isInteger(i) && i >= 1 && i < this.pack.itemNames.length);
    if (items.length === 0) throw new BadRequestError(`Profile “${target.name}” has no items of this pack; add items from the catalogue.`);
    const key = items.join(',');
    let p = this.profiles.get(target.name);
    if (!p || p.items !== key) {
      const cf = this.pack.foldIn(items);
      const list = neighboursOf(cf, this.pack.arrays.cfUser, this.pack.nMax);
      const neighbours = Array.from(list.indices, (v, k) => ({ index: v, datasetId: String(this.pack.arrays.userIds[v]), similarity: list.similarities[k]! }));
      p = { items: key, cf, neighbours };
      this.profiles.set(target.name, p);
    }
    return {
      user: { index: null, label: target.name, history: items.map((i) => this.item(i)), testItem: null, neighbours: p.neighbours },
      // A cold-start user has no trained user token; the number is only read through its digit pieces.
      userWord: 0,
      cf: p.cf,
      history: items,
    };
  }

  /** Collaborative input for one user under the what-if settings (null = individual-only). */
  private collab(r: Resolved, w: WhatIf): { input: CollaborativeInput | null; neighbours: number[] } {
    if (w.individualOnly) return { input: null, neighbours: [] };
    const d = this.model.config.composer.cfDim;
    const n = Math.max(1, Math.min(w.n, r.user.neighbours.length));
    const chosen = r.user.neighbours.slice(0, n).map((x) => x.index);
    const emb = new Float32Array(n * d);
    chosen.forEach((v, k) => emb.set(this.cfRow(v), k * d));
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

  private encodeText(text: string) {
    const e = this.pack.tokenizer.encodeText(text, { addEos: true });
    const L = e.ids.length;
    return {
      tokenIds: tf.tensor2d(e.ids, [1, L], 'int32'),
      wholeWordIds: tf.tensor2d(e.wholeWord, [1, L], 'int32'),
      attentionMask: tf.ones([1, L]) as tf.Tensor2D,
    };
  }

  /** Runs `fn` on the encoder output of (task, prompt, text); frees every tensor it made. */
  private async withEncoded<T>(task: TaskName, collab: CollaborativeInput | null, text: string, fn: (dec: ReturnType<typeof peapodDecoder>, prompt: tf.Tensor3D, attention: tf.Tensor3D | null) => Promise<T>): Promise<T> {
    const batch = this.encodeText(text);
    const { prompt, attention } = this.model.composePrompt(task, collab, 1);
    const enc = this.model.encode(batch, prompt);
    try {
      return await fn(peapodDecoder(this.model, enc), prompt, attention);
    } finally {
      tf.dispose([batch.tokenIds, batch.wholeWordIds, batch.attentionMask, prompt, enc.hidden, enc.mask]);
      attention?.dispose();
    }
  }

  private promptText(userWord: number, items: readonly number[]): string {
    return [`user_${userWord}`, ...items.map((i) => `item_${i}`)].join(' ');
  }

  async infer(target: Target, whatIf: WhatIf, constrained: boolean, evaluation: boolean): Promise<InferResult> {
    const t0 = performance.now();
    const r = this.resolve(target);
    const evalView = evaluation && target.kind === 'user' && r.history.length > 1;
    const history = evalView ? r.history.slice(0, -1) : r.history;
    const { input, neighbours } = this.collab(r, whatIf);
    try {
      const config = this.model.config;
      let attention: AttentionInfo | null = null;
      let prompt: PromptInfo = { task: [], collaborative: [] };
      let sequential: ScoredItem[] = [];
      await this.withEncoded('sequential', input, this.promptText(r.userWord, history.slice(-MAX_HISTORY)), async (dec, p, att) => {
        const l = config.composer.promptLength;
        const rows = (await p.array())[0]!;
        const taskRows = config.composer.taskPrompts ? rows.slice(0, l) : [];
        prompt = { task: taskRows, collaborative: rows.slice(taskRows.length) };
        if (att) {
          const weights = (await att.array())[0]!;
          const mean = neighbours.map((_, j) => weights.reduce((s, h) => s + h[j]!, 0) / weights.length);
          attention = { neighbours, weights, mean };
        }
        const [res] = await recommendNext(dec, this.pack.tokenizer, { beamWidth: BEAMS, topK: TOP_K, constrained });
        sequential = res!.items.map((id, k) => (id === null ? { item: { id: 0, name: '(not an item id)' }, score: res!.scores[k]! } : { item: this.item(id), score: res!.scores[k]! }));
      });
      let topn: InferResult['topn'] = null;
      const negatives = this.pack.arrays.topnNegatives;
      if (target.kind === 'user' && negatives && config.tasks.includes('topn') && r.history.length) {
        const positive = r.history[r.history.length - 1]!;
        const cands = shuffled([positive, ...Array.from(negatives.subarray(target.index * 99, target.index * 99 + 99))], target.index + 1);
        const ranked = await this.withEncoded('topn', input, this.promptText(r.userWord, cands), async (dec) => (await rankCandidates(dec, this.pack.tokenizer, [cands]))[0]!);
        topn = { ranked: ranked.items.map((id, k) => ({ item: this.item(id), score: ranked.scores[k]! })), positive };
      }
      return { user: r.user, whatIf: { ...whatIf, n: Math.min(whatIf.n, r.user.neighbours.length) }, attention, prompt, sequential, topn, constrained, evaluation: evalView, elapsedMs: performance.now() - t0 };
    } finally {
      if (input) tf.dispose([input.userEmb, input.neighbourEmb, ...(input.neighbourMask ? [input.neighbourMask] : [])]);
    }
  }

  reference(userIndex: number | null, item: number): string | null {
    if (userIndex === null || !this.pack.explanations) return null;
    return this.pack.explanations.get(`${userIndex}:${item}`) ?? null;
  }

  async explain(target: Target, item: number, whatIf: WhatIf, maxTokens: number, onText: (text: string) => void, signal: AbortSignal) {
    if (!this.model.config.tasks.includes('explanation')) throw new BadRequestError('This pack was not trained on explanations; pick the Musical Instruments pack.');
    const r = this.resolve(target);
    const { input } = this.collab(r, whatIf);
    let last = '';
    let tokens = 0;
    let stopped = false;
    try {
      const res = await this.withEncoded('explanation', input, this.promptText(r.userWord, [item]), async (dec) => {
        try {
          return await generateExplanations(dec, this.pack.tokenizer, {
            maxLength: Math.min(maxTokens, 21) + 0,
            signal,
            onText: (texts, e) => {
              tokens = e.step + 1;
              const t = texts[0] ?? '';
              if (t !== last) {
                last = t;
                onText(t);
              }
            },
          });
        } catch (e) {
          if ((e as Error).name === 'GenerationAbortedError') {
            stopped = true;
            return null;
          }
          throw e;
        }
      });
      const text = res ? res[0]!.text : last;
      if (res) tokens = res[0]!.tokens.length;
      return { text, stopped, reference: this.reference(target.kind === 'user' ? target.index : null, item), item: this.item(item), tokens };
    } finally {
      if (input) tf.dispose([input.userEmb, input.neighbourEmb, ...(input.neighbourMask ? [input.neighbourMask] : [])]);
    }
  }

  /** The paper's metrics on the first `numUsers` users (test split), with progress and a stop. */
  async evaluate(numUsers: number, constrained: boolean, onProgress: (done: number, total: number) => void, signal: AbortSignal): Promise<{ rows: MetricsRow[]; stopped: boolean }> {
    const N = Math.max(1, Math.min(numUsers, this.numUsers));
    const tasks = this.model.config.tasks;
    const seqLists: number[][] = [];
    const seqTargets: number[] = [];
    const topLists: number[][] = [];
    const topTargets: number[] = [];
    const refs: string[] = [];
    const hyps: string[] = [];
    const w: WhatIf = { masked: [], n: this.pack.nDefault, individualOnly: false };
    let done = 0;
    onProgress(0, N);
    for (let u = 0; u < N; u++) {
      if (signal.aborted) break;
      const target: Target = { kind: 'user', index: u };
      const h = this.historyOf(u);
      if (h.length < 2) continue;
      if (tasks.includes('sequential') || tasks.includes('topn')) {
        const res = await this.infer(target, w, constrained, true);
        if (tasks.includes('sequential')) {
          seqLists.push(res.sequential.map((s) => s.item.id));
          seqTargets.push(h[h.length - 1]!);
        }
        if (res.topn) {
          topLists.push(res.topn.ranked.slice(0, TOP_K).map((s) => s.item.id));
          topTargets.push(res.topn.positive);
        }
      }
      if (tasks.includes('explanation') && this.pack.explanationPairs) {
        const pair = this.pack.explanationPairs.find((p) => p.user === u);
        if (pair) {
          const e = await this.explain(target, pair.item, w, 21, () => {}, signal);
          if (e.stopped) break;
          refs.push(pair.reference);
          hyps.push(e.text);
        }
      }
      done++;
      onProgress(done, N);
      // Let the interrupt message in between users.
      await new Promise((r) => setTimeout(r, 0));
    }
    const rows: MetricsRow[] = [];
    const fmt = (m: ReturnType<typeof rankingMetrics>) => ({ 'HR@1': m.hr[1]!, 'HR@5': m.hr[5]!, 'NDCG@5': m.ndcg[5]!, 'HR@10': m.hr[10]!, 'NDCG@10': m.ndcg[10]! });
    if (seqTargets.length) rows.push({ task: 'sequential', values: fmt(rankingMetrics(seqLists, seqTargets)), users: seqTargets.length });
    if (topTargets.length) rows.push({ task: 'topn', values: fmt(rankingMetrics(topLists, topTargets)), users: topTargets.length });
    if (refs.length) {
      const m = explanationMetrics(refs, hyps);
      rows.push({ task: 'explanation', values: { 'BLEU-1': m.bleu1, 'BLEU-4': m.bleu4, 'ROUGE-1': m.rouge1, 'ROUGE-2': m.rouge2, 'ROUGE-L': m.rougeL }, users: refs.length });
    }
    return { rows, stopped: signal.aborted };
  }

  async warmup(): Promise<void> {
    // One full prediction compiles every kernel the views use (the first call is the slow one).
    await this.infer({ kind: 'user', index: 0 }, { masked: [], n: this.pack.nDefault, individualOnly: false }, true, false);
  }

  dispose(): void {
    this.pack.dispose();
  }
}

export async function openEngine(packId: PackId, baseUrl: string, backend: BackendInfo, onProgress: ProgressFn): Promise<Engine> {
  void backend;
  const files = new Map<string, FileProgress>();
  const report = (p: ByteProgress) => {
    files.set(p.file, p);
    const all = [...files.values()];
    onProgress('download', all, all.reduce((s, f) => s + f.loaded, 0), all.reduce((s, f) => s + f.total, 0));
  };
  const pack = await openPack(baseUrl, fetch, report);
  return new Engine(pack, packId);
}

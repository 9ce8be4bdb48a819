// The typed message protocol between the UI thread and the model worker. Types only (plus two tiny
// pure helpers): the app reaches the worker through this file, worker-engine.ts and errors.ts, so
// none of them may import tfjs or model code that needs it. Every request carries an `id`; every
// answer to it carries the same `id`.

import type { WasmThreading } from './wasm-threads.ts';
export type { WasmThreading } from './wasm-threads.ts';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

/** A pack opened from disk for this session (its files never leave the browser). */
export type LocalPackId = `local:${string}`;
export type PackId = 'beauty' | 'musical-instruments' | LocalPackId;
export function isLocalPack(id: string): id is LocalPackId {
  return id.startsWith('local:');
}
/** The packs the app serves (public/models/<id>); packs opened from disk are listed beside them. */
export const PACKS: readonly { id: PackId; label: string }[] = [
  { id: 'beauty', label: 'Beauty' },
  { id: 'musical-instruments', label: 'Musical Instruments' },
];

/** Cache API names of cached pack versions start with this (runtime/pack-cache.ts writes them). */
export const PACK_CACHE_PREFIX = 'peapod-pack:';

export type TaskName = 'sequential' | 'topn' | 'explanation';

export interface ItemRef {
  /** Item index in the pack (1..I). */
  id: number;
  name: string;
}

export interface BackendInfo {
  backend: BackendName;
  /** One sentence: why this backend. */
  reason: string;
  forced: boolean;
  adapter: { present: boolean; isFallbackAdapter: boolean; architecture: string; vendor: string };
  failures: { backend: BackendName; error: string }[];
  /** How long choosing took, by part (absent from workers built before the timing existed). */
  timing?: BackendTiming;
  /** Set when the automatic choice was remembered from an earlier visit rather than probed now. */
  remembered?: { at: number } | null;
  /**
   * Set (in a second 'backend' message) when the adapter request answered null at start-up but a
   * hardware adapter answered a background retry and the model is large enough for WebGPU.
   * remembered: the next visit starts on webgpu.
   */
  lateAdapter?: { vendor: string; remembered: boolean } | null;
  /** On wasm: the threads it runs on and why (absent on other backends). */
  wasm?: WasmThreading;
}

/**
 * For the e2e tests only: `adapterAsHardware` treats a software WebGPU adapter (SwiftShader) as
 * hardware, so the measured WebGPU-vs-WASM choice runs for real (and waits up to 5 s, not 250 ms,
 * for the adapter's answer); `probeBudgetMs` replaces the probing budget (honoured only with
 * adapterAsHardware).
 */
export interface BackendTestHooks {
  adapterAsHardware?: boolean;
  probeBudgetMs?: number;
}

/** Milliseconds spent choosing the backend. probingMs = totalMs - startMs (all but the chosen backend's own start). */
export interface BackendTiming {
  /** Reading (or clearing) the remembered choice. */
  memoryMs: number;
  /** navigator.gpu.requestAdapter(), time-boxed. */
  adapterMs: number;
  /** Start + smoke test of backends that failed before the chosen one. */
  failedMs: number;
  /**
   * Measuring WebGPU against WASM (hardware adapter only): the other backend's start, both timed
   * decoder steps and re-activating the faster. Absent when nothing was measured.
   */
  measureMs?: number;
  /** The chosen backend's own start (for wasm: compiling the module). */
  startMs: number;
  /** The chosen backend's one-op smoke test. */
  smokeMs: number;
  totalMs: number;
  probingMs: number;
}

/** What-if settings; the defaults (nothing masked, pack's n, with neighbours) are "unmodified". */
export interface WhatIf {
  /** User indices of neighbours excluded from the attention. */
  masked: number[];
  /** How many of the most similar users are attended over (1..nMax). */
  n: number;
  /** No neighbours at all: the collaborative prompt is built from the user alone. */
  individualOnly: boolean;
}

/** Whom to run: a pack user by index, or a cold-start profile folded into the CF model. */
export type Target = { kind: 'user'; index: number } | { kind: 'profile'; name: string; items: number[] };

export interface NeighbourInfo {
  index: number;
  datasetId: string;
  similarity: number;
  /** Items of this neighbour's history that the user also has (lit up on hover). */
  shared: number[];
}

export interface UserInfo {
  /** null for a cold-start profile. */
  index: number | null;
  /** Dataset user id (or the profile name). */
  label: string;
  /** Full chronological history, newest last (for a pack user the last two are valid/test). */
  history: ItemRef[];
  /** The held-out test item (last of the sequence); null for profiles. */
  testItem: ItemRef | null;
  /** The n_max most similar users, best first. */
  neighbours: NeighbourInfo[];
  /** Items this user has a reference explanation for (test pairs); empty without references. */
  explainable: number[];
}

export interface AttentionInfo {
  /** Neighbour user indices, column order of `weights` (masked ones included with weight 0). */
  neighbours: number[];
  /** [heads][neighbours], each row sums to 1 over the unmasked neighbours. */
  weights: number[][];
  /** Head-average per neighbour. */
  mean: number[];
}

export interface PromptInfo {
  /** [l][d] task prompt vectors of the task shown. */
  task: number[][];
  /** [l][d] collaborative prompt vectors. */
  collaborative: number[][];
}

/**
 * Where an item's score comes from: its first decoded token's logit (the item's token for atomic
 * ids) split into additive parts, total = t5 + cf + seq (null counts as 0). The score shown stays
 * the log-probability; this is the logit that the softmax turned into it.
 */
export interface ScoreParts {
  /** The T5's own logit (encoder + decoder, soft prompt included). */
  t5: number;
  /** Collaborative output prior (user + attended neighbours, dot the item's CF factors); null when not added (pack without it, priors off, individual-only). */
  cf: number | null;
  /** Sequential output prior (item-to-item transitions from the history + repeat penalty; next item only); null when not added. */
  seq: number | null;
  /** Under a what-if: each part minus the same item's part for the unmodified user (null counts as 0). */
  delta?: { t5: number; cf: number; seq: number };
}

export interface ScoredItem {
  item: ItemRef;
  /** Beam log-probability (sequential) or sequence log-probability (top-n). */
  score: number;
  /** The first-token logit split into T5 / collaborative prior / sequence prior (absent for a non-item output and in precomputed examples). */
  parts?: ScoreParts | null;
}

/**
 * GPU work counted on the WebGPU backend (runtime/gpu-counters.ts). The counts depend on the code
 * and the shapes, not on the hardware: a software adapter gives the same numbers as a real GPU.
 */
export interface GpuCounts {
  /** Compute dispatches (one per TF.js WebGPU program run). */
  dispatches: number;
  /** Host -> GPU data uploads (a tensor's values on its first use on the GPU, non-uniform buffer writes). */
  uploads: number;
  uploadBytes: number;
  /** Uniform-buffer writes (TF.js writes one per dispatch); not counted as uploads. */
  uniformWrites: number;
  /** GPU -> host reads (each `data()` of a tensor on the GPU). */
  readbacks: number;
  readbackBytes: number;
}

/** One part of a request: all its GPU work, and that of its decoding loop over `steps` decoder steps. */
export interface GpuWork {
  total: GpuCounts;
  /** The decoding loop alone (beam search, ranking or greedy search), encoder excluded. */
  decoding: GpuCounts;
  /** Decoder steps the loop ran (0 when it scores whole sequences at once, as top-n ranking does). */
  steps: number;
}

export interface InferResult {
  user: UserInfo;
  whatIf: WhatIf;
  attention: AttentionInfo | null;
  prompt: PromptInfo;
  /** Top-10 next items (beam search). */
  sequential: ScoredItem[];
  /** The 100 candidates ranked (only for pack users with fixed negatives). */
  topn: { ranked: ScoredItem[]; positive: number } | null;
  constrained: boolean;
  evaluation: boolean;
  /** Whether the pack's output priors were added to the T5's logits (false: T5 only, or a pack without priors). Absent in precomputed examples: true. */
  priors?: boolean;
  /** Whether next-item skipped the items already in the history (InferOptions.skipHistory, atomic ids only). Absent: false. */
  skipHistory?: boolean;
  elapsedMs: number;
  /** On the WebGPU backend only: the request's GPU work, in all and per task shown. */
  gpu?: { total: GpuCounts; nextItem: GpuWork; topn: GpuWork | null };
}

export interface PackSummary {
  pack: PackId;
  name: string;
  numUsers: number;
  numItems: number;
  /** Largest n the pack stores neighbours for; the composer's trained n. */
  nMax: number;
  nDefault: number;
  heads: number;
  promptLength: number;
  tasks: TaskName[];
  /** Readable names indexed by item id (index 0 = ""). */
  itemNames: string[];
  /** Config, metrics and provenance as recorded in the manifest (shown on the pack card). */
  manifest: Record<string, unknown>;
  /** Parsed training-log.jsonl rows (may be empty). */
  trainingLog: TrainingLogRow[];
  /** Whether explanations.json exists (reference explanations). */
  hasReferences: boolean;
  /** The output priors the pack's config adds to the first decoded token (config.composer.cfPrior / seqPrior). */
  priors: { cf: boolean; seq: boolean };
  /**
   * Where next-item reads the history (config.sequentialForm): 'bare' = in the encoder's prompt
   * ("user_… item_… item_…"), 'history' = as the decoder's own prefix after the start token.
   */
  sequentialForm: 'bare' | 'history';
  /** The pack's item ids: 'atomic' (one token per item; what skipHistory needs) or 'p5' (digit pieces). */
  idScheme: 'atomic' | 'p5';
}

export interface TrainingLogRow {
  step: number;
  epoch?: number;
  task?: string;
  loss?: number;
  valLoss?: number;
  lr?: number;
  elapsedS?: number;
}

/** The precomputed example shown while the model loads. */
export interface ExampleView {
  pack: PackId;
  result: InferResult;
  explanation?: { item: ItemRef; text: string };
}

export interface MetricsRow {
  task: 'sequential' | 'topn' | 'explanation';
  values: Record<string, number>;
  users: number;
}

// ---------------------------------------------------------------- the Engine's options and answers
// One options object per Engine method (runtime/engine.ts); the worker's requests carry the same
// fields, and the page's WorkerEngine (runtime/worker-engine.ts) takes the same objects.

/** Engine.infer: whom to run, under which what-if, and how to decode. */
export interface InferOptions {
  target: Target;
  whatIf: WhatIf;
  /** Constrained decoding: only catalogue items come out of beam search. */
  constrained: boolean;
  /** The evaluation view: predict from the history without its held-out test item. */
  evaluation: boolean;
  /** Add the pack's output priors (default true); false: T5 only. */
  priors?: boolean;
  /**
   * Next-item never recommends an item already in the history (default false: the model's own list,
   * as the paper's protocol scores it). A decoding rule, not a learnt part: the items' tokens are
   * banned at the first decoding step. Packs with atomic ids only (one token per item).
   */
  skipHistory?: boolean;
}

/** Engine.explain: the explanation of one item for one target, under a what-if. */
export interface ExplainOptions {
  target: Target;
  item: number;
  whatIf: WhatIf;
  maxTokens: number;
  /** Block repeated n-grams of this size (0 or absent: off, the model's plain beam search). */
  noRepeatNgram?: number;
}

/** Engine.evaluate: the paper's metrics on the first `numUsers` test users. */
export interface EvaluateOptions {
  numUsers: number;
  constrained: boolean;
  /** Add the pack's output priors (default true). */
  priors?: boolean;
  /** Next-item lists skip the items already in the input history (InferOptions.skipHistory; constrained decoding of atomic ids only). */
  skipHistory?: boolean;
}

export interface ExplainResult {
  /** The final text (the text streamed so far when stopped). */
  text: string;
  stopped: boolean;
  reference: string | null;
  item: ItemRef;
  tokens: number;
  /** On the WebGPU backend only: the explanation's GPU work (steps: decoder steps run). */
  gpu?: GpuWork;
}

export interface EvaluateResult {
  /** Empty when stopped: a partial run reports nothing rather than numbers over other users. */
  rows: MetricsRow[];
  stopped: boolean;
}

// ---------------------------------------------------------------- requests (UI -> worker)

export type Request =
  /** Starts everything: example, download, backend, warm-up. A backend switch is a fresh worker + load. */
  | {
      type: 'load';
      id: number;
      pack: PackId;
      baseUrl: string;
      backend: BackendName | null;
      backendSource: 'url' | 'user' | null;
      /** Forget the remembered automatic choice and probe every backend again. */
      recheckBackend?: boolean;
      /** Test-only switches of the automatic choice (URL `?adapterAsHardware=1&probeBudgetMs=N`). */
      backendTestHooks?: BackendTestHooks;
      /** What the page will ask for first once ready; the warm-up predicts exactly that. */
      first?: FirstView;
      /**
       * A pack opened from disk (pack is a LocalPackId): its files by path inside the pack folder,
       * read from the user's disk in the worker and verified like a served pack; baseUrl is unused.
       */
      files?: Record<string, Blob>;
      /** ?threads=N: the WASM backend's thread count (1: single-threaded); null or absent: one per core. */
      wasmThreads?: number | null;
    }
  /** query: a dataset user id, `#<index>`, or 'random'. */
  | { type: 'findUser'; id: number; query: string }
  | { type: 'userInfo'; id: number; index: number }
  /** purpose 'baseline' = the unmodified user for the comparison; a newer 'view' supersedes a queued one. */
  | ({ type: 'infer'; id: number; purpose: 'view' | 'baseline' } & InferOptions)
  | ({ type: 'explain'; id: number } & ExplainOptions)
  | ({ type: 'evaluate'; id: number } & EvaluateOptions)
  | { type: 'interrupt'; id: number; target: number };

/**
 * The first view the page will request after 'ready' (from the URL and stored settings). user null:
 * the precomputed example's user, with the pack's default what-if. whatIf.n = 0: the pack's default.
 */
export interface FirstView {
  user: number | null;
  /** A shared link's user by dataset id (wins over `user`); its masks below replace whatIf.masked. */
  userId?: string;
  /** Dataset ids of the masked neighbours of `userId`. */
  maskedIds?: string[];
  whatIf: WhatIf;
  constrained: boolean;
  evaluation: boolean;
  /** Output priors on (default) or off. */
  priors?: boolean;
  /** Next-item skips the items already in the history (default off). */
  skipHistory?: boolean;
}

export type RequestType = Request['type'];

// ---------------------------------------------------------------- responses (worker -> UI)

export type ProgressStage = 'download' | 'warmup' | 'evaluate';

export interface FileProgress {
  file: string;
  loaded: number;
  /** 0 when the server sent no length. */
  total: number;
}

export type ResultPayload =
  | { kind: 'load'; summary: PackSummary }
  | { kind: 'backend'; backend: BackendInfo }
  | { kind: 'user'; user: UserInfo }
  | { kind: 'infer'; result: InferResult }
  | ({ kind: 'explain' } & ExplainResult)
  | ({ kind: 'evaluate' } & EvaluateResult);

export type ErrorCode =
  | 'UnknownUser'
  | 'PackLoadFailed'
  | 'PackCorrupt'
  | 'BackendUnavailable'
  | 'DeviceLost'
  | 'NotReady'
  | 'BadRequest'
  | 'Internal';

export interface ProtocolError {
  code: ErrorCode;
  /** What went wrong (names the file, user or tensor). */
  message: string;
  /** What the person can do about it. */
  action: string;
  /**
   * The stable code of the error behind it (e.g. 'pack-truncated', 'model-config'), when one of ours
   * was; absent for the worker's own errors (their code is `code`) and for foreign ones.
   */
  causeCode?: string;
}

/**
 * Start-up stages the worker reports as they end; the page turns each into the performance mark
 * `peapod:<stage>` on its own timeline (the page adds `peapod:js` and `peapod:result`).
 */
export type StartupStage = 'worker' | 'example' | 'engine' | 'backend' | 'manifest' | 'fetched' | 'verified' | 'decoded' | 'model' | 'tables' | 'warmup';

/** When a stage ended, in milliseconds since the Unix epoch (performance.timeOrigin + now()). */
export interface StartupMark {
  stage: StartupStage;
  epochMs: number;
}

export type Response =
  | { type: 'mark'; mark: StartupMark }
  | { type: 'backend'; backend: BackendInfo }
  | { type: 'example'; example: ExampleView | null }
  | { type: 'progress'; id: number; stage: ProgressStage; files: FileProgress[]; done: number; total: number }
  | { type: 'ready'; id: number; summary: PackSummary; backend: BackendInfo; warmupMs: number }
  /** Streaming explanation: the best text so far (beam search may revise earlier words). */
  | { type: 'token'; id: number; text: string }
  | { type: 'result'; id: number; payload: ResultPayload }
  | { type: 'error'; id: number | null; error: ProtocolError };

/**
 * The unmodified what-if (nothing masked, the pack's n, with neighbours): the one place it is
 * written. n = 0 stands for "the pack's default, not known yet" (before a pack is loaded).
 */
export function defaultWhatIf(nDefault: number): WhatIf {
  return { masked: [], n: nDefault, individualOnly: false };
}

export function isDefaultWhatIf(w: WhatIf, nDefault: number): boolean {
  return w.masked.length === 0 && w.n === nDefault && !w.individualOnly;
}

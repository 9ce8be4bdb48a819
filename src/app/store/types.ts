// The shape of the one app store, as the union of its slices. Slices live in their own files and
// may read each other through `get()`; only index.ts combines them and adds middleware.
import type { StateCreator } from 'zustand';
import type {
  BackendInfo,
  BackendName,
  ExampleView,
  FileProgress,
  GpuWork,
  InferResult,
  ItemRef,
  MetricsRow,
  PackId,
  PackSummary,
  ProtocolError,
  UserInfo,
  WhatIf,
} from '../../runtime/protocol.ts';
import type { WorkerEngine } from '../../runtime/worker-engine.ts';
import type { ViewTask } from '../lib/url-state.ts';

export type Phase = 'idle' | 'downloading' | 'warming' | 'ready' | 'error';

export interface SessionSlice {
  /** The model worker, as promises (null before the first load and after a cancelled one). */
  engine: WorkerEngine | null;
  pack: PackId;
  phase: Phase;
  files: FileProgress[];
  backend: BackendInfo | null;
  /** Backend the person asked for (URL or picker); null = let the app choose. */
  requestedBackend: BackendName | null;
  /** ?threads=N: the WASM backend's thread count, kept across restarts; null: one per core. */
  wasmThreads: number | null;
  summary: PackSummary | null;
  example: ExampleView | null;
  error: ProtocolError | null;
  warmupMs: number | null;
  loadPack(pack: PackId): void;
  switchBackend(backend: BackendName | null): void;
  /** Forget the remembered automatic backend and run the full probe (a fresh worker). */
  recheckBackend(): void;
  dismissError(): void;
  /** Abandons a download in progress (the worker ends); Retry resumes from the pack cache. */
  cancelLoad(): void;
  /**
   * Shows an error of `engine` (ignored when that is no longer the app's engine): a crash
   * (source 'worker', code Internal) or a lost device restarts the worker, a bounded number of
   * times, keeping the person's selection; returns true then. Otherwise it sets the banner, and the
   * phase for a failed load (source 'load') or a worker-wide failure (source 'worker').
   */
  reportWorkerError(error: unknown, engine: WorkerEngine, source: 'load' | 'request' | 'worker'): boolean;
}

export interface UserSlice {
  userIndex: number | null;
  /** Dataset user id of every pack index seen so far (users and their neighbours): the URL names users by these. */
  datasetIds: Record<number, string>;
  /** A shared link's user and masks by dataset id, waiting for the pack to resolve them to indexes. */
  urlRestore: { userId: string; maskedIds: string[] } | null;
  /** Active cold-start profile name (instead of a pack user). */
  profileName: string | null;
  hoveredNeighbour: number | null;
  selectedNeighbour: number | null;
  neighbourInfo: UserInfo | null;
  selectedHead: number | null;
  findUser(query: string): void;
  selectUser(index: number): void;
  hoverNeighbour(index: number | null): void;
  openNeighbour(index: number | null): void;
  selectHead(head: number | null): void;
}

/** One what-if change (mask, n, individual-only) and, once its result is in, what it did to the top-10. */
export interface WhatIfChange {
  /** The change in words, e.g. "masked 5688 (66% of attention)". */
  text: string;
  /** The next-item list when the change was made (null: none shown yet). */
  before: ItemRef[] | null;
  /** "2 of 10 moved, #1 unchanged"; null while the result is computed. */
  summary: string | null;
}

export interface WhatIfSlice {
  whatIf: WhatIf;
  /** The what-if changes since the unmodified user, oldest first (cleared with the user or Reset). */
  whatIfLog: WhatIfChange[];
  /** What the last constrained-decoding switch did to the next-item list (text null while computing). */
  constrainedNote: { on: boolean; before: { id: number; score: number }[] | null; text: string | null } | null;
  /** Set when the n typed was outside 1..nMax and was clamped to `used`. */
  nNote: { asked: number; used: number } | null;
  constrained: boolean;
  evaluation: boolean;
  /** Add the pack's output priors to the T5's scores (default); false: T5 only. URL: priors=off. */
  priors: boolean;
  /** Next-item skips the items already in the history (a decoding rule; default off). URL: skip=on. */
  skipHistory: boolean;
  task: ViewTask;
  toggleMask(index: number): void;
  setN(n: number): void;
  setIndividualOnly(on: boolean): void;
  resetWhatIf(): void;
  setConstrained(on: boolean): void;
  setEvaluation(on: boolean): void;
  /** The "T5 only / T5 + priors" switch; recomputes live. */
  setPriors(on: boolean): void;
  /** "Skip items already in the history"; recomputes live. */
  setSkipHistory(on: boolean): void;
  setTask(task: ViewTask): void;
}

export interface ExplanationState {
  item: ItemRef;
  text: string;
  streaming: boolean;
  stopped: boolean;
  reference: string | null;
  tokens: number;
  /** The finished explanation's GPU work (WebGPU backend only). */
  gpu?: GpuWork;
}

export interface ResultsSlice {
  /** Unmodified user (default what-if), for the moved up/down/new comparison. */
  baseline: InferResult | null;
  current: InferResult | null;
  busy: boolean;
  explanation: ExplanationState | null;
  /** Explanations block repeated word pairs (beam search's noRepeatNgram 2); off shows the model's plain beam search. */
  explainNoRepeat: boolean;
  /** Re-runs inference for the current target with the current settings. */
  recompute(): void;
  explain(item: ItemRef): void;
  setExplainNoRepeat(on: boolean): void;
  stopExplain(): void;
}

export interface Profile {
  name: string;
  pack: PackId;
  items: number[];
  createdAt: string;
}

export interface ProfilesSlice {
  profiles: Profile[];
  saveProfile(p: Profile): void;
  deleteProfile(name: string): void;
  runProfile(name: string): void;
  importProfiles(json: string): number;
  exportProfiles(): string;
}

export interface EvalSlice {
  evalRunning: boolean;
  evalDone: number;
  evalTotal: number;
  evalRows: MetricsRow[] | null;
  evalStopped: boolean;
  /** Whether the last run added the output priors (the switch at the time it started). */
  evalPriors: boolean;
  /** Whether the last run's next-item lists skipped the items already in the history. */
  evalSkipHistory: boolean;
  /** Users asked for in the run in progress / the last run, and when it started (performance.now()). */
  evalUsers: number;
  evalStartedAt: number | null;
  /** Milliseconds per test user of the last completed run on this device (null before one). */
  evalMsPerUser: number | null;
  runEval(numUsers: number): void;
  stopEval(): void;
}

export type Panel = 'explore' | 'evaluate' | 'pack' | 'coldstart';

export interface UiSlice {
  panel: Panel;
  tourStep: number | null;
  setPanel(p: Panel): void;
  startTour(): void;
  tourTo(step: number | null): void;
}

export type AppState = SessionSlice & UserSlice & WhatIfSlice & ResultsSlice & ProfilesSlice & EvalSlice & UiSlice;

export type Slice<T> = StateCreator<AppState, [['zustand/persist', unknown]], [], T>;

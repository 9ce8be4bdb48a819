// Session slice: which pack and backend, the loading progress, and what happens when the worker
// fails. It creates the worker engine (through the injected factory) and awaits its load; the
// other slices await their own requests. It never holds tensors.
import { defaultWhatIf, isLocalPack, type PackId } from '../../runtime/protocol.ts';
import { toProtocolError } from '../../runtime/errors.ts';
import type { Ready, WorkerEngine, WorkerEvent } from '../../runtime/worker-engine.ts';
import type { BackendTestHooks } from '../../runtime/protocol.ts';
import { localPackFiles } from '../local-packs.ts';
import { replayWorkerMark } from '../lib/startup-marks.ts';
import { LatestRequest } from './latest.ts';
import type { AppState, SessionSlice, Slice } from './types.ts';

export interface SessionDeps {
  makeEngine: () => WorkerEngine;
  baseUrl: string;
  /** The e2e tests' backend-choice switches (lib/backend-test-hooks.ts); absent for people. */
  backendTestHooks?: BackendTestHooks;
}

/** Automatic worker restarts (crash, lost device) per page before errors are left to the person. */
const MAX_RECOVERIES = 3;

export function sessionSlice(deps: SessionDeps): Slice<SessionSlice> {
  return (set, get) => {
    let recoveries = 0;
    const loading = new LatestRequest(() => get().engine);

    // Messages of the worker that answer no request.
    const onEvent = (engine: WorkerEngine, ev: WorkerEvent) => {
      if (get().engine !== engine) return;
      switch (ev.type) {
        case 'mark':
          replayWorkerMark(ev.mark);
          return;
        case 'backend':
          set({ backend: ev.backend });
          return;
        case 'example':
          if (ev.example && ev.example.pack === get().pack) set({ example: ev.example });
          return;
        case 'error':
          get().reportWorkerError(ev.error, engine, 'worker');
          return;
      }
    };

    const onReady = (ready: Ready) => {
      const s = get();
      // n = 0 means "not chosen yet" (no ?n= in the URL): take the pack's default.
      const nOk = s.whatIf.n >= 1 && s.whatIf.n <= ready.summary.nMax;
      set({ phase: 'ready', summary: ready.summary, backend: ready.backend, warmupMs: ready.warmupMs, whatIf: { ...s.whatIf, n: nOk ? s.whatIf.n : ready.summary.nDefault } });
      const st = get();
      if (st.profileName) st.runProfile(st.profileName);
      else if (st.urlRestore) st.findUser(st.urlRestore.userId);
      else if (st.userIndex !== null) st.selectUser(st.userIndex);
      else {
        const ex = st.example?.result.user.index;
        if (ex !== null && ex !== undefined && ex < ready.summary.numUsers) st.selectUser(ex);
        else st.findUser('random');
      }
    };

    const start = (pack: PackId, backend: AppState['requestedBackend'], source: 'url' | 'user' | null, recheckBackend = false) => {
      get().engine?.terminate();
      const engine = deps.makeEngine();
      engine.subscribe((ev) => onEvent(engine, ev));
      // A new engine: every answer still owed by the old one is stale (see latest.ts).
      set({ engine, pack, phase: 'downloading', files: [], summary: null, error: null, backend: null, warmupMs: null, busy: false, explanation: null, evalRunning: false });
      // The worker warms up on what 'ready' below will ask for first (a profile: nothing to match).
      const s = get();
      const restore = s.urlRestore ? { userId: s.urlRestore.userId, maskedIds: s.urlRestore.maskedIds } : {};
      const first = s.profileName === null ? { user: s.userIndex, ...restore, whatIf: s.whatIf, constrained: s.constrained, evaluation: s.evaluation, priors: s.priors, skipHistory: s.skipHistory } : undefined;
      // A pack opened from disk travels as its File objects (structured clone, no copy of the bytes).
      const files = isLocalPack(pack) ? localPackFiles(pack) : undefined;
      const threads = s.wasmThreads !== null ? { wasmThreads: s.wasmThreads } : {};
      const ticket = loading.begin(engine);
      const onProgress = (p: { stage: 'download' | 'warmup'; files: AppState['files'] }) => {
        if (ticket.live()) set({ phase: p.stage === 'warmup' ? 'warming' : 'downloading', files: p.files });
      };
      ticket.settle(
        engine.load({ pack, baseUrl: deps.baseUrl, backend, backendSource: source, ...(recheckBackend ? { recheckBackend } : {}), ...(first ? { first } : {}), ...(files ? { files } : {}), ...threads, ...(deps.backendTestHooks ? { backendTestHooks: deps.backendTestHooks } : {}) }, onProgress),
        onReady,
        (e) => get().reportWorkerError(e, engine, 'load'),
      );
    };

    return {
      engine: null,
      pack: 'beauty',
      phase: 'idle',
      files: [],
      backend: null,
      requestedBackend: null,
      wasmThreads: null,
      summary: null,
      example: null,
      error: null,
      warmupMs: null,

      loadPack(pack) {
        // A different pack invalidates user and what-if; the first load keeps what the URL set.
        const switching = pack !== get().pack && get().phase !== 'idle';
        if (switching) {
          set({ whatIf: defaultWhatIf(0), userIndex: null, urlRestore: null, datasetIds: {}, whatIfLog: [], nNote: null, profileName: null, baseline: null, current: null, example: null, neighbourInfo: null, selectedNeighbour: null, evalRows: null });
        }
        start(pack, get().requestedBackend, get().requestedBackend ? 'url' : null);
      },

      switchBackend(backend) {
        // A fresh worker per backend: tensors never straddle two backends, and a lost device
        // cannot poison the next attempt. The browser cache makes the re-download cheap.
        set({ requestedBackend: backend });
        start(get().pack, backend, backend ? 'user' : null);
      },

      recheckBackend() {
        // Forgets the remembered automatic choice in the worker and probes every backend again.
        set({ requestedBackend: null });
        start(get().pack, null, null, true);
      },

      cancelLoad() {
        if (get().phase !== 'downloading' && get().phase !== 'warming') return;
        get().engine?.terminate();
        set({
          engine: null,
          phase: 'error',
          files: [],
          error: { code: 'PackLoadFailed', message: 'Download cancelled.', action: 'Press Retry to continue; files already downloaded and verified are kept.' },
        });
      },

      dismissError() {
        set({ error: null });
      },

      reportWorkerError(e, engine, source) {
        const s = get();
        if (s.engine !== engine) return false;
        const error = toProtocolError(e);
        // A crashed worker or a lost GPU device: a fresh worker, on the next backend for a lost
        // device, keeping the person's user, what-if and profiles (onReady re-applies them).
        // Bounded, so a worker that cannot even start does not restart forever.
        const crashed = source === 'worker' && error.code === 'Internal';
        const lost = error.code === 'DeviceLost';
        if ((crashed || lost) && recoveries < MAX_RECOVERIES) {
          recoveries++;
          const from = s.backend?.backend ?? 'the';
          if (lost) set({ requestedBackend: null });
          start(s.pack, lost ? null : s.requestedBackend, lost ? null : s.requestedBackend ? 'url' : null);
          set({
            error: {
              ...error,
              action: lost ? `Switched away from the ${from} backend to the next one; your selection is kept.` : 'The model worker was restarted and your selection is being restored.',
            },
          });
          return true;
        }
        const patch: Partial<AppState> = { error };
        if (source !== 'request') patch.phase = s.phase === 'ready' && source === 'worker' ? 'ready' : 'error';
        if (lost) patch.phase = 'error';
        set(patch);
        return false;
      },
    };
  };
}

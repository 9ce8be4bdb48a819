// Session slice: which pack and backend, the loading progress, and the routing of every worker
// response. It creates the worker client (through the injected factory) and never holds tensors.
import { type InferResult, type Response, type UserInfo } from '../../runtime/protocol.ts';
import { describeConstrainedChange, summariseChange } from '../lib/rank-diff.ts';
import type { ModelClient } from '../client.ts';
import { markPageStage, replayWorkerMark } from '../lib/startup-marks.ts';
import type { AppState, SessionSlice, Slice, WhatIfChange } from './types.ts';

/** Adds the dataset ids of a user and their neighbours to the index -> id map (the same object when nothing is new). */
export function learnIds(known: Record<number, string>, user: UserInfo): Record<number, string> {
  const pairs: [number, string][] = user.index !== null ? [[user.index, user.label]] : [];
  for (const nb of user.neighbours) pairs.push([nb.index, nb.datasetId]);
  if (pairs.every(([i, id]) => known[i] === id)) return known;
  const out = { ...known };
  for (const [i, id] of pairs) out[i] = id;
  return out;
}

/**
 * Fills in what the latest pending what-if change did to the top-10 (against the list shown when it
 * was made); earlier changes still pending were superseded before their own result came back.
 */
export function settleLog(log: WhatIfChange[], result: InferResult): WhatIfChange[] {
  const last = log.findLastIndex((e) => e.summary === null);
  if (last < 0) return log;
  const after = result.sequential.map((s) => s.item);
  const names = new Map<number, string>();
  for (const e of log) for (const i of e.before ?? []) names.set(i.id, i.name);
  for (const i of after) names.set(i.id, i.name);
  const name = (id: number) => {
    const n = names.get(id);
    return n ? `“${n.length > 40 ? `${n.slice(0, 39)}…` : n}”` : `item ${id}`;
  };
  return log.map((e, k) => {
    if (e.summary !== null) return e;
    if (k < last) return { ...e, summary: 'combined with the next change' };
    return { ...e, summary: e.before ? summariseChange(e.before.map((i) => i.id), after.map((i) => i.id), name) : '' };
  });
}

export interface SessionDeps {
  makeClient: () => ModelClient;
  baseUrl: string;
}

/** Automatic worker restarts (crash, lost device) per page before errors are left to the person. */
const MAX_RECOVERIES = 3;

export function sessionSlice(deps: SessionDeps): Slice<SessionSlice> {
  return (set, get) => {
    let recoveries = 0;
    const start = (pack: AppState['pack'], backend: AppState['requestedBackend'], source: 'url' | 'user' | null, recheckBackend = false) => {
      get().client?.terminate();
      const client = deps.makeClient();
      client.subscribe((res) => get().handleResponse(res));
      set({
        client,
        pack,
        phase: 'downloading',
        files: [],
        summary: null,
        error: null,
        backend: null,
        warmupMs: null,
        busy: false,
        explanation: null,
        evalRunning: false,
        pending: { load: null, infer: null, baseline: null, user: null, neighbour: null, explain: null, evaluate: null },
      });
      // The worker warms up on what 'ready' below will ask for first (a profile: nothing to match).
      const s = get();
      const restore = s.urlRestore ? { userId: s.urlRestore.userId, maskedIds: s.urlRestore.maskedIds } : {};
      const first = s.profileName === null ? { user: s.userIndex, ...restore, whatIf: s.whatIf, constrained: s.constrained, evaluation: s.evaluation, priors: s.priors } : undefined;
      const id = client.send({ type: 'load', pack, baseUrl: deps.baseUrl, backend, backendSource: source, ...(recheckBackend ? { recheckBackend } : {}), ...(first ? { first } : {}) });
      set((s) => ({ pending: { ...s.pending, load: id } }));
    };

    return {
      pack: 'beauty',
      phase: 'idle',
      files: [],
      backend: null,
      requestedBackend: null,
      summary: null,
      example: null,
      error: null,
      warmupMs: null,

      loadPack(pack) {
        // A different pack invalidates user and what-if; the first load keeps what the URL set.
        const switching = pack !== get().pack && get().phase !== 'idle';
        if (switching) {
          set({ whatIf: { masked: [], n: 0, individualOnly: false }, userIndex: null, urlRestore: null, datasetIds: {}, whatIfLog: [], nNote: null, profileName: null, baseline: null, current: null, example: null, neighbourInfo: null, selectedNeighbour: null, evalRows: null });
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
        get().client?.terminate();
        set({
          client: null,
          phase: 'error',
          files: [],
          pending: { load: null, infer: null, baseline: null, user: null, neighbour: null, explain: null, evaluate: null },
          error: { code: 'PackLoadFailed', message: 'Download cancelled.', action: 'Press Retry to continue; files already downloaded and verified are kept.' },
        });
      },

      dismissError() {
        set({ error: null });
      },

      handleResponse(res: Response) {
        const s = get();
        switch (res.type) {
          case 'mark':
            replayWorkerMark(res.mark);
            return;
          case 'backend':
            set({ backend: res.backend });
            return;
          case 'example':
            if (res.example && res.example.pack === s.pack) set({ example: res.example });
            return;
          case 'progress':
            if (res.stage === 'evaluate') {
              if (res.id === s.pending.evaluate) set({ evalDone: res.done, evalTotal: res.total });
              return;
            }
            if (res.id !== s.pending.load) return;
            set({ phase: res.stage === 'warmup' ? 'warming' : 'downloading', files: res.files });
            return;
          case 'ready': {
            if (res.id !== s.pending.load) return;
            // n = 0 means "not chosen yet" (no ?n= in the URL): take the pack's default.
            const nOk = s.whatIf.n >= 1 && s.whatIf.n <= res.summary.nMax;
            set({
              phase: 'ready',
              summary: res.summary,
              backend: res.backend,
              warmupMs: res.warmupMs,
              whatIf: { ...s.whatIf, n: nOk ? s.whatIf.n : res.summary.nDefault },
              pending: { ...s.pending, load: null },
            });
            const st = get();
            if (st.profileName) st.runProfile(st.profileName);
            else if (st.urlRestore) st.findUser(st.urlRestore.userId);
            else if (st.userIndex !== null) st.selectUser(st.userIndex);
            else {
              const ex = st.example?.result.user.index;
              if (ex !== null && ex !== undefined && ex < res.summary.numUsers) st.selectUser(ex);
              else st.findUser('random');
            }
            return;
          }
          case 'token': {
            const e = s.explanation;
            if (e && e.requestId === res.id && e.streaming) set({ explanation: { ...e, text: res.text, tokens: e.tokens + 1 } });
            return;
          }
          case 'result': {
            const p = res.payload;
            if (p.kind === 'user') {
              const datasetIds = learnIds(s.datasetIds, p.user);
              if (res.id === s.pending.user) {
                set({ pending: { ...s.pending, user: null }, datasetIds });
                if (p.user.index !== null && s.urlRestore) {
                  // A shared link: its masks name neighbours of this user by dataset id.
                  const wanted = new Set(s.urlRestore.maskedIds);
                  const masked = p.user.neighbours.filter((nb) => wanted.has(nb.datasetId)).map((nb) => nb.index).sort((a, b) => a - b);
                  set({ userIndex: p.user.index, urlRestore: null, whatIf: { ...get().whatIf, masked } });
                }
                if (p.user.index !== null) get().selectUser(p.user.index);
              } else if (res.id === s.pending.neighbour) {
                set({ neighbourInfo: p.user, datasetIds, pending: { ...s.pending, neighbour: null } });
              }
              return;
            }
            if (p.kind === 'infer') {
              if (res.id === s.pending.baseline) {
                set({ baseline: p.result, pending: { ...s.pending, baseline: null } });
                return;
              }
              if (res.id !== s.pending.infer) return;
              markPageStage('result');
              const isDefault = p.result.whatIf.masked.length === 0 && !p.result.whatIf.individualOnly && p.result.whatIf.n === (s.summary?.nDefault ?? p.result.whatIf.n);
              set({
                current: p.result,
                whatIfLog: settleLog(s.whatIfLog, p.result),
                constrainedNote:
                  s.constrainedNote && s.constrainedNote.text === null && s.constrainedNote.before && p.result.constrained === s.constrainedNote.on
                    ? { ...s.constrainedNote, text: describeConstrainedChange(s.constrainedNote.before, p.result.sequential.map((r) => ({ id: r.item.id, score: r.score })), s.constrainedNote.on) }
                    : s.constrainedNote,
                datasetIds: learnIds(s.datasetIds, p.result.user),
                baseline: isDefault ? p.result : s.baseline,
                busy: false,
                pending: { ...s.pending, infer: null },
              });
              return;
            }
            if (p.kind === 'explain') {
              const e = s.explanation;
              if (!e || e.requestId !== res.id) return;
              const final = e.stopped ? { reference: p.reference } : { text: p.text, stopped: p.stopped, reference: p.reference, tokens: p.tokens };
              set({ explanation: { ...e, ...final, streaming: false }, pending: { ...s.pending, explain: null } });
              return;
            }
            if (p.kind === 'evaluate') {
              if (res.id !== s.pending.evaluate) return;
              const ms = !p.stopped && s.evalStartedAt !== null && s.evalUsers > 0 ? (performance.now() - s.evalStartedAt) / s.evalUsers : null;
              set({ evalRows: p.rows, evalRunning: false, evalStopped: p.stopped, evalMsPerUser: ms ?? s.evalMsPerUser, pending: { ...s.pending, evaluate: null } });
              return;
            }
            return;
          }
          case 'error': {
            // A crashed worker (the client reports it with id null, code Internal) or a lost GPU
            // device: a fresh worker, on the next backend for a lost device, keeping the person's
            // user, what-if and profiles ('ready' re-applies them). Bounded, so a worker that cannot
            // even start does not restart forever.
            const crashed = res.id === null && res.error.code === 'Internal';
            const lost = res.error.code === 'DeviceLost';
            if ((crashed || lost) && recoveries < MAX_RECOVERIES) {
              recoveries++;
              const from = s.backend?.backend ?? 'the';
              if (lost) set({ requestedBackend: null });
              start(s.pack, lost ? null : s.requestedBackend, lost ? null : s.requestedBackend ? 'url' : null);
              set({
                error: {
                  code: res.error.code,
                  message: res.error.message,
                  action: lost ? `Switched away from the ${from} backend to the next one; your selection is kept.` : 'The model worker was restarted and your selection is being restored.',
                },
              });
              return;
            }
            const pend = s.pending;
            const patch: Partial<AppState> = { error: res.error };
            if (res.id === null || res.id === pend.load) patch.phase = s.phase === 'ready' && res.id === null ? 'ready' : 'error';
            if (res.id === pend.infer) patch.busy = false;
            if (res.id === pend.user && s.urlRestore) {
              // The shared link's user is not in this pack: say so, and show the example's user instead.
              patch.urlRestore = null;
              patch.whatIf = { ...s.whatIf, masked: [] };
              patch.pending = { ...pend, user: null };
              set(patch);
              const ex = s.example?.result.user.index;
              if (ex !== null && ex !== undefined && s.summary && ex < s.summary.numUsers) get().selectUser(ex);
              else get().findUser('random');
              return;
            }
            if (res.id === pend.evaluate) patch.evalRunning = false;
            if (res.id === pend.explain && s.explanation) patch.explanation = { ...s.explanation, streaming: false };
            if (res.error.code === 'DeviceLost') patch.phase = 'error';
            set(patch);
            return;
          }
        }
      },
    };
  };
}

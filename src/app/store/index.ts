// The one app store: slices combined, persistence (cold-start profiles only, in IndexedDB) on the
// combined store, and the URL <-> state binding. Components import `useApp` from here.
import { create } from 'zustand';
import { createJSONStorage, persist, type StateStorage } from 'zustand/middleware';
import { del, get as idbGet, set as idbSet } from 'idb-keyval';
import type { BackendName, PackId } from '../../runtime/protocol.ts';
import { BACKEND_NAMES, PACKS } from '../../runtime/protocol.ts';
import type { BackendTestHooks } from '../../runtime/protocol.ts';
import type { WorkerEngine } from '../../runtime/worker-engine.ts';
import { parseBackendTestHooks } from '../lib/backend-test-hooks.ts';
import { createWorkerEngine } from '../client.ts';
import { formatUrlState, parseUrlState } from '../lib/url-state.ts';
import { appState } from './app-state.ts';
import { migratePersisted, PERSIST_VERSION, type PersistedState } from './persisted.ts';
import type { AppState } from './types.ts';

const idbStorage: StateStorage = {
  getItem: async (name) => (await idbGet<string>(name)) ?? null,
  setItem: (name, value) => idbSet(name, value),
  removeItem: (name) => del(name),
};

export function createAppStore(makeEngine: () => WorkerEngine, baseUrl: string, backendTestHooks?: BackendTestHooks) {
  return create<AppState>()(
    persist(
      appState({ makeEngine, baseUrl, ...(backendTestHooks ? { backendTestHooks } : {}) }),
      {
        name: 'peapod-web',
        version: PERSIST_VERSION,
        storage: createJSONStorage(() => idbStorage),
        partialize: (s): PersistedState => ({ profiles: s.profiles, constrained: s.constrained }),
        // Stored records are untrusted (older schema, damaged): migrate and validate every one.
        migrate: (stored, version) => migratePersisted(stored, version) as unknown as AppState,
        merge: (stored, current) => (stored === undefined || stored === null ? current : { ...current, ...migratePersisted(stored, PERSIST_VERSION) }),
      },
    ),
  );
}

// Absolute, because the worker resolves URLs against its own script URL (under assets/), not the page.
export const useApp = createAppStore(createWorkerEngine, new URL(import.meta.env.BASE_URL, location.href).href, parseBackendTestHooks(location.search));

/** Reads the URL once, starts loading, then mirrors the shareable fields back into the URL. */
export function startApp(): void {
  const u = parseUrlState(location.search);
  const pack: PackId = PACKS.some((p) => p.id === u.pack) ? (u.pack as PackId) : 'beauty';
  const backend = (BACKEND_NAMES as readonly string[]).includes(u.backend ?? '') ? (u.backend as BackendName) : null;
  useApp.setState({
    pack,
    requestedBackend: backend,
    wasmThreads: u.threads,
    // New links name the user by dataset id (resolved once the pack is ready); old ones by index.
    userIndex: u.userId === null ? u.legacyUser : null,
    urlRestore: u.userId !== null ? { userId: u.userId, maskedIds: u.maskedIds } : null,
    task: u.task ?? 'sequential',
    evaluation: u.evaluation,
    priors: u.priors,
    skipHistory: u.skipHistory,
    whatIf: { masked: u.userId === null ? u.legacyMasked : [], n: u.n ?? 0, individualOnly: u.individualOnly },
  });
  useApp.getState().loadPack(pack);
  useApp.subscribe((s) => {
    const next = urlFor(s);
    // null: the selection's dataset ids are not known yet (an old index link still loading); the
    // URL stays as it was until they are.
    if (next !== null && next !== location.search) history.replaceState(null, '', `${location.pathname}${next}${location.hash}`);
  });
}

/** The shareable URL of a state, users and masks by dataset id; null while an index has no known id. */
export function urlFor(s: AppState): string | null {
  let userId: string | null = null;
  let maskedIds: string[] = [];
  if (s.profileName === null && s.urlRestore) {
    userId = s.urlRestore.userId;
    maskedIds = s.urlRestore.maskedIds;
  } else if (s.profileName === null && s.userIndex !== null) {
    userId = s.datasetIds[s.userIndex] ?? null;
    if (userId === null) return null;
    // Once the user's own result is in, every neighbour's id is known: a mask that is still unknown
    // is not one of this user's neighbours (a hand-edited old link) and is left out of the link.
    const complete = s.current?.user.index === s.userIndex;
    for (const m of s.whatIf.masked) {
      const id = s.datasetIds[m];
      if (id !== undefined) maskedIds.push(id);
      else if (!complete) return null;
    }
  }
  return formatUrlState({
    pack: s.pack === 'beauty' ? null : s.pack,
    userId,
    legacyUser: null,
    task: s.task,
    maskedIds,
    legacyMasked: [],
    n: s.whatIf.n < 1 || (s.summary !== null && s.whatIf.n === s.summary.nDefault) ? null : s.whatIf.n,
    individualOnly: s.whatIf.individualOnly,
    evaluation: s.evaluation,
    priors: s.priors,
    skipHistory: s.skipHistory,
    backend: s.requestedBackend,
    threads: s.wasmThreads,
  });
}

// User slice: which user (or cold-start profile) is explored, and what is hovered, opened or picked
// in the neighbour and head views. Selection changes trigger recomputation through the results slice.
import { defaultWhatIf, type UserInfo } from '../../runtime/protocol.ts';
import { LatestRequest } from './latest.ts';
import type { Slice, UserSlice } from './types.ts';

/** Adds the dataset ids of a user and their neighbours to the index -> id map (the same object when nothing is new). */
export function learnIds(known: Record<number, string>, user: UserInfo): Record<number, string> {
  const pairs: [number, string][] = user.index !== null ? [[user.index, user.label]] : [];
  for (const nb of user.neighbours) pairs.push([nb.index, nb.datasetId]);
  if (pairs.every(([i, id]) => known[i] === id)) return known;
  const out = { ...known };
  for (const [i, id] of pairs) out[i] = id;
  return out;
}

export const userSlice: Slice<UserSlice> = (set, get) => {
  /** The user typed, picked at random or named by a shared link. */
  const lookup = new LatestRequest(() => get().engine);
  /** The neighbour opened in the neighbours column. */
  const neighbour = new LatestRequest(() => get().engine);
  return {
    userIndex: null,
    datasetIds: {},
    urlRestore: null,
    profileName: null,
    hoveredNeighbour: null,
    selectedNeighbour: null,
    neighbourInfo: null,
    selectedHead: null,

    findUser(query) {
      const { engine } = get();
      if (!engine) return;
      const ticket = lookup.begin(engine);
      set({ error: null });
      ticket.settle(
        engine.findUser(query.trim()),
        (user) => {
          const s = get();
          set({ datasetIds: learnIds(s.datasetIds, user) });
          if (user.index !== null && s.urlRestore) {
            // A shared link: its masks name neighbours of this user by dataset id.
            const wanted = new Set(s.urlRestore.maskedIds);
            const masked = user.neighbours.filter((nb) => wanted.has(nb.datasetId)).map((nb) => nb.index).sort((a, b) => a - b);
            set({ userIndex: user.index, urlRestore: null, whatIf: { ...get().whatIf, masked } });
          }
          if (user.index !== null) get().selectUser(user.index);
        },
        (e) => {
          if (get().reportWorkerError(e, engine, 'request')) return;
          const s = get();
          if (!s.urlRestore) return;
          // The shared link's user is not in this pack: say so, and show the example's user instead.
          set({ urlRestore: null, whatIf: { ...s.whatIf, masked: [] } });
          const ex = s.example?.result.user.index;
          if (ex !== null && ex !== undefined && s.summary && ex < s.summary.numUsers) get().selectUser(ex);
          else get().findUser('random');
        },
      );
    },

    selectUser(index) {
      const s = get();
      const same = s.userIndex === index && s.profileName === null;
      set({
        userIndex: index,
        profileName: null,
        selectedNeighbour: null,
        neighbourInfo: null,
        hoveredNeighbour: null,
        explanation: null,
        panel: s.panel === 'coldstart' ? 'explore' : s.panel,
        // Keep the what-if settings only when re-selecting the same user (e.g. restoring a shared URL).
        ...(same ? {} : { whatIf: defaultWhatIf(s.summary?.nDefault ?? s.whatIf.n), baseline: null, whatIfLog: [], nNote: null, constrainedNote: null }),
      });
      get().recompute();
    },

    hoverNeighbour(index) {
      if (get().hoveredNeighbour !== index) set({ hoveredNeighbour: index });
    },

    openNeighbour(index) {
      const { engine } = get();
      if (index === null || !engine) {
        neighbour.drop();
        set({ selectedNeighbour: null, neighbourInfo: null });
        return;
      }
      const ticket = neighbour.begin(engine);
      set({ selectedNeighbour: index, neighbourInfo: null });
      ticket.settle(
        engine.userInfo(index),
        (user) => set({ neighbourInfo: user, datasetIds: learnIds(get().datasetIds, user) }),
        (e) => get().reportWorkerError(e, engine, 'request'),
      );
    },

    selectHead(head) {
      set({ selectedHead: head });
    },
  };
};

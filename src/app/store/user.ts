// User slice: which user (or cold-start profile) is explored, and what is hovered, opened or picked
// in the neighbour and head views. Selection changes trigger recomputation through the results slice.
import type { Slice, UserSlice } from './types.ts';

export const userSlice: Slice<UserSlice> = (set, get) => ({
  userIndex: null,
  datasetIds: {},
  urlRestore: null,
  profileName: null,
  hoveredNeighbour: null,
  selectedNeighbour: null,
  neighbourInfo: null,
  selectedHead: null,

  findUser(query) {
    const { client, pending } = get();
    if (!client) return;
    const id = client.send({ type: 'findUser', query: query.trim() });
    set({ pending: { ...pending, user: id }, error: null });
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
      ...(same ? {} : { whatIf: { masked: [], n: s.summary?.nDefault ?? s.whatIf.n, individualOnly: false }, baseline: null, whatIfLog: [], nNote: null, constrainedNote: null }),
    });
    get().recompute();
  },

  hoverNeighbour(index) {
    if (get().hoveredNeighbour !== index) set({ hoveredNeighbour: index });
  },

  openNeighbour(index) {
    const { client, pending } = get();
    if (index === null || !client) {
      set({ selectedNeighbour: null, neighbourInfo: null });
      return;
    }
    const id = client.send({ type: 'userInfo', index });
    set({ selectedNeighbour: index, neighbourInfo: null, pending: { ...pending, neighbour: id } });
  },

  selectHead(head) {
    set({ selectedHead: head });
  },
});

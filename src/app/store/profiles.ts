// Cold-start profiles: users made by picking catalogue items. Stored with the rest of the app
// state's persisted part (IndexedDB, see index.ts) and exported/imported as JSON.
import type { Profile, ProfilesSlice, Slice } from './types.ts';

export class ProfileImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileImportError';
  }
}

/** Validates imported JSON: an array of {name, pack, items[]}; throws ProfileImportError otherwise. */
export function parseProfiles(json: string): Profile[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new ProfileImportError(`The file is not JSON (${(e as Error).message}). Export profiles from this app and import that file.`);
  }
  const list = Array.isArray(data) ? data : (data as { profiles?: unknown })?.profiles;
  if (!Array.isArray(list)) throw new ProfileImportError('Expected a JSON array of profiles (or {"profiles": [...]}).');
  return list.map((p, i) => {
    const q = p as Partial<Profile>;
    if (typeof q.name !== 'string' || !q.name.trim()) throw new ProfileImportError(`Profile ${i + 1} has no name.`);
    if (typeof q.pack !== 'string') throw new ProfileImportError(`Profile "${q.name}" has no pack.`);
    if (!Array.isArray(q.items) || !q.items.every((x) => Number.isInteger(x) && x > 0))
      throw new ProfileImportError(`Profile "${q.name}": items must be positive integer item ids.`);
    return { name: q.name.trim().slice(0, 60), pack: q.pack as Profile['pack'], items: q.items as number[], createdAt: typeof q.createdAt === 'string' ? q.createdAt : new Date().toISOString() };
  });
}

export const profilesSlice: Slice<ProfilesSlice> = (set, get) => ({
  profiles: [],
  saveProfile(p) {
    set({ profiles: [...get().profiles.filter((q) => !(q.name === p.name && q.pack === p.pack)), p] });
  },
  deleteProfile(name) {
    const s = get();
    set({ profiles: s.profiles.filter((q) => !(q.name === name && q.pack === s.pack)), ...(s.profileName === name ? { profileName: null } : {}) });
  },
  runProfile(name) {
    set({
      profileName: name,
      userIndex: null,
      baseline: null,
      current: null,
      explanation: null,
      selectedNeighbour: null,
      neighbourInfo: null,
      whatIf: { masked: [], n: get().summary?.nDefault ?? get().whatIf.n, individualOnly: false },
      evaluation: false,
    });
    get().recompute();
  },
  importProfiles(json) {
    const incoming = parseProfiles(json);
    const keyOf = (p: Profile) => `${p.pack}\u0000${p.name}`;
    const merged = new Map(get().profiles.map((p) => [keyOf(p), p]));
    for (const p of incoming) merged.set(keyOf(p), p);
    set({ profiles: [...merged.values()] });
    return incoming.length;
  },
  exportProfiles() {
    return JSON.stringify({ format: 'peapod-profiles/1', profiles: get().profiles }, null, 2);
  },
});

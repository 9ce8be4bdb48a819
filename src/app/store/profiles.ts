// Cold-start profiles: users made by picking catalogue items. Stored with the rest of the app
// state's persisted part (IndexedDB, see index.ts) and exported/imported as JSON.
import { defaultWhatIf, PACKS } from '../../runtime/protocol.ts';
import type { Profile, ProfilesSlice, Slice } from './types.ts';

/** Bounds on an import: a real export of hand-built profiles is a few KB. */
export const MAX_IMPORT_CHARS = 2_000_000;
export const MAX_PROFILES = 500;
export const MAX_PROFILE_ITEMS = 1000;

export class ProfileImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileImportError';
  }
}

/** Validates imported JSON: an array of {name, pack, items[]}; throws ProfileImportError otherwise. */
export function parseProfiles(json: string): Profile[] {
  // Imported files are untrusted: bound them before parsing, and every field after.
  if (json.length > MAX_IMPORT_CHARS) throw new ProfileImportError(`The file is ${(json.length / 1e6).toFixed(1)} MB; a profile export is far smaller (at most ${MAX_IMPORT_CHARS / 1e6} MB). Pick the file this app exported.`);
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new ProfileImportError(`The file is not JSON (${(e as Error).message}). Export profiles from this app and import that file.`);
  }
  const list = Array.isArray(data) ? data : (data as { profiles?: unknown })?.profiles;
  if (!Array.isArray(list)) throw new ProfileImportError('Expected a JSON array of profiles (or {"profiles": [...]}).');
  if (list.length > MAX_PROFILES) throw new ProfileImportError(`The file holds ${list.length} profiles; at most ${MAX_PROFILES} can be imported at once.`);
  return list.map((p, i) => {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new ProfileImportError(`Profile ${i + 1} is not an object with name, pack and items.`);
    const q = p as Partial<Profile>;
    if (typeof q.name !== 'string' || !q.name.trim()) throw new ProfileImportError(`Profile ${i + 1} has no name.`);
    if (!PACKS.some((k) => k.id === q.pack)) throw new ProfileImportError(`Profile "${q.name.slice(0, 60)}" names no known pack (${PACKS.map((k) => k.id).join(' or ')}).`);
    if (!Array.isArray(q.items) || q.items.length === 0 || q.items.length > MAX_PROFILE_ITEMS || !q.items.every((x) => Number.isInteger(x) && x > 0 && x < 2 ** 31))
      throw new ProfileImportError(`Profile "${q.name.slice(0, 60)}": items must be positive integer item ids, 1 to ${MAX_PROFILE_ITEMS} of them.`);
    return { name: q.name.trim().slice(0, 60), pack: q.pack as Profile['pack'], items: q.items, createdAt: typeof q.createdAt === 'string' ? q.createdAt : new Date().toISOString() };
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
      whatIf: defaultWhatIf(get().summary?.nDefault ?? get().whatIf.n),
      whatIfLog: [],
      nNote: null,
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

// The persisted part of the app state (IndexedDB through zustand's persist): its schema version and
// the migration from every older version. Whatever is read back is untrusted — an old version, a
// hand-edited or damaged record — so it is validated here and bad entries are dropped one by one,
// never allowed to break the app's start.
import { parseProfiles } from './profiles.ts';
import type { Profile } from './types.ts';

/** v1: { profiles }. v2: { profiles, constrained } (the constrained-decoding setting). */
export const PERSIST_VERSION = 2;

export interface PersistedState {
  profiles: Profile[];
  constrained: boolean;
}

function validProfiles(list: unknown): Profile[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((p) => {
    try {
      return parseProfiles(JSON.stringify([p]));
    } catch {
      return [];
    }
  });
}

/** Any stored value of any version -> the current schema (unknown fields and bad profiles dropped). */
export function migratePersisted(raw: unknown, version: number): PersistedState {
  const rec = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const profiles = validProfiles(rec.profiles);
  // v1 had no settings; from v2 on the stored setting wins when it is a boolean.
  const constrained = version >= 2 && typeof rec.constrained === 'boolean' ? rec.constrained : true;
  return { profiles, constrained };
}

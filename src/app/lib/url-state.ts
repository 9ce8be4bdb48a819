// Shareable URL state: which pack, user, task tab, masked neighbours, n and the priors switch. Parsing is forgiving
// (a bad field is dropped, never thrown) because people paste URLs by hand. No DOM access here:
// callers pass `location.search` in and put the string back with history.replaceState.
//
// Users and masked neighbours are named by their DATASET user id (what the page shows), under the
// keys `uid` and `mask_uid`: `?uid=12&mask_uid=5688,301` opens "User 12" with users 5688 and 301
// masked, whatever the pack's internal row order. Old links (before December 2026) named rows by
// their 0-based index in the pack under the keys `user` and `mask` (`?user=11&mask=5687`). The key
// tells the two apart, never the value (both are digit strings on our packs): `user` / `mask` are
// read as legacy indexes (`legacyUser`, `legacyMasked`) and never written; once the page knows the
// dataset ids it rewrites the URL in the new form. When a URL carries both forms, the new one wins.

import { parseThreadsParam } from '../../runtime/wasm-threads.ts';

export type ViewTask = 'sequential' | 'topn' | 'explanation';

export interface UrlState {
  pack: string | null;
  /** Dataset user id (`uid`). */
  userId: string | null;
  /** Legacy links only: the user's 0-based index in the pack (`user`); read, never written. */
  legacyUser: number | null;
  task: ViewTask | null;
  /** Dataset user ids of the masked neighbours (`mask_uid`), sorted. */
  maskedIds: string[];
  /** Legacy links only: masked neighbours by pack index (`mask`); read, never written. */
  legacyMasked: number[];
  n: number | null;
  individualOnly: boolean;
  evaluation: boolean;
  /** The pack's output priors added to the T5's scores (default); false: T5 only (`priors=off`). */
  priors: boolean;
  /** Next-item skips the items already in the history (`skip=on`; default off). */
  skipHistory: boolean;
  backend: string | null;
  /** `threads`: the WASM backend's thread count (1: single-threaded); null: one per core. */
  threads: number | null;
}

const TASKS: readonly ViewTask[] = ['sequential', 'topn', 'explanation'];

/** Dataset user ids: digits on the shipped packs; letters, `_ . : -` allowed for packs from disk. */
const DATASET_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

function nonNegInt(s: string | null): number | null {
  if (s === null || !/^\d{1,9}$/.test(s)) return null;
  return Number(s);
}

function datasetId(s: string | null): string | null {
  return s !== null && DATASET_ID.test(s) ? s : null;
}

function list(s: string | null): string[] {
  return (s ?? '').split(',').map((x) => x.trim());
}

/** Sorts ids numerically when both are digit strings, else as strings (stable, so links are canonical). */
export function compareIds(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function parseUrlState(search: string): UrlState {
  const q = new URLSearchParams(search);
  const task = q.get('task');
  const legacyMasked = list(q.get('mask'))
    .map(nonNegInt)
    .filter((v): v is number => v !== null);
  const maskedIds = list(q.get('mask_uid'))
    .map(datasetId)
    .filter((v): v is string => v !== null);
  const n = nonNegInt(q.get('n'));
  const userId = datasetId(q.get('uid'));
  const hasNewMasks = q.has('mask_uid');
  return {
    pack: q.get('pack') && /^[a-z0-9-]{1,64}$/.test(q.get('pack')!) ? q.get('pack') : null,
    userId,
    legacyUser: userId === null ? nonNegInt(q.get('user')) : null,
    task: task && (TASKS as readonly string[]).includes(task) ? (task as ViewTask) : null,
    maskedIds: [...new Set(maskedIds)].sort(compareIds),
    legacyMasked: userId === null && !hasNewMasks ? [...new Set(legacyMasked)].sort((a, b) => a - b) : [],
    n: n !== null && n >= 1 ? n : null,
    individualOnly: q.get('solo') === '1',
    evaluation: q.get('eval') === '1',
    priors: q.get('priors') !== 'off',
    skipHistory: q.get('skip') === 'on',
    backend: /^[a-z0-9]{1,16}$/.test(q.get('backend') ?? '') ? q.get('backend') : null,
    threads: parseThreadsParam(q.get('threads')),
  };
}

/** Writes only non-default fields so shared links stay short, always in the new (dataset id) form. Keeps `backend` and `threads` if set. */
export function formatUrlState(s: UrlState): string {
  const q = new URLSearchParams();
  if (s.pack) q.set('pack', s.pack);
  if (s.userId !== null) q.set('uid', s.userId);
  if (s.task && s.task !== 'sequential') q.set('task', s.task);
  if (s.maskedIds.length) q.set('mask_uid', [...s.maskedIds].sort(compareIds).join(','));
  if (s.n !== null) q.set('n', String(s.n));
  if (s.individualOnly) q.set('solo', '1');
  if (s.evaluation) q.set('eval', '1');
  if (!s.priors) q.set('priors', 'off');
  if (s.skipHistory) q.set('skip', 'on');
  if (s.backend) q.set('backend', s.backend);
  if (s.threads !== null) q.set('threads', String(s.threads));
  const str = q.toString();
  return str ? `?${str}` : '';
}

/** Whether the URL named a user or masks in the legacy (pack index) form. */
export function isLegacy(s: UrlState): boolean {
  return s.legacyUser !== null || s.legacyMasked.length > 0;
}

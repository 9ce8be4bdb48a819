// Shareable URL state: which pack, user, task tab, masked neighbours, n and the priors switch. Parsing is forgiving
// (a bad field is dropped, never thrown) because people paste URLs by hand. No DOM access here:
// callers pass `location.search` in and put the string back with history.replaceState.

export type ViewTask = 'sequential' | 'topn' | 'explanation';

export interface UrlState {
  pack: string | null;
  /** User index in the pack. */
  user: number | null;
  task: ViewTask | null;
  masked: number[];
  n: number | null;
  individualOnly: boolean;
  evaluation: boolean;
  /** The pack's output priors added to the T5's scores (default); false: T5 only (`priors=off`). */
  priors: boolean;
  backend: string | null;
}

const TASKS: readonly ViewTask[] = ['sequential', 'topn', 'explanation'];

function nonNegInt(s: string | null): number | null {
  if (s === null || !/^\d{1,9}$/.test(s)) return null;
  return Number(s);
}

export function parseUrlState(search: string): UrlState {
  const q = new URLSearchParams(search);
  const task = q.get('task');
  const masked = (q.get('mask') ?? '')
    .split(',')
    .map((s) => nonNegInt(s.trim()))
    .filter((v): v is number => v !== null);
  const n = nonNegInt(q.get('n'));
  return {
    pack: q.get('pack') && /^[a-z0-9-]{1,64}$/.test(q.get('pack')!) ? q.get('pack') : null,
    user: nonNegInt(q.get('user')),
    task: task && (TASKS as readonly string[]).includes(task) ? (task as ViewTask) : null,
    masked: [...new Set(masked)].sort((a, b) => a - b),
    n: n !== null && n >= 1 ? n : null,
    individualOnly: q.get('solo') === '1',
    evaluation: q.get('eval') === '1',
    priors: q.get('priors') !== 'off',
    backend: /^[a-z0-9]{1,16}$/.test(q.get('backend') ?? '') ? q.get('backend') : null,
  };
}

/** Writes only non-default fields so shared links stay short. Keeps `backend` if it was set. */
export function formatUrlState(s: UrlState): string {
  const q = new URLSearchParams();
  if (s.pack) q.set('pack', s.pack);
  if (s.user !== null) q.set('user', String(s.user));
  if (s.task && s.task !== 'sequential') q.set('task', s.task);
  if (s.masked.length) q.set('mask', [...s.masked].sort((a, b) => a - b).join(','));
  if (s.n !== null) q.set('n', String(s.n));
  if (s.individualOnly) q.set('solo', '1');
  if (s.evaluation) q.set('eval', '1');
  if (!s.priors) q.set('priors', 'off');
  if (s.backend) q.set('backend', s.backend);
  const str = q.toString();
  return str ? `?${str}` : '';
}

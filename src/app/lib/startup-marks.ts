// Start-up timing on the page's performance timeline: the worker reports when each of its stages
// ended (epoch milliseconds, because its own timeline starts later than the page's) and this module
// places those as `peapod:<stage>` marks next to the page's own, so DevTools and the benchmark read
// one timeline from navigation to the first real recommendation. No React, no store.
import type { StartupMark } from '../../runtime/protocol.ts';

export const MARK_PREFIX = 'peapod:';

type Timeline = Pick<Performance, 'mark' | 'now' | 'timeOrigin' | 'getEntriesByName'>;

/** Marks a page-side stage now ('js', 'result'); only the first mark of a name counts. */
export function markPageStage(stage: string, perf: Timeline = performance): void {
  if (perf.getEntriesByName(MARK_PREFIX + stage, 'mark').length) return;
  perf.mark(MARK_PREFIX + stage);
}

/**
 * Places a worker's mark at the moment it names on this page's timeline. A restarted worker (a
 * backend switch, a crash) reports its stages again; they are not start-up any more, so only the
 * first of each name is kept.
 */
export function replayWorkerMark(m: StartupMark, perf: Timeline = performance): void {
  if (perf.getEntriesByName(MARK_PREFIX + m.stage, 'mark').length) return;
  // A mark cannot lie before this timeline's origin; clocks of two contexts can differ by a hair.
  perf.mark(MARK_PREFIX + m.stage, { startTime: Math.max(0, m.epochMs - perf.timeOrigin) });
}

/** Every start-up mark on the timeline: stage -> milliseconds after navigation, in time order. */
export function startupMarks(perf: Pick<Performance, 'getEntriesByType'> = performance): Record<string, number> {
  const out: Record<string, number> = {};
  const marks = perf.getEntriesByType('mark').filter((e) => e.name.startsWith(MARK_PREFIX));
  for (const e of [...marks].sort((a, b) => a.startTime - b.startTime)) out[e.name.slice(MARK_PREFIX.length)] ??= e.startTime;
  return out;
}

// Bounded concurrency for pack reads (used by load.ts and prefetch.ts). Pure, no I/O, no tfjs.

/** Files read at once: enough to hide per-request latency, under the browser's 6 per host. */
export const READ_CONCURRENCY = 4;

/**
 * Runs `task` over `items` with at most `limit` running; returns one promise per item, in order.
 * Each promise already has a handler, so a failure nobody awaits (the loader stopped at an earlier
 * one) is not an unhandled rejection.
 */
export function limitedAll<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R>[] {
  let next = 0;
  const starts: (() => void)[] = [];
  const out = items.map(
    (item) =>
      new Promise<R>((resolve, reject) => {
        starts.push(() => {
          // A task that throws before its first await still counts as one failed read.
          new Promise<R>((r) => r(task(item)))
            .then(resolve, reject)
            .finally(() => starts[next++]?.());
        });
      }),
  );
  for (const p of out) p.catch(() => {});
  const first = Math.min(Math.max(1, limit), items.length);
  for (; next < first; ) starts[next++]!();
  return out;
}

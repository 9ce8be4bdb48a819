// Coalesces per-chunk byte progress into at most one message per interval (plus the first one at
// once), so that a 15 MB download posts a few dozen progress messages instead of hundreds, each of
// which would re-render the loading view on the page. No tfjs, no DOM; the worker owns the timer.
import type { FileProgress } from './protocol.ts';

export interface ProgressThrottle {
  update(file: string, loaded: number, total: number): void;
  /** Posts what is pending now and stops; later updates are ignored (the next stage has begun). */
  stop(): void;
}

export interface ThrottleClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: ThrottleClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function throttleProgress(post: (files: FileProgress[], done: number, total: number) => void, intervalMs = 50, clock: ThrottleClock = realClock): ProgressThrottle {
  const files = new Map<string, FileProgress>();
  let last = -Infinity;
  let timer: unknown = null;
  let dirty = false;
  let stopped = false;
  const flush = () => {
    timer = null;
    if (!dirty) return;
    dirty = false;
    last = clock.now();
    const all = [...files.values()];
    post(all, all.reduce((s, f) => s + f.loaded, 0), all.reduce((s, f) => s + f.total, 0));
  };
  return {
    update(file, loaded, total) {
      if (stopped) return;
      files.set(file, { file, loaded, total });
      dirty = true;
      if (timer !== null) return;
      const wait = last + intervalMs - clock.now();
      if (wait <= 0) flush();
      else timer = clock.setTimeout(flush, wait);
    },
    stop() {
      if (stopped) return;
      if (timer !== null) clock.clearTimeout(timer);
      flush();
      stopped = true;
    },
  };
}

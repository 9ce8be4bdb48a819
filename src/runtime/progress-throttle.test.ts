import { describe, expect, it } from 'vitest';
import { throttleProgress, type ThrottleClock } from './progress-throttle.ts';
import type { FileProgress } from './protocol.ts';

/** A hand-advanced clock: timers fire when `advance` passes their time. */
function manualClock() {
  let t = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const clock: ThrottleClock = {
    now: () => t,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: t + ms, fn, id });
      return id;
    },
    clearTimeout: (h) => {
      const i = timers.findIndex((x) => x.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    t += ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      if (!timers.length || timers[0]!.at > t) break;
      timers.shift()!.fn();
    }
  };
  return { clock, advance, pending: () => timers.length };
}

describe('throttleProgress', () => {
  it('posts the first update at once, then at most one per interval with the newest bytes of every file', () => {
    const { clock, advance } = manualClock();
    const posts: { files: FileProgress[]; done: number; total: number }[] = [];
    const p = throttleProgress((files, done, total) => posts.push({ files, done, total }), 50, clock);
    p.update('a.bin', 10, 100);
    expect(posts).toHaveLength(1);
    advance(10);
    p.update('a.bin', 40, 100);
    p.update('b.bin', 5, 20);
    advance(20);
    p.update('a.bin', 60, 100);
    expect(posts).toHaveLength(1); // still inside the interval
    advance(20); // t = 50: the trailing post
    expect(posts).toHaveLength(2);
    expect(posts[1]).toEqual({ files: [{ file: 'a.bin', loaded: 60, total: 100 }, { file: 'b.bin', loaded: 5, total: 20 }], done: 65, total: 120 });
    advance(500); // nothing new: no post
    expect(posts).toHaveLength(2);
  });

  it('stop() posts what is pending, cancels the timer and ignores later updates', () => {
    const { clock, advance, pending } = manualClock();
    const posts: number[] = [];
    const p = throttleProgress((_f, done) => posts.push(done), 50, clock);
    p.update('a', 1, 10);
    p.update('a', 10, 10);
    expect(pending()).toBe(1);
    p.stop();
    expect(posts).toEqual([1, 10]);
    expect(pending()).toBe(0);
    p.update('a', 3, 10);
    advance(100);
    expect(posts).toEqual([1, 10]);
  });
});

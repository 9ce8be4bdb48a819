import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MARK_PREFIX, markPageStage, replayWorkerMark, startupMarks } from './startup-marks.ts';

// Node's own performance timeline stands in for the page's (same User Timing API).
const timeline = performance as unknown as Performance;

afterEach(() => performance.clearMarks());

describe('start-up marks', () => {
  it('places a worker mark at the epoch time it names, on this timeline', () => {
    replayWorkerMark({ stage: 'manifest', epochMs: performance.timeOrigin + 123.5 }, timeline);
    const [m] = performance.getEntriesByName(`${MARK_PREFIX}manifest`, 'mark');
    expect(m!.startTime).toBeCloseTo(123.5, 6);
  });

  it('keeps only the first mark of a stage (a restarted worker reports again)', () => {
    replayWorkerMark({ stage: 'backend', epochMs: performance.timeOrigin + 10 }, timeline);
    replayWorkerMark({ stage: 'backend', epochMs: performance.timeOrigin + 900 }, timeline);
    markPageStage('result', timeline);
    const first = performance.getEntriesByName(`${MARK_PREFIX}result`, 'mark')[0]!.startTime;
    markPageStage('result', timeline);
    expect(performance.getEntriesByName(`${MARK_PREFIX}backend`, 'mark').map((e) => e.startTime)).toEqual([10]);
    expect(performance.getEntriesByName(`${MARK_PREFIX}result`, 'mark').map((e) => e.startTime)).toEqual([first]);
  });

  it('clamps a mark from before the origin to 0 instead of throwing', () => {
    replayWorkerMark({ stage: 'worker', epochMs: performance.timeOrigin - 0.4 }, timeline);
    expect(performance.getEntriesByName(`${MARK_PREFIX}worker`, 'mark')[0]!.startTime).toBe(0);
  });

  it('lists the stages in time order, ignoring marks of others', () => {
    replayWorkerMark({ stage: 'warmup', epochMs: performance.timeOrigin + 50 }, timeline);
    replayWorkerMark({ stage: 'worker', epochMs: performance.timeOrigin + 5 }, timeline);
    performance.mark('someone-else', { startTime: 1 });
    expect(startupMarks(timeline)).toEqual({ worker: 5, warmup: 50 });
    expect(Object.keys(startupMarks(timeline))).toEqual(['worker', 'warmup']);
  });
});

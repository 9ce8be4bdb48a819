import { describe, expect, it } from 'vitest';
import { describeWasmThreads, MAX_WASM_THREADS, parseThreadsParam, planWasmThreads, threadsLabel, type WasmThreadFacts } from './wasm-threads.ts';

const isolated = (cores: number | undefined): WasmThreadFacts => ({ hardwareConcurrency: cores, crossOriginIsolated: true, threadsSupported: true, simdSupported: true });

describe('planWasmThreads', () => {
  it('runs one thread per reported core on an isolated page', () => {
    expect(planWasmThreads(null, isolated(2))).toEqual({ build: 'threaded', threads: 2, reason: '2 threads (2 cores reported).' });
    expect(planWasmThreads(null, isolated(6))).toMatchObject({ build: 'threaded', threads: 6 });
  });

  it('caps the count at the threaded build’s pre-started worker pool', () => {
    expect(planWasmThreads(null, isolated(64))).toEqual({ build: 'threaded', threads: MAX_WASM_THREADS, reason: `8 threads (64 cores reported, capped at ${MAX_WASM_THREADS}).` });
    expect(planWasmThreads(12, isolated(2))).toEqual({ build: 'threaded', threads: 8, reason: '8 threads (asked for with ?threads=12, capped at 8).' });
  });

  it('?threads=N overrides the core count, and ?threads=1 forces the single-threaded build', () => {
    expect(planWasmThreads(3, isolated(2))).toEqual({ build: 'threaded', threads: 3, reason: '3 threads (asked for with ?threads=3).' });
    expect(planWasmThreads(1, isolated(8))).toEqual({ build: 'simd', threads: 1, reason: '1 thread: forced by ?threads=1.', fallback: null });
  });

  it('one core, or an unknown count, is one thread and not a fallback', () => {
    expect(planWasmThreads(null, isolated(1))).toEqual({ build: 'simd', threads: 1, reason: '1 thread: the browser reports 1 core.', fallback: null });
    expect(planWasmThreads(null, isolated(undefined))).toMatchObject({ threads: 1, fallback: null, reason: '1 thread: the browser does not say how many cores it has.' });
    expect(planWasmThreads(null, isolated(Number.NaN))).toMatchObject({ threads: 1, fallback: null });
  });

  it('falls back, with the reason, when threads cannot run', () => {
    const notIsolated = planWasmThreads(null, { ...isolated(4), crossOriginIsolated: false });
    expect(notIsolated).toEqual({
      build: 'simd',
      threads: 1,
      reason: '1 thread (single-threaded build): the page is not cross-origin isolated, so it has no SharedArrayBuffer.',
      fallback: 'the page is not cross-origin isolated, so it has no SharedArrayBuffer',
    });
    expect(planWasmThreads(null, { ...isolated(4), threadsSupported: false })).toMatchObject({ build: 'simd', fallback: 'this browser cannot share WASM memory between workers' });
    expect(planWasmThreads(2, { ...isolated(4), simdSupported: false })).toMatchObject({ build: 'plain', threads: 1, fallback: 'the threaded build needs WASM SIMD, which this browser lacks' });
  });
});

describe('describeWasmThreads', () => {
  const plan = planWasmThreads(null, isolated(4));

  it('reports the threads the backend started', () => {
    expect(describeWasmThreads(plan, null, { ok: true, threads: 4 })).toEqual({ threads: 4, build: 'threaded', reason: '4 threads (4 cores reported).', fallback: null, requested: null });
    expect(describeWasmThreads(plan, null, { ok: true, threads: 2 })).toMatchObject({ threads: 2, reason: '2 threads (4 threads wanted; the backend started 2).', fallback: null });
  });

  it('a failed or silent threaded start becomes one thread with the reason', () => {
    expect(describeWasmThreads(plan, 4, { ok: false, error: 'worker sent an error!' })).toEqual({
      threads: 1,
      build: 'simd',
      reason: '1 thread (single-threaded build): the threaded build failed to start (worker sent an error!).',
      fallback: 'the threaded build failed to start (worker sent an error!)',
      requested: 4,
    });
    expect(describeWasmThreads(plan, null, { ok: false, timedOutMs: 10_000 })).toMatchObject({ threads: 1, fallback: 'the threaded build did not start within 10 s' });
  });

  it('a single-threaded plan is reported as planned', () => {
    const single = planWasmThreads(1, isolated(4));
    expect(describeWasmThreads(single, 1, null)).toEqual({ threads: 1, build: 'simd', reason: '1 thread: forced by ?threads=1.', fallback: null, requested: 1 });
  });
});

describe('threadsLabel and parseThreadsParam', () => {
  it('labels the count and marks a fallback', () => {
    expect(threadsLabel(describeWasmThreads(planWasmThreads(null, isolated(2)), null, { ok: true, threads: 2 }))).toBe('2 threads');
    expect(threadsLabel(describeWasmThreads(planWasmThreads(1, isolated(2)), 1, null))).toBe('1 thread');
    expect(threadsLabel(describeWasmThreads(planWasmThreads(null, isolated(2)), null, { ok: false, timedOutMs: 10_000 }))).toBe('1 thread (fallback)');
  });

  it('accepts 1..64 and ignores anything else', () => {
    expect(parseThreadsParam('1')).toBe(1);
    expect(parseThreadsParam('16')).toBe(16);
    for (const bad of [null, undefined, '', '0', '65', '-2', '2.5', 'two', '007']) expect(parseThreadsParam(bad)).toBeNull();
  });
});

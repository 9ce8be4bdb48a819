// How many threads the WASM backend runs on, and why: the pure part (no tfjs, no DOM), so that the
// choice and every fallback sentence are unit-tested. src/runtime/wasm-threaded.ts applies it.
//
// The threaded build (XNNPACK on Emscripten pthreads) needs SharedArrayBuffer, which a browser
// gives only to a cross-origin isolated page (COOP/COEP, vite.config.ts), and WASM SIMD. Anything
// else runs the single-threaded SIMD build (or the plain one without SIMD).

/**
 * At most this many threads: the threaded build starts a pool of 8 pthread workers up front, and a
 * thread beyond the pool would be a worker started while the backend waits for it.
 */
export const MAX_WASM_THREADS = 8;

/** The threaded start (compile, 8 pthread workers, thread pool) must answer within this, else 1 thread. */
export const THREADED_START_TIMEOUT_MS = 10_000;

export interface WasmThreadFacts {
  /** navigator.hardwareConcurrency (logical cores); undefined where the browser hides it. */
  hardwareConcurrency: number | undefined;
  /** globalThis.crossOriginIsolated */
  crossOriginIsolated: boolean;
  /** tfjs's WASM_HAS_MULTITHREAD_SUPPORT probe: SharedArrayBuffer can be posted and atomics validate. */
  threadsSupported: boolean;
  /** tfjs's WASM_HAS_SIMD_SUPPORT probe. */
  simdSupported: boolean;
}

export type WasmThreadPlan =
  | { build: 'threaded'; threads: number; reason: string }
  /** fallback: threads were wanted (more than one core, or asked for) but cannot run here. */
  | { build: 'simd' | 'plain'; threads: 1; reason: string; fallback: string | null };

/** What the page shows (BackendInfo.wasm): the threads the backend really runs on, and why. */
export interface WasmThreading {
  /** Threads XNNPACK runs on, as the backend reports after start (1: a single-threaded build). */
  threads: number;
  build: 'threaded' | 'simd' | 'plain';
  /** One sentence: why this many. */
  reason: string;
  /** Set when more threads were wanted than run: why they do not (shown, not hidden). */
  fallback: string | null;
  /** The thread count asked for with ?threads=N, if any. */
  requested: number | null;
}

/** `?threads=N`: a whole number 1..64, else null (ignored). */
export function parseThreadsParam(s: string | null | undefined): number | null {
  if (!s || !/^\d{1,2}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 64 ? n : null;
}

const plural = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;

/** The threads to start with, before trying: `requested` is ?threads=N (null: automatic). */
export function planWasmThreads(requested: number | null, facts: WasmThreadFacts): WasmThreadPlan {
  const single = facts.simdSupported ? 'simd' : 'plain';
  if (requested === 1) return { build: single, threads: 1, reason: '1 thread: forced by ?threads=1.', fallback: null };
  const cores = facts.hardwareConcurrency !== undefined && Number.isFinite(facts.hardwareConcurrency) && facts.hardwareConcurrency >= 1 ? Math.floor(facts.hardwareConcurrency) : null;
  if (requested === null && (cores === null || cores === 1)) {
    const why = cores === null ? 'the browser does not say how many cores it has' : 'the browser reports 1 core';
    return { build: single, threads: 1, reason: `1 thread: ${why}.`, fallback: null };
  }
  const want = Math.min(requested ?? cores ?? 1, MAX_WASM_THREADS);
  const cantRun = (why: string): WasmThreadPlan => ({ build: single, threads: 1, reason: `1 thread (single-threaded build): ${why}.`, fallback: why });
  if (!facts.crossOriginIsolated) return cantRun('the page is not cross-origin isolated, so it has no SharedArrayBuffer');
  if (!facts.threadsSupported) return cantRun('this browser cannot share WASM memory between workers');
  if (!facts.simdSupported) return cantRun('the threaded build needs WASM SIMD, which this browser lacks');
  const asked = requested !== null ? `asked for with ?threads=${requested}` : `${cores} cores reported`;
  const capped = (requested ?? cores ?? 1) > MAX_WASM_THREADS ? `, capped at ${MAX_WASM_THREADS}` : '';
  return { build: 'threaded', threads: want, reason: `${plural(want)} (${asked}${capped}).` };
}

export type ThreadedStartOutcome = { ok: true; threads: number } | { ok: false; error: string } | { ok: false; timedOutMs: number };

/** The threading the page shows once the backend has started (or fallen back). */
export function describeWasmThreads(plan: WasmThreadPlan, requested: number | null, outcome: ThreadedStartOutcome | null): WasmThreading {
  if (plan.build !== 'threaded') return { threads: 1, build: plan.build, reason: plan.reason, fallback: plan.fallback, requested };
  if (outcome === null || outcome.ok) {
    const threads = outcome?.threads ?? plan.threads;
    const reason = threads === plan.threads ? plan.reason : `${plural(threads)} (${plural(plan.threads)} wanted; the backend started ${threads}).`;
    return { threads, build: 'threaded', reason, fallback: null, requested };
  }
  const why = 'timedOutMs' in outcome ? `the threaded build did not start within ${Math.round(outcome.timedOutMs / 1000)} s` : `the threaded build failed to start (${outcome.error})`;
  return { threads: 1, build: 'simd', reason: `1 thread (single-threaded build): ${why}.`, fallback: why, requested };
}

/** Short label for the header: "2 threads", or "1 thread (fallback)". */
export function threadsLabel(t: WasmThreading): string {
  return `${plural(t.threads)}${t.fallback ? ' (fallback)' : ''}`;
}

// The backend decision, without tfjs: which backends to try in which order, the remembered choice
// (tried first, dropped when it fails, never written for a forced choice), the time-boxed adapter
// probe, the timing split and the sentence the header shows. Starting a backend is the caller's
// (backend.ts passes tfjs's setBackend + a smoke test); this module must not import tfjs.
import { formatWhen, memoryKey, readRemembered, type AdapterFacts, type ChoiceStore, type RememberedChoice } from './backend-memory.ts';
import type { BackendName, BackendTiming } from './protocol.ts';

export type { AdapterFacts } from './backend-memory.ts';

/** A hung requestAdapter() must not stall the app; past this it counts as "no adapter". */
export const ADAPTER_TIMEOUT_MS = 250;

export interface StartOutcome {
  /** null when the backend started and passed its smoke test. */
  error: string | null;
  startMs: number;
  smokeMs: number;
}

/** What the decision needs from the browser: an adapter probe, a way to start a backend, a clock. */
export interface BackendEnv {
  probeAdapter(): Promise<AdapterFacts>;
  start(name: BackendName): Promise<StartOutcome>;
  now(): number;
}

export interface ChoiceOptions {
  forced?: BackendName | null;
  source?: 'url' | 'user';
  /** Where the automatic choice is remembered; null/absent = no memory. */
  store?: ChoiceStore | null;
  /** Forget the remembered choice and run the full probe. */
  recheck?: boolean;
  tfjsVersion: string;
}

export interface BackendDecision {
  backend: BackendName;
  /** One sentence a person can read: why this backend. */
  reason: string;
  adapter: AdapterFacts;
  forced: boolean;
  /** Backends that were tried and failed, with the error message. */
  failures: { backend: BackendName; error: string }[];
  /** Total ms (kept for callers that only want one number). */
  probeMs: number;
  timing: BackendTiming;
  /** When the remembered choice that was used had been decided; null after a full probe. */
  remembered: { at: number } | null;
}

const NO_ADAPTER: AdapterFacts = { present: false, isFallbackAdapter: false, vendor: '', architecture: '', description: '' };

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}
type AdapterLike = null | {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
};

/** requestAdapter() raced against `timeoutMs`; a timeout or an error means "no adapter". */
export async function probeAdapterWith(gpu: GpuLike | undefined, timeoutMs = ADAPTER_TIMEOUT_MS): Promise<AdapterFacts> {
  if (!gpu) return { ...NO_ADAPTER };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const adapter = (await Promise.race([gpu.requestAdapter(), timeout])) as AdapterLike | 'timeout';
    if (adapter === 'timeout') return { ...NO_ADAPTER, timedOut: true };
    if (!adapter) return { ...NO_ADAPTER };
    const info = adapter.info ?? {};
    const architecture = info.architecture ?? '';
    return {
      present: true,
      // Chromium reports SwiftShader as a fallback adapter; older builds only say so in `architecture`.
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || architecture === 'swiftshader',
      vendor: info.vendor ?? '',
      architecture,
      description: info.description ?? '',
    };
  } catch {
    return { ...NO_ADAPTER };
  } finally {
    clearTimeout(timer);
  }
}

/** The full automatic order for this adapter: hardware WebGPU only; software WebGPU is slower than WASM. */
export function autoOrder(adapter: AdapterFacts): BackendName[] {
  return adapter.present && !adapter.isFallbackAdapter ? ['webgpu', 'wasm', 'webgl', 'cpu'] : ['wasm', 'webgl', 'cpu'];
}

export function explain(backend: BackendName, adapter: AdapterFacts, forced: boolean, failures: BackendDecision['failures'], source: 'url' | 'user'): string {
  if (forced) return source === 'user' ? `You picked ${backend} in the backend menu.` : `Forced by the ?backend=${backend} setting.`;
  const failed = failures.length ? ` (${failures.map((f) => f.backend).join(', ')} failed to start)` : '';
  switch (backend) {
    case 'webgpu':
      return `A hardware WebGPU adapter is available${adapter.vendor ? ` (${adapter.vendor})` : ''}; it runs the model on the GPU${failed}.`;
    case 'wasm':
      if (adapter.present && adapter.isFallbackAdapter)
        return `The WebGPU adapter is a CPU emulation (${adapter.architecture || 'fallback'}); WASM is faster here${failed}.`;
      if (adapter.present) return `The WebGPU adapter${adapter.vendor ? ` (${adapter.vendor})` : ''} did not start; WASM with SIMD is the fastest CPU backend${failed}.`;
      if (adapter.timedOut) return `The WebGPU adapter request did not answer within ${ADAPTER_TIMEOUT_MS} ms, so it counts as absent; WASM with SIMD is the fastest CPU backend${failed}.`;
      return `No WebGPU adapter in this browser; WASM with SIMD is the fastest CPU backend${failed}.`;
    case 'webgl':
      return `WebGPU and WASM are unavailable; using WebGL${failed}.`;
    case 'cpu':
      return `No accelerated backend could start; using the plain JavaScript CPU backend (slow)${failed}.`;
  }
}

/** Memory is a convenience: a broken or blocked IndexedDB must never stop the app from choosing. */
async function quietly<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}

/**
 * Picks and starts a backend. A forced one is tried first (failures fall through to the automatic
 * order) and never touches the memory. Otherwise a remembered choice for the same adapter + tfjs
 * version is tried alone; if it fails the memory is dropped and the full order runs, whose result
 * is remembered.
 */
export async function decideBackend(env: BackendEnv, opts: ChoiceOptions): Promise<BackendDecision> {
  const forced = opts.forced ?? null;
  const source = opts.source ?? 'url';
  const store = forced ? null : (opts.store ?? null);
  const t0 = env.now();
  const adapter = await env.probeAdapter();
  const tAdapter = env.now();
  const key = memoryKey(adapter, opts.tfjsVersion);
  let remembered: RememberedChoice | null = null;
  if (store) {
    if (opts.recheck) await quietly(() => store.clear());
    else remembered = readRemembered(await quietly(() => store.get()), key);
  }
  const tMemory = env.now();

  const order: BackendName[] = [];
  if (forced) order.push(forced);
  if (remembered) order.push(remembered.backend);
  order.push(...autoOrder(adapter));

  const failures: BackendDecision['failures'] = [];
  let failedMs = 0;
  const seen = new Set<BackendName>();
  for (const name of order) {
    if (seen.has(name)) continue;
    seen.add(name);
    const out = await env.start(name);
    if (out.error !== null) {
      failures.push({ backend: name, error: out.error });
      failedMs += out.startMs + out.smokeMs;
      if (remembered && name === remembered.backend) {
        // The remembered backend broke (driver update, flag turned off): forget it, probe everything.
        await quietly(() => store!.clear());
        remembered = null;
      }
      continue;
    }
    const totalMs = env.now() - t0;
    const timing: BackendTiming = {
      memoryMs: tMemory - tAdapter,
      adapterMs: tAdapter - t0,
      failedMs,
      startMs: out.startMs,
      smokeMs: out.smokeMs,
      totalMs,
      probingMs: totalMs - out.startMs,
    };
    const isForced = forced === name;
    if (remembered) {
      return {
        backend: name,
        reason: `Remembered from your last visit on ${formatWhen(remembered.at)}: ${remembered.reason}`,
        adapter,
        forced: false,
        failures,
        probeMs: totalMs,
        timing,
        remembered: { at: remembered.at },
      };
    }
    const reason = explain(name, adapter, isForced, failures, source);
    if (store) {
      const record: RememberedChoice = { version: 1, key, backend: name, reason, failures, at: Date.now(), timing };
      await quietly(() => store.set(record));
    }
    return { backend: name, reason, adapter, forced: isForced, failures, probeMs: totalMs, timing, remembered: null };
  }
  throw new Error(`No TensorFlow.js backend could start: ${failures.map((f) => `${f.backend}: ${f.error}`).join('; ')}`);
}

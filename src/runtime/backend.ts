// Chooses the TensorFlow.js backend for the browser ourselves instead of trusting tfjs's priority
// list: importing the webgpu backend gives it top priority, so tfjs would otherwise pick a *software*
// WebGPU adapter (SwiftShader, ~30x slower than WASM here; docs/machine-notes.md §2-3).
// Order: real WebGPU adapter -> webgpu; fallback adapter or none -> wasm; then webgl; then cpu.
// This module is the tfjs glue (wasm paths, setBackend + smoke test); the decision and its memory
// live in backend-choice.ts / backend-memory.ts.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import {
  TEST_HOOK_ADAPTER_TIMEOUT_MS,
  asHardwareForTest,
  awaitHardwareAdapterWith,
  decideBackend,
  modelSizeFromManifest,
  probeAdapterWith,
  watchLateAdapter,
  type AdapterFacts,
  type BackendDecision,
  type BackendEnv,
  type MeasuredBackend,
  type ModelSize,
  type StartOutcome,
  type StepShape,
} from './backend-choice.ts';
import { idbChoiceStore, type ChoiceStore } from './backend-memory.ts';
import { timeDecoderStep } from './backend-measure.ts';
import type { BackendInfo, BackendTestHooks } from './protocol.ts';
import { installThreadedWasmFactory } from './wasm-threaded.ts';

export { requestWasmThreads, wasmThreading } from './wasm-threaded.ts';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];
export type { AdapterFacts, BackendDecision } from './backend-choice.ts';

let wasmConfigured = false;
function configureWasm(): void {
  if (wasmConfigured) return;
  // Threads: as many as the cores (capped), the threaded build started with same-origin pthread
  // scripts, falling back to the single-threaded SIMD build with a reason (wasm-threaded.ts).
  installThreadedWasmFactory(wasmThreadedUrl);
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlainUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  wasmConfigured = true;
}

/** The page's (or worker's) WebGPU adapter, with requestAdapter() time-boxed. */
export function probeAdapter(timeoutMs?: number): Promise<AdapterFacts> {
  return probeAdapterWith((globalThis.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu, timeoutMs);
}

/** Background and retry requests are off the start-up path, so each may take far longer than the 250 ms box. */
const LATE_PROBE_TIMEOUT_MS = 5000;
const lateProbe = () => probeAdapter(LATE_PROBE_TIMEOUT_MS);

/**
 * Each backend's module registers it (and its hundreds of kernels) when evaluated. Only the ones
 * tried are loaded: the WebGL and WebGPU modules are ~0.7 MB of script that a WASM start would
 * otherwise parse and run on its critical path. WASM is imported statically for setWasmPaths.
 */
const BACKEND_MODULES: Record<Exclude<BackendName, 'wasm'>, () => Promise<unknown>> = {
  webgpu: () => import('@tensorflow/tfjs-backend-webgpu'),
  webgl: () => import('@tensorflow/tfjs-backend-webgl'),
  cpu: () => import('@tensorflow/tfjs-backend-cpu'),
};

async function trySet(name: BackendName): Promise<StartOutcome> {
  const t0 = performance.now();
  let started: number | null = null; // when start-up ended and the smoke test began
  try {
    if (name === 'wasm') configureWasm();
    else await BACKEND_MODULES[name]();
    // setBackend resolves false (and leaves getBackend() pointing at the broken backend) on failure.
    const ok = await tf.setBackend(name);
    if (!ok) return { error: `tf.setBackend('${name}') returned false`, startMs: performance.now() - t0, smokeMs: 0 };
    await tf.ready();
    started = performance.now();
    // A one-op smoke test: some backends initialise but fail on the first kernel.
    const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
    const v = (await probe.data())[0];
    probe.dispose();
    return { error: v === 3 ? null : `smoke test returned ${v}`, startMs: started - t0, smokeMs: performance.now() - started };
  } catch (err) {
    const t = performance.now();
    return { error: (err as Error).message || String(err), startMs: (started ?? t) - t0, smokeMs: started === null ? 0 : t - started };
  }
}

/**
 * Times the pack-shaped decoder step (backend-measure.ts) on `name`, already started by trySet. A
 * timer stops waiting at `allowanceMs` even if the backend hangs (a GPU that never answers): the
 * step then starts no more tf work and cleans up whenever its readback returns.
 */
async function measureStep(name: MeasuredBackend, step: StepShape, allowanceMs: number): Promise<number | null> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      resolve(null);
    }, allowanceMs);
  });
  const measured = timeDecoderStep(step, allowanceMs, { cancelled: () => timedOut });
  measured.catch(() => {}); // after a timeout nobody awaits it
  try {
    return await Promise.race([measured, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const browserEnv: BackendEnv = {
  probeAdapter: () => probeAdapter(),
  start: trySet,
  now: () => performance.now(),
  awaitHardwareAdapter: () => awaitHardwareAdapterWith(lateProbe),
  measure: measureStep,
};

/**
 * Picks and activates a backend. `forced` (from ?backend= or the picker) is tried first; failures
 * fall through. With a `store`, the automatic choice is remembered and reused (see backend-choice.ts).
 * `hooks` are the e2e tests' switches (protocol.ts BackendTestHooks); nothing else sets them.
 */
export function chooseBackend(
  forced?: BackendName | null,
  source: 'url' | 'user' = 'url',
  memory: { store?: ChoiceStore | null; recheck?: boolean } = {},
  model: ModelSize | null = null,
  adapter?: Promise<AdapterFacts>,
  hooks: BackendTestHooks = {},
): Promise<BackendDecision> {
  // An adapter request started earlier (while this module loaded) answers the probe.
  const ask = () => adapter ?? probeAdapter(hooks.adapterAsHardware ? TEST_HOOK_ADAPTER_TIMEOUT_MS : undefined);
  const env: BackendEnv = { ...browserEnv, probeAdapter: hooks.adapterAsHardware ? () => ask().then(asHardwareForTest) : ask };
  const budget = hooks.adapterAsHardware && hooks.probeBudgetMs !== undefined ? { probeBudgetMs: hooks.probeBudgetMs } : {};
  return decideBackend(env, { forced: forced ?? null, source, store: memory.store ?? null, recheck: memory.recheck ?? false, tfjsVersion: tf.version_core, model, ...budget });
}

export function parseBackendName(s: string | null | undefined): BackendName | null {
  return s && (BACKEND_ORDER as readonly string[]).includes(s) ? (s as BackendName) : null;
}

/** Parts of the choice that need no tfjs, started by the worker before this module is loaded. */
export interface EarlyBackendProbes {
  adapter?: Promise<AdapterFacts>;
  /** null: no memory (IndexedDB missing). */
  store?: ChoiceStore | null;
}

/**
 * The decision as the protocol's BackendInfo (plain data the worker can post). `manifest` is the
 * pack's parsed manifest.json (or null): its config gives the model size. When the adapter request
 * answered null, `onLateAdapter` is called if a hardware adapter appears within a few seconds.
 */
export async function pickBackend(
  forced: BackendName | null,
  source: 'url' | 'user',
  recheck = false,
  manifest: unknown = null,
  onLateAdapter?: (late: NonNullable<BackendInfo['lateAdapter']>) => void,
  early: EarlyBackendProbes = {},
  hooks: BackendTestHooks = {},
): Promise<BackendInfo> {
  // IndexedDB can be missing (some privacy modes) or throw on open; then nothing is remembered.
  const store = early.store !== undefined ? early.store : typeof indexedDB === 'undefined' ? null : idbChoiceStore();
  const model = modelSizeFromManifest(manifest);
  const d = await chooseBackend(forced, source, { store, recheck }, model, early.adapter, hooks);
  if (onLateAdapter)
    void watchLateAdapter(d, lateProbe, { store, tfjsVersion: tf.version_core, model }).then((late) => {
      if (late) onLateAdapter({ vendor: late.adapter.vendor, remembered: late.remembered });
    });
  return {
    backend: d.backend,
    reason: d.reason,
    forced: d.forced,
    adapter: { present: d.adapter.present, isFallbackAdapter: d.adapter.isFallbackAdapter, architecture: d.adapter.architecture, vendor: d.adapter.vendor },
    failures: d.failures,
    timing: d.timing,
    remembered: d.remembered,
  };
}

/**
 * Calls `onLost` once if the active backend's GPU device is lost (WebGPU only; a driver reset or
 * the tab being backgrounded for long can do it). Other backends have no device to lose.
 */
export function watchDeviceLoss(onLost: (detail: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ reason?: string; message?: string }> } }).device;
  void device?.lost?.then((info) => onLost(`${info.reason ?? 'unknown reason'}${info.message ? `: ${info.message}` : ''}`));
}

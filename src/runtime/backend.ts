// Chooses the TensorFlow.js backend for the browser ourselves instead of trusting tfjs's priority
// list: importing the webgpu backend gives it top priority, so tfjs would otherwise pick a *software*
// WebGPU adapter (SwiftShader, ~30x slower than WASM here; see machine-facts.md).
// Order: real WebGPU adapter -> webgpu; fallback adapter or none -> wasm; then webgl; then cpu.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

export interface AdapterFacts {
  present: boolean;
  isFallbackAdapter: boolean;
  vendor: string;
  architecture: string;
  description: string;
}

export interface BackendDecision {
  backend: BackendName;
  /** One sentence a person can read: why this backend. */
  reason: string;
  adapter: AdapterFacts;
  forced: boolean;
  /** Backends that were tried and failed, with the error message. */
  failures: { backend: BackendName; error: string }[];
  probeMs: number;
}

let wasmConfigured = false;
function configureWasm(): void {
  if (wasmConfigured) return;
  // The threaded WASM build hangs inside a minified bundle on a cross-origin isolated page
  // ("e is not defined" in its workers) and threads gained nothing on 2 cores.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlainUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  wasmConfigured = true;
}

export async function probeAdapter(): Promise<AdapterFacts> {
  const none: AdapterFacts = { present: false, isFallbackAdapter: false, vendor: '', architecture: '', description: '' };
  const gpu = (globalThis.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return none;
  try {
    const adapter = (await gpu.requestAdapter()) as
      | null
      | { isFallbackAdapter?: boolean; info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean } };
    if (!adapter) return none;
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
    return none;
  }
}

async function trySet(name: BackendName): Promise<string | null> {
  if (name === 'wasm') {
    configureWasm();
    await import('@tensorflow/tfjs-backend-wasm'); // registers the backend (already loaded for setWasmPaths)
  }
  try {
    // setBackend resolves false (and leaves getBackend() pointing at the broken backend) on failure.
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') returned false`;
    await tf.ready();
    // A one-op smoke test: some backends initialise but fail on the first kernel.
    const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
    const v = (await probe.data())[0];
    probe.dispose();
    if (v !== 3) return `smoke test returned ${v}`;
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  }
}

function explain(backend: BackendName, adapter: AdapterFacts, forced: boolean, failures: BackendDecision['failures'], source: 'url' | 'user'): string {
  if (forced) return source === 'user' ? `You picked ${backend} in the backend menu.` : `Forced by the ?backend=${backend} setting.`;
  const failed = failures.length ? ` (${failures.map((f) => f.backend).join(', ')} failed to start)` : '';
  switch (backend) {
    case 'webgpu':
      return `A hardware WebGPU adapter is available${adapter.vendor ? ` (${adapter.vendor})` : ''}; it runs the model on the GPU${failed}.`;
    case 'wasm':
      if (adapter.present && adapter.isFallbackAdapter)
        return `The WebGPU adapter is a CPU emulation (${adapter.architecture || 'fallback'}); WASM is faster here${failed}.`;
      return `No WebGPU adapter in this browser; WASM with SIMD is the fastest CPU backend${failed}.`;
    case 'webgl':
      return `WebGPU and WASM are unavailable; using WebGL${failed}.`;
    case 'cpu':
      return `No accelerated backend could start; using the plain JavaScript CPU backend (slow)${failed}.`;
  }
}

/** Picks and activates a backend. `forced` (from ?backend=) is tried first; failures fall through. */
export async function chooseBackend(forced?: BackendName | null, source: 'url' | 'user' = 'url'): Promise<BackendDecision> {
  const t0 = performance.now();
  const adapter = await probeAdapter();
  const order: BackendName[] = [];
  if (forced) order.push(forced);
  if (adapter.present && !adapter.isFallbackAdapter) order.push('webgpu');
  order.push('wasm', 'webgl', 'cpu');
  const failures: BackendDecision['failures'] = [];
  const seen = new Set<BackendName>();
  for (const name of order) {
    if (seen.has(name)) continue;
    seen.add(name);
    const err = await trySet(name);
    if (err === null) {
      const isForced = forced === name;
      return { backend: name, reason: explain(name, adapter, isForced, failures, source), adapter, forced: isForced, failures, probeMs: performance.now() - t0 };
    }
    failures.push({ backend: name, error: err });
  }
  throw new Error(`No TensorFlow.js backend could start: ${failures.map((f) => `${f.backend}: ${f.error}`).join('; ')}`);
}

export function parseBackendName(s: string | null | undefined): BackendName | null {
  return s && (BACKEND_ORDER as readonly string[]).includes(s) ? (s as BackendName) : null;
}

/** The decision as the protocol's BackendInfo (plain data the worker can post). */
export async function pickBackend(forced: BackendName | null, source: 'url' | 'user'): Promise<import('./protocol.ts').BackendInfo> {
  const d = await chooseBackend(forced, source);
  return {
    backend: d.backend,
    reason: d.reason,
    forced: d.forced,
    adapter: { present: d.adapter.present, isFallbackAdapter: d.adapter.isFallbackAdapter, architecture: d.adapter.architecture, vendor: d.adapter.vendor },
    failures: d.failures,
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

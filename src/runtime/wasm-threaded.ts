// The WASM backend on every core: replaces the 'wasm' backend factory that
// @tensorflow/tfjs-backend-wasm registers with one that starts its threaded SIMD build itself, with
// the pthread scripts as same-origin files (scripts/vite-wasm-threads.ts says why the package's own
// blob: workers fail here), time-boxed, and that falls back to the package's single-threaded start
// when threads cannot run, fail or do not answer. wasm-threads.ts decides; this module applies.
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as threadedFactoryModule from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import type { BackendWasmThreadedSimdModule, WasmFactoryConfig } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import { mainScriptUrl, workerScriptUrl } from 'virtual:wasm-thread-scripts';
import {
  describeWasmThreads,
  planWasmThreads,
  THREADED_START_TIMEOUT_MS,
  type ThreadedStartOutcome,
  type WasmThreading,
} from './wasm-threads.ts';

type Factory = (config: WasmFactoryConfig) => Promise<BackendWasmThreadedSimdModule>;
// The package is CommonJS: a bundler's namespace object carries it as `default`, Node's as itself.
const threadedFactory = ((threadedFactoryModule as unknown as { default?: Factory }).default ?? (threadedFactoryModule as unknown as Factory));

/** The Emscripten module before tfjs's C entry points are attached under `tfjs` (as the package's own start does). */
type RawModule = Omit<BackendWasmThreadedSimdModule, 'tfjs'> & {
  cwrap(name: string, ret: 'number' | null, args: 'number'[]): (...a: number[]) => never;
};

let requested: number | null = null;
let threading: WasmThreading | null = null;

/** ?threads=N (null: automatic). Call before the wasm backend starts. */
export function requestWasmThreads(n: number | null): void {
  requested = n;
}

/** How the started wasm backend is threaded (null until it has started). */
export function wasmThreading(): WasmThreading | null {
  return threading;
}

type Imports = WebAssembly.Imports & { env: Record<string, unknown> };

/** Compiles and instantiates the .wasm (streaming where the server sends application/wasm). */
async function instantiate(url: string, imports: Imports): Promise<WebAssembly.WebAssemblyInstantiatedSource> {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  if (typeof WebAssembly.instantiateStreaming === 'function' && res.headers.get('content-type')?.startsWith('application/wasm')) return WebAssembly.instantiateStreaming(res, imports);
  return WebAssembly.instantiate(await res.arrayBuffer(), imports);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), ms)))]).finally(() => clearTimeout(timer));
}

/** Starts the threaded build with `threads` threads; rejects on failure, 'timeout' past the box. */
async function startThreaded(threads: number, wasmUrl: string, timeoutMs: number): Promise<BackendWasm | 'timeout'> {
  let abort: (e: Error) => void = () => {};
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  const base = globalThis.location.href;
  const wasmHref = new URL(wasmUrl, base).href;
  // Emscripten keeps this object as its Module (PThread lands on it), so a timed-out start can be torn down.
  const config: Omit<WasmFactoryConfig, 'instantiateWasm'> & {
    PThread?: { terminateAllThreads(): void };
    instantiateWasm(imports: Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object;
  } = {
    locateFile: (path) => (path.endsWith('.worker.js') ? new URL(workerScriptUrl, base).href : path.endsWith('.wasm') ? wasmHref : path),
    // tfjs's C++ caps the thread pool at half of emscripten_num_logical_cores() (it assumes two
    // hyperthreads per core), read once when the module starts, so on 2 logical cores it allows 1
    // thread whatever is asked. The thread count is chosen here (wasm-threads.ts), so the module is
    // told twice that many cores: the cap then lets the chosen count through, and nothing else
    // reads that import.
    instantiateWasm: (imports, receive) => {
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      instantiate(wasmHref, imports).then(
        (r) => receive(r.instance, r.module),
        (e: unknown) => abort(e instanceof Error ? e : new Error(String(e))),
      );
      return {};
    },
    // Each pthread worker importScripts() this (the package's default is a blob of a function's
    // source, which breaks under minification and a CSP without blob:).
    mainScriptUrlOrBlob: new URL(mainScriptUrl, base).href,
    onAbort: (msg) => abort(new Error(String(msg))),
  };
  const started = withTimeout(Promise.race([threadedFactory(config), aborted]), timeoutMs);
  const raw = (await started) as RawModule | 'timeout';
  if (raw === 'timeout') {
    config.PThread?.terminateAllThreads();
    return 'timeout';
  }
  const fn = raw.cwrap.bind(raw);
  const module: BackendWasmThreadedSimdModule = Object.assign(raw, {
    tfjs: {
      init: fn('init', null, []),
      initWithThreadsCount: fn('init_with_threads_count', null, ['number']),
      getThreadsCount: fn('get_threads_count', 'number', []),
      registerTensor: fn('register_tensor', null, ['number', 'number', 'number']),
      disposeData: fn('dispose_data', null, ['number']),
      dispose: fn('dispose', null, []),
    },
  });
  setThreadsCount(threads);
  // The constructor creates XNNPACK's thread pool on the pool's pre-started workers.
  return new BackendWasm(module);
}

/**
 * Replaces the registered 'wasm' factory (once). `wasmUrl`: the threaded .wasm's served URL. The
 * package's own factory, kept, starts the single-threaded build with WASM_HAS_MULTITHREAD_SUPPORT off.
 */
export function installThreadedWasmFactory(wasmUrl: string, timeoutMs = THREADED_START_TIMEOUT_MS): void {
  const single = tf.findBackendFactory('wasm');
  if (!single) throw new Error('The wasm backend is not registered.');
  const startSingle = async (): Promise<tf.KernelBackend> => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setThreadsCount(1);
    return single();
  };
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const [simdSupported, threadsSupported] = await Promise.all([tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')]);
      const plan = planWasmThreads(requested, {
        hardwareConcurrency: globalThis.navigator?.hardwareConcurrency,
        crossOriginIsolated: globalThis.crossOriginIsolated === true,
        threadsSupported: threadsSupported === true,
        simdSupported: simdSupported === true,
      });
      if (plan.build !== 'threaded') {
        const backend = await startSingle();
        threading = describeWasmThreads(plan, requested, null);
        return backend;
      }
      let outcome: ThreadedStartOutcome;
      try {
        const backend = await startThreaded(plan.threads, wasmUrl, timeoutMs);
        if (backend !== 'timeout') {
          threading = describeWasmThreads(plan, requested, { ok: true, threads: getThreadsCount() });
          return backend;
        }
        outcome = { ok: false, timedOutMs: timeoutMs };
      } catch (e) {
        outcome = { ok: false, error: (e as Error).message || String(e) };
      }
      const backend = await startSingle();
      threading = describeWasmThreads(plan, requested, outcome);
      return backend;
    },
    2,
  );
}

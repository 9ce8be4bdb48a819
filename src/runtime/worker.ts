// The model worker: owns the backend, the pack and the model, and answers the protocol's requests
// one at a time. Its top level imports no tfjs, so the precomputed example reaches the page while
// the heavy engine module (tfjs + model) is still being fetched and compiled.
/// <reference lib="webworker" />
import { DeviceLostError, NotReadyError, PackLoadError, toProtocolError } from './errors.ts';
import { decodeJson, fetchFile } from './fetch-progress.ts';
import { exampleFromJson } from './example.ts';
import type { PackId, Request, Response, StartupStage } from './protocol.ts';
import type { Engine } from './engine.ts';
import { fetchPackSource } from '../model/pack/fetch-source.ts';
import { blobPackSource } from '../model/pack/file-source.ts';
import { prefetchPack } from '../model/pack/prefetch.ts';
import { cachedPackFetch } from './pack-cache.ts';
import { throttleProgress } from './progress-throttle.ts';
import { TEST_HOOK_ADAPTER_TIMEOUT_MS, probeAdapterWith } from './backend-choice.ts';
import { idbChoiceStore, readAheadChoiceStore } from './backend-memory.ts';

const ctx = self as unknown as DedicatedWorkerGlobalScope;
const post = (res: Response) => ctx.postMessage(res);
const mark = (stage: StartupStage) => post({ type: 'mark', mark: { stage, epochMs: performance.timeOrigin + performance.now() } });
mark('worker');

let engine: Engine | null = null;
let packName: PackId = 'beauty';
const queue: Exclude<Request, { type: 'interrupt' }>[] = [];
const aborts = new Map<number, AbortController>();
let running = false;

ctx.onmessage = (ev: MessageEvent<Request>) => {
  const req = ev.data;
  if (req.type === 'interrupt') {
    aborts.get(req.target)?.abort();
    // A request still waiting in the queue is dropped; it answers as stopped when it would have run.
    const i = queue.findIndex((q) => q.id === req.target);
    if (i >= 0) {
      const [q] = queue.splice(i, 1);
      if (q) post({ type: 'error', id: q.id, error: { code: 'BadRequest', message: 'Stopped before it started.', action: 'Run it again when ready.' } });
    }
    return;
  }
  queue.push(req);
  void pump();
};

async function pump(): Promise<void> {
  if (running) return;
  running = true;
  try {
    while (queue.length) {
      const req = queue.shift()!;
      // What-if controls can fire faster than inference; only the newest view request matters.
      if (req.type === 'infer' && req.purpose === 'view' && queue.some((q) => q.type === 'infer' && q.purpose === 'view')) continue;
      try {
        await handle(req);
      } catch (e) {
        post({ type: 'error', id: req.id, error: toProtocolError(e, packName) });
      } finally {
        aborts.delete(req.id);
      }
    }
  } finally {
    running = false;
  }
}

function need(what: string): Engine {
  if (!engine) throw new NotReadyError(what);
  return engine;
}

async function load(req: Extract<Request, { type: 'load' }>): Promise<void> {
  packName = req.pack;
  const base = new URL(`${req.baseUrl.replace(/\/?$/, '/')}models/${req.pack}/`, ctx.location.href).href;
  // A pack opened from disk: its files come with the request, are read here and never cached or sent.
  const local = req.files ? new Map(Object.entries(req.files)) : null;
  const localExample = local?.get('example.json');
  // 1. At once and side by side: the example (small, needs no tfjs) and the pack's files through the
  // pack cache (manifest first, then the rest a few at a time, each hashed as it arrives), while the
  // engine module (tfjs + model) is fetched and compiled and the backend starts.
  const exampleBytes = local ? (localExample ? localExample.arrayBuffer().then((b) => new Uint8Array(b)) : Promise.resolve(null)) : fetchFile(fetch, `${base}example.json`, 'example.json', () => {}, true);
  const examplePosted = exampleBytes
    .then((bytes) => (bytes ? exampleFromJson(decodeJson(bytes, 'example.json'), req.pack) : null))
    .catch(() => null)
    .then((example) => {
      post({ type: 'example', example });
      mark('example');
      return example;
    });
  const progress = throttleProgress((files, done, total) => post({ type: 'progress', id: req.id, stage: 'download', files, done, total }));
  const source = local ? blobPackSource(local, `the folder you opened (${req.pack.slice('local:'.length)})`) : fetchPackSource(base, cachedPackFetch(base, req.pack));
  const prefetch = prefetchPack(source, { onProgress: (file, loaded, total) => progress.update(file, loaded, total), onStage: mark });
  // The same manifest bytes give the model's size, which the automatic backend choice weighs; the
  // adapter request and the remembered choice need no tfjs either, so they start now too.
  const manifestJson = prefetch.manifest.then((bytes) => decodeJson<unknown>(bytes, 'manifest.json')).catch(() => null);
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  // The e2e tests' hook that measures a software adapter as hardware also waits longer for its answer.
  const adapterTimeout = req.backendTestHooks?.adapterAsHardware ? TEST_HOOK_ADAPTER_TIMEOUT_MS : undefined;
  const early = { adapter: probeAdapterWith(gpu, adapterTimeout), store: typeof indexedDB === 'undefined' ? null : readAheadChoiceStore(idbChoiceStore()) };
  // 2. The engine module and the backend.
  const [{ openEngine }, { pickBackend, watchDeviceLoss, requestWasmThreads, wasmThreading }] = await Promise.all([import('./engine.ts'), import('./backend.ts')]);
  mark('engine');
  const manifest = await manifestJson;
  requestWasmThreads(req.wasmThreads ?? null);
  let backend = await pickBackend(
    req.backend,
    req.backendSource ?? 'url',
    req.recheckBackend ?? false,
    manifest,
    (lateAdapter) => {
      backend = { ...backend, lateAdapter };
      post({ type: 'backend', backend });
    },
    early,
    req.backendTestHooks ?? {},
  );
  const threading = backend.backend === 'wasm' ? wasmThreading() : null;
  if (threading) backend = { ...backend, wasm: threading };
  post({ type: 'backend', backend });
  mark('backend');
  watchDeviceLoss((detail) => {
    engine = null;
    post({ type: 'error', id: null, error: toProtocolError(new DeviceLostError(backend.backend, detail), req.pack) });
  });
  // 3. The pack from the prefetched files (the loader checks them and reports typed errors), then 4. warm-up.
  try {
    engine = await openEngine(req.pack, base, backend, () => {}, (stage) => {
      // Byte progress is the prefetch's; once every file is verified the next stage begins.
      if (stage === 'verified') progress.stop();
      mark(stage);
    }, prefetch);
  } catch (e) {
    progress.stop();
    const p = toProtocolError(e, req.pack);
    if (p.code === 'Internal') throw new PackLoadError(req.pack, p.message, { cause: e });
    throw e;
  }
  progress.stop();
  const example = await examplePosted;
  const t0 = performance.now();
  post({ type: 'progress', id: req.id, stage: 'warmup', files: [], done: 0, total: 1 });
  // Warms up on the view the page will show first (its URL user, else the example's user).
  await engine.warmup(req.first, example?.result.user.index ?? null);
  mark('warmup');
  post({ type: 'ready', id: req.id, summary: engine.summary, backend, warmupMs: performance.now() - t0 });
}

async function handle(req: Exclude<Request, { type: 'interrupt' }>): Promise<void> {
  switch (req.type) {
    case 'load':
      await load(req);
      return;
    case 'findUser': {
      const user = need('find user').userInfo(need('find user').findUser(req.query));
      post({ type: 'result', id: req.id, payload: { kind: 'user', user } });
      return;
    }
    case 'userInfo':
      post({ type: 'result', id: req.id, payload: { kind: 'user', user: need('user').userInfo(req.index) } });
      return;
    case 'infer': {
      const { type: _type, id: _id, purpose: _purpose, ...options } = req;
      const result = await need('recommend').infer(options);
      post({ type: 'result', id: req.id, payload: { kind: 'infer', result } });
      return;
    }
    case 'explain': {
      const ac = new AbortController();
      aborts.set(req.id, ac);
      const { type: _type, id: _id, ...options } = req;
      const r = await need('explain').explain(options, (text) => post({ type: 'token', id: req.id, text }), ac.signal);
      post({ type: 'result', id: req.id, payload: { kind: 'explain', ...r } });
      return;
    }
    case 'evaluate': {
      const ac = new AbortController();
      aborts.set(req.id, ac);
      const { type: _type, id: _id, ...options } = req;
      const r = await need('evaluate').evaluate(options, (done, total) => post({ type: 'progress', id: req.id, stage: 'evaluate', files: [], done, total }), ac.signal);
      post({ type: 'result', id: req.id, payload: { kind: 'evaluate', ...r } });
      return;
    }
  }
}

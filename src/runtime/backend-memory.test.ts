// The remembered automatic backend choice: key match / mismatch, a failing remembered backend drops
// the memory, a forced choice is never remembered, Re-check probes everything, the timing split.
// The store is the real in-memory implementation; the browser (adapter + tfjs backends) is a
// scripted stand-in, since Node has neither WebGPU nor the wasm files at their browser URLs.
import { describe, expect, it } from 'vitest';
import { ADAPTER_TIMEOUT_MS, decideBackend, explain, probeAdapterWith, type BackendEnv } from './backend-choice.ts';
import { InMemoryChoiceStore, formatWhen, memoryKey, readAheadChoiceStore, readRemembered, type AdapterFacts, type RememberedChoice } from './backend-memory.ts';
import type { BackendName } from './protocol.ts';

const SWIFTSHADER: AdapterFacts = { present: true, isFallbackAdapter: true, vendor: 'google', architecture: 'swiftshader', description: '' };
const HARDWARE: AdapterFacts = { present: true, isFallbackAdapter: false, vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' };
const TFJS = '4.22.0';

/** A browser whose adapter and backends behave as scripted, on a clock the script advances. */
class ScriptedBrowser implements BackendEnv {
  t = 1000;
  started: BackendName[] = [];
  constructor(
    public adapter: AdapterFacts,
    public fails: Partial<Record<BackendName, string>> = {},
    public cost: { adapter: number; start: Partial<Record<BackendName, number>>; smoke: number } = { adapter: 10, start: { wasm: 120, webgpu: 40, webgl: 60, cpu: 1 }, smoke: 3 },
  ) {}
  now(): number {
    return this.t;
  }
  async probeAdapter(): Promise<AdapterFacts> {
    this.t += this.cost.adapter;
    return { ...this.adapter };
  }
  async start(name: BackendName) {
    this.started.push(name);
    const startMs = this.cost.start[name] ?? 0;
    this.t += startMs;
    if (this.fails[name]) return { error: this.fails[name], startMs, smokeMs: 0 };
    this.t += this.cost.smoke;
    return { error: null, startMs, smokeMs: this.cost.smoke };
  }
}

const stored = async (s: InMemoryChoiceStore) => (await s.get()) as RememberedChoice | undefined;

describe('remembered automatic backend choice', () => {
  it('first visit probes and remembers; the next visit with the same key starts only the remembered backend', async () => {
    const store = new InMemoryChoiceStore();
    // Hardware adapter whose webgpu backend fails: the full probe tries webgpu, then wasm.
    const first = new ScriptedBrowser(HARDWARE, { webgpu: 'device creation failed' });
    const before = Date.now();
    const d1 = await decideBackend(first, { store, tfjsVersion: TFJS });
    expect(first.started).toEqual(['webgpu', 'wasm']);
    expect(d1.backend).toBe('wasm');
    expect(d1.remembered).toBeNull();
    expect(d1.reason).toBe('The WebGPU adapter (nvidia) did not start; WASM with SIMD is the fastest CPU backend (webgpu failed to start).');
    const rec = await stored(store);
    expect(rec?.key).toBe(memoryKey(HARDWARE, TFJS));
    expect(rec?.backend).toBe('wasm');
    expect(rec?.failures).toEqual([{ backend: 'webgpu', error: 'device creation failed' }]);
    expect(rec?.reason).toBe(d1.reason);
    expect(rec!.at).toBeGreaterThanOrEqual(before);
    expect(rec!.at).toBeLessThanOrEqual(Date.now());
    // adapter 10 + webgpu 40 (failed) + wasm 120 + smoke 3 = 173; probing excludes wasm's own 120.
    expect(rec?.timing).toEqual({ memoryMs: 0, adapterMs: 10, failedMs: 40, startMs: 120, smokeMs: 3, totalMs: 173, probingMs: 53 });

    const second = new ScriptedBrowser(HARDWARE, { webgpu: 'device creation failed' });
    const d2 = await decideBackend(second, { store, tfjsVersion: TFJS });
    expect(second.started).toEqual(['wasm']);
    expect(d2.backend).toBe('wasm');
    expect(d2.forced).toBe(false);
    expect(d2.remembered).toEqual({ at: rec!.at });
    expect(d2.reason).toBe(`Remembered from your last visit on ${formatWhen(rec!.at)}: ${d1.reason}`);
    expect(d2.timing).toEqual({ memoryMs: 0, adapterMs: 10, failedMs: 0, startMs: 120, smokeMs: 3, totalMs: 133, probingMs: 13 });
    // Using the memory does not rewrite it: the date stays the date of the real probe.
    expect(await stored(store)).toEqual(rec);
  });

  it('a different adapter or tfjs version does not match: full probe, and the record is replaced', async () => {
    const store = new InMemoryChoiceStore();
    await decideBackend(new ScriptedBrowser(SWIFTSHADER), { store, tfjsVersion: TFJS });
    expect((await stored(store))?.backend).toBe('wasm');

    const gpu = new ScriptedBrowser(HARDWARE);
    const d = await decideBackend(gpu, { store, tfjsVersion: TFJS });
    expect(gpu.started).toEqual(['webgpu']);
    expect(d.backend).toBe('webgpu');
    expect(d.remembered).toBeNull();
    expect((await stored(store))?.key).toBe(memoryKey(HARDWARE, TFJS));

    // Same adapter, newer tfjs: the remembered webgpu is not trusted; the full order runs again.
    const upgraded = new ScriptedBrowser(HARDWARE, { webgpu: 'unsupported feature' });
    const d3 = await decideBackend(upgraded, { store, tfjsVersion: '4.23.0' });
    expect(upgraded.started).toEqual(['webgpu', 'wasm']);
    expect(d3.remembered).toBeNull();
    expect((await stored(store))?.key).toBe(memoryKey(HARDWARE, '4.23.0'));
  });

  it('the key changes with every adapter fact and the tfjs version', () => {
    const base = memoryKey(HARDWARE, TFJS);
    expect(memoryKey({ ...HARDWARE }, TFJS)).toBe(base);
    for (const changed of [
      { ...HARDWARE, present: false },
      { ...HARDWARE, isFallbackAdapter: true },
      { ...HARDWARE, vendor: 'amd' },
      { ...HARDWARE, architecture: 'ada' },
      { ...HARDWARE, description: 'NVIDIA H200' },
    ])
      expect(memoryKey(changed, TFJS)).not.toBe(base);
    expect(memoryKey(HARDWARE, '4.22.1')).not.toBe(base);
  });

  it('every state without a hardware GPU shares one key, however fast the adapter request answered', () => {
    const none = memoryKey({ present: false, isFallbackAdapter: false, vendor: '', architecture: '', description: '' }, TFJS);
    expect(memoryKey(SWIFTSHADER, TFJS)).toBe(none);
    expect(memoryKey({ present: false, isFallbackAdapter: false, vendor: '', architecture: '', description: '', timedOut: true }, TFJS)).toBe(none);
    expect(memoryKey({ present: false, isFallbackAdapter: false, vendor: '', architecture: '', description: '', nullAnswer: true }, TFJS)).toBe(none);
    expect(memoryKey(HARDWARE, TFJS)).not.toBe(none);
    expect(memoryKey(SWIFTSHADER, TFJS, 'large')).not.toBe(none);
  });

  it('a remembered backend that fails drops the memory and falls back to the full order', async () => {
    const store = new InMemoryChoiceStore();
    await decideBackend(new ScriptedBrowser(HARDWARE), { store, tfjsVersion: TFJS });
    expect((await stored(store))?.backend).toBe('webgpu');

    const broken = new ScriptedBrowser(HARDWARE, { webgpu: 'adapter lost' });
    const d = await decideBackend(broken, { store, tfjsVersion: TFJS });
    // webgpu is tried once (as the remembered one), not again in the full order.
    expect(broken.started).toEqual(['webgpu', 'wasm']);
    expect(d.backend).toBe('wasm');
    expect(d.remembered).toBeNull();
    expect(d.reason).not.toMatch(/Remembered/);
    expect(d.failures).toEqual([{ backend: 'webgpu', error: 'adapter lost' }]);
    expect((await stored(store))?.backend).toBe('wasm');

    // When nothing else starts either, the dropped memory stays dropped.
    const dead = new ScriptedBrowser(HARDWARE, { webgpu: 'x', wasm: 'y', webgl: 'z', cpu: 'w' });
    await expect(decideBackend(dead, { store, tfjsVersion: TFJS })).rejects.toThrow('No TensorFlow.js backend could start: wasm: y; webgpu: x; webgl: z; cpu: w');
    expect(await store.get()).toBeUndefined();
  });

  it('a forced choice is never remembered and does not use the memory', async () => {
    const store = new InMemoryChoiceStore();
    const forced = new ScriptedBrowser(SWIFTSHADER);
    const d = await decideBackend(forced, { store, forced: 'cpu', source: 'user', tfjsVersion: TFJS });
    expect(forced.started).toEqual(['cpu']);
    expect(d.reason).toBe('You picked cpu in the backend menu.');
    expect(await store.get()).toBeUndefined();

    await decideBackend(new ScriptedBrowser(SWIFTSHADER), { store, tfjsVersion: TFJS });
    const rec = await stored(store);
    expect(rec?.backend).toBe('wasm');
    const again = new ScriptedBrowser(SWIFTSHADER);
    const d2 = await decideBackend(again, { store, forced: 'webgl', source: 'url', tfjsVersion: TFJS });
    expect(again.started).toEqual(['webgl']);
    expect(d2.reason).toBe('Forced by the ?backend=webgl setting.');
    expect(d2.remembered).toBeNull();
    expect(await stored(store)).toEqual(rec);

    // A forced backend that fails falls through to the automatic order, still without memory.
    const failing = new ScriptedBrowser(SWIFTSHADER, { webgl: 'no context' });
    const d3 = await decideBackend(failing, { store, forced: 'webgl', tfjsVersion: TFJS });
    expect(failing.started).toEqual(['webgl', 'wasm']);
    expect(d3.remembered).toBeNull();
    expect(d3.forced).toBe(false);
    expect(await stored(store)).toEqual(rec);
  });

  it('Re-check forgets the memory, runs the full probe and remembers its new result', async () => {
    const store = new InMemoryChoiceStore();
    await decideBackend(new ScriptedBrowser(HARDWARE, { webgpu: 'busy' }), { store, tfjsVersion: TFJS });
    const old = await stored(store);
    expect(old?.backend).toBe('wasm');
    const b = new ScriptedBrowser(HARDWARE);
    const d = await decideBackend(b, { store, recheck: true, tfjsVersion: TFJS });
    expect(b.started).toEqual(['webgpu']);
    expect(d.remembered).toBeNull();
    expect((await stored(store))?.backend).toBe('webgpu');
    expect((await stored(store))?.failures).toEqual([]);
  });

  it('a damaged or foreign record is ignored, not trusted', async () => {
    const key = memoryKey(SWIFTSHADER, TFJS);
    const good: RememberedChoice = { version: 1, key, backend: 'wasm', reason: 'r', failures: [], at: 5, timing: { memoryMs: 0, adapterMs: 1, failedMs: 0, startMs: 2, smokeMs: 3, totalMs: 6, probingMs: 4 } };
    expect(readRemembered(good, key)).toEqual(good);
    expect(readRemembered(good, memoryKey(HARDWARE, TFJS))).toBeNull();
    for (const bad of [null, 'wasm', 42, { ...good, version: 2 }, { ...good, backend: 'metal' }, { ...good, at: 'yesterday' }, { ...good, failures: [{ backend: 'wasm' }] }, { ...good, timing: { ...good.timing, startMs: '2' } }, { ...good, timing: undefined }])
      expect(readRemembered(bad, key)).toBeNull();
    // The decision ignores it and probes; its result replaces the damaged record.
    const store = new InMemoryChoiceStore({ ...good, backend: 'metal' });
    const b = new ScriptedBrowser(SWIFTSHADER);
    const d = await decideBackend(b, { store, tfjsVersion: TFJS });
    expect(d.remembered).toBeNull();
    expect((await stored(store))?.backend).toBe('wasm');
  });

  it('a store that throws costs the memory, not the backend', async () => {
    const broken = {
      get: () => Promise.reject(new Error('IndexedDB blocked')),
      set: () => Promise.reject(new Error('IndexedDB blocked')),
      clear: () => Promise.reject(new Error('IndexedDB blocked')),
    };
    const d = await decideBackend(new ScriptedBrowser(SWIFTSHADER), { store: broken, tfjsVersion: TFJS });
    expect(d.backend).toBe('wasm');
    expect(d.reason).toBe('The WebGPU adapter is a CPU emulation (swiftshader); WASM is faster here.');
  });

  it('formats the date the same in every locale', () => {
    expect(formatWhen(new Date(2026, 10, 26, 9, 5).getTime())).toBe('2026-11-26 09:05');
  });
});

describe('time-boxed adapter probe', () => {
  it('a requestAdapter() that never answers counts as no adapter after the time box', async () => {
    const t0 = performance.now();
    const facts = await probeAdapterWith({ requestAdapter: () => new Promise(() => {}) }, 40);
    const took = performance.now() - t0;
    expect(facts).toEqual({ present: false, isFallbackAdapter: false, vendor: '', architecture: '', description: '', timedOut: true });
    expect(took).toBeGreaterThanOrEqual(35);
    expect(took).toBeLessThan(1000);
    expect(explain('wasm', facts, false, [], 'url')).toBe(`The WebGPU adapter request did not answer within ${ADAPTER_TIMEOUT_MS} ms, so it counts as absent; WASM with SIMD is the fastest CPU backend.`);
  });

  it('reads SwiftShader as a fallback adapter, a rejection or null as none', async () => {
    expect(await probeAdapterWith({ requestAdapter: async () => ({ info: { vendor: 'google', architecture: 'swiftshader', description: '' } }) })).toEqual(SWIFTSHADER);
    expect(await probeAdapterWith({ requestAdapter: async () => ({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100', isFallbackAdapter: false } }) })).toEqual(HARDWARE);
    expect((await probeAdapterWith({ requestAdapter: () => Promise.reject(new Error('denied')) })).present).toBe(false);
    expect((await probeAdapterWith({ requestAdapter: async () => null })).present).toBe(false);
    expect((await probeAdapterWith(undefined)).present).toBe(false);
  });
});

describe('readAheadChoiceStore', () => {
  it('answers the first get from the read it started at once, later ones from the store', async () => {
    const inner = new InMemoryChoiceStore({ version: 1, marker: 'before' });
    const store = readAheadChoiceStore(inner);
    // Changed behind its back after the read-ahead: the first get still sees what was read then.
    await inner.set({ version: 1, marker: 'after' } as unknown as RememberedChoice);
    expect(await store.get()).toEqual({ version: 1, marker: 'before' });
    expect(await store.get()).toEqual({ version: 1, marker: 'after' });
  });

  it('a set or clear before the first get makes it read the store again', async () => {
    const inner = new InMemoryChoiceStore({ version: 1, marker: 'old' });
    const a = readAheadChoiceStore(inner);
    await a.clear();
    expect(await a.get()).toBeUndefined();
    const b = readAheadChoiceStore(inner);
    await b.set({ version: 1, marker: 'new' } as unknown as RememberedChoice);
    expect(await b.get()).toEqual({ version: 1, marker: 'new' });
  });
});

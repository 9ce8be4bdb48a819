// The model-size rule of the automatic backend choice and the background retry for a WebGPU adapter
// that answers late (the first requestAdapter() in a fresh Chromium on an NVIDIA H200 answered null).
// Stores are the real in-memory implementation; the adapter and the tfjs backends are scripted
// stand-ins (Node has no WebGPU), on a clock and a sleep the script controls.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { t5SmallConfig, type T5Config } from '../model/types.ts';
import {
  SMALL_MODEL_MFLOPS_PER_TOKEN,
  autoOrder,
  awaitHardwareAdapterWith,
  decideBackend,
  modelSizeFromManifest,
  modelSizeOf,
  probeAdapterWith,
  sizeClass,
  watchLateAdapter,
  type BackendEnv,
} from './backend-choice.ts';
import { InMemoryChoiceStore, formatWhen, memoryKey, type AdapterFacts, type RememberedChoice } from './backend-memory.ts';
import type { BackendName } from './protocol.ts';

const TFJS = '4.22.0';
const NONE: AdapterFacts = { present: false, isFallbackAdapter: false, vendor: '', architecture: '', description: '' };
const NULL_ANSWER: AdapterFacts = { ...NONE, nullAnswer: true };
const SWIFTSHADER: AdapterFacts = { present: true, isFallbackAdapter: true, vendor: 'google', architecture: 'swiftshader', description: '' };
// As Chromium 156 reported the H200: vendor only.
const H200: AdapterFacts = { present: true, isFallbackAdapter: false, vendor: 'nvidia', architecture: '', description: '' };

const repoRoot = path.resolve(import.meta.dirname, '../..');
const beautyManifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'public/models/beauty/manifest.json'), 'utf8')) as { config: { t5: T5Config } };
const BEAUTY = modelSizeOf(beautyManifest.config.t5);
// The bench's T5-small-sized pack: d 512, 6+6 layers, p5 vocabulary of 4,408 (BENCHMARKS.md).
const T5_SMALL = modelSizeOf(t5SmallConfig(4408));

/** Adapter answers in order (the last one repeats); records every request and every pause. */
class ScriptedAdapterSource {
  asked = 0;
  slept: number[] = [];
  constructor(private answers: AdapterFacts[]) {}
  probe = async (): Promise<AdapterFacts> => ({ ...this.answers[Math.min(this.asked++, this.answers.length - 1)]! });
  sleep = async (ms: number): Promise<void> => {
    this.slept.push(ms);
  };
}

/** A browser whose adapter and backends behave as scripted, on a clock the script advances. */
class ScriptedBrowser implements BackendEnv {
  t = 1000;
  started: BackendName[] = [];
  awaitHardwareAdapter?: () => Promise<boolean>;
  constructor(
    public adapter: AdapterFacts,
    public fails: Partial<Record<BackendName, string[]>> = {},
    lateAdapter?: { waitMs: number; found: boolean },
  ) {
    if (lateAdapter)
      this.awaitHardwareAdapter = async () => {
        this.t += lateAdapter.waitMs;
        return lateAdapter.found;
      };
  }
  now(): number {
    return this.t;
  }
  async probeAdapter(): Promise<AdapterFacts> {
    this.t += 10;
    return { ...this.adapter };
  }
  async start(name: BackendName) {
    this.started.push(name);
    const startMs = name === 'wasm' ? 120 : 40;
    this.t += startMs;
    // Each start consumes the next scripted failure for that backend, so "fails once" is expressible.
    const error = this.fails[name]?.shift();
    if (error) return { error, startMs, smokeMs: 0 };
    this.t += 3;
    return { error: null, startMs, smokeMs: 3 };
  }
}

const stored = async (s: InMemoryChoiceStore) => (await s.get()) as RememberedChoice | undefined;

describe('model size in the automatic choice', () => {
  it('counts FLOPs per token from the config (one encoder token + one cached decoder step with the head)', () => {
    // Beauty d128 2+2 relu, vocabulary V from the shipped manifest (12,168 today), hand-computed:
    // encoder layer 4*2*128*128 + (2*128*512 + 2*512*128) + 2*2*128 = 393,728, x2 = 787,456; decoder
    // layer (131,072 + 512) + (65,536 + 512) + 262,144 = 459,776, x2 = 919,552; head 2*128*V
    // (V 12,168: 3,115,008; total 4,822,016).
    const V = beautyManifest.config.t5.vocabSize;
    expect(BEAUTY.mflopsPerToken).toBeCloseTo((787_456 + 919_552 + 2 * 128 * V) / 1e6, 9);
    expect(modelSizeFromManifest(beautyManifest)).toEqual(BEAUTY);
    // T5-small, V4408: encoder 37,761,024 + decoder step 44,064,768 + head 2*512*4,408 = 86,339,584.
    expect(T5_SMALL.mflopsPerToken).toBeCloseTo(86.339584, 9);
  });

  it('the threshold sits between the two measured packs', () => {
    expect(sizeClass(BEAUTY)).toBe('small');
    expect(sizeClass(T5_SMALL)).toBe('large');
    expect(sizeClass({ mflopsPerToken: SMALL_MODEL_MFLOPS_PER_TOKEN - 0.01 })).toBe('small');
    expect(sizeClass({ mflopsPerToken: SMALL_MODEL_MFLOPS_PER_TOKEN })).toBe('large');
    expect(BEAUTY.mflopsPerToken).toBeLessThan(SMALL_MODEL_MFLOPS_PER_TOKEN);
    expect(T5_SMALL.mflopsPerToken).toBeGreaterThan(SMALL_MODEL_MFLOPS_PER_TOKEN);
  });

  it('a manifest without a usable config gives no size (the old rule applies)', () => {
    const t5 = beautyManifest.config.t5;
    for (const bad of [null, undefined, 'x', {}, { config: {} }, { config: { t5: { ...t5, dModel: '128' } } }, { config: { t5: { ...t5, numEncoderLayers: -1 } } }, { config: { t5: { ...t5, feedForward: 'swish' } } }, { config: { t5: { ...t5, dFf: Number.NaN } } }])
      expect(modelSizeFromManifest(bad)).toBeNull();
    expect(autoOrder(H200, null)).toEqual(['webgpu', 'wasm', 'webgl', 'cpu']);
  });

  it('hardware adapter + small model: wasm, with the reason; large model: webgpu', async () => {
    const small = new ScriptedBrowser(H200);
    const d = await decideBackend(small, { tfjsVersion: TFJS, model: BEAUTY });
    expect(small.started).toEqual(['wasm']);
    expect(d.backend).toBe('wasm');
    expect(d.reason).toBe('Small model (4.8 MFLOP/token): WASM beats WebGPU on this size (measured on an H200).');

    const large = new ScriptedBrowser(H200);
    const d2 = await decideBackend(large, { tfjsVersion: TFJS, model: T5_SMALL });
    expect(large.started).toEqual(['webgpu']);
    expect(d2.reason).toBe('A hardware WebGPU adapter is available (nvidia); it runs the model on the GPU (86 MFLOP/token, large enough to gain from it).');

    // Unknown size: the old rule (hardware -> webgpu), old sentence.
    const unknown = new ScriptedBrowser(H200);
    expect((await decideBackend(unknown, { tfjsVersion: TFJS })).reason).toBe('A hardware WebGPU adapter is available (nvidia); it runs the model on the GPU.');
    expect(unknown.started).toEqual(['webgpu']);
  });

  it('small model: webgpu is the next try when wasm fails; software or no adapter never gets webgpu', async () => {
    const b = new ScriptedBrowser(H200, { wasm: ['no SIMD'] });
    const d = await decideBackend(b, { tfjsVersion: TFJS, model: BEAUTY });
    expect(b.started).toEqual(['wasm', 'webgpu']);
    expect(d.backend).toBe('webgpu');
    expect(autoOrder(SWIFTSHADER, T5_SMALL)).toEqual(['wasm', 'webgl', 'cpu']);
    expect(autoOrder(NONE, T5_SMALL)).toEqual(['wasm', 'webgl', 'cpu']);
    expect((await decideBackend(new ScriptedBrowser(SWIFTSHADER), { tfjsVersion: TFJS, model: T5_SMALL })).reason).toBe('The WebGPU adapter is a CPU emulation (swiftshader); WASM is faster here.');
  });

  it('forced choices ignore the size', async () => {
    const b = new ScriptedBrowser(H200);
    const d = await decideBackend(b, { tfjsVersion: TFJS, model: BEAUTY, forced: 'webgpu', source: 'user' });
    expect(b.started).toEqual(['webgpu']);
    expect(d.reason).toBe('You picked webgpu in the backend menu.');
  });

  it('the memory is per size class: a small-model choice is not reused for a large model', async () => {
    const store = new InMemoryChoiceStore();
    await decideBackend(new ScriptedBrowser(H200), { store, tfjsVersion: TFJS, model: BEAUTY });
    expect((await stored(store))?.key).toBe(memoryKey(H200, TFJS, 'small'));
    expect(memoryKey(H200, TFJS, 'small')).not.toBe(memoryKey(H200, TFJS, 'large'));
    expect(memoryKey(H200, TFJS, 'small')).not.toBe(memoryKey(H200, TFJS));
    const big = new ScriptedBrowser(H200);
    const d = await decideBackend(big, { store, tfjsVersion: TFJS, model: T5_SMALL });
    expect(d.remembered).toBeNull();
    expect(big.started).toEqual(['webgpu']);
    expect((await stored(store))?.key).toBe(memoryKey(H200, TFJS, 'large'));
  });
});

describe('a WebGPU adapter that answers after start-up', () => {
  it('probe: a null answer is marked (worth a retry); no API, a rejection or a timeout is not', async () => {
    expect(await probeAdapterWith({ requestAdapter: async () => null })).toEqual(NULL_ANSWER);
    expect(await probeAdapterWith(undefined)).toEqual(NONE);
    expect(await probeAdapterWith({ requestAdapter: () => Promise.reject(new Error('denied')) })).toEqual(NONE);
    expect((await probeAdapterWith({ requestAdapter: () => new Promise(() => {}) }, 5)).nullAnswer).toBeUndefined();
  });

  it('the H200 case: start on wasm, find the GPU on the second request, next visit starts webgpu directly', async () => {
    const store = new InMemoryChoiceStore();
    const first = new ScriptedBrowser(NULL_ANSWER);
    const d = await decideBackend(first, { store, tfjsVersion: TFJS, model: T5_SMALL });
    expect(d.backend).toBe('wasm');
    expect(d.reason).toBe('No WebGPU adapter in this browser; WASM with SIMD is the fastest CPU backend.');
    // Probing on this first visit: adapter 10 + smoke 3 (the retry is not part of it).
    expect(d.timing.probingMs).toBe(13);

    const src = new ScriptedAdapterSource([NULL_ANSWER, H200]);
    const before = Date.now();
    const late = await watchLateAdapter(d, src.probe, { store, tfjsVersion: TFJS, model: T5_SMALL, sleep: src.sleep });
    expect(late).toEqual({ adapter: H200, remembered: true });
    expect(src.asked).toBe(2);
    expect(src.slept).toEqual([250, 500]);
    const rec = await stored(store);
    expect(rec?.key).toBe(memoryKey(NULL_ANSWER, TFJS, 'large'));
    expect(rec?.backend).toBe('webgpu');
    expect(rec?.late).toEqual({ vendor: 'nvidia', architecture: '', description: '' });
    expect(rec?.reason).toBe('A hardware WebGPU adapter (nvidia) answered only after start-up (the first request returned none); it runs the model on the GPU (86 MFLOP/token, large enough to gain from it).');
    expect(rec!.at).toBeGreaterThanOrEqual(before);

    // Next visit: the first request answers null again; the remembered choice starts webgpu alone.
    const next = new ScriptedBrowser(NULL_ANSWER, {}, { waitMs: 900, found: true });
    const d2 = await decideBackend(next, { store, tfjsVersion: TFJS, model: T5_SMALL });
    expect(next.started).toEqual(['webgpu']);
    expect(d2.backend).toBe('webgpu');
    expect(d2.reason).toBe(`Remembered from your last visit on ${formatWhen(rec!.at)}: ${rec!.reason}`);
    expect(d2.timing).toEqual({ memoryMs: 0, adapterMs: 10, failedMs: 0, startMs: 40, smokeMs: 3, totalMs: 53, probingMs: 13 });
    // On webgpu nothing is retried.
    const quiet = new ScriptedAdapterSource([H200]);
    expect(await watchLateAdapter(d2, quiet.probe, { store, tfjsVersion: TFJS, model: T5_SMALL, sleep: quiet.sleep })).toBeNull();
    expect(quiet.asked).toBe(0);
  });

  it('next visit, webgpu fails while the adapter is still late: wait for it and start webgpu again', async () => {
    const store = new InMemoryChoiceStore();
    const d = await decideBackend(new ScriptedBrowser(NULL_ANSWER), { store, tfjsVersion: TFJS, model: T5_SMALL });
    const src = new ScriptedAdapterSource([H200]);
    await watchLateAdapter(d, src.probe, { store, tfjsVersion: TFJS, model: T5_SMALL, sleep: src.sleep });
    const rec = await stored(store);

    const slow = new ScriptedBrowser(NULL_ANSWER, { webgpu: ['requestAdapter returned null'] }, { waitMs: 900, found: true });
    const d2 = await decideBackend(slow, { store, tfjsVersion: TFJS, model: T5_SMALL });
    expect(slow.started).toEqual(['webgpu', 'webgpu']);
    expect(d2.backend).toBe('webgpu');
    expect(d2.remembered).toEqual({ at: rec!.at });
    expect(d2.failures).toEqual([]);
    // failed: first start 40 + wait 900; then start 40 + smoke 3.
    expect(d2.timing).toEqual({ memoryMs: 0, adapterMs: 10, failedMs: 940, startMs: 40, smokeMs: 3, totalMs: 993, probingMs: 953 });
    expect(await stored(store)).toEqual(rec);

    // The adapter never comes back: the memory is dropped and the full order picks wasm.
    const gone = new ScriptedBrowser(NULL_ANSWER, { webgpu: ['requestAdapter returned null'] }, { waitMs: 3000, found: false });
    const d3 = await decideBackend(gone, { store, tfjsVersion: TFJS, model: T5_SMALL });
    expect(gone.started).toEqual(['webgpu', 'wasm']);
    expect(d3.backend).toBe('wasm');
    expect(d3.failures).toEqual([{ backend: 'webgpu', error: 'requestAdapter returned null' }]);
    expect(d3.timing.failedMs).toBe(3040);
    expect((await stored(store))?.backend).toBe('wasm');
    expect((await stored(store))?.late).toBeUndefined();
  });

  it('a forced webgpu whose adapter answers late is waited for, not dropped for wasm', async () => {
    const late = new ScriptedBrowser(NONE, { webgpu: ['The WebGPU adapter request did not answer within 250 ms'] }, { waitMs: 700, found: true });
    const d = await decideBackend(late, { forced: 'webgpu', tfjsVersion: TFJS, model: BEAUTY });
    expect(late.started).toEqual(['webgpu', 'webgpu']);
    expect(d.backend).toBe('webgpu');
    expect(d.forced).toBe(true);
    expect(d.failures).toEqual([]);
    // failed: first start 40 + wait 700; then start 40 + smoke 3.
    expect(d.timing.failedMs).toBe(740);
    // No adapter ever: the automatic order takes over and the failure is reported.
    const none = new ScriptedBrowser(NONE, { webgpu: ['no adapter', 'no adapter'] }, { waitMs: 3000, found: false });
    const d2 = await decideBackend(none, { forced: 'webgpu', tfjsVersion: TFJS, model: BEAUTY });
    expect(none.started).toEqual(['webgpu', 'wasm']);
    expect(d2.backend).toBe('wasm');
    expect(d2.failures).toEqual([{ backend: 'webgpu', error: 'no adapter' }]);
    // A forced wasm never waits for a GPU.
    const w = new ScriptedBrowser(NONE, { wasm: ['wasm broke'] }, { waitMs: 3000, found: true });
    await decideBackend(w, { forced: 'wasm', tfjsVersion: TFJS, model: BEAUTY });
    expect(w.started[0]).toBe('wasm');
    expect(w.started[1]).not.toBe('wasm');
  });

  it('gives up after about 3 s of tries and leaves the memory alone', async () => {
    const store = new InMemoryChoiceStore();
    const d = await decideBackend(new ScriptedBrowser(NULL_ANSWER), { store, tfjsVersion: TFJS, model: T5_SMALL });
    const rec = await stored(store);
    const src = new ScriptedAdapterSource([NULL_ANSWER]);
    expect(await watchLateAdapter(d, src.probe, { store, tfjsVersion: TFJS, model: T5_SMALL, sleep: src.sleep })).toBeNull();
    expect(src.asked).toBe(4);
    expect(src.slept).toEqual([250, 500, 1000, 1250]);
    expect(src.slept.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(await stored(store)).toEqual(rec);
  });

  it('a GPU slower than the start-up box is still found: after a timeout it asks again and remembers webgpu for the timed-out key', async () => {
    const store = new InMemoryChoiceStore();
    const slow = { ...NONE, timedOut: true };
    const d = await decideBackend(new ScriptedBrowser(slow), { store, tfjsVersion: TFJS, model: T5_SMALL });
    expect(d.backend).toBe('wasm');
    const src = new ScriptedAdapterSource([NONE, H200]);
    expect(await watchLateAdapter(d, src.probe, { store, tfjsVersion: TFJS, model: T5_SMALL, sleep: src.sleep })).toEqual({ adapter: H200, remembered: true });
    expect(src.asked).toBe(2);
    const rec = await stored(store);
    expect(rec?.backend).toBe('webgpu');
    expect(rec?.reason).toContain('did not answer within 250 ms');
  });

  it('does not retry without the API or for a forced choice; stops at a software adapter', async () => {
    {
      const d = await decideBackend(new ScriptedBrowser(NONE), { tfjsVersion: TFJS, model: T5_SMALL });
      const src = new ScriptedAdapterSource([H200]);
      expect(await watchLateAdapter(d, src.probe, { tfjsVersion: TFJS, model: T5_SMALL, sleep: src.sleep })).toBeNull();
      expect(src.asked).toBe(0);
    }
    const forced = await decideBackend(new ScriptedBrowser(NULL_ANSWER), { tfjsVersion: TFJS, model: T5_SMALL, forced: 'wasm', source: 'user' });
    const src = new ScriptedAdapterSource([H200]);
    expect(await watchLateAdapter(forced, src.probe, { tfjsVersion: TFJS, sleep: src.sleep })).toBeNull();
    expect(src.asked).toBe(0);

    const d = await decideBackend(new ScriptedBrowser(NULL_ANSWER), { tfjsVersion: TFJS, model: T5_SMALL });
    const soft = new ScriptedAdapterSource([NULL_ANSWER, SWIFTSHADER, H200]);
    expect(await watchLateAdapter(d, soft.probe, { tfjsVersion: TFJS, model: T5_SMALL, sleep: soft.sleep })).toBeNull();
    expect(soft.asked).toBe(2);
  });

  it('a small model stays on wasm even when the GPU appears; without a store nothing is remembered', async () => {
    const store = new InMemoryChoiceStore();
    const d = await decideBackend(new ScriptedBrowser(NULL_ANSWER), { store, tfjsVersion: TFJS, model: BEAUTY });
    const rec = await stored(store);
    const src = new ScriptedAdapterSource([H200]);
    expect(await watchLateAdapter(d, src.probe, { store, tfjsVersion: TFJS, model: BEAUTY, sleep: src.sleep })).toBeNull();
    expect(src.asked).toBe(1);
    expect(await stored(store)).toEqual(rec);

    const d2 = await decideBackend(new ScriptedBrowser(NULL_ANSWER), { tfjsVersion: TFJS });
    const src2 = new ScriptedAdapterSource([H200]);
    expect(await watchLateAdapter(d2, src2.probe, { tfjsVersion: TFJS, sleep: src2.sleep })).toEqual({ adapter: H200, remembered: false });
  });

  it('awaitHardwareAdapterWith asks now and after each pause, and says whether the GPU answered', async () => {
    const a = new ScriptedAdapterSource([NULL_ANSWER, NULL_ANSWER, H200]);
    expect(await awaitHardwareAdapterWith(a.probe, [250, 500, 1000], a.sleep)).toBe(true);
    expect(a.asked).toBe(3);
    expect(a.slept).toEqual([250, 500]);
    const b = new ScriptedAdapterSource([NULL_ANSWER]);
    expect(await awaitHardwareAdapterWith(b.probe, [250, 500], b.sleep)).toBe(false);
    expect(b.asked).toBe(3);
    expect(b.slept).toEqual([250, 500]);
  });
});

// The measured automatic backend choice: with a hardware WebGPU adapter the decision times the
// pack's decoder step on WebGPU and on WASM inside the probing budget and keeps the faster; past the
// budget, or when nothing can be compared, the model-size rule decides. The browser is a scripted
// stand-in on a fake clock (Node has no WebGPU): starting a backend and each measurement cost what
// the script says, so every number below is exact and nothing depends on this machine's speed.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { t5SmallConfig, type T5Config } from '../model/types.ts';
import {
  PROBE_BUDGET_MS,
  asHardwareForTest,
  decideBackend,
  formatStepMs,
  modelSizeFromManifest,
  modelSizeOf,
  stepKey,
  watchLateAdapter,
  type BackendEnv,
  type MeasuredBackend,
  type StepShape,
} from './backend-choice.ts';
import { InMemoryChoiceStore, formatWhen, memoryKey, readRemembered, type AdapterFacts, type RememberedChoice } from './backend-memory.ts';
import type { BackendName, BackendTiming } from './protocol.ts';

const TFJS = '4.22.0';
const NONE: AdapterFacts = { present: false, isFallbackAdapter: false, vendor: '', architecture: '', description: '' };
const SWIFTSHADER: AdapterFacts = { present: true, isFallbackAdapter: true, vendor: 'google', architecture: 'swiftshader', description: '' };
const H100: AdapterFacts = { present: true, isFallbackAdapter: false, vendor: 'nvidia', architecture: 'hopper', description: '' };

const repoRoot = path.resolve(import.meta.dirname, '../..');
const beautyManifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'public/models/beauty/manifest.json'), 'utf8')) as { config: { t5: T5Config } };
const BEAUTY = modelSizeOf(beautyManifest.config.t5);
const T5_SMALL = modelSizeOf(t5SmallConfig(4408));
const SMALL_RULE = 'Small model (4.8 MFLOP/token): WASM beats WebGPU on this size (measured on an H200).';

/** What one measurement does: take `cost` ms of the clock and report `ms`, throw, or never finish in time. */
type Script = { ms: number; cost: number } | { throws: string; cost: number } | { hang: true };

/**
 * A browser with a hardware adapter: the first start of a backend costs `startCost`, a later one
 * (re-activating an initialised backend) 1 ms; measurements follow `scripts`. Records what ran.
 */
class MeasuringBrowser implements BackendEnv {
  t = 1000;
  started: BackendName[] = [];
  measured: { name: MeasuredBackend; allowanceMs: number; step: StepShape }[] = [];
  /** The backend tfjs would run on now. */
  active: BackendName | null = null;
  private initialised = new Set<BackendName>();
  constructor(
    public adapter: AdapterFacts,
    public scripts: Partial<Record<MeasuredBackend, Script>> = { webgpu: { ms: 3.1, cost: 60 }, wasm: { ms: 5.2, cost: 30 } },
    public opts: { adapterMs?: number; startCost?: Partial<Record<BackendName, number>>; fails?: Partial<Record<BackendName, string>> } = {},
  ) {}
  now(): number {
    return this.t;
  }
  async probeAdapter(): Promise<AdapterFacts> {
    this.t += this.opts.adapterMs ?? 10;
    return { ...this.adapter };
  }
  async start(name: BackendName) {
    this.started.push(name);
    const startMs = this.initialised.has(name) ? 1 : (this.opts.startCost?.[name] ?? { webgpu: 120, wasm: 40, webgl: 60, cpu: 1 }[name]);
    this.t += startMs;
    const error = this.opts.fails?.[name];
    this.active = name;
    if (error) return { error, startMs, smokeMs: 0 };
    this.initialised.add(name);
    this.t += 2;
    return { error: null, startMs, smokeMs: 2 };
  }
  measure = async (name: MeasuredBackend, step: StepShape, allowanceMs: number): Promise<number | null> => {
    expect(this.initialised.has(name)).toBe(true);
    this.measured.push({ name, allowanceMs, step });
    this.active = name;
    const s = this.scripts[name]!;
    if ('hang' in s || s.cost > allowanceMs) {
      this.t += allowanceMs;
      return null;
    }
    this.t += s.cost;
    if ('throws' in s) throw new Error(s.throws);
    return s.ms;
  };
}

const stored = async (s: InMemoryChoiceStore) => (await s.get()) as RememberedChoice | undefined;
const sumOfParts = (t: BackendTiming) => t.adapterMs + t.memoryMs + t.failedMs + (t.measureMs ?? 0) + t.startMs + t.smokeMs;

describe('measured choice on a hardware adapter', () => {
  it('times both backends on the pack-shaped step and keeps the faster: WebGPU, said with both numbers, remembered per step shape', async () => {
    const store = new InMemoryChoiceStore();
    const b = new MeasuringBrowser(H100);
    const d = await decideBackend(b, { store, tfjsVersion: TFJS, model: BEAUTY });
    // The size rule's pick (wasm for Beauty) starts first, then the other; the winner is re-activated.
    expect(b.started).toEqual(['wasm', 'webgpu']);
    expect(b.measured.map((m) => m.name)).toEqual(['wasm', 'webgpu']);
    expect(b.measured[0]!.step).toEqual(BEAUTY.step);
    expect(b.active).toBe('webgpu');
    expect(d.backend).toBe('webgpu');
    expect(d.reason).toBe('Measured for this pack: WebGPU 3.10 ms vs WASM 5.20 ms per decoder step; WebGPU chosen.');
    expect(d.measured).toEqual({ webgpuMs: 3.1, wasmMs: 5.2 });
    // adapter 10; wasm start 40 + smoke 2; webgpu start 120 + smoke 2; measure wasm 30, webgpu 60.
    // The chosen backend's own start is webgpu's; wasm's start and smoke count as measuring.
    expect(d.timing).toEqual({ memoryMs: 0, adapterMs: 10, failedMs: 0, measureMs: 42 + 30 + 60, startMs: 120, smokeMs: 2, totalMs: 264, probingMs: 144 });
    expect(sumOfParts(d.timing)).toBe(d.timing.totalMs);
    // The budget counts everything but the rule pick's (wasm's) start: 300 - (10 + 2 + 122) for
    // wasm's measurement, then 30 less for webgpu's.
    expect(b.measured.map((m) => m.allowanceMs)).toEqual([166, 136]);

    const rec = await stored(store);
    expect(rec?.key).toBe(memoryKey(H100, TFJS, 'small', stepKey(BEAUTY.step!)));
    expect(rec?.backend).toBe('webgpu');
    expect(rec?.reason).toBe(d.reason);
    expect(readRemembered(rec, rec!.key)).toEqual(rec);

    // Next visit: the remembered choice alone, nothing measured.
    const again = new MeasuringBrowser(H100);
    const d2 = await decideBackend(again, { store, tfjsVersion: TFJS, model: BEAUTY });
    expect(again.started).toEqual(['webgpu']);
    expect(again.measured).toEqual([]);
    expect(d2.reason).toBe(`Remembered from your last visit on ${formatWhen(rec!.at)}: ${d.reason}`);
    expect(d2.remembered).toEqual({ at: rec!.at });
  });

  it('WASM faster: WASM chosen and made active again after WebGPU was measured', async () => {
    const b = new MeasuringBrowser(H100, { webgpu: { ms: 41, cost: 90 }, wasm: { ms: 2.345, cost: 20 } });
    const d = await decideBackend(b, { tfjsVersion: TFJS, model: BEAUTY });
    expect(b.started).toEqual(['wasm', 'webgpu', 'wasm']);
    expect(b.active).toBe('wasm');
    expect(d.backend).toBe('wasm');
    expect(d.reason).toBe('Measured for this pack: WebGPU 41.0 ms vs WASM 2.35 ms per decoder step; WASM chosen.');
    // wasm's own start (40) and smoke (2) are reported as the chosen start; the rest of the work is measuring.
    expect(d.timing.startMs).toBe(40);
    expect(d.timing.measureMs).toBe(122 + 20 + 90 + 3);
    expect(sumOfParts(d.timing)).toBe(d.timing.totalMs);
  });

  it('the chosen backend is always the faster of the two reported numbers (a tie keeps the rule pick)', async () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 40; i++) {
      const webgpuMs = i === 0 ? 4 : 0.2 + rnd() * 20;
      const wasmMs = i === 0 ? 4 : 0.2 + rnd() * 20;
      const model = i % 2 ? T5_SMALL : BEAUTY;
      const b = new MeasuringBrowser(H100, { webgpu: { ms: webgpuMs, cost: 10 }, wasm: { ms: wasmMs, cost: 10 } });
      const d = await decideBackend(b, { tfjsVersion: TFJS, model });
      const m = /WebGPU ([\d.]+) ms vs WASM ([\d.]+) ms per decoder step; (WebGPU|WASM) chosen/.exec(d.reason)!;
      const [shownGpu, shownWasm] = [Number(m[1]), Number(m[2])];
      expect(m[3]!.toLowerCase()).toBe(d.backend);
      expect(b.active).toBe(d.backend);
      if (webgpuMs === wasmMs) expect(d.backend).toBe(model === BEAUTY ? 'wasm' : 'webgpu');
      else expect(d.backend).toBe(webgpuMs < wasmMs ? 'webgpu' : 'wasm');
      // What the sentence shows agrees with the choice, rounding included.
      expect(d.backend === 'webgpu' ? shownGpu <= shownWasm : shownWasm <= shownGpu).toBe(true);
    }
  });

  it('a large model starts WebGPU first (its rule pick), then WASM', async () => {
    const b = new MeasuringBrowser(H100);
    const d = await decideBackend(b, { tfjsVersion: TFJS, model: T5_SMALL });
    expect(b.started).toEqual(['webgpu', 'wasm', 'webgpu']);
    expect(d.backend).toBe('webgpu');
    expect(b.measured[0]!.step).toEqual({ dModel: 512, dKv: 64, numHeads: 8, dFf: 2048, numDecoderLayers: 6, vocabSize: 4408, gated: false });
  });

  it('a measurement past the budget: the size rule decides, says so, and is not remembered', async () => {
    const store = new InMemoryChoiceStore();
    const b = new MeasuringBrowser(H100, { wasm: { ms: 5, cost: 30 }, webgpu: { hang: true } });
    const d = await decideBackend(b, { store, tfjsVersion: TFJS, model: BEAUTY });
    expect(d.backend).toBe('wasm');
    expect(b.active).toBe('wasm');
    expect(d.measured).toEqual({ webgpuMs: null, wasmMs: 5 });
    expect(d.reason).toBe(`Measuring WebGPU against WASM for this pack did not fit the 300 ms probing budget (measured only WASM 5.00 ms per decoder step); the model-size rule decided and the next visit measures again: ${SMALL_RULE}`);
    // Probing stopped at the budget: everything but wasm's own start is exactly 300 ms, plus
    // re-activating wasm (start 1 + smoke 2).
    expect(d.timing.probingMs).toBe(PROBE_BUDGET_MS + 3);
    expect(sumOfParts(d.timing)).toBe(d.timing.totalMs);
    expect(await stored(store)).toBeUndefined();
    // So the next visit measures again (and this time WebGPU answers).
    const next = new MeasuringBrowser(H100);
    expect((await decideBackend(next, { store, tfjsVersion: TFJS, model: BEAUTY })).backend).toBe('webgpu');
    expect(next.measured).toHaveLength(2);
  });

  it('a measurement that overruns its allowance without saying so counts as out of budget too', async () => {
    const b = new MeasuringBrowser(H100, { wasm: { ms: 5, cost: 10 }, webgpu: { ms: 1, cost: 0 } });
    b.measure = async (name, _step, allowanceMs) => {
      b.active = name;
      b.t += name === 'webgpu' ? allowanceMs + 5 : 10;
      return name === 'webgpu' ? 1 : 5;
    };
    const d = await decideBackend(b, { tfjsVersion: TFJS, model: BEAUTY });
    expect(d.backend).toBe('wasm');
    expect(d.reason).toMatch(/^Measuring WebGPU against WASM for this pack did not fit the 300 ms probing budget \(measured only WASM 5\.00 ms/);
  });

  it('out of budget before measuring (a slow adapter answer): the other backend is not even started', async () => {
    const b = new MeasuringBrowser(H100, undefined, { adapterMs: 320 });
    const d = await decideBackend(b, { tfjsVersion: TFJS, model: T5_SMALL });
    expect(b.started).toEqual(['webgpu']);
    expect(b.measured).toEqual([]);
    expect(d.backend).toBe('webgpu');
    expect(d.reason).toBe(
      'Measuring WebGPU against WASM for this pack did not fit the 300 ms probing budget (nothing measured); the model-size rule decided and the next visit measures again: A hardware WebGPU adapter is available (nvidia); it runs the model on the GPU (86 MFLOP/token, large enough to gain from it).',
    );
    expect(d.timing.measureMs).toBe(0);
  });

  it('the budget can be set (the test hook does); 0 means the rule decides at once', async () => {
    const b = new MeasuringBrowser(H100);
    await decideBackend(b, { tfjsVersion: TFJS, model: BEAUTY, probeBudgetMs: 5000 });
    expect(b.measured.map((m) => m.allowanceMs)).toEqual([4866, 4836]);
    const z = new MeasuringBrowser(H100);
    const d = await decideBackend(z, { tfjsVersion: TFJS, model: BEAUTY, probeBudgetMs: 0 });
    expect(z.started).toEqual(['wasm']);
    expect(d.reason).toMatch(/did not fit the 0 ms probing budget \(nothing measured\)/);
  });

  it('a measurement that throws rules that backend out for this pack: the other is chosen, and remembered', async () => {
    const store = new InMemoryChoiceStore();
    const b = new MeasuringBrowser(H100, { wasm: { ms: 5.2, cost: 30 }, webgpu: { throws: 'Kernel MatMul failed', cost: 15 } });
    const d = await decideBackend(b, { store, tfjsVersion: TFJS, model: BEAUTY });
    expect(d.backend).toBe('wasm');
    expect(b.active).toBe('wasm');
    expect(d.reason).toBe('Measuring WebGPU for this pack failed (Kernel MatMul failed); WASM took 5.20 ms per decoder step; WASM chosen.');
    expect(d.failures).toEqual([]);
    expect((await stored(store))?.backend).toBe('wasm');

    // The first one (the rule's pick) throws: the second is chosen without being measured.
    const c = new MeasuringBrowser(H100, { wasm: { throws: 'out of memory', cost: 5 }, webgpu: { ms: 1, cost: 10 } });
    const d2 = await decideBackend(c, { tfjsVersion: TFJS, model: BEAUTY });
    expect(c.measured.map((m) => m.name)).toEqual(['wasm']);
    expect(d2.backend).toBe('webgpu');
    expect(c.active).toBe('webgpu');
    expect(d2.reason).toBe('Measuring WASM for this pack failed (out of memory); WebGPU chosen.');
  });

  it('only one of the two starts: it is chosen unmeasured, and the sentence does not blame the size', async () => {
    const b = new MeasuringBrowser(H100, undefined, { fails: { webgpu: 'requestDevice failed' } });
    const d = await decideBackend(b, { tfjsVersion: TFJS, model: BEAUTY });
    expect(b.measured).toEqual([]);
    expect(d.backend).toBe('wasm');
    expect(b.active).toBe('wasm');
    expect(d.failures).toEqual([{ backend: 'webgpu', error: 'requestDevice failed' }]);
    expect(d.reason).toBe('The WebGPU adapter (nvidia) did not start; WASM with SIMD is the fastest CPU backend (webgpu failed to start).');
    expect(sumOfParts(d.timing)).toBe(d.timing.totalMs);

    const w = new MeasuringBrowser(H100, undefined, { fails: { wasm: 'no SIMD' } });
    const d2 = await decideBackend(w, { tfjsVersion: TFJS, model: BEAUTY });
    expect(w.started).toEqual(['wasm', 'webgpu']);
    expect(d2.backend).toBe('webgpu');
    expect(d2.reason).toBe('A hardware WebGPU adapter is available (nvidia); it runs the model on the GPU (wasm failed to start).');

    // Neither: webgl, then cpu, as before.
    const n = new MeasuringBrowser(H100, undefined, { fails: { wasm: 'no SIMD', webgpu: 'no device' } });
    expect((await decideBackend(n, { tfjsVersion: TFJS, model: BEAUTY })).backend).toBe('webgl');
  });

  it('a pack of another shape measures anew; unknown size, a forced choice or no measurer: no measuring', async () => {
    const store = new InMemoryChoiceStore();
    await decideBackend(new MeasuringBrowser(H100), { store, tfjsVersion: TFJS, model: BEAUTY });
    const other = modelSizeOf({ ...beautyManifest.config.t5, vocabSize: beautyManifest.config.t5.vocabSize + 1 });
    expect(stepKey(other.step!)).not.toBe(stepKey(BEAUTY.step!));
    const b = new MeasuringBrowser(H100);
    const d = await decideBackend(b, { store, tfjsVersion: TFJS, model: other });
    expect(d.remembered).toBeNull();
    expect(b.measured).toHaveLength(2);

    const unknown = new MeasuringBrowser(H100);
    expect((await decideBackend(unknown, { tfjsVersion: TFJS })).backend).toBe('webgpu');
    expect(unknown.measured).toEqual([]);
    expect(modelSizeFromManifest(beautyManifest)?.step).toEqual(BEAUTY.step);

    const forced = new MeasuringBrowser(H100);
    const f = await decideBackend(forced, { tfjsVersion: TFJS, model: BEAUTY, forced: 'wasm', source: 'user' });
    expect(forced.measured).toEqual([]);
    expect(f.timing.measureMs).toBeUndefined();

    const plain = new MeasuringBrowser(H100);
    const withoutMeasure: BackendEnv = { probeAdapter: () => plain.probeAdapter(), start: (n) => plain.start(n), now: () => plain.now() };
    expect((await decideBackend(withoutMeasure, { tfjsVersion: TFJS, model: BEAUTY })).reason).toBe(SMALL_RULE);
  });
});

describe('software adapters and the test hook', () => {
  it('a software adapter goes straight to WASM, unmeasured; no adapter likewise', async () => {
    for (const adapter of [SWIFTSHADER, NONE]) {
      const b = new MeasuringBrowser(adapter);
      const d = await decideBackend(b, { tfjsVersion: TFJS, model: BEAUTY });
      expect(b.started).toEqual(['wasm']);
      expect(b.measured).toEqual([]);
      expect(d.timing.measureMs).toBeUndefined();
    }
  });

  it('asHardwareForTest turns only a software adapter into a hardware one, which is then measured and says so', async () => {
    expect(asHardwareForTest(SWIFTSHADER)).toEqual({ ...SWIFTSHADER, isFallbackAdapter: false, asHardwareForTest: true });
    expect(asHardwareForTest(H100)).toEqual(H100);
    expect(asHardwareForTest(NONE)).toEqual(NONE);
    const b = new MeasuringBrowser(asHardwareForTest(SWIFTSHADER), { webgpu: { ms: 1366, cost: 100 }, wasm: { ms: 3.27, cost: 20 } });
    const d = await decideBackend(b, { tfjsVersion: TFJS, model: BEAUTY });
    expect(d.reason).toBe('Measured for this pack: WebGPU 1366 ms vs WASM 3.27 ms per decoder step; WASM chosen. The software adapter was measured as if it were hardware (test hook ?adapterAsHardware=1).');
  });
});

describe('late adapter with a measuring browser', () => {
  it('a null first answer is no adapter (nothing measured); the background retry still remembers webgpu for a large model', async () => {
    const store = new InMemoryChoiceStore();
    const b = new MeasuringBrowser({ ...NONE, nullAnswer: true });
    const d = await decideBackend(b, { store, tfjsVersion: TFJS, model: T5_SMALL });
    expect(d.backend).toBe('wasm');
    expect(b.measured).toEqual([]);
    let asked = 0;
    const late = await watchLateAdapter(d, async () => (asked++ ? H100 : { ...NONE, nullAnswer: true }), { store, tfjsVersion: TFJS, model: T5_SMALL, sleep: async () => {} });
    expect(late).toEqual({ adapter: H100, remembered: true });
    expect((await stored(store))?.backend).toBe('webgpu');
  });
});

describe('formatStepMs', () => {
  it('three significant digits, never out of order', () => {
    expect([0.5, 3.14159, 9.996, 10.04, 31.44, 99.96, 100.2, 1366.4].map(formatStepMs)).toEqual(['0.50', '3.14', '10.00', '10.0', '31.4', '100.0', '100', '1366']);
    const xs = Array.from({ length: 2000 }, (_, i) => 0.01 * 1.006 ** i);
    for (let i = 1; i < xs.length; i++) expect(Number(formatStepMs(xs[i - 1]!))).toBeLessThanOrEqual(Number(formatStepMs(xs[i]!)));
  });
});

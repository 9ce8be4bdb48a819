// The backend decision, without tfjs: which backends to try in which order, the remembered choice
// (tried first, dropped when it fails, never written for a forced choice), the time-boxed adapter
// probe, the measured comparison of WebGPU and WASM for the pack (hardware adapter only, inside the
// probing budget; the model-size rule when it does not fit), the background retry for an adapter
// that answers late, the timing split and the sentence the header shows. Starting a backend and
// timing the workload are the caller's (backend.ts passes tfjs's setBackend + a smoke test and
// backend-measure.ts's decoder step); this module must not import tfjs.
import { decoderStepFlops, encoderFlops } from '../model/flops.ts';
import type { T5Config } from '../model/types.ts';
import { formatWhen, memoryKey, readRemembered, type AdapterFacts, type ChoiceStore, type RememberedChoice, type SizeClass } from './backend-memory.ts';
import type { BackendName, BackendTiming } from './protocol.ts';

export type { AdapterFacts, SizeClass } from './backend-memory.ts';

/** A hung requestAdapter() must not stall the app; past this it counts as "no adapter". */
export const ADAPTER_TIMEOUT_MS = 250;

/**
 * Probing (everything but the chosen backend's own start) must stay within this. With a hardware
 * adapter the WebGPU-vs-WASM measurement has to fit in it, counted from the start of the choice
 * (the adapter request) and excluding only the start of the backend the model-size rule would have
 * picked, which is paid whatever the outcome; past it the rule decides.
 */
export const PROBE_BUDGET_MS = 300;

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
  /**
   * Asks for the adapter again for a while; true once a hardware one answers. Used only when a
   * remembered late-adapter webgpu fails to start (its first request answered null again).
   */
  awaitHardwareAdapter?(): Promise<boolean>;
  /**
   * Times one decoder step shaped like `step` on `name` (already started; the measurer makes it the
   * active backend), warm, waiting for the result to be read back. Resolves ms per step, or null
   * when `allowanceMs` ran out first; throws when the workload fails on that backend. Absent: no
   * measuring, the model-size rule decides.
   */
  measure?(name: MeasuredBackend, step: StepShape, allowanceMs: number): Promise<number | null>;
}

/** The two backends the measured choice compares. */
export type MeasuredBackend = 'webgpu' | 'wasm';

/** The shape of the pack's cached decoder step, which the measurement reproduces with stand-in weights. */
export interface StepShape {
  dModel: number;
  dKv: number;
  numHeads: number;
  dFf: number;
  numDecoderLayers: number;
  vocabSize: number;
  gated: boolean;
}

/** The model's size, as the automatic choice sees it. */
export interface ModelSize {
  /** One encoder token plus one cached decoder step (output head included), in MFLOP (src/model/flops.ts). */
  mflopsPerToken: number;
  /** The decoder step's shape (absent: nothing to measure, the size rule alone decides). */
  step?: StepShape;
}

/**
 * Below this, WASM beats a hardware WebGPU adapter. Measured on a lent NVIDIA H200 in headless
 * Chromium 156 (BENCHMARKS.md, "Real GPU"): the Beauty pack (d 128, 2+2 layers, 4.8 MFLOP/token)
 * ran one app cycle in 28 ms on WASM vs 39 ms on WebGPU (greedy explanations 491 vs 109 tok/s); the
 * T5-small-sized pack (d 512, 6+6, 86 MFLOP/token) in 2,130 vs 134 ms. A straight line through the
 * two in log-log space crosses at ~6.5 MFLOP/token; 8 sits just above, far from both packs.
 */
export const SMALL_MODEL_MFLOPS_PER_TOKEN = 8;

export function modelSizeOf(c: T5Config): ModelSize {
  return {
    mflopsPerToken: (encoderFlops(c, 1) + decoderStepFlops(c, 0, 1, true)) / 1e6,
    step: { dModel: c.dModel, dKv: c.dKv, numHeads: c.numHeads, dFf: c.dFf, numDecoderLayers: c.numDecoderLayers, vocabSize: c.vocabSize, gated: c.feedForward === 'gated-gelu' },
  };
}

/** What a measured choice depends on besides the adapter: part of the memory's key. */
export function stepKey(s: StepShape): string {
  return `step d${s.dModel} h${s.numHeads}x${s.dKv} ff${s.dFf}${s.gated ? ' gated' : ''} L${s.numDecoderLayers} V${s.vocabSize}`;
}

const T5_NUMBERS = ['vocabSize', 'dModel', 'dKv', 'numHeads', 'dFf', 'numEncoderLayers', 'numDecoderLayers'] as const;

/**
 * The size from a pack manifest's `config.t5`, or null when it is missing or malformed: then the
 * choice ignores size (the loader reports a broken manifest, typed; this is only a hint).
 */
export function modelSizeFromManifest(raw: unknown): ModelSize | null {
  const t5 = (raw as { config?: { t5?: Record<string, unknown> } } | null)?.config?.t5;
  if (typeof t5 !== 'object' || t5 === null) return null;
  if (!T5_NUMBERS.every((k) => typeof t5[k] === 'number' && Number.isFinite(t5[k]) && (t5[k]) > 0)) return null;
  if (t5.feedForward !== 'relu' && t5.feedForward !== 'gated-gelu') return null;
  return modelSizeOf(t5 as unknown as T5Config);
}

export function sizeClass(model: ModelSize): SizeClass {
  return model.mflopsPerToken < SMALL_MODEL_MFLOPS_PER_TOKEN ? 'small' : 'large';
}

const mflops = (m: ModelSize) => (m.mflopsPerToken < 10 ? m.mflopsPerToken.toFixed(1) : Math.round(m.mflopsPerToken).toString());

export interface ChoiceOptions {
  forced?: BackendName | null;
  source?: 'url' | 'user';
  /** Where the automatic choice is remembered; null/absent = no memory. */
  store?: ChoiceStore | null;
  /** Forget the remembered choice and run the full probe. */
  recheck?: boolean;
  tfjsVersion: string;
  /** The pack's size; null/absent = unknown (a hardware adapter then always means webgpu). */
  model?: ModelSize | null;
  /** Probing budget (default PROBE_BUDGET_MS); other values only through the test hook. */
  probeBudgetMs?: number;
}

/** What the measured comparison found (ms per decoder step); null = not measured or cut short. */
export interface Measured {
  webgpuMs: number | null;
  wasmMs: number | null;
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
  /** The numbers of this visit's measured comparison; absent when none ran. */
  measured?: Measured;
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
    if (!adapter) return { ...NO_ADAPTER, nullAnswer: true };
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

const isHardware = (a: AdapterFacts) => a.present && !a.isFallbackAdapter;

/**
 * With that hook the adapter request gets this long instead of ADAPTER_TIMEOUT_MS: on a busy machine
 * SwiftShader's answer can miss the start-up box, and the test must see an adapter every time.
 */
export const TEST_HOOK_ADAPTER_TIMEOUT_MS = 5000;

/**
 * The test hook `?adapterAsHardware=1`: a software (fallback) adapter is treated as hardware, so the
 * measured choice runs on SwiftShader in the e2e tests. Never used otherwise: a software adapter is
 * 30-100x slower than WASM and is not worth measuring.
 */

export function asHardwareForTest(a: AdapterFacts): AdapterFacts {
  return a.present && a.isFallbackAdapter ? { ...a, isFallbackAdapter: false, asHardwareForTest: true } : a;
}

const LABEL: Record<MeasuredBackend, string> = { webgpu: 'WebGPU', wasm: 'WASM' };

/** "3.14", "31.4", "314": at least three significant digits, monotonic (a < b never prints a > b). */
export function formatStepMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

/** The header's sentence for a measured choice (remembered with it, so a reload says the same). */
export function explainMeasured(chosen: BackendName, m: Measured, adapter: AdapterFacts, problem: MeasureProblem | null, budgetMs: number, failures: BackendDecision['failures'], model: ModelSize | null): string {
  const failed = failures.length ? ` (${failures.map((f) => f.backend).join(', ')} failed to start)` : '';
  const hook = adapter.asHardwareForTest ? ' The software adapter was measured as if it were hardware (test hook ?adapterAsHardware=1).' : '';
  const name = LABEL[chosen as MeasuredBackend] ?? chosen;
  if (problem?.kind === 'budget') {
    const got = (['webgpu', 'wasm'] as const).filter((b) => m[`${b}Ms`] !== null).map((b) => `${LABEL[b]} ${formatStepMs(m[`${b}Ms`]!)} ms`);
    return `Measuring WebGPU against WASM for this pack did not fit the ${budgetMs} ms probing budget (${got.length ? `measured only ${got.join(', ')} per decoder step` : 'nothing measured'}); the model-size rule decided and the next visit measures again: ${explain(chosen, adapter, false, failures, 'url', model)}${hook}`;
  }
  if (problem?.kind === 'error') {
    const other = problem.backend === 'webgpu' ? 'wasm' : 'webgpu';
    const otherMs = m[`${other}Ms`];
    return `Measuring ${LABEL[problem.backend]} for this pack failed (${problem.message})${otherMs !== null ? `; ${LABEL[other]} took ${formatStepMs(otherMs)} ms per decoder step` : ''}; ${name} chosen${failed}.${hook}`;
  }
  return `Measured for this pack: WebGPU ${formatStepMs(m.webgpuMs!)} ms vs WASM ${formatStepMs(m.wasmMs!)} ms per decoder step; ${name} chosen${failed}.${hook}`;
}

/** Why a measured comparison ended early: out of budget, or the workload threw on one backend. */
export type MeasureProblem = { kind: 'budget' } | { kind: 'error'; backend: MeasuredBackend; message: string };

/**
 * The full automatic order for this adapter and model: hardware WebGPU first, unless the model is
 * small enough that WASM wins (then WebGPU is second); software WebGPU is slower than WASM always.
 */
export function autoOrder(adapter: AdapterFacts, model?: ModelSize | null): BackendName[] {
  if (!isHardware(adapter)) return ['wasm', 'webgl', 'cpu'];
  return model && sizeClass(model) === 'small' ? ['wasm', 'webgpu', 'webgl', 'cpu'] : ['webgpu', 'wasm', 'webgl', 'cpu'];
}

export function explain(backend: BackendName, adapter: AdapterFacts, forced: boolean, failures: BackendDecision['failures'], source: 'url' | 'user', model?: ModelSize | null): string {
  if (forced) return source === 'user' ? `You picked ${backend} in the backend menu.` : `Forced by the ?backend=${backend} setting.`;
  const failed = failures.length ? ` (${failures.map((f) => f.backend).join(', ')} failed to start)` : '';
  switch (backend) {
    case 'webgpu':
      return `A hardware WebGPU adapter is available${adapter.vendor ? ` (${adapter.vendor})` : ''}; it runs the model on the GPU${model ? ` (${mflops(model)} MFLOP/token, large enough to gain from it)` : ''}${failed}.`;
    case 'wasm':
      if (isHardware(adapter) && model && sizeClass(model) === 'small')
        return `Small model (${mflops(model)} MFLOP/token): WASM beats WebGPU on this size (measured on an H200)${failed}.`;
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
 * order) and never touches the memory. Otherwise a remembered choice for the same key (adapter +
 * tfjs version + what the choice depended on) is tried alone; if it fails the memory is dropped and
 * the automatic choice runs, whose result is remembered. With a hardware adapter and a pack of known
 * shape the automatic choice is measured (measureAndPick); otherwise, or when measuring is not
 * possible, the model-size rule's order (autoOrder) is tried in turn.
 */
export async function decideBackend(env: BackendEnv, opts: ChoiceOptions): Promise<BackendDecision> {
  const forced = opts.forced ?? null;
  const source = opts.source ?? 'url';
  const store = forced ? null : (opts.store ?? null);
  const t0 = env.now();
  const adapter = await env.probeAdapter();
  const tAdapter = env.now();
  const model = opts.model ?? null;
  const step = !forced && isHardware(adapter) && env.measure ? (model?.step ?? null) : null;
  const key = memoryKey(adapter, opts.tfjsVersion, model ? sizeClass(model) : undefined, step ? stepKey(step) : undefined);
  let remembered: RememberedChoice | null = null;
  if (store) {
    if (opts.recheck) await quietly(() => store.clear());
    else remembered = readRemembered(await quietly(() => store.get()), key);
  }
  const tMemory = env.now();

  const failures: BackendDecision['failures'] = [];
  let failedMs = 0;
  const seen = new Set<BackendName>();

  /** Starts `name` (waiting for a late adapter where that is worth it); null when it failed (recorded). */
  const attempt = async (name: BackendName): Promise<StartOutcome | null> => {
    seen.add(name);
    let out = await env.start(name);
    const waitForAdapter = (remembered?.late && name === remembered.backend) || (name === forced && name === 'webgpu');
    if (out.error !== null && waitForAdapter && env.awaitHardwareAdapter) {
      // The adapter that answered late last time may answer late again, and one the person asked for
      // by name is worth the wait (a fresh Chromium on an H200 took > 250 ms): wait, then retry once.
      const tWait = env.now();
      const found = await env.awaitHardwareAdapter();
      const waited = env.now() - tWait;
      if (found) {
        failedMs += out.startMs + out.smokeMs + waited;
        out = await env.start(name);
      } else failedMs += waited; // the failed start itself is counted below
    }
    if (out.error !== null) {
      failures.push({ backend: name, error: out.error });
      failedMs += out.startMs + out.smokeMs;
      return null;
    }
    return out;
  };

  /** The decision for `name`, which started with `out`; everything not otherwise counted is measuring. */
  const finish = async (name: BackendName, out: StartOutcome, reason: string, extra: { measuring?: boolean; measured?: Measured; remember?: boolean } = {}): Promise<BackendDecision> => {
    const totalMs = env.now() - t0;
    const measureMs = totalMs - (tMemory - t0) - failedMs - out.startMs - out.smokeMs;
    const timing: BackendTiming = {
      memoryMs: tMemory - tAdapter,
      adapterMs: tAdapter - t0,
      failedMs,
      ...(extra.measuring ? { measureMs } : {}),
      startMs: out.startMs,
      smokeMs: out.smokeMs,
      totalMs,
      probingMs: totalMs - out.startMs,
    };
    const isForced = forced === name;
    if (store && !isForced && extra.remember !== false) {
      const record: RememberedChoice = { version: 1, key, backend: name, reason, failures, at: Date.now(), timing };
      await quietly(() => store.set(record));
    }
    return { backend: name, reason, adapter, forced: isForced, failures, probeMs: totalMs, timing, remembered: null, ...(extra.measured ? { measured: extra.measured } : {}) };
  };

  if (forced) {
    const out = await attempt(forced);
    if (out) return finish(forced, out, explain(forced, adapter, true, failures, source, model));
  }
  if (remembered) {
    const out = await attempt(remembered.backend);
    if (out) {
      const totalMs = env.now() - t0;
      const timing: BackendTiming = { memoryMs: tMemory - tAdapter, adapterMs: tAdapter - t0, failedMs, startMs: out.startMs, smokeMs: out.smokeMs, totalMs, probingMs: totalMs - out.startMs };
      return {
        backend: remembered.backend,
        reason: `Remembered from your last visit on ${formatWhen(remembered.at)}: ${remembered.reason}`,
        adapter,
        forced: false,
        failures,
        probeMs: totalMs,
        timing,
        remembered: { at: remembered.at },
      };
    }
    // The remembered backend broke (driver update, flag turned off): forget it, choose afresh.
    await quietly(() => store!.clear());
    remembered = null;
  }

  const rule = autoOrder(adapter, model);
  if (step && !seen.has('webgpu') && !seen.has('wasm')) {
    const picked = await measureAndPick(env, step, rule[0] as MeasuredBackend, attempt, () => env.now() - t0, opts.probeBudgetMs ?? PROBE_BUDGET_MS);
    if (picked.kind === 'one') {
      // The other did not start: nothing to compare, and the size rule did not decide either.
      return finish(picked.backend, picked.out, explain(picked.backend, adapter, false, failures, source, null), { measuring: true });
    }
    if (picked.kind === 'measured') {
      const budget = opts.probeBudgetMs ?? PROBE_BUDGET_MS;
      const reason = explainMeasured(picked.backend, picked.measured, adapter, picked.problem, budget, failures, model);
      return finish(picked.backend, picked.out, reason, { measuring: true, measured: picked.measured, remember: picked.problem?.kind !== 'budget' });
    }
  }
  for (const name of rule) {
    if (seen.has(name)) continue;
    const out = await attempt(name);
    if (out) return finish(name, out, explain(name, adapter, false, failures, source, model));
  }
  throw new Error(`No TensorFlow.js backend could start: ${failures.map((f) => `${f.backend}: ${f.error}`).join('; ')}`);
}

type Picked =
  /** Both started; measured (fully, or cut short by `problem`); `backend` is active again. */
  | { kind: 'measured'; backend: MeasuredBackend; out: StartOutcome; measured: Measured; problem: MeasureProblem | null }
  /** Only one of the two started: it is the choice (and active). */
  | { kind: 'one'; backend: MeasuredBackend; out: StartOutcome }
  /** Neither started (or re-activating the pick failed): the rest of the order decides. */
  | { kind: 'none' };

/**
 * The measured choice: starts the rule's pick `first` and then the other one, times the pack's
 * decoder step on each (warm, read back) and re-activates the faster. The budget counts everything
 * since the choice began (`elapsed`) except `first`'s own start; once it runs out, or a measurement
 * returns null, the comparison stops and `first` is chosen (the size rule). A measurement that
 * throws rules that backend out for this pack: the other is chosen. When only one of the two
 * starts, it is the choice, unmeasured.
 */
async function measureAndPick(
  env: BackendEnv,
  step: StepShape,
  first: MeasuredBackend,
  attempt: (name: BackendName) => Promise<StartOutcome | null>,
  elapsed: () => number,
  budgetMs: number,
): Promise<Picked> {
  const second: MeasuredBackend = first === 'webgpu' ? 'wasm' : 'webgpu';
  const measured: Measured = { webgpuMs: null, wasmMs: null };
  const outFirst = await attempt(first);
  if (!outFirst) {
    const out = await attempt(second);
    return out ? { kind: 'one', backend: second, out } : { kind: 'none' };
  }
  const spent = () => elapsed() - outFirst.startMs;
  // Out of budget already (a slow adapter answer, a busy machine): the rule's pick stays, unmeasured.
  if (spent() >= budgetMs) return { kind: 'measured', backend: first, out: outFirst, measured, problem: { kind: 'budget' } };
  const outSecond = await attempt(second);
  const outs: Record<MeasuredBackend, StartOutcome | null> = first === 'webgpu' ? { webgpu: outFirst, wasm: outSecond } : { wasm: outFirst, webgpu: outSecond };
  // Which backend tfjs runs on now; null when unknown (a failed start or measurement may leave any).
  let active: MeasuredBackend | null = outSecond ? second : null;
  /** Makes `name` the active backend again; its first start's outcome stands for it. */
  const reactivate = async (name: MeasuredBackend): Promise<StartOutcome | null> => {
    if (active === name) return outs[name];
    const again = await env.start(name);
    return again.error === null ? outs[name] : null;
  };
  if (!outSecond) {
    const out = await reactivate(first);
    return out ? { kind: 'one', backend: first, out } : { kind: 'none' };
  }
  let problem: MeasureProblem | null = null;
  for (const name of [first, second]) {
    const allowance = budgetMs - spent();
    if (allowance <= 0) {
      problem = { kind: 'budget' };
      break;
    }
    active = null;
    try {
      const ms = await env.measure!(name, step, allowance);
      if (ms === null || spent() > budgetMs) {
        problem = { kind: 'budget' };
        break;
      }
      measured[`${name}Ms`] = ms;
      active = name;
    } catch (e) {
      problem = { kind: 'error', backend: name, message: (e as Error).message || String(e) };
      break;
    }
  }
  let pick: MeasuredBackend;
  if (problem?.kind === 'error') pick = problem.backend === first ? second : first;
  else if (problem) pick = first;
  else pick = measured[`${second}Ms`]! < measured[`${first}Ms`]! ? second : first; // a tie keeps the rule's pick
  const out = await reactivate(pick);
  return out ? { kind: 'measured', backend: pick, out, measured, problem } : { kind: 'none' };
}

/** Pauses between the background adapter requests: asks at about 0.25, 0.75, 1.75 and 3 s after start-up. */
export const LATE_ADAPTER_DELAYS_MS: readonly number[] = [250, 500, 1000, 1250];

export interface LateAdapterOptions {
  store?: ChoiceStore | null;
  tfjsVersion: string;
  model?: ModelSize | null;
  delaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

export interface LateAdapter {
  adapter: AdapterFacts;
  /** The next visit's choice was written to the store (false: no store, or it failed). */
  remembered: boolean;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * After an automatic choice whose adapter request answered null or did not answer within the start-up
 * box (not "no WebGPU"), asks again a few times in the background: how fast a GPU answers must not
 * decide whether it is used, only whether this visit starts on it. If a hardware adapter appears and the model is large
 * enough for WebGPU to win, the next visit's choice (webgpu, for the same null-answer key) is
 * remembered and the adapter returned, so the page can offer to switch now. Returns null when
 * nothing changes. Runs after start-up, so it does not count against the probing budget.
 */
export async function watchLateAdapter(decision: BackendDecision, probe: () => Promise<AdapterFacts>, opts: LateAdapterOptions): Promise<LateAdapter | null> {
  if (decision.forced || !(decision.adapter.nullAnswer || decision.adapter.timedOut) || decision.backend === 'webgpu') return null;
  const sleep = opts.sleep ?? sleepMs;
  let found: AdapterFacts | null = null;
  for (const delay of opts.delaysMs ?? LATE_ADAPTER_DELAYS_MS) {
    await sleep(delay);
    const facts = await probe();
    if (isHardware(facts)) {
      found = facts;
      break;
    }
    // A software adapter is an answer too, and it would not change the choice.
    if (facts.present) return null;
  }
  if (!found) return null;
  const model = opts.model ?? null;
  if (autoOrder(found, model)[0] !== 'webgpu') return null;
  const store = opts.store ?? null;
  let remembered = false;
  if (store) {
    const vendor = found.vendor ? ` (${found.vendor})` : '';
    const record: RememberedChoice = {
      version: 1,
      key: memoryKey(decision.adapter, opts.tfjsVersion, model ? sizeClass(model) : undefined),
      backend: 'webgpu',
      reason: `A hardware WebGPU adapter${vendor} answered only after start-up (the first request ${decision.adapter.timedOut ? `did not answer within ${ADAPTER_TIMEOUT_MS} ms` : 'returned none'}); it runs the model on the GPU${model ? ` (${mflops(model)} MFLOP/token, large enough to gain from it)` : ''}.`,
      failures: [],
      at: Date.now(),
      timing: decision.timing,
      late: { vendor: found.vendor, architecture: found.architecture, description: found.description },
    };
    remembered = (await quietly(async () => {
      await store.set(record);
      return true;
    })) ?? false;
  }
  return { adapter: found, remembered };
}

/** Asks until a hardware adapter answers or the delays run out (for a remembered late adapter). */
export async function awaitHardwareAdapterWith(probe: () => Promise<AdapterFacts>, delaysMs: readonly number[] = LATE_ADAPTER_DELAYS_MS, sleep: (ms: number) => Promise<void> = sleepMs): Promise<boolean> {
  for (let i = 0; ; i++) {
    if (isHardware(await probe())) return true;
    if (i >= delaysMs.length) return false;
    await sleep(delaysMs[i]!);
  }
}

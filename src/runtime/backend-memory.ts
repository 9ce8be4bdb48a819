// Remembers the app's *automatic* backend choice per browser + adapter, so a later visit starts the
// backend that won last time without initialising the others. Owns the record's shape, its key, and
// the stores (IndexedDB in the browser, in-memory for tests and Node). It imports no tfjs and must
// never remember a forced choice (the caller decides; see backend-choice.ts).
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { BackendName, BackendTiming } from './protocol.ts';

/** What requestAdapter() told us; part of the memory's key. */
export interface AdapterFacts {
  present: boolean;
  isFallbackAdapter: boolean;
  vendor: string;
  architecture: string;
  description: string;
  /** The adapter request did not answer within the time box (treated as "no adapter"). */
  timedOut?: boolean;
  /**
   * requestAdapter() exists and answered null. Not part of the key: on some machines (a fresh
   * Chromium on an NVIDIA H200) the first request answers null and a later one the GPU, so this
   * is what makes a background retry worth it.
   */
  nullAnswer?: boolean;
  /**
   * A software adapter that the test hook ?adapterAsHardware=1 turned into a hardware one
   * (backend-choice.ts asHardwareForTest); only the header's sentence says so.
   */
  asHardwareForTest?: boolean;
}

export interface RememberedChoice {
  version: 1;
  /** memoryKey() of the adapter and tfjs version it was decided for. */
  key: string;
  backend: BackendName;
  /** The reason the full probe gave at the time. */
  reason: string;
  failures: { backend: BackendName; error: string }[];
  /** When it was decided (ms since the epoch). */
  at: number;
  /** What the full probe cost then. */
  timing: BackendTiming;
  /**
   * Set when a hardware adapter answered only after start-up (a background retry found it): the
   * next visit's first request may answer null again, so starting webgpu may need a short wait.
   */
  late?: { vendor: string; architecture: string; description: string };
}

/** One remembered record per browser profile (the key inside it says which adapter it is for). */
export interface ChoiceStore {
  get(): Promise<unknown>;
  set(value: RememberedChoice): Promise<void>;
  clear(): Promise<void>;
}

/** A real store that lives as long as the object (tests, Node, browsers without IndexedDB). */
export class InMemoryChoiceStore implements ChoiceStore {
  private value: unknown = undefined;
  constructor(initial?: unknown) {
    this.value = initial;
  }
  async get(): Promise<unknown> {
    // A structured clone, as IndexedDB would give: callers must not share the stored object.
    return this.value === undefined ? undefined : structuredClone(this.value);
  }
  async set(value: RememberedChoice): Promise<void> {
    this.value = structuredClone(value);
  }
  async clear(): Promise<void> {
    this.value = undefined;
  }
}

const IDB_DB = 'peapod-backend';
const IDB_STORE = 'choice';
const IDB_KEY = 'auto';

/** IndexedDB store (reachable from the worker); its own database so the app's persisted state is untouched. */
export function idbChoiceStore(): ChoiceStore {
  let store: UseStore | null = null;
  const s = () => (store ??= createStore(IDB_DB, IDB_STORE));
  return {
    get: () => get(IDB_KEY, s()),
    set: (value) => set(IDB_KEY, value, s()),
    clear: () => del(IDB_KEY, s()),
  };
}

/** The model-size class of the automatic choice (backend-choice.ts); absent when the pack's size is unknown. */
export type SizeClass = 'small' | 'large';

/**
 * Same adapter facts + same tfjs version (+ same model-size class, when known) => same key. A
 * driver/GPU/browser update changes it, and so does switching to a pack on the other side of the
 * size threshold, since the right backend differs there. Every state without a hardware GPU (no
 * WebGPU, no adapter, a software one, or a request that missed the start-up box) shares one key: they
 * leave the same automatic order, and how fast the adapter request answered must not decide whether
 * the last visit's choice is remembered. A choice measured on a hardware adapter also depends on the
 * decoder step it timed (`measured`, backend-choice.ts stepKey): a pack of another shape measures anew.
 */
export function memoryKey(adapter: AdapterFacts, tfjsVersion: string, size?: SizeClass, measured?: string): string {
  const hardware = adapter.present && !adapter.isFallbackAdapter;
  const facts = hardware ? [tfjsVersion, true, false, adapter.vendor, adapter.architecture, adapter.description] : [tfjsVersion, 'no hardware GPU'];
  const sized = size ? [...facts, size] : facts;
  return JSON.stringify(hardware && measured ? [...sized, measured] : sized);
}

const NAMES: readonly string[] = ['webgpu', 'wasm', 'webgl', 'cpu'];
const TIMING_KEYS: readonly (keyof BackendTiming)[] = ['memoryMs', 'adapterMs', 'failedMs', 'startMs', 'smokeMs', 'totalMs', 'probingMs'];

/**
 * The stored record if it is well-formed and was decided for `key`; otherwise null. Stored data is
 * untrusted (older app version, damaged, hand-edited), so every field is checked.
 */
export function readRemembered(raw: unknown, key: string): RememberedChoice | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (r.version !== 1 || r.key !== key) return null;
  if (typeof r.backend !== 'string' || !NAMES.includes(r.backend)) return null;
  if (typeof r.reason !== 'string' || typeof r.at !== 'number' || !Number.isFinite(r.at)) return null;
  if (!Array.isArray(r.failures) || !r.failures.every((f) => typeof f === 'object' && f !== null && NAMES.includes((f as { backend: unknown }).backend as string) && typeof (f as { error: unknown }).error === 'string')) return null;
  const t = r.timing as Record<string, unknown> | null;
  if (typeof t !== 'object' || t === null || !TIMING_KEYS.every((k) => typeof t[k] === 'number')) return null;
  if (t.measureMs !== undefined && typeof t.measureMs !== 'number') return null;
  if (r.late !== undefined) {
    const l = r.late as Record<string, unknown> | null;
    if (typeof l !== 'object' || l === null || !(['vendor', 'architecture', 'description'] as const).every((k) => typeof l[k] === 'string')) return null;
  }
  return raw as RememberedChoice;
}

/** "2026-11-26 14:05" in local time: short, unambiguous, the same in every locale. */
export function formatWhen(at: number): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * `inner` with its record read now: opening IndexedDB costs tens of ms on a busy machine, so the
 * worker starts the read before the backend module loads. The first get() answers from that read
 * unless a set() or clear() came first; everything else goes straight to `inner`.
 */
export function readAheadChoiceStore(inner: ChoiceStore): ChoiceStore {
  let early: Promise<unknown> | null = inner.get();
  early.catch(() => {});
  return {
    get() {
      const e = early;
      early = null;
      return e ?? inner.get();
    },
    set(value) {
      early = null;
      return inner.set(value);
    },
    clear() {
      early = null;
      return inner.clear();
    },
  };
}

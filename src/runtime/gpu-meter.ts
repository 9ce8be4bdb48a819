// Metering one request's GPU work on WebGPU for the engine: counter snapshots around the request and
// around its decoding loop, and the decoder steps that loop took (every step, stepAt and stepTopK of
// the sessions it starts). Off WebGPU every snapshot is null and nothing is reported.
import type { DecoderSession, EncodedDecoder } from '../model/generate/types.ts';
import { diffCounts, gpuCountsSnapshot } from './gpu-counters.ts';
import type { GpuCounts, GpuWork } from './protocol.ts';

/**
 * Counts the decoder steps (step, stepAt and stepTopK calls) of every session `dec` starts; everything else
 * passes through unchanged.
 */
function stepCounting(dec: EncodedDecoder): { dec: EncodedDecoder; steps: () => number } {
  let steps = 0;
  const countCalls = <T extends object>(target: T, names: readonly PropertyKey[]): T =>
    new Proxy(target, {
      get(t, k) {
        const v: unknown = Reflect.get(t, k, t);
        if (typeof v !== 'function') return v;
        const f = v as (...a: unknown[]) => unknown;
        return names.includes(k)
          ? (...a: unknown[]) => {
              steps++;
              return f.apply(t, a);
            }
          : f.bind(t);
      },
    });
  const wrapped = new Proxy(dec, {
    get(t, k) {
      if (k === 'startSession') return (): DecoderSession => countCalls(t.startSession(), ['step', 'stepAt', 'stepTopK']);
      const v: unknown = Reflect.get(t, k, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { dec: wrapped, steps: () => steps };
}

/**
 * Meters the GPU work of one request on the WebGPU backend: `mark()` snapshots the counts; with no
 * counters (other backends) every snapshot is null and nothing is reported.
 */
export class GpuMeter {
  constructor(private readonly on: boolean) {}
  mark(): GpuCounts | null {
    return this.on ? gpuCountsSnapshot() : null;
  }
  since(from: GpuCounts | null): GpuCounts | null {
    const now = this.mark();
    return from && now ? diffCounts(from, now) : null;
  }
  /** Runs `fn` (a decoding loop on `dec`), giving it a step-counting decoder; its work lands in `out`. */
  async decoding<T>(dec: EncodedDecoder, out: { decoding: GpuCounts | null; steps: number }, fn: (dec: EncodedDecoder) => Promise<T>): Promise<T> {
    if (!this.on) return fn(dec);
    const counted = stepCounting(dec);
    const from = this.mark();
    try {
      return await fn(counted.dec);
    } finally {
      out.decoding = this.since(from);
      out.steps = counted.steps();
    }
  }
}

/** Decoding's GPU work, filled in while a request runs. */
export interface WorkDraft {
  total: GpuCounts | null;
  decoding: GpuCounts | null;
  steps: number;
}
export const draft = (): WorkDraft => ({ total: null, decoding: null, steps: 0 });
export const finished = (d: WorkDraft): GpuWork | null => (d.total && d.decoding ? { total: d.total, decoding: d.decoding, steps: d.steps } : null);

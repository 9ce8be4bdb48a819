// One line of text for a request's GPU work on WebGPU (runtime/gpu-counters.ts counts it in the
// worker): dispatches, uploads, uniform writes and readbacks, and per decoder step where the
// request decodes step by step.
import type { GpuCounts, GpuWork } from '../../runtime/protocol.ts';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${Math.round(x) === 1 ? one : many}`;
/** Per-step averages keep one decimal when they are not whole. */
const avg = (x: number) => (Number.isInteger(x) ? n(x) : x.toFixed(1));

export function describeCounts(c: GpuCounts): string {
  return `${plural(c.dispatches, 'dispatch', 'dispatches')} · ${plural(c.uploads, 'upload')} · ${plural(c.uniformWrites, 'uniform write')} · ${plural(c.readbacks, 'readback')}`;
}

/** "2 decoder steps, 61 dispatches and 1 readback per step" (the decoding loop's work over its steps); null without steps. */
export function describePerStep(w: GpuWork): string | null {
  if (w.steps <= 0) return null;
  const d = w.decoding.dispatches / w.steps;
  const r = w.decoding.readbacks / w.steps;
  return `${plural(w.steps, 'decoder step')}, ${avg(d)} ${d === 1 ? 'dispatch' : 'dispatches'} and ${avg(r)} ${r === 1 ? 'readback' : 'readbacks'} per step`;
}

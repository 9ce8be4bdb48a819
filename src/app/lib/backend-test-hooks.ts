// The e2e tests' switches for the automatic backend choice, read once from the page URL (they are
// not part of the shareable state and vanish when the page rewrites its URL; a reload must name
// them again). `?adapterAsHardware=1` treats a software WebGPU adapter (SwiftShader) as hardware,
// so the measured WebGPU-vs-WASM choice runs in a browser without a GPU (and the adapter request may
// take 5 s, not 250 ms, so a busy machine's slow SwiftShader answer still counts); `&probeBudgetMs=N`
// (0..60000) replaces the 300 ms probing budget and counts only with adapterAsHardware. Not for
// people: on a software adapter the measurement costs seconds and WASM wins anyway.
import type { BackendTestHooks } from '../../runtime/protocol.ts';

export function parseBackendTestHooks(search: string): BackendTestHooks | undefined {
  const q = new URLSearchParams(search);
  if (q.get('adapterAsHardware') !== '1') return undefined;
  const budget = q.get('probeBudgetMs');
  const n = budget !== null && /^\d{1,5}$/.test(budget) ? Number(budget) : null;
  return n !== null && n <= 60_000 ? { adapterAsHardware: true, probeBudgetMs: n } : { adapterAsHardware: true };
}

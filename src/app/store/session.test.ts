// The store over a fake worker: it awaits WorkerEngine calls, applies only the latest answer of
// each kind of request (a superseded view, a closed neighbour, an explanation after Stop are
// dropped), shows a worker error with its code, and restarts the worker on a lost device.
import { describe, expect, it } from 'vitest';
import { create, type StateCreator } from 'zustand';
import { FakePort } from '../../runtime/fake-port.ts';
import type { InferResult, PackSummary, Request, UserInfo, WhatIf } from '../../runtime/protocol.ts';
import { WorkerEngine } from '../../runtime/worker-engine.ts';
import { appState } from './app-state.ts';
import type { AppState } from './types.ts';

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

const summary: PackSummary = {
  pack: 'beauty',
  name: 'tiny',
  numUsers: 12,
  numItems: 30,
  nMax: 5,
  nDefault: 4,
  heads: 2,
  promptLength: 2,
  tasks: ['sequential', 'explanation'],
  itemNames: Array.from({ length: 31 }, (_, i) => (i ? `item ${i}` : '')),
  manifest: {},
  trainingLog: [],
  hasReferences: true,
  priors: { cf: false, seq: false },
  sequentialForm: 'bare',
  idScheme: 'atomic',
};
const backend = { backend: 'wasm' as const, reason: 'test', forced: false, adapter: { present: false, isFallbackAdapter: false, architecture: '', vendor: '' }, failures: [] };
const user = (index: number): UserInfo => ({
  index,
  label: String(100 + index),
  history: [{ id: 3, name: 'item 3' }],
  testItem: null,
  neighbours: [5, 6, 7, 8, 9].map((v, k) => ({ index: v, datasetId: String(100 + v), similarity: 1 - k / 10, shared: [] })),
  explainable: [],
});
const result = (index: number, whatIf: WhatIf, top: number): InferResult => ({
  user: user(index),
  whatIf,
  attention: null,
  prompt: { task: [], collaborative: [] },
  sequential: [{ item: { id: top, name: `item ${top}` }, score: -1 }],
  topn: null,
  constrained: true,
  evaluation: false,
  priors: false,
  elapsedMs: 1,
});

/** A store on fake workers, loaded and showing user 2 with the default what-if. */
async function readyStore() {
  const ports: FakePort[] = [];
  const store = create<AppState>()(
    appState({
      makeEngine: () => {
        const port = new FakePort();
        ports.push(port);
        return new WorkerEngine(port);
      },
      baseUrl: '/',
    }) as unknown as StateCreator<AppState>,
  );
  store.getState().loadPack('beauty');
  const port = ports[0]!;
  const load = port.last('load');
  port.answer({ type: 'progress', id: load.id, stage: 'download', files: [{ file: 'manifest.json', loaded: 1, total: 2 }], done: 1, total: 2 });
  expect(store.getState()).toMatchObject({ phase: 'downloading', files: [{ file: 'manifest.json', loaded: 1, total: 2 }] });
  port.answer({ type: 'ready', id: load.id, summary, backend, warmupMs: 5 });
  await flush();
  expect(store.getState()).toMatchObject({ phase: 'ready', whatIf: { masked: [], n: 4, individualOnly: false } });
  // No user yet: a random one.
  expect(port.last('findUser').query).toBe('random');
  port.answer({ type: 'result', id: port.last('findUser').id, payload: { kind: 'user', user: user(2) } });
  await flush();
  const first = port.last('infer');
  expect(first).toMatchObject({ purpose: 'view', target: { kind: 'user', index: 2 }, whatIf: { masked: [], n: 4, individualOnly: false } });
  port.answer({ type: 'result', id: first.id, payload: { kind: 'infer', result: result(2, first.whatIf, 10) } });
  await flush();
  expect(store.getState()).toMatchObject({ busy: false, userIndex: 2, current: { sequential: [{ item: { id: 10 } }] } });
  return { store, port, ports };
}

describe('app store over the worker engine', () => {
  it('shows only the latest view: a superseded answer is dropped, the baseline is asked once', async () => {
    const { store, port } = await readyStore();
    const infers = () => port.sent.filter((r): r is Extract<Request, { type: 'infer' }> => r.type === 'infer');
    // Another decoding mode: the shown default view is no baseline for it any more.
    store.getState().setConstrained(false);
    const unmasked = port.last('infer');
    store.getState().toggleMask(5);
    // Sent before the view: the unmodified user, for the comparison.
    const [base, masked] = infers().slice(-2) as [Extract<Request, { type: 'infer' }>, Extract<Request, { type: 'infer' }>];
    expect(base).toMatchObject({ purpose: 'baseline', whatIf: { masked: [], n: 4, individualOnly: false } });
    expect(masked).toMatchObject({ purpose: 'view', whatIf: { masked: [5], n: 4 } });
    store.getState().setN(3);
    const latest = port.last('infer');
    expect(infers().filter((r) => r.purpose === 'baseline')).toHaveLength(1);
    expect(latest).toMatchObject({ purpose: 'view', whatIf: { masked: [5], n: 3 } });
    expect(store.getState().busy).toBe(true);
    // The worker answers the superseded view after the latest one: it must not replace it.
    port.answer({ type: 'result', id: latest.id, payload: { kind: 'infer', result: result(2, { masked: [5], n: 3, individualOnly: false }, 12) } });
    port.answer({ type: 'result', id: masked.id, payload: { kind: 'infer', result: result(2, { masked: [5], n: 4, individualOnly: false }, 11) } });
    port.answer({ type: 'result', id: unmasked.id, payload: { kind: 'infer', result: result(2, unmasked.whatIf, 13) } });
    port.answer({ type: 'result', id: base.id, payload: { kind: 'infer', result: result(2, base.whatIf, 10) } });
    await flush();
    const s = store.getState();
    expect(s.current!.sequential[0]!.item.id).toBe(12);
    expect(s.baseline!.sequential[0]!.item.id).toBe(10);
    expect(s.busy).toBe(false);
    expect(s.whatIfLog.map((e) => e.summary)).toEqual(['combined with the next change', expect.any(String)]);
  });

  it('a closed neighbour drops its answer; an error shows with its code and cause code', async () => {
    const { store, port } = await readyStore();
    store.getState().openNeighbour(6);
    const req = port.last('userInfo');
    store.getState().openNeighbour(null);
    port.answer({ type: 'result', id: req.id, payload: { kind: 'user', user: user(6) } });
    await flush();
    expect(store.getState().neighbourInfo).toBeNull();
    store.getState().openNeighbour(7);
    const err = { code: 'PackCorrupt' as const, message: 'users.bin is damaged', action: 'Reload the page.', causeCode: 'pack-corrupt' };
    port.answer({ type: 'error', id: port.last('userInfo').id, error: err });
    await flush();
    expect(store.getState().error).toEqual(err);
    expect(store.getState().phase).toBe('ready');
  });

  it('streams an explanation; Stop freezes it, interrupts the worker and keeps the reference of the answer', async () => {
    const { store, port } = await readyStore();
    const item = { id: 3, name: 'item 3' };
    store.getState().explain(item);
    const req = port.last('explain');
    port.answer({ type: 'token', id: req.id, text: 'great' });
    await flush();
    expect(store.getState().explanation).toMatchObject({ text: 'great', tokens: 1, streaming: true });
    store.getState().stopExplain();
    expect(port.last('interrupt').target).toBe(req.id);
    port.answer({ type: 'token', id: req.id, text: 'great sound' });
    port.answer({ type: 'result', id: req.id, payload: { kind: 'explain', text: 'great sound', stopped: true, reference: 'nice', item, tokens: 2 } });
    await flush();
    expect(store.getState().explanation).toMatchObject({ text: 'great', tokens: 1, streaming: false, stopped: true, reference: 'nice' });
  });

  it('evaluation progress and result reach the evaluate slice', async () => {
    const { store, port } = await readyStore();
    store.getState().runEval(3);
    const req = port.last('evaluate');
    expect(req).toMatchObject({ numUsers: 3, constrained: true, priors: true });
    port.answer({ type: 'progress', id: req.id, stage: 'evaluate', files: [], done: 2, total: 6 });
    expect(store.getState()).toMatchObject({ evalRunning: true, evalDone: 2, evalTotal: 6 });
    port.answer({ type: 'result', id: req.id, payload: { kind: 'evaluate', rows: [{ task: 'sequential', values: { 'HR@10': 0.5 }, users: 3 }], stopped: false } });
    await flush();
    expect(store.getState()).toMatchObject({ evalRunning: false, evalStopped: false, evalRows: [{ task: 'sequential' }] });
  });

  it('a lost device restarts the worker on the next backend, says so, and ignores the old worker', async () => {
    const { store, port, ports } = await readyStore();
    store.getState().setN(2);
    port.answer({ type: 'error', id: port.last('infer').id, error: { code: 'DeviceLost', message: 'The model ran out of memory: OOM', action: 'Switching to the next backend.' } });
    await flush();
    expect(ports).toHaveLength(2);
    expect(port.terminated).toBe(true);
    const s = store.getState();
    expect(s.phase).toBe('downloading');
    expect(s.error).toMatchObject({ code: 'DeviceLost', message: 'The model ran out of memory: OOM', action: 'Switched away from the wasm backend to the next one; your selection is kept.' });
    // The new worker warms up on the person's view.
    expect(ports[1]!.last('load')).toMatchObject({ backend: null, first: { user: 2, whatIf: { n: 2 } } });
  });
});

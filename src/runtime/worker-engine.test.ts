// WorkerEngine against a fake port: what it posts, how each answer settles its own call (resolve,
// reject with the typed error rebuilt from the protocol's code), where progress and streamed text
// go, how Stop interrupts, and that answers the page gave up on are dropped.
import { describe, expect, it } from 'vitest';
import { BadRequestError, DeviceLostError, InternalError, PackCorruptError, UnknownUserError, WorkerError } from './errors.ts';
import { FakePort } from './fake-port.ts';
import type { InferResult, PackSummary, ProtocolError, UserInfo } from './protocol.ts';
import { RequestSupersededError, WorkerEngine, WorkerTerminatedError, type WorkerEvent } from './worker-engine.ts';

/** Lets promise callbacks (and async iteration) run. */
const flush = () => new Promise<void>((r) => setTimeout(r, 0));

const user = (index: number): UserInfo => ({ index, label: String(100 + index), history: [], testItem: null, neighbours: [], explainable: [] });
const inferResult = (index: number): InferResult => ({
  user: user(index),
  whatIf: { masked: [], n: 4, individualOnly: false },
  attention: null,
  prompt: { task: [], collaborative: [] },
  sequential: [],
  topn: null,
  constrained: true,
  evaluation: false,
  elapsedMs: 1,
});
const view = { target: { kind: 'user' as const, index: 2 }, whatIf: { masked: [], n: 4, individualOnly: false }, constrained: true, evaluation: false };

function setup() {
  const port = new FakePort();
  const engine = new WorkerEngine(port);
  const events: WorkerEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { port, engine, events };
}

describe('WorkerEngine requests', () => {
  it('posts each call with its own id and options, and resolves it with the answer carrying that id', async () => {
    const { port, engine } = setup();
    const a = engine.findUser('106');
    const b = engine.userInfo(7);
    const c = engine.infer(view);
    expect(port.sent.map((r) => r.type)).toEqual(['findUser', 'userInfo', 'infer']);
    expect(new Set(port.sent.map((r) => r.id)).size).toBe(3);
    expect(port.last('findUser').query).toBe('106');
    expect(port.last('infer')).toEqual({ type: 'infer', id: port.last('infer').id, purpose: 'view', ...view });
    // Answers in another order than asked: each settles its own call.
    port.answer({ type: 'result', id: port.last('infer').id, payload: { kind: 'infer', result: inferResult(2) } });
    port.answer({ type: 'result', id: port.last('userInfo').id, payload: { kind: 'user', user: user(7) } });
    port.answer({ type: 'result', id: port.last('findUser').id, payload: { kind: 'user', user: user(2) } });
    expect((await a).index).toBe(2);
    expect((await b).index).toBe(7);
    expect((await c).user.index).toBe(2);
    expect(engine.inFlight).toBe(0);
  });

  it('load: download and warm-up progress go to the callback, ready resolves with summary, backend and warm-up time', async () => {
    const { port, engine } = setup();
    const progress: string[] = [];
    const ready = engine.load({ pack: 'beauty', baseUrl: '/', backend: null, backendSource: null }, (p) => progress.push(`${p.stage} ${p.done}/${p.total} ${p.files.map((f) => f.file).join(',')}`));
    const id = port.last('load').id;
    expect(port.last('load')).toEqual({ type: 'load', id, pack: 'beauty', baseUrl: '/', backend: null, backendSource: null });
    port.answer({ type: 'progress', id, stage: 'download', files: [{ file: 'manifest.json', loaded: 5, total: 10 }], done: 5, total: 10 });
    port.answer({ type: 'progress', id: id + 99, stage: 'download', files: [], done: 1, total: 1 });
    port.answer({ type: 'progress', id, stage: 'warmup', files: [], done: 0, total: 1 });
    const summary = { pack: 'beauty', numUsers: 3 } as PackSummary;
    const backend = { backend: 'wasm' as const, reason: 'r', forced: false, adapter: { present: false, isFallbackAdapter: false, architecture: '', vendor: '' }, failures: [] };
    port.answer({ type: 'ready', id, summary, backend, warmupMs: 12 });
    expect(await ready).toEqual({ summary, backend, warmupMs: 12 });
    expect(progress).toEqual(['download 5/10 manifest.json', 'warmup 0/1 ']);
  });

  it('evaluate: progress goes to its own run, Stop interrupts it in the worker, which answers stopped', async () => {
    const { port, engine } = setup();
    const seenA: number[] = [];
    const seenB: number[] = [];
    const stop = new AbortController();
    const a = engine.evaluate({ numUsers: 10, constrained: true, priors: false }, (done) => seenA.push(done), stop.signal);
    const idA = port.last('evaluate').id;
    expect(port.last('evaluate')).toEqual({ type: 'evaluate', id: idA, numUsers: 10, constrained: true, priors: false });
    const b = engine.evaluate({ numUsers: 3, constrained: false }, (done) => seenB.push(done));
    const idB = port.last('evaluate').id;
    port.answer({ type: 'progress', id: idA, stage: 'evaluate', files: [], done: 2, total: 30 });
    port.answer({ type: 'progress', id: idB, stage: 'evaluate', files: [], done: 1, total: 9 });
    port.answer({ type: 'progress', id: idA, stage: 'evaluate', files: [], done: 4, total: 30 });
    expect([seenA, seenB]).toEqual([[2, 4], [1]]);
    stop.abort();
    expect(port.last('interrupt')).toEqual({ type: 'interrupt', id: port.last('interrupt').id, target: idA });
    port.answer({ type: 'result', id: idA, payload: { kind: 'evaluate', rows: [], stopped: true } });
    expect(await a).toEqual({ rows: [], stopped: true });
    // Aborting after the answer sends nothing more.
    const sent = port.sent.length;
    stop.abort();
    port.answer({ type: 'result', id: idB, payload: { kind: 'evaluate', rows: [{ task: 'sequential', values: { 'HR@10': 0.5 }, users: 3 }], stopped: false }});
    expect((await b).rows).toHaveLength(1);
    expect(port.sent.length).toBe(sent);
  });
});

describe('WorkerEngine errors', () => {
  it('rejects with the typed error class of the protocol code, message, action and cause code unchanged', async () => {
    const { port, engine } = setup();
    const unknown: ProtocolError = { code: 'UnknownUser', message: 'No user "999" in this pack.', action: 'Type a dataset user id, #0 … #9 for a user index, or press Random.' };
    const found = engine.findUser('999');
    port.answer({ type: 'error', id: port.last('findUser').id, error: unknown });
    const e = await found.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnknownUserError);
    expect(e).toBeInstanceOf(WorkerError);
    expect(e).toMatchObject({ code: 'UnknownUser', name: 'UnknownUser', message: unknown.message, action: unknown.action, causeCode: null });
    expect((e as WorkerError).toProtocol()).toEqual(unknown);

    const corrupt: ProtocolError = { code: 'PackCorrupt', message: 'weights.bin: 60 of 100 bytes', action: 'Reload the page to download the pack again.', causeCode: 'pack-truncated' };
    const loaded = engine.load({ pack: 'beauty', baseUrl: '/', backend: null, backendSource: null });
    port.answer({ type: 'error', id: port.last('load').id, error: corrupt });
    const c = await loaded.catch((x: unknown) => x);
    expect(c).toBeInstanceOf(PackCorruptError);
    expect(c).toMatchObject({ code: 'PackCorrupt', causeCode: 'pack-truncated', message: corrupt.message });
    expect((c as WorkerError).toProtocol()).toEqual(corrupt);
  });

  it('gives subscribers the worker-wide errors (id null), a crash, and the messages that answer no request', () => {
    const { port, events } = setup();
    port.answer({ type: 'mark', mark: { stage: 'worker', epochMs: 1 } });
    port.answer({ type: 'example', example: null });
    port.answer({ type: 'error', id: null, error: { code: 'DeviceLost', message: 'The webgpu device was lost (destroyed).', action: 'Switch backend.' } });
    port.onerror!({ message: 'simulated worker crash' } as ErrorEvent);
    expect(events.map((e) => e.type)).toEqual(['mark', 'example', 'error', 'error']);
    const [lost, crash] = events.filter((e): e is Extract<WorkerEvent, { type: 'error' }> => e.type === 'error').map((e) => e.error);
    expect(lost).toBeInstanceOf(DeviceLostError);
    expect(crash).toBeInstanceOf(InternalError);
    expect(crash!.message).toBe('The model worker crashed: simulated worker crash.');
  });

  it('terminate ends the worker and rejects every call still waiting; later calls reject at once', async () => {
    const { port, engine, events } = setup();
    const waiting = engine.infer({ ...view, purpose: 'baseline' });
    engine.terminate();
    expect(port.terminated).toBe(true);
    await expect(waiting).rejects.toBeInstanceOf(WorkerTerminatedError);
    await expect(engine.userInfo(1)).rejects.toMatchObject({ code: 'runtime-worker-terminated' });
    port.answer({ type: 'mark', mark: { stage: 'worker', epochMs: 1 } });
    expect(events).toEqual([]);
  });
});

describe('WorkerEngine views and stale answers', () => {
  it('a newer view supersedes one not answered yet; the old answer is dropped; a baseline is never superseded', async () => {
    const { port, engine } = setup();
    const first = engine.infer(view);
    const idFirst = port.last('infer').id;
    const base = engine.infer({ ...view, purpose: 'baseline' });
    const idBase = port.last('infer').id;
    const second = engine.infer({ ...view, whatIf: { ...view.whatIf, masked: [5] } });
    const idSecond = port.last('infer').id;
    await expect(first).rejects.toBeInstanceOf(RequestSupersededError);
    // The worker had already started the first one: its answer comes, and nobody takes it.
    port.answer({ type: 'result', id: idFirst, payload: { kind: 'infer', result: inferResult(0) } });
    port.answer({ type: 'error', id: idFirst, error: { code: 'Internal', message: 'late', action: 'none' } });
    port.answer({ type: 'result', id: idSecond, payload: { kind: 'infer', result: inferResult(2) } });
    port.answer({ type: 'result', id: idBase, payload: { kind: 'infer', result: inferResult(1) } });
    expect((await second).user.index).toBe(2);
    expect((await base).user.index).toBe(1);
    expect(engine.inFlight).toBe(0);
  });

  it('an answer of the wrong kind rejects with an Internal error rather than passing bad data on', async () => {
    const { port, engine } = setup();
    const u = engine.userInfo(1);
    port.answer({ type: 'result', id: port.last('userInfo').id, payload: { kind: 'infer', result: inferResult(1) } });
    await expect(u).rejects.toBeInstanceOf(InternalError);
  });
});

describe('WorkerEngine explanations', () => {
  const opts = { target: { kind: 'user' as const, index: 2 }, item: 5, whatIf: view.whatIf, maxTokens: 21, noRepeatNgram: 2 };
  const item = { id: 5, name: 'item 5' };

  it('streams the best text so far, in order, then ends with the final answer', async () => {
    const { port, engine } = setup();
    const stream = engine.explain(opts);
    const id = port.last('explain').id;
    expect(port.last('explain')).toEqual({ type: 'explain', id, ...opts });
    const texts: string[] = [];
    const done = (async () => {
      for await (const t of stream) texts.push(t);
    })();
    port.answer({ type: 'token', id, text: 'great' });
    await flush();
    port.answer({ type: 'token', id, text: 'great sound' });
    port.answer({ type: 'token', id: id + 1, text: 'someone else' });
    port.answer({ type: 'result', id, payload: { kind: 'explain', text: 'great sound', stopped: false, reference: 'nice', item, tokens: 2 } });
    await done;
    expect(texts).toEqual(['great', 'great sound']);
    expect(await stream.result).toEqual({ text: 'great sound', stopped: false, reference: 'nice', item, tokens: 2 });
  });

  it('Stop interrupts the request in the worker; no text after it is yielded; the answer says stopped', async () => {
    const { port, engine } = setup();
    const stop = new AbortController();
    const stream = engine.explain(opts, stop.signal);
    const id = port.last('explain').id;
    const texts: string[] = [];
    const done = (async () => {
      for await (const t of stream) texts.push(t);
    })();
    port.answer({ type: 'token', id, text: 'great' });
    stop.abort();
    expect(port.last('interrupt').target).toBe(id);
    port.answer({ type: 'token', id, text: 'great sound' });
    port.answer({ type: 'result', id, payload: { kind: 'explain', text: 'great sound', stopped: true, reference: null, item, tokens: 2 } });
    await done;
    expect(texts).toEqual(['great']);
    expect((await stream.result).stopped).toBe(true);
  });

  it('a request stopped before it started: the iteration throws the typed error and the answer rejects', async () => {
    const { port, engine } = setup();
    const stop = new AbortController();
    stop.abort();
    const stream = engine.explain(opts, stop.signal);
    const id = port.last('explain').id;
    expect(port.last('interrupt').target).toBe(id);
    port.answer({ type: 'error', id, error: { code: 'BadRequest', message: 'Stopped before it started.', action: 'Run it again when ready.' } });
    const iterated = (async () => {
      for await (const _ of stream) throw new Error('no text expected');
    })();
    await expect(iterated).rejects.toBeInstanceOf(BadRequestError);
    await expect(stream.result).rejects.toMatchObject({ code: 'BadRequest', message: 'Stopped before it started.' });
  });
});

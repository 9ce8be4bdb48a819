// The page's side of the model worker: the Engine's methods as promises (the pattern of WebLLM's
// WebWorkerMLCEngine). Every call posts one request with a fresh id and keeps one entry for it in
// `pending`; the worker's answer with that id settles it, progress and streamed text with that id
// go to that call's callbacks, and an error answer rejects it with the typed error class rebuilt
// from the protocol's code (errors.ts: UnknownUserError, PackCorruptError, ...). An AbortSignal
// interrupts the request in the worker, which then answers as stopped. Messages that answer no
// request (start-up marks, the backend, the example, a crash or a lost device) go to subscribers.
// No tfjs, no model code, no React: the app imports this file.
import { fromProtocolError, WorkerError } from './errors.ts';
import type {
  EvaluateOptions,
  EvaluateResult,
  ExplainOptions,
  ExplainResult,
  FileProgress,
  InferOptions,
  InferResult,
  Request,
  Response,
  ResultPayload,
  UserInfo,
} from './protocol.ts';
import { PeapodError } from '../errors.ts';

/** What WorkerEngine needs of a Worker (a real one, or a fake in tests). */
export interface WorkerPort {
  postMessage(message: Request): void;
  onmessage: ((ev: MessageEvent<Response>) => void) | null;
  /** A worker that fails to start or throws outside a request reports it here. */
  onerror?: ((ev: ErrorEvent) => void) | null;
  terminate?(): void;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type LoadRequest = Extract<Request, { type: 'load' }>;

/** WorkerEngine.load: the pack, where it is served, the backend and the first view to warm up on. */
export type LoadOptions = Omit<LoadRequest, 'type' | 'id'>;
/** The worker's 'ready' answer. */
export type Ready = Omit<Extract<Response, { type: 'ready' }>, 'type' | 'id'>;
/** Loading progress: per-file bytes while downloading, then the warm-up step. */
export interface LoadProgress {
  stage: 'download' | 'warmup';
  files: FileProgress[];
  done: number;
  total: number;
}

/** Messages that answer no request; a worker-wide error (crash, lost device) comes as its typed error. */
export type WorkerEvent = Extract<Response, { type: 'mark' | 'backend' | 'example' }> | { type: 'error'; error: WorkerError };

/** The call was given up on the page: the worker was ended before it answered. */
export class WorkerTerminatedError extends PeapodError {
  override name = 'WorkerTerminatedError';
  override readonly code = 'runtime-worker-terminated';
  constructor(what: string) {
    super(`The model worker was ended before it answered "${what}".`);
  }
}

/** A newer recommendation view replaced this one before it was answered (the worker skips such views). */
export class RequestSupersededError extends PeapodError {
  override name = 'RequestSupersededError';
  override readonly code = 'runtime-request-superseded';
  constructor() {
    super('A newer view was asked for before this one was answered.');
  }
}

interface Pending {
  type: Request['type'];
  /** A 'view' inference: a newer one supersedes it. */
  view: boolean;
  answer(res: Extract<Response, { type: 'ready' | 'result' }>): void;
  fail(e: Error): void;
  progress?(res: Extract<Response, { type: 'progress' }>): void;
  token?(text: string): void;
}

/**
 * A streamed explanation: iterate it for the best text so far, one value per step the worker
 * reports (beam search may revise earlier words); `result` is the final answer. Iterate it once.
 * After the signal aborts, no more texts are yielded; the iteration ends when the worker answers,
 * and `result` then says stopped (or rejects, if the worker had not started it yet).
 */
export class ExplainStream implements AsyncIterable<string> {
  readonly result: Promise<ExplainResult>;
  private readonly texts: string[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  private wake: (() => void) | null = null;

  constructor(start: (onText: (text: string) => void) => Promise<ExplainResult>, signal?: AbortSignal) {
    this.result = start((text) => {
      if (signal?.aborted) return;
      this.texts.push(text);
      this.notify();
    });
    // Handled here, so a caller that only iterates (or only awaits `result`) leaves nothing unhandled.
    this.result.then(
      () => this.finish(null),
      (error: unknown) => this.finish({ error }),
    );
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    for (;;) {
      const text = this.texts.shift();
      if (text !== undefined) {
        yield text;
        continue;
      }
      if (this.ended) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private finish(failure: { error: unknown } | null): void {
    this.ended = true;
    this.failure = failure;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

function payload<K extends ResultPayload['kind']>(res: Extract<Response, { type: 'ready' | 'result' }>, kind: K): Extract<ResultPayload, { kind: K }> {
  if (res.type === 'result' && res.payload.kind === kind) return res.payload as Extract<ResultPayload, { kind: K }>;
  const got = res.type === 'result' ? res.payload.kind : res.type;
  throw fromProtocolError({ code: 'Internal', message: `The model worker answered a "${kind}" request with "${got}".`, action: 'Reload the page; if it happens again, switch to the wasm backend in the header.' });
}

export class WorkerEngine {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: WorkerEvent) => void>();
  private ended = false;

  constructor(private readonly port: WorkerPort) {
    port.onmessage = (ev) => this.receive(ev.data);
    port.onerror = (ev) =>
      // A worker that fails to even start (syntax error, failed import) never answers; say so.
      this.emit({
        type: 'error',
        error: fromProtocolError({ code: 'Internal', message: `The model worker crashed: ${ev.message || 'unknown error'}.`, action: 'Reload the page; if it happens again, try another backend with ?backend=cpu.' }),
      });
  }

  /** Listens to the messages that answer no request; returns the unsubscribe function. */
  subscribe(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts everything in the worker (example, download, backend, warm-up); resolves when it is ready. */
  load(options: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<Ready> {
    return this.call({ type: 'load', ...options }, (res) => {
      if (res.type !== 'ready') throw fromProtocolError({ code: 'Internal', message: `The model worker answered "load" with "${res.payload.kind}".`, action: 'Reload the page.' });
      return { summary: res.summary, backend: res.backend, warmupMs: res.warmupMs };
    }, {
      progress: (p) => {
        if (p.stage !== 'evaluate') onProgress?.({ stage: p.stage, files: p.files, done: p.done, total: p.total });
      },
    });
  }

  /** A pack user by dataset id, `user_<id>`, `#<index>`, or 'random'. */
  findUser(query: string): Promise<UserInfo> {
    return this.call({ type: 'findUser', query }, (res) => payload(res, 'user').user);
  }

  userInfo(index: number): Promise<UserInfo> {
    return this.call({ type: 'userInfo', index }, (res) => payload(res, 'user').user);
  }

  /**
   * The recommendations for one target. purpose 'view' (default): what the page shows; a newer
   * view supersedes one not answered yet, which rejects with RequestSupersededError (the worker
   * skips a superseded view still in its queue). 'baseline': the unmodified user, never superseded.
   */
  infer(options: InferOptions & { purpose?: 'view' | 'baseline' }): Promise<InferResult> {
    const { purpose = 'view', ...rest } = options;
    if (purpose === 'view') for (const p of this.pending.values()) if (p.view) p.fail(new RequestSupersededError());
    return this.call({ type: 'infer', purpose, ...rest }, (res) => payload(res, 'infer').result, { view: purpose === 'view' });
  }

  /** Streams an explanation; aborting `signal` stops it in the worker. */
  explain(options: ExplainOptions, signal?: AbortSignal): ExplainStream {
    return new ExplainStream((onText) => this.call({ type: 'explain', ...options }, (res) => {
      const { kind: _kind, ...result } = payload(res, 'explain');
      return result;
    }, { token: onText, signal }), signal);
  }

  /** The paper's metrics in the worker; aborting `signal` stops at the next batch and answers stopped. */
  evaluate(options: EvaluateOptions, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<EvaluateResult> {
    return this.call({ type: 'evaluate', ...options }, (res) => {
      const { kind: _kind, ...result } = payload(res, 'evaluate');
      return result;
    }, {
      progress: (p) => {
        if (p.stage === 'evaluate') onProgress?.(p.done, p.total);
      },
      signal,
    });
  }

  /** Ends the worker; every call not answered yet rejects with WorkerTerminatedError. */
  terminate(): void {
    if (this.ended) return;
    this.ended = true;
    this.port.onmessage = null;
    this.port.onerror = null;
    this.port.terminate?.();
    for (const p of [...this.pending.values()]) p.fail(new WorkerTerminatedError(p.type));
    this.listeners.clear();
  }

  /** Requests not answered yet (for tests and diagnostics). */
  get inFlight(): number {
    return this.pending.size;
  }

  private call<T>(
    req: WithoutId<Exclude<Request, { type: 'interrupt' }>>,
    take: (res: Extract<Response, { type: 'ready' | 'result' }>) => T,
    extra: { progress?: Pending['progress']; token?: Pending['token']; signal?: AbortSignal; view?: boolean } = {},
  ): Promise<T> {
    if (this.ended) return Promise.reject(new WorkerTerminatedError(req.type));
    const id = this.nextId++;
    const { signal } = extra;
    return new Promise<T>((resolve, reject) => {
      const interrupt = () => this.post({ type: 'interrupt', target: id });
      const settle = () => {
        this.pending.delete(id);
        signal?.removeEventListener('abort', interrupt);
      };
      this.pending.set(id, {
        type: req.type,
        view: extra.view ?? false,
        answer: (res) => {
          settle();
          try {
            resolve(take(res));
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        },
        fail: (e) => {
          settle();
          reject(e);
        },
        ...(extra.progress ? { progress: extra.progress } : {}),
        ...(extra.token ? { token: extra.token } : {}),
      });
      this.post({ ...req, id });
      if (signal?.aborted) interrupt();
      else signal?.addEventListener('abort', interrupt, { once: true });
    });
  }

  private post(req: WithoutId<Request> & { id?: number }): void {
    if (this.ended) return;
    this.port.postMessage({ ...req, id: req.id ?? this.nextId++ });
  }

  private receive(res: Response): void {
    switch (res.type) {
      case 'mark':
      case 'backend':
      case 'example':
        this.emit(res);
        return;
      case 'progress':
        this.pending.get(res.id)?.progress?.(res);
        return;
      case 'token':
        this.pending.get(res.id)?.token?.(res.text);
        return;
      case 'ready':
      case 'result':
        // An id no longer pending was given up on the page (superseded, or ended): dropped.
        this.pending.get(res.id)?.answer(res);
        return;
      case 'error': {
        const error = fromProtocolError(res.error);
        if (res.id === null) this.emit({ type: 'error', error });
        else this.pending.get(res.id)?.fail(error);
        return;
      }
    }
  }

  private emit(e: WorkerEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}

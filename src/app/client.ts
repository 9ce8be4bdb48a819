// The UI side of the worker protocol: owns the Worker object, numbers requests and fans responses
// out to subscribers. Knows nothing about React or the store; never touches tensors.
import { isLocalPack, type Request, type Response } from '../runtime/protocol.ts';
import { localPackFiles } from './local-packs.ts';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type OutgoingRequest = WithoutId<Request>;

export interface ModelClient {
  /** Posts a request and returns its id (responses carry the same id). */
  send(req: OutgoingRequest): number;
  subscribe(listener: (res: Response) => void): () => void;
  /** Ends the worker (a backend switch starts a fresh one). */
  terminate(): void;
}

let nextId = 1;

export function createWorkerClient(): ModelClient {
  const worker = new Worker(new URL('../runtime/worker.ts', import.meta.url), { type: 'module', name: 'peapod-model' });
  const listeners = new Set<(res: Response) => void>();
  worker.onmessage = (ev: MessageEvent<Response>) => {
    for (const l of listeners) l(ev.data);
  };
  worker.onerror = (ev: ErrorEvent) => {
    // A worker that fails to even start (syntax error, failed import) never answers; say so.
    const res: Response = {
      type: 'error',
      id: null,
      error: {
        code: 'Internal',
        message: `The model worker crashed: ${ev.message || 'unknown error'}.`,
        action: 'Reload the page; if it happens again, try another backend with ?backend=cpu.',
      },
    };
    for (const l of listeners) l(res);
  };
  return {
    send(req) {
      const id = nextId++;
      // A pack opened from disk travels as its File objects (structured clone, no copy of the bytes).
      const files = req.type === 'load' && isLocalPack(req.pack) ? localPackFiles(req.pack) : undefined;
      worker.postMessage({ ...req, ...(files ? { files } : {}), id } as Request);
      return id;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    terminate() {
      worker.terminate();
      listeners.clear();
    },
  };
}

// A stand-in for the model worker in tests: records what the page posts and answers as the worker
// would, so WorkerEngine and the store run without a browser. Test helper only.
import type { Request, Response } from './protocol.ts';
import type { WorkerPort } from './worker-engine.ts';

export class FakePort implements WorkerPort {
  readonly sent: Request[] = [];
  onmessage: ((ev: MessageEvent<Response>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  terminated = false;

  postMessage(message: Request): void {
    this.sent.push(message);
  }

  terminate(): void {
    this.terminated = true;
  }

  /** The worker answers. */
  answer(res: Response): void {
    this.onmessage?.({ data: res } as MessageEvent<Response>);
  }

  /** The last request of a type that was posted. */
  last<T extends Request['type']>(type: T): Extract<Request, { type: T }> {
    const r = this.sent.filter((q) => q.type === type).at(-1);
    if (!r) throw new Error(`no ${type} request was posted`);
    return r as Extract<Request, { type: T }>;
  }
}

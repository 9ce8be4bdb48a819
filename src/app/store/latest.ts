// Stale answers are dropped per slice: each kind of request a slice sends (the shown view, the
// baseline, a user lookup, an explanation, an evaluation, ...) keeps one LatestRequest. Starting
// a request supersedes the one before it of the same kind, and an answer is applied only while its
// request is still the latest of its kind and went to the worker engine the app still uses (a
// restarted or cancelled worker leaves every older answer stale at once).
import type { WorkerEngine } from '../../runtime/worker-engine.ts';

export interface Ticket {
  /** Whether this request's answer is still wanted. */
  live(): boolean;
  /**
   * Applies the answer (or the failure) of `promise` only while the request is live; either way the
   * request stops counting as in flight.
   */
  settle<T>(promise: Promise<T>, onValue: (value: T) => void, onError: (error: unknown) => void): void;
}

export class LatestRequest {
  private seq = 0;
  private open: { seq: number; engine: WorkerEngine } | null = null;

  /** `engine`: the app's current worker engine (null when there is none). */
  constructor(private readonly engine: () => WorkerEngine | null) {}

  /** A new request of this kind, sent to `engine`; the previous one's answer is dropped from now on. */
  begin(engine: WorkerEngine): Ticket {
    const mine = ++this.seq;
    this.open = { seq: mine, engine };
    const live = () => mine === this.seq && this.engine() === engine;
    const done = () => {
      if (this.open?.seq === mine) this.open = null;
    };
    return {
      live,
      settle: (promise, onValue, onError) => {
        promise.then(
          (value) => {
            done();
            if (live()) onValue(value);
          },
          (error: unknown) => {
            done();
            if (live()) onError(error);
          },
        );
      },
    };
  }

  /** Drops the answer of the request in flight (if any) without starting another. */
  drop(): void {
    this.seq++;
    this.open = null;
  }

  /** Whether the latest request of this kind is still waiting for its answer from the current engine. */
  get inFlight(): boolean {
    return this.open !== null && this.open.seq === this.seq && this.engine() === this.open.engine;
  }
}

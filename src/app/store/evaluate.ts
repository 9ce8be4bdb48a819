// Evaluate slice: runs the paper's metrics in the worker on a chosen number of test users.
import { LatestRequest } from './latest.ts';
import { skipHistoryUsed } from './results.ts';
import type { EvalSlice, Slice } from './types.ts';

export const evalSlice: Slice<EvalSlice> = (set, get) => {
  const run = new LatestRequest(() => get().engine);
  /** Stops the run in flight (the worker answers it as stopped at the next batch). */
  let stop: AbortController | null = null;
  return {
    evalRunning: false,
    evalDone: 0,
    evalTotal: 0,
    evalRows: null,
    evalStopped: false,
    evalPriors: true,
    evalSkipHistory: false,
    evalUsers: 0,
    evalStartedAt: null,
    evalMsPerUser: null,
    runEval(numUsers) {
      const s = get();
      const engine = s.engine;
      if (!engine || s.phase !== 'ready') return;
      const ticket = run.begin(engine);
      stop = new AbortController();
      const onProgress = (done: number, total: number) => {
        if (ticket.live()) set({ evalDone: done, evalTotal: total });
      };
      set({ evalUsers: Math.min(numUsers, s.summary?.numUsers ?? numUsers), evalStartedAt: performance.now(), evalRunning: true, evalDone: 0, evalTotal: numUsers, evalRows: null, evalStopped: false, evalPriors: s.priors, evalSkipHistory: skipHistoryUsed(s) && s.constrained });
      ticket.settle(
        engine.evaluate({ numUsers, constrained: s.constrained, priors: s.priors, skipHistory: s.skipHistory }, onProgress, stop.signal),
        (r) => {
          const st = get();
          const ms = !r.stopped && st.evalStartedAt !== null && st.evalUsers > 0 ? (performance.now() - st.evalStartedAt) / st.evalUsers : null;
          set({ evalRows: r.rows, evalRunning: false, evalStopped: r.stopped, evalMsPerUser: ms ?? st.evalMsPerUser });
        },
        (e) => {
          if (!get().reportWorkerError(e, engine, 'request')) set({ evalRunning: false });
        },
      );
    },
    stopEval() {
      stop?.abort();
    },
  };
};

// Evaluate slice: runs the paper's metrics in the worker on a chosen number of test users.
import type { EvalSlice, Slice } from './types.ts';

export const evalSlice: Slice<EvalSlice> = (set, get) => ({
  evalRunning: false,
  evalDone: 0,
  evalTotal: 0,
  evalRows: null,
  evalStopped: false,
  evalPriors: true,
  evalUsers: 0,
  evalStartedAt: null,
  evalMsPerUser: null,
  runEval(numUsers) {
    const s = get();
    if (!s.client || s.phase !== 'ready') return;
    const id = s.client.send({ type: 'evaluate', numUsers, constrained: s.constrained, priors: s.priors });
    set({ evalUsers: Math.min(numUsers, s.summary?.numUsers ?? numUsers), evalStartedAt: performance.now(), evalRunning: true, evalDone: 0, evalTotal: numUsers, evalRows: null, evalStopped: false, evalPriors: s.priors, pending: { ...s.pending, evaluate: id } });
  },
  stopEval() {
    const s = get();
    if (s.client && s.pending.evaluate !== null) s.client.send({ type: 'interrupt', target: s.pending.evaluate });
  },
});

// Results slice: the model's answers for the current target (and for the unmodified user, to show
// what a what-if changed) plus the streaming explanation. Awaits the worker engine; never computes scores.
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';
import { defaultWhatIf, isDefaultWhatIf, type InferResult, type Target } from '../../runtime/protocol.ts';
import { describeConstrainedChange, summariseChange } from '../lib/rank-diff.ts';
import { markPageStage } from '../lib/startup-marks.ts';
import { LatestRequest } from './latest.ts';
import type { AppState, ResultsSlice, Slice, WhatIfChange } from './types.ts';
import { learnIds } from './user.ts';

export function currentTarget(s: AppState): Target | null {
  if (s.profileName !== null) {
    const p = s.profiles.find((q) => q.name === s.profileName && q.pack === s.pack);
    return p ? { kind: 'profile', name: p.name, items: p.items } : null;
  }
  return s.userIndex !== null ? { kind: 'user', index: s.userIndex } : null;
}

/**
 * Fills in what the latest pending what-if change did to the top-10 (against the list shown when it
 * was made); earlier changes still pending were superseded before their own result came back.
 */
/** Whether next-item lists skip history items under the page's settings: the switch is on and the pack's ids are atomic (the engine ignores it otherwise). */
export function skipHistoryUsed(s: AppState): boolean {
  return s.skipHistory && s.summary?.idScheme === 'atomic';
}

export function settleLog(log: WhatIfChange[], result: InferResult): WhatIfChange[] {
  const last = log.findLastIndex((e) => e.summary === null);
  if (last < 0) return log;
  const after = result.sequential.map((s) => s.item);
  const names = new Map<number, string>();
  for (const e of log) for (const i of e.before ?? []) names.set(i.id, i.name);
  for (const i of after) names.set(i.id, i.name);
  const name = (id: number) => {
    const n = names.get(id);
    return n ? `“${n.length > 40 ? `${n.slice(0, 39)}…` : n}”` : `item ${id}`;
  };
  return log.map((e, k) => {
    if (e.summary !== null) return e;
    if (k < last) return { ...e, summary: 'combined with the next change' };
    return { ...e, summary: e.before ? summariseChange(e.before.map((i) => i.id), after.map((i) => i.id), name) : '' };
  });
}

export const resultsSlice: Slice<ResultsSlice> = (set, get) => {
  /** The view shown (a newer one supersedes it, in the worker too). */
  const view = new LatestRequest(() => get().engine);
  /** The unmodified user, for the comparison (one at a time). */
  const baseline = new LatestRequest(() => get().engine);
  const explanation = new LatestRequest(() => get().engine);
  /** Stops the explanation in flight (interrupts it in the worker). */
  let explainStop: AbortController | null = null;

  const show = (result: InferResult) => {
    const s = get();
    markPageStage('result');
    const isDefault = isDefaultWhatIf(result.whatIf, s.summary?.nDefault ?? result.whatIf.n);
    set({
      current: result,
      whatIfLog: settleLog(s.whatIfLog, result),
      constrainedNote:
        s.constrainedNote && s.constrainedNote.text === null && s.constrainedNote.before && result.constrained === s.constrainedNote.on
          ? { ...s.constrainedNote, text: describeConstrainedChange(s.constrainedNote.before, result.sequential.map((r) => ({ id: r.item.id, score: r.score })), s.constrainedNote.on) }
          : s.constrainedNote,
      datasetIds: learnIds(s.datasetIds, result.user),
      baseline: isDefault ? result : s.baseline,
      busy: false,
    });
  };

  return {
    baseline: null,
    current: null,
    busy: false,
    explanation: null,
    explainNoRepeat: false,

    recompute() {
      const s = get();
      const target = currentTarget(s);
      const engine = s.engine;
      if (!engine || s.phase !== 'ready' || !s.summary || !target) return;
      const common = { target, constrained: s.constrained, evaluation: s.evaluation, priors: s.priors, skipHistory: s.skipHistory };
      // The worker adds priors only where the pack has them.
      const priorsUsed = s.priors && (s.summary.priors?.cf || s.summary.priors?.seq || false);
      const sameTarget = (r: AppState['baseline']) =>
        r !== null &&
        r.constrained === s.constrained &&
        r.evaluation === s.evaluation &&
        (r.priors ?? true) === priorsUsed &&
        (r.skipHistory ?? false) === skipHistoryUsed(s) &&
        (target.kind === 'user' ? r.user.index === target.index : r.user.index === null && r.user.label === target.name);
      const isDefault = isDefaultWhatIf(s.whatIf, s.summary.nDefault);
      if (!isDefault && !sameTarget(s.baseline) && !baseline.inFlight) {
        baseline.begin(engine).settle(
          engine.infer({ ...common, purpose: 'baseline', whatIf: defaultWhatIf(s.summary.nDefault) }),
          (result) => set({ baseline: result }),
          (e) => get().reportWorkerError(e, engine, 'request'),
        );
      }
      view.begin(engine).settle(engine.infer({ ...common, purpose: 'view', whatIf: s.whatIf }), show, (e) => {
        if (!get().reportWorkerError(e, engine, 'request')) set({ busy: false });
      });
      set({ busy: true });
    },

    explain(item) {
      const s = get();
      const target = currentTarget(s);
      const engine = s.engine;
      if (!engine || !target) return;
      // The one still streaming is interrupted; its answer is dropped.
      explainStop?.abort();
      const stop = new AbortController();
      explainStop = stop;
      const ticket = explanation.begin(engine);
      const stream = engine.explain({ target, item: item.id, whatIf: s.whatIf, maxTokens: PAPER_PROTOCOL.explanation.maxLength, noRepeatNgram: s.explainNoRepeat ? 2 : 0 }, stop.signal);
      set({ explanation: { item, text: '', streaming: true, stopped: false, reference: null, tokens: 0 } });
      void (async () => {
        try {
          for await (const text of stream) {
            if (!ticket.live()) return;
            const e = get().explanation;
            // Stopped (or cleared with the user): the text stays frozen.
            if (e?.streaming) set({ explanation: { ...e, text, tokens: e.tokens + 1 } });
          }
          const r = await stream.result;
          const e = get().explanation;
          if (!ticket.live() || !e) return;
          const final = e.stopped ? { reference: r.reference, gpu: r.gpu } : { text: r.text, stopped: r.stopped, reference: r.reference, tokens: r.tokens, gpu: r.gpu };
          set({ explanation: { ...e, ...final, streaming: false } });
        } catch (err) {
          if (!ticket.live() || get().reportWorkerError(err, engine, 'request')) return;
          const e = get().explanation;
          if (e) set({ explanation: { ...e, streaming: false } });
        }
      })();
    },

    setExplainNoRepeat(on) {
      set({ explainNoRepeat: on });
    },

    stopExplain() {
      explainStop?.abort();
      // The text freezes at once; tokens the worker produced before it saw the interrupt are dropped.
      const e = get().explanation;
      if (e?.streaming) set({ explanation: { ...e, streaming: false, stopped: true } });
    },
  };
};

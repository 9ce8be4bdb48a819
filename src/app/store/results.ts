// Results slice: the model's answers for the current target (and for the unmodified user, to show
// what a what-if changed) plus the streaming explanation. Sends requests; never computes scores.
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';
import { isDefaultWhatIf, type Target } from '../../runtime/protocol.ts';
import type { AppState, ResultsSlice, Slice } from './types.ts';

export function currentTarget(s: AppState): Target | null {
  if (s.profileName !== null) {
    const p = s.profiles.find((q) => q.name === s.profileName && q.pack === s.pack);
    return p ? { kind: 'profile', name: p.name, items: p.items } : null;
  }
  return s.userIndex !== null ? { kind: 'user', index: s.userIndex } : null;
}

export const resultsSlice: Slice<ResultsSlice> = (set, get) => ({
  baseline: null,
  current: null,
  busy: false,
  explanation: null,
  explainNoRepeat: false,

  recompute() {
    const s = get();
    const target = currentTarget(s);
    if (!s.client || s.phase !== 'ready' || !s.summary || !target) return;
    const pending = { ...s.pending };
    const common = { type: 'infer' as const, target, constrained: s.constrained, evaluation: s.evaluation, priors: s.priors };
    // The worker adds priors only where the pack has them.
    const priorsUsed = s.priors && (s.summary.priors?.cf || s.summary.priors?.seq || false);
    const sameTarget = (r: AppState['baseline']) =>
      r !== null &&
      r.constrained === s.constrained &&
      r.evaluation === s.evaluation &&
      (r.priors ?? true) === priorsUsed &&
      (target.kind === 'user' ? r.user.index === target.index : r.user.index === null && r.user.label === target.name);
    const isDefault = isDefaultWhatIf(s.whatIf, s.summary.nDefault);
    if (!isDefault && !sameTarget(s.baseline) && pending.baseline === null) {
      pending.baseline = s.client.send({ ...common, purpose: 'baseline', whatIf: { masked: [], n: s.summary.nDefault, individualOnly: false } });
    }
    pending.infer = s.client.send({ ...common, purpose: 'view', whatIf: s.whatIf });
    set({ pending, busy: true });
  },

  explain(item) {
    const s = get();
    const target = currentTarget(s);
    if (!s.client || !target) return;
    if (s.pending.explain !== null) s.client.send({ type: 'interrupt', target: s.pending.explain });
    const id = s.client.send({ type: 'explain', target, item: item.id, whatIf: s.whatIf, maxTokens: PAPER_PROTOCOL.explanation.maxLength, noRepeatNgram: s.explainNoRepeat ? 2 : 0 });
    set({
      explanation: { requestId: id, item, text: '', streaming: true, stopped: false, reference: null, tokens: 0 },
      pending: { ...s.pending, explain: id },
    });
  },

  setExplainNoRepeat(on) {
    set({ explainNoRepeat: on });
  },

  stopExplain() {
    const s = get();
    if (s.client && s.pending.explain !== null) s.client.send({ type: 'interrupt', target: s.pending.explain });
    // The text freezes at once; tokens the worker produced before it saw the interrupt are dropped.
    if (s.explanation?.streaming) set({ explanation: { ...s.explanation, streaming: false, stopped: true } });
  },
});

// What-if slice: the settings that change the collaborative prompt (masked neighbours, n,
// individual-only) and the output options. Every change recomputes live; each what-if change is
// logged in words so the outputs can say, one line per change, what it did to the top-10.
import { defaultWhatIf } from '../../runtime/protocol.ts';
import type { AppState, Slice, WhatIfSlice } from './types.ts';

/** A neighbour's dataset id and its share of the head-average attention in the view shown. */
function neighbourWords(s: AppState, index: number): { id: string; share: number | null } {
  const view = s.current;
  const id = s.datasetIds[index] ?? view?.user.neighbours.find((n) => n.index === index)?.datasetId ?? `#${index}`;
  const j = view?.attention?.neighbours.indexOf(index) ?? -1;
  const share = j >= 0 ? view!.attention!.mean[j]! : null;
  return { id, share };
}

export const whatIfSlice: Slice<WhatIfSlice> = (set, get) => {
  const logChange = (text: string) => {
    const s = get();
    const before = s.current ? s.current.sequential.map((r) => r.item) : null;
    // The last few are plenty to read; older ones scroll out.
    set({ whatIfLog: [...s.whatIfLog.slice(-5), { text, before, summary: null }], constrainedNote: null });
  };
  return {
    // n = 0 until a pack says its default (or the URL sets one).
    whatIf: defaultWhatIf(0),
    whatIfLog: [],
    nNote: null,
    constrainedNote: null,
    constrained: true,
    evaluation: false,
    priors: true,
    skipHistory: false,
    task: 'sequential',

    toggleMask(index) {
      const w = get().whatIf;
      const masking = !w.masked.includes(index);
      const { id, share } = neighbourWords(get(), index);
      const masked = masking ? [...w.masked, index].sort((a, b) => a - b) : w.masked.filter((m) => m !== index);
      logChange(masking ? `masked ${id}${share !== null ? ` (${Math.round(share * 100)}% of attention)` : ''}` : `unmasked ${id}`);
      set({ whatIf: { ...w, masked } });
      get().recompute();
    },
    setN(n) {
      const max = get().summary?.nMax ?? n;
      const asked = Math.round(n);
      const clamped = Math.max(1, Math.min(max, asked));
      const w = get().whatIf;
      set({ nNote: Number.isFinite(asked) && asked !== clamped ? { asked, used: clamped } : null });
      if (clamped === w.n) return;
      logChange(`n ${w.n} → ${clamped}${asked !== clamped && Number.isFinite(asked) ? ` (asked ${asked}, clamped)` : ''}`);
      set({ whatIf: { ...w, n: clamped } });
      get().recompute();
    },
    setIndividualOnly(on) {
      logChange(on ? 'individual-only on (no neighbours, no collaborative prompt)' : 'individual-only off');
      set({ whatIf: { ...get().whatIf, individualOnly: on } });
      get().recompute();
    },
    resetWhatIf() {
      set({ whatIf: defaultWhatIf(get().summary?.nDefault ?? get().whatIf.n), whatIfLog: [], nNote: null });
      get().recompute();
    },
    setConstrained(on) {
      const cur = get().current;
      const before = cur && cur.constrained !== on ? cur.sequential.map((r) => ({ id: r.item.id, score: r.score })) : null;
      set({ constrained: on, baseline: null, constrainedNote: { on, before, text: null } });
      get().recompute();
    },
    setEvaluation(on) {
      set({ evaluation: on, baseline: null, constrainedNote: null });
      get().recompute();
    },
    setPriors(on) {
      if (on === get().priors) return;
      set({ priors: on, baseline: null, constrainedNote: null });
      get().recompute();
    },
    setSkipHistory(on) {
      if (on === get().skipHistory) return;
      set({ skipHistory: on, baseline: null, constrainedNote: null });
      get().recompute();
    },
    setTask(task) {
      set({ task });
    },
  };
};

// What-if slice: the settings that change the collaborative prompt (masked neighbours, n,
// individual-only) and the output options. Every change recomputes live.
import type { Slice, WhatIfSlice } from './types.ts';

export const whatIfSlice: Slice<WhatIfSlice> = (set, get) => ({
  whatIf: { masked: [], n: 0, individualOnly: false },
  constrained: true,
  evaluation: false,
  priors: true,
  task: 'sequential',

  toggleMask(index) {
    const w = get().whatIf;
    const masked = w.masked.includes(index) ? w.masked.filter((m) => m !== index) : [...w.masked, index].sort((a, b) => a - b);
    set({ whatIf: { ...w, masked } });
    get().recompute();
  },
  setN(n) {
    const max = get().summary?.nMax ?? n;
    const clamped = Math.max(1, Math.min(max, Math.round(n)));
    const w = get().whatIf;
    if (clamped === w.n) return;
    set({ whatIf: { ...w, n: clamped } });
    get().recompute();
  },
  setIndividualOnly(on) {
    set({ whatIf: { ...get().whatIf, individualOnly: on } });
    get().recompute();
  },
  resetWhatIf() {
    set({ whatIf: { masked: [], n: get().summary?.nDefault ?? get().whatIf.n, individualOnly: false } });
    get().recompute();
  },
  setConstrained(on) {
    set({ constrained: on, baseline: null });
    get().recompute();
  },
  setEvaluation(on) {
    set({ evaluation: on, baseline: null });
    get().recompute();
  },
  setPriors(on) {
    if (on === get().priors) return;
    set({ priors: on, baseline: null });
    get().recompute();
  },
  setTask(task) {
    set({ task });
  },
});

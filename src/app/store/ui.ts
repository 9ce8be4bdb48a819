// UI slice: which main panel is open and where the guided tour is.
import type { Slice, UiSlice } from './types.ts';

export const TOUR_STEPS = 6;

export const uiSlice: Slice<UiSlice> = (set) => ({
  panel: 'explore',
  tourStep: null,
  setPanel(panel) {
    set({ panel });
  },
  startTour() {
    set({ tourStep: 0, panel: 'explore' });
  },
  tourTo(step) {
    set({ tourStep: step === null || step < 0 || step >= TOUR_STEPS ? null : step });
  },
});

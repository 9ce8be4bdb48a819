// A short guided tour for a classroom: CF embedding -> neighbours -> attention -> prompt -> T5 ->
// outputs. Each step outlines the live panel it talks about (found by its data-tour attribute).
import { useLayoutEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { decidingSentence, priorsSentence } from '../lib/score-parts.ts';
import { useApp } from '../store/index.ts';
import { TOUR_STEPS } from '../store/ui.ts';

const HISTORY_T5 = 'T5’s encoder reads [task ; collaborative ; “user_…”]; for next-item its decoder reads the history, item by item, and writes the item that comes next (top-n and explanations read their items in the encoder).';

const STEPS: { anchor: string; title: string; text: string }[] = [
  { anchor: 'cf', title: '1. The user as a CF embedding', text: 'A matrix-factorisation model trained on everyone’s histories gives this user a vector. The history here is what it was learned from.' },
  { anchor: 'neighbours', title: '2. Similar users', text: 'The n users whose vectors have the highest cosine similarity. Untick one to mask it, or change n.' },
  { anchor: 'attention', title: '3. Attention over neighbours', text: 'Each head turns the user’s vector into a query and weighs the neighbours; every row sums to 1. Pick a head to see its bars.' },
  { anchor: 'prompt', title: '4. The soft prompt', text: 'The weighted neighbours become l collaborative vectors, placed after the task’s own learned vectors.' },
  { anchor: 't5', title: '5. Into T5', text: 'T5 reads [task ; collaborative ; “user_… item_…” tokens] and writes an answer token by token.' },
  { anchor: 'outputs', title: '6. What it writes', text: 'Beam search gives the top-10 next items; top-n ranks 100 candidates; explanations stream word by word.' },
];

/** The outputs step's live part: the pack's priors in one sentence and which part decided the current top item. */
function OutputsSources() {
  const { priors, on, view, task } = useApp(useShallow((s) => ({ priors: s.summary?.priors ?? null, on: s.priors, view: s.current, task: s.task })));
  const rows = view ? (task === 'topn' && view.topn ? view.topn.ranked : view.sequential) : [];
  const hasPriors = Boolean(priors && (priors.cf || priors.seq));
  const decided = decidingSentence(rows);
  return (
    <>
      {hasPriors && (
        <p data-testid="tour-priors">
          {priorsSentence(priors)} {on ? 'The switch by the Outputs heading turns them off (T5 only).' : 'They are switched off now: the scores are the T5’s alone.'}
        </p>
      )}
      {decided && <p data-testid="tour-decider">{decided}</p>}
    </>
  );
}

export function Tour() {
  const step = useApp((s) => s.tourStep);
  const tourTo = useApp((s) => s.tourTo);
  const form = useApp((s) => s.summary?.sequentialForm ?? 'bare');
  const box = useRef<HTMLElement | null>(null);
  const open = step !== null;
  // Focus goes back where it was (the Guided tour button, usually) when the tour closes.
  useLayoutEffect(() => {
    if (!open) return;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    box.current?.querySelector<HTMLElement>('[data-testid="tour-next"]')?.focus();
    return () => {
      if (before && before.isConnected) before.focus();
    };
  }, [open]);
  // The box is docked at the bottom of the window and the page keeps its height free (padding,
  // scroll padding, shorter columns), so the panel it points at is scrolled into the rest and the box
  // never covers it.
  useLayoutEffect(() => {
    if (!open || !box.current) return;
    const root = document.documentElement;
    let last = -1;
    const measure = () => {
      const h = Math.ceil(box.current?.getBoundingClientRect().height ?? 0);
      if (h === last) return;
      last = h;
      root.style.setProperty('--tour-h', `${h}px`);
      // A taller box (the outputs step's live sentences) leaves less room: bring the panel back above it.
      document.querySelector<HTMLElement>('.tour-focus')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    };
    measure();
    root.classList.add('touring');
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(measure) : null;
    ro?.observe(box.current);
    return () => {
      ro?.disconnect();
      root.classList.remove('touring');
      root.style.removeProperty('--tour-h');
    };
  }, [open]);
  useLayoutEffect(() => {
    if (step === null) return;
    const el = document.querySelector<HTMLElement>(`[data-tour="${STEPS[step]!.anchor}"]`);
    el?.classList.add('tour-focus');
    el?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') tourTo(null);
      if (e.key === 'ArrowRight') tourTo(step + 1);
      if (e.key === 'ArrowLeft' && step > 0) tourTo(step - 1);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      el?.classList.remove('tour-focus');
      window.removeEventListener('keydown', onKey);
    };
  }, [step, tourTo]);
  if (step === null) return null;
  const s = STEPS[step]!.anchor === 't5' && form === 'history' ? { ...STEPS[step]!, text: HISTORY_T5 } : STEPS[step]!;
  return (
    <aside className="tour" role="dialog" aria-modal="false" aria-labelledby="tour-title" data-testid="tour" data-step={step} ref={box}>
      <div className="tour-inner">
        <div>
          <h2 id="tour-title">{s.title}</h2>
          <p>{s.text}</p>
          {s.anchor === 'outputs' && <OutputsSources />}
        </div>
        <div>
          <div className="row">
            <button onClick={() => tourTo(step - 1)} disabled={step === 0}>
              Back
            </button>
            <button data-testid="tour-next" onClick={() => tourTo(step + 1)}>
              {step === TOUR_STEPS - 1 ? 'Finish' : 'Next'}
            </button>
            <button data-testid="tour-close" onClick={() => tourTo(null)}>
              Close
            </button>
          </div>
          <p className="small muted">
            Step {step + 1} of {TOUR_STEPS} · arrow keys move, Esc closes
          </p>
        </div>
      </div>
    </aside>
  );
}

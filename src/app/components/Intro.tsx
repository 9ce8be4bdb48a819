// The page's first sentence (what this is, where to start) and, on a first visit, a hint to start the
// guided tour. The hint goes away for good once dismissed or once the tour is started (remembered in
// localStorage; without storage it simply shows again next time).
import { useState } from 'react';
import { useApp } from '../store/index.ts';

export const TOUR_HINT_KEY = 'peapod-web:tour-hint-dismissed';

function hintDismissed(): boolean {
  try {
    return localStorage.getItem(TOUR_HINT_KEY) === '1';
  } catch {
    return false;
  }
}

function rememberDismissed(): void {
  try {
    localStorage.setItem(TOUR_HINT_KEY, '1');
  } catch {
    // Storage blocked: the hint shows again on the next visit, nothing else breaks.
  }
}

export function Intro() {
  const [hint, setHint] = useState(() => !hintDismissed());
  const startTour = useApp((s) => s.startTour);
  const dismiss = () => {
    rememberDismissed();
    setHint(false);
  };
  return (
    <div className="intro" data-testid="intro">
      <p className="intro-line">
        See how a T5 recommender personalises: pick a user, and follow left to right the similar users it attends to, the prompt it builds and what it recommends.
      </p>
      {hint && (
        <p className="tour-hint" role="note" data-testid="tour-hint">
          First time here?{' '}
          <button
            type="button"
            data-testid="tour-hint-start"
            onClick={() => {
              dismiss();
              startTour();
            }}
          >
            Start the guided tour
          </button>{' '}
          <button type="button" className="link" data-testid="tour-hint-dismiss" onClick={dismiss} title="Dismiss the tour hint for good">
            No thanks
          </button>
        </p>
      )}
    </div>
  );
}

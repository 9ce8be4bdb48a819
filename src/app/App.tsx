// The app shell: header, loading status, errors, and the panel in view. The explore panel lays the
// five columns out left to right in the order the data flows (user and history, similar users,
// attention over them, the composed prompt, the outputs). While the model loads, the
// precomputed example fills the columns.
import type { MouseEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { InferResult } from '../runtime/protocol.ts';
import { AttentionColumn } from './components/AttentionColumn.tsx';
import { ColdStartPanel } from './components/ColdStartPanel.tsx';
import { EvaluatePanel } from './components/EvaluatePanel.tsx';
import { Header } from './components/Header.tsx';
import { Intro } from './components/Intro.tsx';
import { ErrorBanner, LoadStatus } from './components/LoadStatus.tsx';
import { NeighboursColumn } from './components/NeighboursColumn.tsx';
import { OutputsColumn } from './components/OutputsColumn.tsx';
import { PackCard } from './components/PackCard.tsx';
import { PromptColumn } from './components/PromptColumn.tsx';
import { Tour } from './components/Tour.tsx';
import { UserColumn } from './components/UserColumn.tsx';
import { useApp } from './store/index.ts';

/**
 * The precomputed example says which settings it was computed with (example.json is written at
 * export time in the evaluation view), and the columns show it with those settings; the live result
 * that replaces it follows the page's own settings, so the two may differ.
 */
function ExampleBadge({ view }: { view: InferResult }) {
  const settings = [
    view.evaluation ? 'evaluation view on (held-out test item hidden)' : 'evaluation view off',
    view.constrained ? 'constrained decoding' : 'unconstrained decoding',
    `n = ${view.whatIf.n}`,
    view.priors === false ? 'T5 only' : 'T5 + priors',
  ];
  return (
    <p className="example-badge" data-testid="example-badge" data-evaluation={view.evaluation}>
      <strong>Precomputed example</strong> (user {view.user.label}), computed with: <span data-testid="example-settings">{settings.join(', ')}</span>. The
      live result replaces it when the model is ready and uses this page’s settings{view.evaluation ? ' (evaluation view off unless you tick it)' : ''}, so its
      list can differ.
    </p>
  );
}

function Explore() {
  const { current, example, phase } = useApp(useShallow((s) => ({ current: s.current, example: s.example, phase: s.phase })));
  const view = current ?? (phase !== 'ready' ? (example?.result ?? null) : null);
  const isExample = current === null && view !== null;
  return (
    <main className="explore" data-testid="explore" data-example={isExample} aria-label="One recommendation, left to right">
      {isExample && <ExampleBadge view={view} />}
      <UserColumn view={view} preview={isExample} />
      <NeighboursColumn view={view} />
      <AttentionColumn view={view} />
      <PromptColumn view={view} />
      <OutputsColumn view={view} preview={isExample} />
    </main>
  );
}

const SKIP_EXPLORE: { id: string; label: string }[] = [
  { id: 'col-user', label: 'User' },
  { id: 'col-neighbours', label: 'Similar users' },
  { id: 'col-attention', label: 'Attention' },
  { id: 'col-prompt', label: 'Soft prompt' },
  { id: 'col-outputs', label: 'Outputs' },
];

/** Skip links, shown when focused: straight to a panel of the explore view (or to the open panel). */
function SkipLinks({ explore }: { explore: boolean }) {
  const targets = explore ? SKIP_EXPLORE : [{ id: 'main-panel', label: 'the open panel' }];
  const go = (e: MouseEvent<HTMLAnchorElement>, id: string) => {
    // Focus the panel itself (no #hash in the shareable URL).
    e.preventDefault();
    const el = document.getElementById(id);
    el?.focus();
    el?.scrollIntoView({ block: 'nearest' });
  };
  return (
    <nav className="skip-links" aria-label="Skip links" data-testid="skip-links">
      {targets.map((t) => (
        <a key={t.id} href={`#${t.id}`} onClick={(e) => go(e, t.id)} data-testid={`skip-${t.id}`}>
          Skip to {t.label}
        </a>
      ))}
    </nav>
  );
}

export function App() {
  const panel = useApp((s) => s.panel);
  return (
    <div className="app">
      <SkipLinks explore={panel === 'explore'} />
      <Header />
      <Intro />
      <ErrorBanner />
      <LoadStatus />
      {panel === 'explore' && <Explore />}
      {panel === 'coldstart' && <ColdStartPanel />}
      {panel === 'evaluate' && <EvaluatePanel />}
      {panel === 'pack' && <PackCard />}
      <Tour />
    </div>
  );
}

// The app shell: header, loading status, errors, and the panel in view. The explore panel lays the
// five columns out left to right in the order the data flows (ux.md). While the model loads, the
// precomputed example fills the columns.
import { useShallow } from 'zustand/react/shallow';
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

function Explore() {
  const { current, example, phase } = useApp(useShallow((s) => ({ current: s.current, example: s.example, phase: s.phase })));
  const view = current ?? (phase !== 'ready' ? (example?.result ?? null) : null);
  const isExample = current === null && view !== null;
  return (
    <main className="explore" data-testid="explore" data-example={isExample} aria-label="One recommendation, left to right">
      {isExample && (
        <p className="example-badge" data-testid="example-badge">
          Precomputed example
        </p>
      )}
      <UserColumn view={view} />
      <NeighboursColumn view={view} />
      <AttentionColumn view={view} />
      <PromptColumn view={view} />
      <OutputsColumn view={view} />
    </main>
  );
}

export function App() {
  const panel = useApp((s) => s.panel);
  return (
    <div className="app">
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

// Column 1: the user and their history (newest last). In the evaluation view the held-out test item
// is hidden here and marked in the results instead. Items shared with the opened neighbour light up.
import { useShallow } from 'zustand/react/shallow';
import type { InferResult } from '../../runtime/protocol.ts';
import { useApp } from '../store/index.ts';

export function UserColumn({ view, preview = false }: { view: InferResult | null; preview?: boolean }) {
  const { evaluation: pageEvaluation, neighbourInfo, setEvaluation, ready, hovered } = useApp(
    useShallow((s) => ({ evaluation: s.evaluation, neighbourInfo: s.neighbourInfo, setEvaluation: s.setEvaluation, ready: s.phase === 'ready', hovered: s.hoveredNeighbour })),
  );
  if (!view) return <section className="col user-col" aria-label="User" id="col-user" tabIndex={-1} />;
  // The precomputed example is shown with the settings it was computed with.
  const evaluation = preview ? view.evaluation : pageEvaluation;
  const user = view.user;
  const hideTest = evaluation && user.testItem !== null;
  const history = hideTest ? user.history.slice(0, -1) : user.history;
  // A hovered neighbour wins over the opened one: hovering is the quick look.
  const hoveredNb = hovered !== null ? user.neighbours.find((n) => n.index === hovered) : undefined;
  const shared = new Set(hoveredNb ? hoveredNb.shared : (neighbourInfo?.history.map((i) => i.id) ?? []));
  return (
    <section className="col user-col" aria-labelledby="user-heading" data-tour="cf" id="col-user" tabIndex={-1}>
      <h2 id="user-heading">
        User <span data-testid="user-label">{user.label}</span>
      </h2>
      {user.index !== null && <p className="small muted" data-testid="user-index">index #{user.index}</p>}
      <label className="toggle">
        <input type="checkbox" data-testid="evaluation-toggle" checked={evaluation} disabled={!ready || user.testItem === null} onChange={(e) => setEvaluation(e.target.checked)} />
        Evaluation view (hide the held-out test item)
      </label>
      <h3>History ({history.length}, newest last)</h3>
      <ol className="history" data-testid="history">
        {history.map((it, i) => (
          <li key={`${it.id}-${i}`} className={shared.has(it.id) ? 'shared' : undefined} data-item={it.id}>
            <span className="item-name">{it.name || '(no name)'}</span> <span className="id">item {it.id}</span>
            {shared.has(it.id) && <span className="badge" aria-label="also in the neighbour's history">shared</span>}
          </li>
        ))}
      </ol>
      {hideTest && <p className="small muted" data-testid="test-hidden">The last item (test) is hidden; it is marked ● in the results.</p>}
    </section>
  );
}

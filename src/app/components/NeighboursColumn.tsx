// Column 2: the most similar users with their cosine similarity, plus the what-if controls (mask,
// n, individual-only). Clicking a neighbour opens their history and the items they share.
import { useShallow } from 'zustand/react/shallow';
import type { InferResult } from '../../runtime/protocol.ts';
import { useApp } from '../store/index.ts';

export function NeighboursColumn({ view }: { view: InferResult | null }) {
  const s = useApp(
    useShallow((st) => ({
      whatIf: st.whatIf,
      nMax: st.summary?.nMax ?? 0,
      ready: st.phase === 'ready',
      hovered: st.hoveredNeighbour,
      selected: st.selectedNeighbour,
      neighbourInfo: st.neighbourInfo,
      busy: st.busy,
      nNote: st.nNote,
    })),
  );
  const { toggleMask, setN, setIndividualOnly, resetWhatIf, hoverNeighbour, openNeighbour } = useApp.getState();
  if (!view) return <section className="col" aria-label="Similar users" id="col-neighbours" tabIndex={-1} />;
  const n = view.whatIf.n;
  const list = view.user.neighbours.slice(0, n);
  const historyIds = new Set(view.user.history.map((i) => i.id));
  const sharedItems = s.neighbourInfo?.history.filter((i) => historyIds.has(i.id)) ?? [];
  return (
    <section className="col neighbours-col" aria-labelledby="neigh-heading" data-tour="neighbours" id="col-neighbours" tabIndex={-1}>
      <h2 id="neigh-heading">Similar users</h2>
      <div className="controls">
        <label>
          n{' '}
          <input
            type="number"
            data-testid="n-input"
            min={1}
            max={s.nMax || undefined}
            value={s.whatIf.n || n}
            disabled={!s.ready}
            onChange={(e) => {
              // An emptied field is someone typing a new number, not a request for n = 0.
              if (e.target.value.trim() !== '') setN(Number(e.target.value));
            }}
            aria-label="Number of neighbours n"
          />
        </label>
        <label className="toggle">
          <input type="checkbox" data-testid="individual-only" checked={s.whatIf.individualOnly} disabled={!s.ready} onChange={(e) => setIndividualOnly(e.target.checked)} />
          individual-only
        </label>
        <button data-testid="reset-whatif" disabled={!s.ready} onClick={resetWhatIf}>
          Reset
        </button>
        {s.busy && <span className="spinner" aria-label="recomputing" data-testid="busy">recomputing…</span>}
      </div>
      {s.nNote && (
        <p className="small note" role="status" data-testid="n-clamped">
          You asked for n = {s.nNote.asked}; this pack stores the {s.nMax} most similar users of each user, so n runs from 1 to {s.nMax} and {s.nNote.used} is used.
        </p>
      )}
      <table className="neighbours" data-testid="neighbours">
        <thead>
          <tr>
            <th scope="col">user</th>
            <th scope="col">cosine</th>
            <th scope="col">use</th>
          </tr>
        </thead>
        <tbody>
          {list.map((nb) => {
            const masked = s.whatIf.masked.includes(nb.index) || view.whatIf.individualOnly;
            return (
              <tr
                key={nb.index}
                className={[nb.index === s.hovered ? 'hovered' : '', masked ? 'masked' : '', nb.index === s.selected ? 'selected' : ''].join(' ')}
                onMouseEnter={() => hoverNeighbour(nb.index)}
                onMouseLeave={() => hoverNeighbour(null)}
                data-testid="neighbour-row"
                data-index={nb.index}
              >
                <td>
                  <button className="link" onClick={() => openNeighbour(nb.index === s.selected ? null : nb.index)} onFocus={() => hoverNeighbour(nb.index)} aria-label={`Show user ${nb.datasetId}'s history`}>
                    {nb.datasetId}
                  </button>
                </td>
                <td title={nb.similarity.toFixed(6)}>{nb.similarity.toFixed(3)}</td>
                <td>
                  <input
                    type="checkbox"
                    data-testid="mask-toggle"
                    checked={!s.whatIf.masked.includes(nb.index)}
                    disabled={!s.ready || s.whatIf.individualOnly}
                    onChange={() => toggleMask(nb.index)}
                    aria-label={`Attend to user ${nb.datasetId}`}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {s.selected !== null && (
        <div className="neighbour-detail" data-testid="neighbour-detail">
          <h3>
            User {s.neighbourInfo?.label ?? '…'}{' '}
            <button className="link" onClick={() => openNeighbour(null)} aria-label="Close the neighbour's history">
              close
            </button>
          </h3>
          {s.neighbourInfo && (
            <>
              <p className="small" data-testid="shared-count" data-count={sharedItems.length}>
                {sharedItems.length} item{sharedItems.length === 1 ? '' : 's'} shared with this user{sharedItems.length ? ':' : '.'}
              </p>
              {sharedItems.length === 0 && (
                <p className="small muted" data-testid="no-shared-why">
                  That is normal: similarity is measured between CF (PMF) vectors, not item lists. Matrix factorisation places two users close when they bought items that
                  the same other people bought, so the closest neighbours often share no item at all.
                </p>
              )}
              <ul className="shared-list" data-testid="shared-items">
                {sharedItems.map((i) => (
                  <li key={i.id}>
                    {i.name} <span className="id">item {i.id}</span>
                  </li>
                ))}
              </ul>
              <details>
                <summary>Their history ({s.neighbourInfo.history.length})</summary>
                <ol className="history small">
                  {s.neighbourInfo.history.map((i, k) => (
                    <li key={`${i.id}-${k}`}>
                      {i.name} <span className="id">item {i.id}</span>
                    </li>
                  ))}
                </ol>
              </details>
            </>
          )}
        </div>
      )}
    </section>
  );
}

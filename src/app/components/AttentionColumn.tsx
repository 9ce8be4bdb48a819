// Column 3: attention of the user over their neighbours, one row per head plus the head-average,
// as a heatmap (viridis, legend) and, for a picked head, as bars. Exact weights are in the tooltip
// and the accessible label of every cell.
import { useShallow } from 'zustand/react/shallow';
import type { InferResult } from '../../runtime/protocol.ts';
import { inkOn, scaleCss } from '../lib/palette.ts';
import { useApp } from '../store/index.ts';
import { Legend } from './Legend.tsx';
import { attentionSpread } from '../lib/attention-spread.ts';

export function AttentionColumn({ view }: { view: InferResult | null }) {
  const { hovered, selectedHead } = useApp(useShallow((s) => ({ hovered: s.hoveredNeighbour, selectedHead: s.selectedHead })));
  const { hoverNeighbour, selectHead } = useApp.getState();
  const att = view?.attention ?? null;
  if (!view || !att) {
    return (
      <section className="col attention-col" aria-labelledby="att-heading" data-tour="attention">
        <h2 id="att-heading">Attention</h2>
        <p className="muted" data-testid="no-attention">
          {view?.whatIf.individualOnly
            ? 'Individual-only: no neighbours are attended and there is no collaborative prompt at all (its strip is empty). T5 reads only the task prompt and the text (the user’s id and history items); the collaborative prior is left out too.'
            : 'No attention to show.'}
        </p>
      </section>
    );
  }
  const labels = new Map(view.user.neighbours.map((n) => [n.index, n.datasetId]));
  const maxW = Math.max(1e-9, ...att.weights.flat(), ...att.mean);
  const rows: { name: string; key: string; w: number[] }[] = [
    ...att.weights.map((w, h) => ({ name: `h${h + 1}`, key: `h${h}`, w })),
    { name: 'mean', key: 'mean', w: att.mean },
  ];
  const barHead = selectedHead ?? -1;
  const bars = barHead >= 0 && barHead < att.weights.length ? att.weights[barHead]! : att.mean;
  const spread = attentionSpread(att.mean);
  return (
    <section className="col attention-col" aria-labelledby="att-heading" data-tour="attention">
      <h2 id="att-heading">Attention (heads × neighbours)</h2>
      <table className="heatmap" data-testid="heatmap" aria-label="Attention weights per head over the neighbours">
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">head</span>
            </th>
            {att.neighbours.map((u, j) => (
              <th key={u} scope="col" className={u === hovered ? 'hovered' : undefined} title={`user ${labels.get(u) ?? u}`}>
                {j === 0 || (j + 1) % 5 === 0 ? j + 1 : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-testid={r.key === 'mean' ? 'heatmap-mean' : 'heatmap-row'} className={r.key === 'mean' ? 'mean-row' : undefined}>
              <th scope="row">
                <button className="link" aria-pressed={r.key === `h${barHead}`} onClick={() => selectHead(r.key === 'mean' ? null : Number(r.key.slice(1)))}>
                  {r.name}
                </button>
              </th>
              {r.w.map((w, j) => {
                const u = att.neighbours[j]!;
                const t = w / maxW;
                const masked = view.whatIf.masked.includes(u);
                return (
                  <td
                    key={u}
                    tabIndex={0}
                    data-weight={w}
                    className={[u === hovered ? 'hovered' : '', masked ? 'masked' : ''].join(' ')}
                    style={{ background: masked ? undefined : scaleCss(t), color: inkOn(t) }}
                    title={`${r.name}, user ${labels.get(u) ?? u}: ${w.toFixed(4)}${masked ? ' (masked)' : ''}`}
                    aria-label={`${r.name}, user ${labels.get(u) ?? u}: weight ${w.toFixed(4)}${masked ? ', masked' : ''}`}
                    onMouseEnter={() => hoverNeighbour(u)}
                    onMouseLeave={() => hoverNeighbour(null)}
                    onFocus={() => hoverNeighbour(u)}
                  />
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <Legend min={0} max={maxW} label="attention weight" />
      {spread && (
        <p className="small" data-testid="attention-spread">
          Head average: weights from {spread.minOverUniform.toFixed(2)}× to {spread.maxOverUniform.toFixed(2)}× the uniform 1/{spread.active}; entropy{' '}
          {(100 * spread.normalisedEntropy).toFixed(1)}% of uniform.
          {spread.nearlyUniform && (
            <span data-testid="attention-uniform">
              {' '}
              Nearly uniform: this pack's composer weighs these neighbours almost equally (colours are scaled to the largest weight, so small
              differences look large), and masking one mostly removes its 1/{spread.active} share.
            </span>
          )}
        </p>
      )}
      <h3>
        {barHead >= 0 ? `Head ${barHead + 1}` : 'Head average'} <span className="small muted">(pick a head in the heatmap)</span>
      </h3>
      <ul className="bars" data-testid="head-bars">
        {bars.map((w, j) => {
          const u = att.neighbours[j]!;
          return (
            <li key={u} className={u === hovered ? 'hovered' : undefined} onMouseEnter={() => hoverNeighbour(u)} onMouseLeave={() => hoverNeighbour(null)}>
              <span className="bar-label">{labels.get(u) ?? u}</span>
              <span className="bar" style={{ width: `${(100 * w) / maxW}%`, background: scaleCss(w / maxW) }} />
              <span className="bar-value">{w.toFixed(3)}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

// Column 3: attention of the user over their neighbours, one row per head plus the head-average,
// as a heatmap (viridis, legend) and, for a picked head, as bars. Exact weights are in the tooltip
// and the accessible label of every cell. The heatmap is one tab stop (ARIA grid pattern): arrow
// keys move between cells and row headers, Home / End jump along a row, Enter picks the row's head.
import { useState, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { InferResult } from '../../runtime/protocol.ts';
import { inkOn, scaleCss } from '../lib/palette.ts';
import { useApp } from '../store/index.ts';
import { Legend } from './Legend.tsx';
import { attentionSpread } from '../lib/attention-spread.ts';

export function AttentionColumn({ view }: { view: InferResult | null }) {
  // The grid's one focusable position: row (heads, then the mean) and column (0 = row header).
  const [active, setActive] = useState<{ r: number; c: number }>({ r: 0, c: 1 });
  const { hovered, selectedHead } = useApp(useShallow((s) => ({ hovered: s.hoveredNeighbour, selectedHead: s.selectedHead })));
  const { hoverNeighbour, selectHead } = useApp.getState();
  const att = view?.attention ?? null;
  if (!view || !att) {
    return (
      <section className="col attention-col" aria-labelledby="att-heading" data-tour="attention" id="col-attention" tabIndex={-1}>
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
  const cols = att.neighbours.length;
  const at = { r: Math.min(active.r, rows.length - 1), c: Math.min(active.c, cols) };
  const pickRow = (r: number) => selectHead(rows[r]!.key === 'mean' ? null : Number(rows[r]!.key.slice(1)));
  const onGridKey = (e: KeyboardEvent<HTMLTableElement>) => {
    let { r, c } = at;
    switch (e.key) {
      case 'ArrowRight': c = Math.min(cols, c + 1); break;
      case 'ArrowLeft': c = Math.max(0, c - 1); break;
      case 'ArrowDown': r = Math.min(rows.length - 1, r + 1); break;
      case 'ArrowUp': r = Math.max(0, r - 1); break;
      case 'Home': c = e.ctrlKey ? 1 : 0; if (e.ctrlKey) r = 0; break;
      case 'End': c = cols; if (e.ctrlKey) r = rows.length - 1; break;
      case 'Enter':
      case ' ':
        if (c > 0) {
          e.preventDefault();
          pickRow(r);
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    setActive({ r, c });
    e.currentTarget.querySelector<HTMLElement>(`[data-cell="${r}-${c}"]`)?.focus();
  };
  return (
    <section className="col attention-col" aria-labelledby="att-heading" data-tour="attention" id="col-attention" tabIndex={-1}>
      <h2 id="att-heading">Attention (heads × neighbours)</h2>
      <table
        className="heatmap"
        role="grid"
        data-testid="heatmap"
        aria-label="Attention weights per head over the neighbours; arrow keys move between cells, Enter picks a head"
        onKeyDown={onGridKey}
      >
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
          {rows.map((r, ri) => (
            <tr key={r.key} data-testid={r.key === 'mean' ? 'heatmap-mean' : 'heatmap-row'} className={r.key === 'mean' ? 'mean-row' : undefined}>
              <th scope="row">
                <button
                  className="link"
                  data-cell={`${ri}-0`}
                  tabIndex={at.r === ri && at.c === 0 ? 0 : -1}
                  aria-pressed={r.key === `h${barHead}`}
                  aria-label={r.key === 'mean' ? 'mean: head average, show its bars' : `${r.name}: head ${r.name.slice(1)}, show its bars`}
                  onFocus={() => setActive({ r: ri, c: 0 })}
                  onClick={() => pickRow(ri)}
                >
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
                    role="gridcell"
                    data-cell={`${ri}-${j + 1}`}
                    tabIndex={at.r === ri && at.c === j + 1 ? 0 : -1}
                    data-weight={w}
                    className={[u === hovered ? 'hovered' : '', masked ? 'masked' : ''].join(' ')}
                    style={{ background: masked ? undefined : scaleCss(t), color: inkOn(t) }}
                    title={`${r.name}, user ${labels.get(u) ?? u}: ${w.toFixed(4)}${masked ? ' (masked)' : ''}`}
                    aria-label={`${r.key === 'mean' ? 'head average' : `head ${r.name.slice(1)}`}, neighbour ${j + 1}, user ${labels.get(u) ?? u}: weight ${w.toFixed(4)}${masked ? ', masked' : ''}`}
                    onMouseEnter={() => hoverNeighbour(u)}
                    onMouseLeave={() => hoverNeighbour(null)}
                    onFocus={() => {
                      setActive({ r: ri, c: j + 1 });
                      hoverNeighbour(u);
                    }}
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

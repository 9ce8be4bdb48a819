// Pack card: the manifest's model, training, dataset and metrics as tables (model size beside
// T5-small's, training time, samples/s, metrics at 4 digits), the training curves drawn from
// training-log.jsonl as an inline SVG (loss per task and validation loss against step, with axis
// titles), and the raw manifest fields behind a toggle.
import { CacheControl } from './CacheControl.tsx';
import { useShallow } from 'zustand/react/shallow';
import type { TrainingLogRow } from '../../runtime/protocol.ts';
import { scaleCss } from '../lib/palette.ts';
import { priorsSentence } from '../lib/score-parts.ts';
import { datasetRows, metricsTable, modelRows, trainingRows, type FactRow } from '../lib/pack-facts.ts';
import { useApp } from '../store/index.ts';

function Curves({ log }: { log: TrainingLogRow[] }) {
  const series = new Map<string, { x: number; y: number }[]>();
  for (const r of log) {
    if (typeof r.loss === 'number' && Number.isFinite(r.loss)) {
      const k = `train ${r.task ?? 'all'}`;
      if (!series.has(k)) series.set(k, []);
      series.get(k)!.push({ x: r.step, y: r.loss });
    }
    if (typeof r.valLoss === 'number' && Number.isFinite(r.valLoss)) {
      if (!series.has('validation')) series.set('validation', []);
      series.get('validation')!.push({ x: r.step, y: r.valLoss });
    }
  }
  if (series.size === 0) return <p className="muted">No training log in this pack.</p>;
  const pts = [...series.values()].flat();
  const x0 = Math.min(...pts.map((p) => p.x));
  const x1 = Math.max(x0 + 1, ...pts.map((p) => p.x));
  const y0 = Math.min(...pts.map((p) => p.y));
  const y1 = Math.max(y0 + 1e-6, ...pts.map((p) => p.y));
  const W = 560;
  const H = 230;
  const P = 36;
  const L = 52; // left margin: tick values and the rotated axis title
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - P);
  const sy = (y: number) => H - P + -((y - y0) / (y1 - y0)) * (H - 2 * P);
  const names = [...series.keys()];
  return (
    <figure>
      <svg width={W} height={H} role="img" aria-label={`Training curves: ${names.join(', ')}; loss from ${y0.toFixed(3)} to ${y1.toFixed(3)} over steps ${x0}–${x1}`} data-testid="training-curves">
        <line x1={L} y1={H - P} x2={W - P} y2={H - P} stroke="#888" />
        <line x1={L} y1={P} x2={L} y2={H - P} stroke="#888" />
        <text x={L} y={H - P + 14} fontSize="11">
          {x0}
        </text>
        <text x={W - P} y={H - P + 14} fontSize="11" textAnchor="end">
          {x1}
        </text>
        <text x={(L + W - P) / 2} y={H - 4} fontSize="12" textAnchor="middle" data-testid="curves-x-title">
          training step
        </text>
        <text x={L - 4} y={P + 4} fontSize="11" textAnchor="end">
          {y1.toFixed(2)}
        </text>
        <text x={L - 4} y={H - P} fontSize="11" textAnchor="end">
          {y0.toFixed(2)}
        </text>
        <text transform={`translate(12 ${H / 2}) rotate(-90)`} fontSize="12" textAnchor="middle" data-testid="curves-y-title">
          loss (cross-entropy)
        </text>
        {names.map((name, i) => {
          const s = [...series.get(name)!].sort((a, b) => a.x - b.x);
          const colour = scaleCss(names.length === 1 ? 0.2 : (i / (names.length - 1)) * 0.85);
          return <polyline key={name} fill="none" stroke={colour} strokeWidth={name === 'validation' ? 2.5 : 1.5} strokeDasharray={name === 'validation' ? '5 3' : undefined} points={s.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')} />;
        })}
      </svg>
      <figcaption className="legend-list">
        {names.map((name, i) => (
          <span key={name}>
            <span className="swatch" style={{ background: scaleCss(names.length === 1 ? 0.2 : (i / (names.length - 1)) * 0.85) }} /> {name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function Json({ value }: { value: unknown }) {
  // Rendered as text (never HTML): manifest strings come from the pack.
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

/** The output priors a pack's config switches on (ours; see ComposerConfig.cfPrior / seqPrior), in words. */
function priors(m: Record<string, unknown>): string {
  const c = (m['config'] as { composer?: { cfPrior?: boolean; seqPrior?: boolean } } | undefined)?.composer;
  const parts: string[] = [];
  if (c?.cfPrior) parts.push('collaborative (user and attended neighbours, dot item CF factors)');
  if (c?.seqPrior) parts.push('item-to-item transitions from the history');
  return parts.join('; ');
}

function Facts({ caption, rows, testId }: { caption: string; rows: FactRow[]; testId: string }) {
  if (!rows.length) return null;
  return (
    <table className="facts-table" data-testid={testId}>
      <caption>{caption}</caption>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Whether the pack's items are named only by their Amazon ids (no product titles in the dataset). */
function bareAsins(names: readonly string[]): boolean {
  const named = names.filter((n) => n);
  return named.length > 0 && named.filter((n) => /^ASIN [A-Z0-9]{10}$/.test(n)).length > named.length / 2;
}

export function PackCard() {
  const { summary, backend } = useApp(useShallow((s) => ({ summary: s.summary, backend: s.backend })));
  if (!summary) return <main className="panel" data-testid="pack-card" id="main-panel" tabIndex={-1}><p>The pack card appears once the pack has loaded.</p></main>;
  const m = summary.manifest;
  const pick = (...keys: string[]) => Object.fromEntries(keys.filter((k) => k in m).map((k) => [k, m[k]]));
  const model = modelRows(m);
  const metrics = metricsTable(m);
  const command = (m['provenance'] as { command?: unknown } | undefined)?.command;
  return (
    <main className="panel pack-card" data-testid="pack-card" aria-labelledby="pc-heading" id="main-panel" tabIndex={-1}>
      <h2 id="pc-heading">Pack: {summary.name}</h2>
      <ul className="facts">
        <li>{summary.numUsers.toLocaleString()} users, {summary.numItems.toLocaleString()} items</li>
        <li>tasks: {summary.tasks.join(', ')}</li>
        <li>
          composer: n = {summary.nDefault} (max {summary.nMax}), {summary.heads} heads, prompt length {summary.promptLength}
        </li>
        {priors(m) && <li>output priors: {priors(m)}</li>}
        <li>running on {backend?.backend ?? '…'}</li>
      </ul>
      {priorsSentence(summary.priors) && (
        <p data-testid="pack-priors">
          {priorsSentence(summary.priors)} Every recommended item shows its score split into these parts, and the “T5 only” switch above the outputs leaves them out.
        </p>
      )}
      {bareAsins(summary.itemNames) && (
        <p className="note" data-testid="no-titles">
          Item titles are unavailable for this pack: its dataset (Amazon 2014 Musical Instruments 5-core reviews) names products only by their ASIN, so items show as
          “ASIN …”. The product titles are in Amazon’s separate metadata file, which this pack does not include.
        </p>
      )}
      <div className="cs-grid">
        <section>
          <h3>Training curves</h3>
          <Curves log={summary.trainingLog} />
          <h3>Metrics (recorded at export, test split)</h3>
          {metrics.rows.length ? (
            <div className="table-scroll" tabIndex={0} role="region" aria-label="Recorded metrics table">
            <table className="metrics" data-testid="pack-metrics">
              <thead>
                <tr>
                  <th scope="col">task</th>
                  <th scope="col">users</th>
                  {metrics.columns.map((c) => (
                    <th key={c} scope="col">
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {metrics.rows.map((r) => (
                  <tr key={r.task}>
                    <th scope="row">{r.task}</th>
                    <td>{r.users}</td>
                    {metrics.columns.map((c) => (
                      <td key={c}>{r.values[c] ?? '–'}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          ) : (
            <p className="muted">None recorded.</p>
          )}
          {metrics.note && <p className="small muted">{metrics.note}</p>}
        </section>
        <section>
          {model.length > 0 && (
            <table className="facts-table" data-testid="pack-model">
              <caption>Model</caption>
              <thead>
                <tr>
                  <th scope="col" />
                  <th scope="col">this pack</th>
                  <th scope="col">T5-small</th>
                </tr>
              </thead>
              <tbody>
                {model.map(([k, a, b]) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td>{a}</td>
                    <td>{b}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Facts caption="Training" rows={trainingRows(m)} testId="pack-training" />
          <Facts caption="Dataset" rows={datasetRows(m)} testId="pack-dataset" />
          {typeof command === 'string' && (
            <p className="small">
              Trained with: <code className="command">{command}</code>
            </p>
          )}
          <details>
            <summary>Raw manifest fields (config, provenance)</summary>
            <Json value={pick('config', 'idScheme', 'provenance', 'dataset', 'metrics', 'training')} />
          </details>
        </section>
      </div>
      <CacheControl />
    </main>
  );
}

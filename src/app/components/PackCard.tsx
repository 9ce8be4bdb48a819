// Pack card: the manifest's config, metrics and provenance, and the training curves drawn from
// training-log.jsonl as an inline SVG (loss per task and validation loss against step).
import { CacheControl } from './CacheControl.tsx';
import { useShallow } from 'zustand/react/shallow';
import type { TrainingLogRow } from '../../runtime/protocol.ts';
import { scaleCss } from '../lib/palette.ts';
import { priorsSentence } from '../lib/score-parts.ts';
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
  const H = 220;
  const P = 36;
  const sx = (x: number) => P + ((x - x0) / (x1 - x0)) * (W - 2 * P);
  const sy = (y: number) => H - P + -((y - y0) / (y1 - y0)) * (H - 2 * P);
  const names = [...series.keys()];
  return (
    <figure>
      <svg width={W} height={H} role="img" aria-label={`Training curves: ${names.join(', ')}; loss from ${y0.toFixed(3)} to ${y1.toFixed(3)} over steps ${x0}–${x1}`} data-testid="training-curves">
        <line x1={P} y1={H - P} x2={W - P} y2={H - P} stroke="#888" />
        <line x1={P} y1={P} x2={P} y2={H - P} stroke="#888" />
        <text x={P} y={H - 8} fontSize="11">
          step {x0}
        </text>
        <text x={W - P} y={H - 8} fontSize="11" textAnchor="end">
          {x1}
        </text>
        <text x={4} y={P} fontSize="11">
          {y1.toFixed(2)}
        </text>
        <text x={4} y={H - P} fontSize="11">
          {y0.toFixed(2)}
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

export function PackCard() {
  const { summary, backend } = useApp(useShallow((s) => ({ summary: s.summary, backend: s.backend })));
  if (!summary) return <main className="panel" data-testid="pack-card"><p>The pack card appears once the pack has loaded.</p></main>;
  const m = summary.manifest;
  const pick = (...keys: string[]) => Object.fromEntries(keys.filter((k) => k in m).map((k) => [k, m[k]]));
  return (
    <main className="panel pack-card" data-testid="pack-card" aria-labelledby="pc-heading">
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
      <div className="cs-grid">
        <section>
          <h3>Training curves</h3>
          <Curves log={summary.trainingLog} />
          <h3>Metrics (recorded at export)</h3>
          <Json value={m['metrics'] ?? 'none recorded'} />
        </section>
        <section>
          <h3>Config</h3>
          <Json value={pick('config', 'model', 'composer', 'training', 'idScheme', 'tokenizer') } />
          <h3>Provenance</h3>
          <Json value={pick('provenance', 'dataset', 'source', 'createdAt', 'created', 'git', 'commit', 'version', 'format')} />
        </section>
      </div>
      <CacheControl />
    </main>
  );
}

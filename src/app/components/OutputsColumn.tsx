// Column 5: what T5 writes. Next item (top-10, beam search, constrained toggle, change against the
// unmodified user), top-n (100 candidates ranked, held-out positive marked) and the explanation
// that streams token by token with a Stop button. Every ranked row shows where its score comes
// from (T5 / collaborative prior / sequence prior, a stacked bar) and the "T5 only / T5 + priors"
// switch sits by the header.
import { useShallow } from 'zustand/react/shallow';
import type { InferResult, ScoredItem, ScoreParts } from '../../runtime/protocol.ts';
import { describeChange, diffRanking, type RankChange } from '../lib/rank-diff.ts';
import { barScale, barSegments, describeParts, movedSummary, PART_COLOURS, PART_LABELS, PART_NAMES, type BarScale, type PartName } from '../lib/score-parts.ts';
import { useApp } from '../store/index.ts';
import { ExplanationPanel } from './ExplanationPanel.tsx';
import { GpuWorkLine } from './GpuWorkLine.tsx';
import type { ViewTask } from '../lib/url-state.ts';

const TABS: { id: ViewTask; label: string }[] = [
  { id: 'sequential', label: 'Next item' },
  { id: 'topn', label: 'Top-n' },
  { id: 'explanation', label: 'Explanation' },
];

function ChangeBadge({ c }: { c: RankChange }) {
  if (c.kind === 'same') return null;
  const text = c.kind === 'new' ? 'new' : c.kind === 'up' ? `▲${c.by}` : `▼${c.by}`;
  return (
    <span className={`change ${c.kind}`} data-testid="rank-change" data-kind={c.kind} aria-label={describeChange(c)} title={describeChange(c)}>
      {text}
    </span>
  );
}

/** The row's first-token logit as a diverging stacked bar on the list's shared scale; exact numbers on hover and focus. */
function ScoreBar({ parts, scale }: { parts: ScoreParts; scale: BarScale }) {
  const text = describeParts(parts);
  return (
    <span
      className="score-bar"
      data-testid="score-bar"
      data-t5={parts.t5}
      data-cf={parts.cf ?? ''}
      data-seq={parts.seq ?? ''}
      role="img"
      tabIndex={0}
      aria-label={text}
      title={text}
    >
      <span className="score-bar-zero" style={{ left: `${scale.zero * 100}%` }} />
      {barSegments(parts, scale).map((g) => (
        <span key={g.part} className={`score-bar-seg ${g.part}`} data-part={g.part} style={{ left: `${g.left * 100}%`, width: `${g.width * 100}%`, background: PART_COLOURS[g.part] }} />
      ))}
    </span>
  );
}

const SHORT: Record<PartName, string> = { t5: 'T5', cf: 'collab.', seq: 'seq.' };
const signed = (x: number) => (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(2);

function Ranked({ items, testItem, changes, testId }: { items: ScoredItem[]; testItem: number | null; changes: RankChange[] | null; testId: string }) {
  const scale = barScale(items.map((s) => s.parts));
  const hasBars = items.some((s) => s.parts);
  return (
    <>
    <div className="ranked-head small muted" data-testid={`${testId}-head`}>
      <span className="label">item</span>
      {hasBars && <span className="bar-head" title="the item’s first-token logit split into its parts (legend above)">logit parts</span>}
      <span className="score-head">
        <abbr title="log-probability of the item under the model (0: certain; more negative: less likely)">log-prob.</abbr>
      </span>
    </div>
    <ol className="ranked" data-testid={testId} aria-label="Ranked items with their log-probability">
      {items.map((s, i) => {
        const hit = testItem !== null && s.item.id === testItem;
        const d = s.parts?.delta;
        return (
          <li key={`${s.item.id}-${i}`} className={hit ? 'hit' : undefined} data-item={s.item.id} data-score={s.score}>
            <div className="ranked-row">
              <span className="label">
                <span className="item-name">{s.item.name || '(unknown item)'}</span> <span className="id">item {s.item.id}</span>
                {hit && (
                  <span className="hit-mark" data-testid="held-out-mark" aria-label="the held-out test item">
                    ●
                  </span>
                )}
                {changes?.[i] && <ChangeBadge c={changes[i]} />}
              </span>
              {s.parts && <ScoreBar parts={s.parts} scale={scale} />}
              <span className="score" title={`log-probability ${s.score}`} aria-label={`log-probability ${s.score.toFixed(3)}`}>
                {s.score.toFixed(3)}
              </span>
            </div>
            {d && (
              <div className="parts-delta small" data-testid="parts-delta">
                vs unmodified: {PART_NAMES.map((n) => `${SHORT[n]} ${signed(d[n])}`).join(' · ')}
              </div>
            )}
          </li>
        );
      })}
    </ol>
    </>
  );
}

/** "T5 only / T5 + priors": shown only for packs whose config adds output priors. */
function PriorsSwitch() {
  const { priors, ready, cf, seq } = useApp(useShallow((s) => ({ priors: s.priors, ready: s.phase === 'ready', cf: s.summary?.priors?.cf ?? false, seq: s.summary?.priors?.seq ?? false })));
  const { setPriors } = useApp.getState();
  if (!cf && !seq) return null;
  const names = [cf && 'collaborative', seq && 'sequence'].filter(Boolean).join(' + ');
  return (
    <div className="priors-switch" role="radiogroup" aria-label="Scores from" data-testid="priors-switch" title={`The pack adds ${names} output priors to the T5's score of the first decoded token (the item). Switch them off to see what the T5 recommends alone.`}>
      <button role="radio" aria-checked={!priors} data-testid="priors-off" disabled={!ready} onClick={() => setPriors(false)}>
        T5 only
      </button>
      <button role="radio" aria-checked={priors} data-testid="priors-on" disabled={!ready} onClick={() => setPriors(true)}>
        T5 + priors
      </button>
    </div>
  );
}

/**
 * "Skip items already in the history": a decoding rule (the items' tokens banned at the first step),
 * not a learnt part, offered where items are atomic ids. Off, the line under it counts how many of the
 * shown items the user already has: the T5 alone often ranks the newest history item first.
 */
function SkipHistoryToggle({ view, preview }: { view: InferResult; preview: boolean }) {
  const { skip, ready, atomic } = useApp(useShallow((s) => ({ skip: s.skipHistory, ready: s.phase === 'ready', atomic: s.summary?.idScheme === 'atomic' })));
  const { setSkipHistory } = useApp.getState();
  if (!atomic && !preview) return null;
  const checked = preview ? (view.skipHistory ?? false) : skip;
  const history = view.evaluation ? view.user.history.slice(0, -1) : view.user.history;
  const owned = new Set(history.map((h) => h.id));
  const repeats = view.sequential.filter((r) => owned.has(r.item.id)).length;
  return (
    <>
      <label className="toggle" title="A decoding rule, not part of the model: the items the user already has are banned at the first decoding step (the most-popular, PMF and item-knn baselines skip them too). The paper's protocol scores the model's own list, with them.">
        <input type="checkbox" data-testid="skip-history-toggle" checked={checked} disabled={!ready || preview} onChange={(e) => setSkipHistory(e.target.checked)} />
        skip items already in the history (a decoding rule)
      </label>
      {!checked && repeats > 0 && (
        <p className="small muted" data-testid="history-repeats">
          {repeats} of these {view.sequential.length} items {repeats === 1 ? 'is' : 'are'} already in the user&rsquo;s history.
        </p>
      )}
    </>
  );
}

/** Colour key of the score bars (only the parts in this view's scores). */
function PartsLegend({ view }: { view: InferResult }) {
  const rows = [...view.sequential, ...(view.topn?.ranked ?? [])];
  if (!rows.some((r) => r.parts)) return null;
  const shown = PART_NAMES.filter((n) => n === 't5' || rows.some((r) => r.parts && r.parts[n] !== null));
  return (
    <p className="legend-list parts-legend small" data-testid="parts-legend">
      {shown.map((n) => (
        <span key={n} data-part={n}>
          <span className="swatch" style={{ background: PART_COLOURS[n] }} /> {PART_LABELS[n]}
        </span>
      ))}
      <span className="muted">bar: the item’s first-token logit, sum of the parts (right of the line adds, left subtracts); number: log-probability</span>
    </p>
  );
}

/** One line per what-if change since the unmodified user: the change and what it did to the top-10. */
function WhatIfLog() {
  const log = useApp((s) => s.whatIfLog);
  if (log.length === 0) return null;
  return (
    <div className="whatif-log">
      <h3 className="small">What-if changes (each against the list before it)</h3>
      <ol className="small" data-testid="whatif-log" aria-live="polite">
        {log.map((e, k) => (
          <li key={k} data-testid="whatif-change" data-pending={e.summary === null}>
            {e.text}: {e.summary ?? 'computing…'}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Under a what-if: which part of the scores moved, on average per row. */
function PartsMoved({ rows }: { rows: ScoredItem[] }) {
  const m = movedSummary(rows);
  if (!m) return null;
  return (
    <p className="small" data-testid="parts-moved" data-most={m.most}>
      Against the unmodified user, mean change per row: {PART_NAMES.map((n) => `${PART_LABELS[n]} ${m.mean[n].toFixed(3)}`).join(', ')}. Moved most: <strong>{PART_LABELS[m.most]}</strong>.
    </p>
  );
}

export function OutputsColumn({ view, preview = false }: { view: InferResult | null; preview?: boolean }) {
  const { task, baseline, constrained: pageConstrained, ready, evaluation, constrainedNote } = useApp(
    useShallow((s) => ({ task: s.task, baseline: s.baseline, constrained: s.constrained, ready: s.phase === 'ready', evaluation: s.evaluation, constrainedNote: s.constrainedNote })),
  );
  const { setTask, setConstrained } = useApp.getState();
  // The precomputed example shows the decoding it was computed with.
  const constrained = preview && view ? view.constrained : pageConstrained;
  const testItem = view && (evaluation || view.evaluation) && view.user.testItem ? view.user.testItem.id : null;
  const showDiff = baseline !== null && view !== null && baseline !== view && baseline.user.label === view.user.label;
  const seqChanges = showDiff ? diffRanking(baseline.sequential.map((s) => s.item.id), view.sequential.map((s) => s.item.id)) : null;
  return (
    <section className="col outputs-col" aria-labelledby="out-heading" data-tour="outputs" id="col-outputs" tabIndex={-1}>
      <div className="outputs-head">
        <h2 id="out-heading">Outputs</h2>
        <PriorsSwitch />
      </div>
      <div role="tablist" className="tabs" aria-label="Task">
        {TABS.map((t) => (
          <button key={t.id} role="tab" aria-selected={task === t.id} data-testid={`task-${t.id}`} onClick={() => setTask(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      {view && task === 'sequential' && (
        <div role="tabpanel" aria-label="Next item">
          <label className="toggle">
            <input type="checkbox" data-testid="constrained-toggle" checked={constrained} disabled={!ready} onChange={(e) => setConstrained(e.target.checked)} />
            constrained decoding (only valid item ids)
          </label>
          <SkipHistoryToggle view={view} preview={preview} />
          {!preview && constrainedNote?.text && (
            <p className="small note" role="status" data-testid="constrained-note">
              {constrainedNote.text}
            </p>
          )}
          <PartsLegend view={view} />
          <WhatIfLog />
          <PartsMoved rows={view.sequential} />
          <Ranked items={view.sequential} testItem={testItem} changes={seqChanges?.changes ?? null} testId="sequential-results" />
          <GpuWorkLine total={view.gpu?.total} part={view.gpu?.nextItem} label="Next item" ms={view.elapsedMs} />
          {seqChanges && seqChanges.dropped.length > 0 && (
            <p className="small" data-testid="dropped">
              Dropped out of the top-10 (against the unmodified user):{' '}
              {seqChanges.dropped.map((id, k) => {
                const name = baseline!.sequential.find((r) => r.item.id === id)?.item.name;
                return (
                  <span key={id}>
                    {k > 0 && ', '}
                    {name ? <span className="item-name">{name}</span> : null} <span className="id">item {id}</span>
                  </span>
                );
              })}
            </p>
          )}
        </div>
      )}
      {view && task === 'topn' && (
        <div role="tabpanel" aria-label="Top-n">
          {view.topn ? (
            <>
              <p className="small">
                100 candidates ranked; the held-out positive is marked ● (rank{' '}
                <strong data-testid="positive-rank">{view.topn.ranked.findIndex((r) => r.item.id === view.topn!.positive) + 1}</strong>).
              </p>
              <PartsLegend view={view} />
              <PartsMoved rows={view.topn.ranked} />
              <Ranked items={view.topn.ranked} testItem={view.topn.positive} changes={null} testId="topn-results" />
              <GpuWorkLine total={view.gpu?.total} part={view.gpu?.topn} label="Top-n" ms={view.elapsedMs} />
            </>
          ) : (
            <p className="muted">Top-n needs a pack user with fixed test negatives.</p>
          )}
        </div>
      )}
      {view && task === 'explanation' && <ExplanationPanel key={view.user.label} view={view} />}
    </section>
  );
}

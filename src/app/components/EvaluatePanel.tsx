// Evaluate tab: runs the paper's metrics in the browser (in the worker) on a chosen number of test
// users, with a progress bar, beside the pack's recorded full-test numbers and published references.
// Numbers from this browser carry a 95% interval (and a warning under 500 users), and the default
// number of users is what this device gets through in about a minute.
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';
import type { MetricsRow } from '../../runtime/protocol.ts';
import { FEW_USERS, usersForSeconds, wilson95 } from '../lib/interval.ts';
import { recordedMetrics } from '../lib/recorded-metrics.ts';
import { REFERENCE_SOURCE, referenceFor, type Dataset } from '../lib/reference-results.ts';
import { useApp } from '../store/index.ts';

const REF_DATASET: Record<string, Dataset | null> = { beauty: 'beauty', 'musical-instruments': null };

interface TableRow {
  label: string;
  values: Record<string, number>;
  /** Users (or explanation pairs) behind the values: shown with a 95% interval. */
  n?: number;
  /** Values are ×100 (BLEU, ROUGE). */
  percent?: boolean;
}

function Cell({ v, row }: { v: number | undefined; row: TableRow }) {
  if (v === undefined) return <td>–</td>;
  if (row.n === undefined) return <td>{v.toFixed(4)}</td>;
  const scale = row.percent ? 100 : 1;
  const [lo, hi] = wilson95(v / scale, row.n);
  const d = row.percent ? 2 : 3;
  return (
    <td data-testid="metric-with-ci" data-lo={lo * scale} data-hi={hi * scale}>
      {v.toFixed(4)}
      <span className="ci" title="95% interval (Wilson; conservative for NDCG, BLEU and ROUGE)">
        {(lo * scale).toFixed(d)}–{(hi * scale).toFixed(d)}
      </span>
    </td>
  );
}

function MetricsTable({ title, rows, testId }: { title: string; rows: TableRow[]; testId: string }) {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  if (!rows.length) return null;
  return (
    <table className="metrics" data-testid={testId}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">run</th>
          {keys.map((k) => (
            <th key={k} scope="col">
              {k}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.label}>
            <th scope="row">{r.label}</th>
            {keys.map((k) => (
              <Cell key={k} v={r.values[k]} row={r} />
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function EvaluatePanel() {
  const s = useApp(
    useShallow((st) => ({
      running: st.evalRunning,
      done: st.evalDone,
      total: st.evalTotal,
      rows: st.evalRows,
      stopped: st.evalStopped,
      ready: st.phase === 'ready',
      pack: st.pack,
      manifest: st.summary?.manifest,
      numUsers: st.summary?.numUsers ?? 0,
      explains: st.summary?.tasks.includes('explanation') ?? false,
      constrained: st.constrained,
      priors: st.priors,
      evalPriors: st.evalPriors,
      evalSkip: st.evalSkipHistory,
      hasPriors: Boolean(st.summary?.priors?.cf || st.summary?.priors?.seq),
      msPerUser: st.evalMsPerUser,
      viewMs: st.current?.elapsedMs ?? null,
    })),
  );
  const { runEval, stopEval } = useApp.getState();
  // Until a run has timed this device, one recommendation (next item + top-n, the work of one test
  // user) stands in for a user; explanations roughly double it. Both err on the slow side.
  const perUser = s.msPerUser ?? (s.viewMs !== null ? s.viewMs * (s.explains ? 2 : 1) : null);
  const suggested = usersForSeconds(perUser ?? NaN, s.numUsers);
  const [typed, setTyped] = useState<number | null>(null);
  const n = typed ?? suggested;
  const recorded = recordedMetrics(s.manifest);
  const refDataset = REF_DATASET[s.pack] ?? null;
  const tasks: MetricsRow['task'][] = ['sequential', 'topn', 'explanation'];
  const ran = (s.rows ?? []).reduce((m, r) => Math.max(m, r.users), 0);
  return (
    <main className="panel evaluate" data-testid="evaluate" aria-labelledby="ev-heading" id="main-panel" tabIndex={-1}>
      <h2 id="ev-heading">Evaluate in the browser</h2>
      <p className="small">
        HR@k and NDCG@k over the 10 generated items (a user whose item is not generated counts as a miss), on the first test users; BLEU and ROUGE for explanations.
        Decoding: {s.constrained ? 'constrained to valid item ids' : 'unconstrained'} (toggle in the Next item tab).
        {s.hasPriors && <> Scores: {s.priors ? 'T5 + the pack’s output priors' : 'T5 only (output priors off)'} (switch above the outputs).</>}
      </p>
      <div className="row">
        <label>
          Test users{' '}
          <input type="number" data-testid="eval-users" min={1} max={s.numUsers || undefined} value={n} onChange={(e) => setTyped(Math.max(1, Number(e.target.value) || 1))} />
        </label>
        <button data-testid="eval-run" disabled={!s.ready || s.running} onClick={() => runEval(n)}>
          Run
        </button>
        <button data-testid="eval-stop" disabled={!s.running} onClick={stopEval}>
          Stop
        </button>
        <span className="small muted" data-testid="eval-suggestion" data-users={suggested}>
          {perUser !== null
            ? `About a minute on this device: ${suggested.toLocaleString()} users (${s.msPerUser !== null ? 'timed on your last run' : 'estimated from the last recommendation'}, ${Math.round(perUser)} ms per user).`
            : `Suggested: ${suggested} users.`}{' '}
          {typed !== null && typed !== suggested && (
            <button type="button" className="link" data-testid="eval-use-suggestion" onClick={() => setTyped(null)}>
              use {suggested}
            </button>
          )}
        </span>
      </div>
      {(s.running || s.rows) && (
        <p>
          <progress data-testid="eval-progress" max={s.total || 1} value={s.done} aria-label="Evaluation progress" /> {s.done} / {s.total} (users × tasks)
          {s.stopped && ' (stopped early)'}
        </p>
      )}
      {s.rows && s.rows.length > 0 && ran < FEW_USERS && (
        <p className="note small" role="status" data-testid="eval-few-users">
          Only {ran} test users: the 95% intervals under this browser’s numbers are wide, so a 0 or a gap to the rows below can be chance. The recorded and published
          rows use the whole test set; run {FEW_USERS} users or more to compare.
        </p>
      )}
      {tasks.map((task) => {
        const mine: TableRow[] = (s.rows ?? [])
          .filter((r) => r.task === task)
          .map((r) => ({ label: `this browser (${r.users} ${task === 'explanation' ? 'pairs' : 'users'}${s.hasPriors && !s.evalPriors ? ', T5 only' : ''}${s.evalSkip && task === 'sequential' ? ', history items skipped' : ''}; 95% interval below)`, values: r.values, n: r.users, percent: task === 'explanation' }));
        const rec: TableRow[] = recorded.filter((r) => r.task === task).map((r) => ({ label: `pack at export (${r.users ?? '?'} test users)`, values: r.values }));
        const refs: TableRow[] = refDataset ? referenceFor(refDataset, task).map((r) => ({ label: `${r.method} (published)`, values: r.values })) : [];
        const all = [...mine, ...rec, ...refs];
        return <MetricsTable key={task} title={task === 'sequential' ? 'Sequential (next item)' : task === 'topn' ? `Top-n (1 + ${PAPER_PROTOCOL.topn.negatives} candidates)` : 'Explanation (×100)'} rows={all} testId={`metrics-${task}`} />;
      })}
      <p className="small muted" data-testid="eval-footer">
        Published numbers: {REFERENCE_SOURCE}. {refDataset ? '' : 'No published numbers exist for this dataset.'} They use P5's sequential item ids, which leak order.
      </p>
    </main>
  );
}

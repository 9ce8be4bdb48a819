// Evaluate tab: runs the paper's metrics in the browser (in the worker) on a chosen number of test
// users, with a progress bar, beside the pack's recorded full-test numbers and published references.
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { MetricsRow } from '../../runtime/protocol.ts';
import { recordedMetrics } from '../lib/recorded-metrics.ts';
import { REFERENCE_SOURCE, referenceFor, type Dataset } from '../lib/reference-results.ts';
import { useApp } from '../store/index.ts';

const REF_DATASET: Record<string, Dataset | null> = { beauty: 'beauty', 'musical-instruments': null };

function MetricsTable({ title, rows, testId }: { title: string; rows: { label: string; values: Record<string, number> }[]; testId: string }) {
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
              <td key={k}>{r.values[k] === undefined ? '–' : r.values[k]!.toFixed(4)}</td>
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
      constrained: st.constrained,
      priors: st.priors,
      evalPriors: st.evalPriors,
      hasPriors: Boolean(st.summary?.priors?.cf || st.summary?.priors?.seq),
    })),
  );
  const { runEval, stopEval } = useApp.getState();
  const [n, setN] = useState(20);
  const recorded = recordedMetrics(s.manifest);
  const refDataset = REF_DATASET[s.pack] ?? null;
  const tasks: MetricsRow['task'][] = ['sequential', 'topn', 'explanation'];
  return (
    <main className="panel evaluate" data-testid="evaluate" aria-labelledby="ev-heading">
      <h2 id="ev-heading">Evaluate in the browser</h2>
      <p className="small">
        HR@k and NDCG@k over the 10 generated items (a user whose item is not generated counts as a miss), on the first test users; BLEU and ROUGE for explanations.
        Decoding: {s.constrained ? 'constrained to valid item ids' : 'unconstrained'} (toggle in the Next item tab).
        {s.hasPriors && <> Scores: {s.priors ? 'T5 + the pack’s output priors' : 'T5 only (output priors off)'} (switch above the outputs).</>}
      </p>
      <div className="row">
        <label>
          Test users{' '}
          <input type="number" data-testid="eval-users" min={1} max={s.numUsers || undefined} value={n} onChange={(e) => setN(Math.max(1, Number(e.target.value) || 1))} />
        </label>
        <button data-testid="eval-run" disabled={!s.ready || s.running} onClick={() => runEval(n)}>
          Run
        </button>
        <button data-testid="eval-stop" disabled={!s.running} onClick={stopEval}>
          Stop
        </button>
      </div>
      {(s.running || s.rows) && (
        <p>
          <progress data-testid="eval-progress" max={s.total || 1} value={s.done} aria-label="Evaluation progress" /> {s.done} / {s.total} (users × tasks)
          {s.stopped && ' (stopped early)'}
        </p>
      )}
      {tasks.map((task) => {
        const mine = (s.rows ?? []).filter((r) => r.task === task).map((r) => ({ label: `this browser (${r.users} users${s.hasPriors && !s.evalPriors ? ', T5 only' : ''})`, values: r.values }));
        const rec = recorded.filter((r) => r.task === task).map((r) => ({ label: `pack at export (${r.users ?? '?'} test users)`, values: r.values }));
        const refs = refDataset ? referenceFor(refDataset, task).map((r) => ({ label: `${r.method} (published)`, values: r.values })) : [];
        const all = [...mine, ...rec, ...refs];
        return <MetricsTable key={task} title={task === 'sequential' ? 'Sequential (next item)' : task === 'topn' ? 'Top-n (1 + 99 candidates)' : 'Explanation (×100)'} rows={all} testId={`metrics-${task}`} />;
      })}
      <p className="small muted">
        Published numbers: {REFERENCE_SOURCE}. {refDataset ? '' : 'No published numbers exist for this dataset.'} They use P5's sequential item ids, which leak order.
      </p>
    </main>
  );
}

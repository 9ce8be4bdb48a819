// Reads the full-test numbers a pack recorded at export (manifest.metrics) into rows the Evaluate tab
// shows beside the browser's own run. The exporter writes {test: {sequential: {HR1, NDCG5, ...},
// topn: {...}, explanation: {bleu4, rouge1, ...}}}; names are mapped to the paper's labels.

export interface RecordedRow {
  task: 'sequential' | 'topn' | 'explanation';
  values: Record<string, number>;
  users: number | null;
}

const LABELS: Record<string, string> = {
  HR1: 'HR@1',
  HR5: 'HR@5',
  HR10: 'HR@10',
  NDCG5: 'NDCG@5',
  NDCG10: 'NDCG@10',
  bleu1: 'BLEU-1',
  bleu4: 'BLEU-4',
  rouge1: 'ROUGE-1',
  rouge2: 'ROUGE-2',
  rougeL: 'ROUGE-L',
};

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function recordedMetrics(manifest: Record<string, unknown> | null | undefined): RecordedRow[] {
  const m = manifest?.['metrics'];
  if (!isObj(m)) return [];
  const split = isObj(m['test']) ? m['test'] : m;
  const rows: RecordedRow[] = [];
  for (const task of ['sequential', 'topn', 'explanation'] as const) {
    const t = split[task];
    if (!isObj(t)) continue;
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(t)) if (typeof v === 'number' && LABELS[k]) values[LABELS[k]] = v;
    const users = typeof t['users'] === 'number' ? t['users'] : typeof t['pairs'] === 'number' ? t['pairs'] : null;
    if (Object.keys(values).length) rows.push({ task, values, users });
  }
  return rows;
}

// The pack card's tables, read from a pack's manifest: model size (beside T5-small's), training
// time and throughput, and the recorded metrics at 4 digits. Tolerant: a missing field is left out,
// never guessed. Pure.

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), o);

/** T5-small (Raffel et al. 2020; Hugging Face t5-small): d_model 512, 6 + 6 layers, 8 heads, d_ff 2048, vocabulary 32,128, tied embeddings. */
export const T5_SMALL = { parameters: 60_506_624, dModel: 512, layers: '6 + 6', heads: 8, dFf: 2048, vocab: 32_128 };

/** Parameters in the pack's weight manifest (TF.js format: groups of {name, shape}). */
export function parameterCount(manifest: Record<string, unknown>): number | null {
  const groups = manifest['weightsManifest'];
  if (!Array.isArray(groups)) return null;
  let total = 0;
  for (const g of groups) {
    const ws = get(g, 'weights');
    if (!Array.isArray(ws)) return null;
    for (const w of ws) {
      const shape = get(w, 'shape');
      if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) return null;
      total += (shape).reduce((a, b) => a * b, 1);
    }
  }
  return total;
}

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1 };

/**
 * Bytes of the weight shards: from the manifest's file list, or, where the list is not there (the
 * app's worker sends a one-line summary of it), from each weight's shape and stored dtype.
 */
export function weightBytes(manifest: Record<string, unknown>): number | null {
  const groups = manifest['weightsManifest'];
  const files = manifest['files'];
  if (!Array.isArray(groups)) return null;
  let total = 0;
  if (isObj(files)) {
    for (const g of groups) {
      const paths = get(g, 'paths');
      if (!Array.isArray(paths)) return null;
      for (const p of paths) {
        const b = num(get(files, String(p), 'bytes'));
        if (b === null) return null;
        total += b;
      }
    }
    return total;
  }
  for (const g of groups) {
    const ws = get(g, 'weights');
    if (!Array.isArray(ws)) return null;
    for (const w of ws) {
      const shape = get(w, 'shape');
      const per = BYTES_PER[String(get(w, 'quantization', 'dtype') ?? get(w, 'dtype'))];
      if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number') || per === undefined) return null;
      total += (shape).reduce((a, b) => a * b, 1) * per;
    }
  }
  return total;
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m) return `${m} min ${String(r).padStart(2, '0')} s`;
  return `${r} s`;
}

export type FactRow = [label: string, value: string];

/** The model beside T5-small: [label, this pack, T5-small]. */
export function modelRows(manifest: Record<string, unknown>): [string, string, string][] {
  const t5 = get(manifest, 'config', 't5');
  const rows: [string, string, string][] = [];
  const params = parameterCount(manifest);
  const bytes = weightBytes(manifest);
  if (params !== null) rows.push(['parameters', `${formatCount(params)}${bytes !== null ? ` (${(bytes / 1024 / 1024).toFixed(1)} MiB of ${typeof manifest['weightDtype'] === 'string' ? manifest['weightDtype'] : 'weights'})` : ''}`, `${formatCount(T5_SMALL.parameters)} (${(T5_SMALL.parameters / params).toFixed(T5_SMALL.parameters < 2 * params ? 2 : 0)}× this pack)`]);
  const d = num(get(t5, 'dModel'));
  if (d !== null) rows.push(['d_model', String(d), String(T5_SMALL.dModel)]);
  const enc = num(get(t5, 'numEncoderLayers'));
  const dec = num(get(t5, 'numDecoderLayers'));
  if (enc !== null && dec !== null) rows.push(['layers (encoder + decoder)', `${enc} + ${dec}`, T5_SMALL.layers]);
  const h = num(get(t5, 'numHeads'));
  if (h !== null) rows.push(['attention heads', String(h), String(T5_SMALL.heads)]);
  const ff = num(get(t5, 'dFf'));
  if (ff !== null) rows.push(['d_ff', `${ff} (${typeof get(t5, 'feedForward') === 'string' ? String(get(t5, 'feedForward')) : 'relu'})`, `${T5_SMALL.dFf} (relu)`]);
  const v = num(get(t5, 'vocabSize'));
  if (v !== null) rows.push(['vocabulary', v.toLocaleString('en'), T5_SMALL.vocab.toLocaleString('en')]);
  return rows;
}

/** Training: time, steps, throughput, what stopped it, where it ran. */
export function trainingRows(manifest: Record<string, unknown>): FactRow[] {
  const rows: FactRow[] = [];
  const r = get(manifest, 'training', 'result');
  const p = manifest['provenance'];
  const secs = num(get(r, 'trainSeconds'));
  if (secs !== null) rows.push(['training time', formatDuration(secs)]);
  const last = num(get(p, 'seconds'));
  if (last !== null && secs !== null && Math.abs(last - secs) > 1) rows.push(['last session (after a resume)', formatDuration(last)]);
  const steps = num(get(r, 'steps'));
  if (steps !== null) rows.push(['steps', steps.toLocaleString('en')]);
  const sps = num(get(r, 'samplesPerSecond')) ?? num(get(p, 'samplesPerSecond'));
  if (sps !== null) rows.push(['samples / s', sps.toFixed(1)]);
  const passes = get(r, 'passesPerTask');
  if (isObj(passes)) rows.push(['passes per task', Object.entries(passes).map(([k, v]) => `${k} ${String(v)}`).join(', ')]);
  const stop = get(r, 'stoppedBy');
  if (typeof stop === 'string') rows.push(['stopped by', stop.replace(/-/g, ' ')]);
  const from = get(r, 'weightsFrom');
  if (typeof from === 'string') rows.push(['weights from', from]);
  const best = num(get(r, 'bestValLoss'));
  if (best !== null) rows.push(['best validation loss', `${best.toFixed(4)}${num(get(r, 'bestStep')) !== null ? ` (step ${num(get(r, 'bestStep'))!.toLocaleString('en')})` : ''}`]);
  const o = get(manifest, 'training', 'options');
  const bs = num(get(o, 'batchSize'));
  if (bs !== null) rows.push(['batch size', String(bs)]);
  const lr = num(get(o, 'schedule', 'peakLr'));
  if (lr !== null) rows.push(['peak learning rate', `${lr}${num(get(o, 'schedule', 'warmupSteps')) !== null ? ` (warm-up ${num(get(o, 'schedule', 'warmupSteps'))} steps)` : ''}`]);
  const backend = get(p, 'backend');
  if (typeof backend === 'string') rows.push(['trained on', backend]);
  const date = get(p, 'date');
  if (typeof date === 'string') rows.push(['date', date.slice(0, 10)]);
  const commit = get(p, 'gitCommit');
  if (typeof commit === 'string') rows.push(['code version (git)', commit.slice(0, 12)]);
  return rows;
}

/** Dataset facts. */
export function datasetRows(manifest: Record<string, unknown>): FactRow[] {
  const d = manifest['dataset'];
  const rows: FactRow[] = [];
  if (typeof get(d, 'name') === 'string') rows.push(['dataset', String(get(d, 'name'))]);
  const u = num(get(d, 'users'));
  const i = num(get(d, 'items'));
  if (u !== null) rows.push(['users', u.toLocaleString('en')]);
  if (i !== null) rows.push(['items', i.toLocaleString('en')]);
  const fp = get(d, 'fingerprint');
  if (typeof fp === 'string') rows.push(['fingerprint (SHA-256)', `${fp.slice(0, 16)}…`]);
  return rows;
}

/** The recorded metrics as a table: one row per task, values at 4 digits. */
export function metricsTable(manifest: Record<string, unknown>): { columns: string[]; rows: { task: string; users: string; values: Record<string, string> }[]; note: string | null } {
  const m = manifest['metrics'];
  const split = isObj(get(m, 'test')) ? get(m, 'test') : m;
  const rows: { task: string; users: string; values: Record<string, string> }[] = [];
  const columns: string[] = [];
  const LABEL: Record<string, string> = { HR1: 'HR@1', HR5: 'HR@5', NDCG5: 'NDCG@5', HR10: 'HR@10', NDCG10: 'NDCG@10', invalidRate: 'invalid ids', coverage10: 'coverage@10', bleu1: 'BLEU-1', bleu4: 'BLEU-4', rouge1: 'ROUGE-1', rouge2: 'ROUGE-2', rougeL: 'ROUGE-L' };
  for (const task of ['sequential', 'topn', 'explanation']) {
    const t = get(split, task);
    if (!isObj(t)) continue;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(t)) {
      const x = num(v);
      if (x === null || !LABEL[k]) continue;
      values[LABEL[k]] = x.toFixed(4);
      if (!columns.includes(LABEL[k])) columns.push(LABEL[k]);
    }
    const users = num(t['users']) ?? num(t['pairs']);
    rows.push({ task: task === 'explanation' ? 'explanation (×100)' : task, users: users === null ? '–' : `${users.toLocaleString('en')}${t['pairs'] !== undefined ? ' pairs' : ''}`, values });
  }
  const note = typeof get(m, 'note') === 'string' ? String(get(m, 'note')) : null;
  return { columns, rows, note };
}

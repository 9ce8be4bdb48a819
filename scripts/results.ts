// Regenerates RESULTS.md from the metrics files that `peapod eval` writes (results/<dataset>/<run>/
// metrics.json) and the manifests of the shipped packs (public/models/*/manifest.json), beside the
// published reference numbers (docs/method.md §5; copied below with their source).
// Metrics files that carry `ablation` (peapod eval --ablation) go to a per-dataset ablation table,
// never into the main tables: they were trained on shorter budgets, stated per row.
// Run: npx tsx scripts/results.ts [--check]   (--check: exit 1 if RESULTS.md is out of date)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAPER_PROTOCOL } from '../src/paper-protocol.ts';
import type { DecodingChange } from '../src/model/generate/recommend.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Ranking = { HR1?: number; HR5: number; NDCG5: number; HR10: number; NDCG10: number; users?: number; invalidRate?: number };
interface MetricsFile {
  label?: string;
  trainSteps?: number | null;
  /** Set when the users were a seeded random sample (peapod eval --users N --sample). */
  sampleSeed?: number;
  /** Step whose weights the pack holds (early stopping keeps the best validation loss). */
  bestStep?: number | null;
  /** Set by `peapod eval --ablation TEXT`: what this pack changes against the full model. */
  ablation?: string;
  /** Training wall time of the evaluated pack (from its manifest), written with --ablation. */
  trainSeconds?: number | null;
  packName: string;
  baseline?: string;
  /** Baselines: what the rule does (which items it may see, what it excludes). */
  notes?: string;
  dataset: string;
  ids: string;
  idScheme: string;
  split: string;
  users: number;
  constrained: boolean | null;
  metrics: { sequential?: Ranking; topn?: Ranking; explanation?: { bleu1: number; bleu4: number; rouge1: number; rouge2: number; rougeL: number; pairs: number } };
  command: string;
  trainCommand?: string;
  backend?: string;
  /** Explanation decoding settings that differed from PAPER_PROTOCOL.explanation (peapod eval's --beams etc.). */
  decoding?: DecodingChange;
  /** Explanation decoding blocked repeated n-grams of this size. */
  noRepeatNgram?: number;
}

/** P5 paper (Geng et al., RecSys 2022, Tables 3-4) and POD's released logs (lileipisces/POD); docs/method.md §5. */
const REFERENCE: Record<string, { sequential: [string, Ranking][]; topn: [string, Ranking][] }> = {
  beauty: {
    sequential: [
      ['SASRec', { HR5: 0.0387, NDCG5: 0.0249, HR10: 0.0605, NDCG10: 0.0318 }],
      ['S3-Rec', { HR5: 0.0387, NDCG5: 0.0244, HR10: 0.0647, NDCG10: 0.0327 }],
      ['P5-S (2-3)', { HR5: 0.0503, NDCG5: 0.037, HR10: 0.0659, NDCG10: 0.0421 }],
      ['P5-B (2-3)', { HR5: 0.0508, NDCG5: 0.0379, HR10: 0.0664, NDCG10: 0.0429 }],
      ['POD', { HR1: 0.0235, HR5: 0.0537, NDCG5: 0.0395, HR10: 0.0688, NDCG10: 0.0443 }],
    ],
    topn: [
      ['BPR-MF', { HR1: 0.0311, HR5: 0.1426, NDCG5: 0.0857, HR10: 0.2573, NDCG10: 0.1224 }],
      ['SimpleX', { HR1: 0.0325, HR5: 0.2247, NDCG5: 0.1441, HR10: 0.309, NDCG10: 0.1711 }],
      ['P5-S (5-4)', { HR1: 0.0862, HR5: 0.2448, NDCG5: 0.1673, HR10: 0.3441, NDCG10: 0.1993 }],
      ['POD', { HR1: 0.0829, HR5: 0.1926, NDCG5: 0.1391, HR10: 0.267, NDCG10: 0.1629 }],
    ],
  },
  sports: {
    sequential: [
      ['SASRec', { HR5: 0.0233, NDCG5: 0.0154, HR10: 0.035, NDCG10: 0.0192 }],
      ['S3-Rec', { HR5: 0.0251, NDCG5: 0.0161, HR10: 0.0385, NDCG10: 0.0204 }],
      ['P5-S (2-3)', { HR5: 0.0272, NDCG5: 0.0169, HR10: 0.0361, NDCG10: 0.0198 }],
      ['P5-B (2-3)', { HR5: 0.0364, NDCG5: 0.0296, HR10: 0.0431, NDCG10: 0.0318 }],
      ['POD', { HR1: 0.0296, HR5: 0.0496, NDCG5: 0.0396, HR10: 0.0576, NDCG10: 0.0419 }],
    ],
    topn: [
      ['BPR-MF', { HR1: 0.0314, HR5: 0.1404, NDCG5: 0.0848, HR10: 0.2563, NDCG10: 0.122 }],
      ['SimpleX', { HR1: 0.0331, HR5: 0.2362, NDCG5: 0.1505, HR10: 0.329, NDCG10: 0.18 }],
      ['P5-S (5-4)', { HR1: 0.0701, HR5: 0.2241, NDCG5: 0.1483, HR10: 0.3313, NDCG10: 0.1827 }],
      ['POD', { HR1: 0.0895, HR5: 0.2086, NDCG5: 0.1506, HR10: 0.2873, NDCG10: 0.1756 }],
    ],
  },
  toys: {
    sequential: [
      ['SASRec', { HR5: 0.0463, NDCG5: 0.0306, HR10: 0.0675, NDCG10: 0.0374 }],
      ['S3-Rec', { HR5: 0.0443, NDCG5: 0.0294, HR10: 0.07, NDCG10: 0.0376 }],
      ['P5-S (2-3)', { HR5: 0.0648, NDCG5: 0.0567, HR10: 0.0709, NDCG10: 0.0587 }],
      ['P5-B (2-3)', { HR5: 0.0608, NDCG5: 0.0507, HR10: 0.0688, NDCG10: 0.0534 }],
      ['POD', { HR1: 0.0515, HR5: 0.0691, NDCG5: 0.0599, HR10: 0.0742, NDCG10: 0.061 }],
    ],
    topn: [
      ['BPR-MF', { HR1: 0.0233, HR5: 0.1066, NDCG5: 0.0641, HR10: 0.2003, NDCG10: 0.094 }],
      ['SimpleX', { HR1: 0.0268, HR5: 0.1958, NDCG5: 0.1244, HR10: 0.2662, NDCG10: 0.1469 }],
      ['P5-S (5-4)', { HR1: 0.0413, HR5: 0.1411, NDCG5: 0.0916, HR10: 0.2227, NDCG10: 0.1178 }],
      ['POD', { HR1: 0.0567, HR5: 0.1433, NDCG5: 0.1009, HR10: 0.2082, NDCG10: 0.1215 }],
    ],
  },
};

const DATASETS: [string, string][] = [
  ['beauty', 'Beauty (amazon-beauty-p5)'],
  ['sports', 'Sports (amazon-sports-p5)'],
  ['toys', 'Toys (amazon-toys-p5)'],
  ['musical-instruments', 'Musical Instruments (amazon-musical-instruments-5core)'],
];

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name === 'metrics.json') out.push(p);
  }
  return out.sort();
}

const f4 = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(4).replace(/^0\./, '.'));
const f2 = (x: number): string => x.toFixed(2);

function rankingRow(name: string, r: Ranking, extra: string[]): string {
  return `| ${name} | ${[r.HR1, r.HR5, r.NDCG5, r.HR10, r.NDCG10].map(f4).join(' | ')} | ${extra.join(' | ')} |`;
}

function describe(m: MetricsFile): string {
  if (m.baseline) return `${m.baseline} (baseline)`;
  const best = m.bestStep !== undefined && m.bestStep !== null && m.bestStep !== m.trainSteps ? ` (weights of step ${m.bestStep})` : '';
  const steps = m.trainSteps ? `, ${m.trainSteps} steps${best}` : '';
  return `${m.label ?? 'PeaPOD Web (ours)'}${steps}`;
}

function decoding(m: MetricsFile): string {
  return m.constrained === null ? 'n/a' : m.constrained ? 'constrained' : 'unconstrained';
}

/** How a row's explanations were decoded, in words ("reference" when as PAPER_PROTOCOL.explanation). */
function explanationDecoding(m: MetricsFile): string {
  if (m.baseline) return 'n/a';
  const d = { ...PAPER_PROTOCOL.explanation, ...m.decoding };
  const lp = d.lengthPenalty === 0 ? 'log-prob' : d.lengthPenalty === 1 ? 'log-prob / length' : `log-prob / length^${d.lengthPenalty}`;
  const groups = d.groups > 1 ? ` in ${d.groups} groups (diversity ${d.diversityPenalty})` : '';
  const text = `${d.beamWidth} beams${groups}, ${lp}${d.earlyStopping ? ', early stop' : ''}, min ${d.minLength}, max ${d.maxLength}${m.noRepeatNgram ? `, no repeated ${m.noRepeatNgram}-grams` : ''}`;
  return m.decoding || m.noRepeatNgram ? text : `reference: ${text}`;
}

/** A markdown table cell: pipes would end the cell. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');

function training(m: MetricsFile): string {
  const min = typeof m.trainSeconds === 'number' ? `${Math.round(m.trainSeconds / 60)} min` : '– min';
  const best = m.bestStep !== undefined && m.bestStep !== null && m.bestStep !== m.trainSteps ? ` (best ${m.bestStep})` : '';
  return `${min} / ${m.trainSteps ?? '–'} steps${best}`;
}

function ablationTable(title: string, rows: { file: string; m: MetricsFile }[]): string[] {
  const lines: string[] = [];
  lines.push(`### Ablations (${title}; shorter training, stated per row)`);
  lines.push('');
  lines.push('| ablation | training | seq HR@10 | seq NDCG@10 | top-n HR@1 | top-n HR@10 | top-n NDCG@10 | users | ids | decoding | commands |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { file, m } of rows) {
    const s = m.metrics.sequential;
    const t = m.metrics.topn;
    const users = s?.users ?? t?.users ?? m.users;
    const commands = `train: \`${cell(m.trainCommand ?? '–')}\`<br>eval: \`${cell(m.command)}\``;
    lines.push(
      `| [${cell(m.ablation!)}](${path.dirname(file)}/metrics.json) | ${training(m)} | ${f4(s?.HR10)} | ${f4(s?.NDCG10)} | ${f4(t?.HR1)} | ${f4(t?.HR10)} | ${f4(t?.NDCG10)} | ${users} | ${m.ids}, ${m.idScheme} | ${decoding(m)} | ${commands} |`,
    );
  }
  lines.push('');
  return lines;
}

interface SamplesFile {
  seed: number;
  quality: { outputs: number; withUnk: number; tripleRepeats: number; distinct: number; topOutput: string; topShare: number };
  baselines: Record<string, string>;
  samples: { user: number; item: number; reference: string; generated: string; baselines: Record<string, string> }[];
}

/** Quality counts and the seeded random draw of test outputs (scripts/explanation-samples.ts). */
function samplesSection(s: SamplesFile, dir: string): string[] {
  const q = s.quality;
  const names = Object.keys(s.baselines);
  const lines = [`#### Explanations of \`${dir}\`: ${s.samples.length} test pairs drawn at random (seed ${s.seed}), not picked`, ''];
  lines.push(
    `Over all ${q.outputs} test outputs: ${q.withUnk} contain \`<unk>\`, ${q.tripleRepeats} repeat a word three times in a row, ${q.distinct} are distinct; the most common output ("${cell(q.topOutput)}") is ${(q.topShare * 100).toFixed(1)}% of them.`,
  );
  lines.push('');
  lines.push(`| user | item | reference | model | ${names.join(' | ')} |`);
  lines.push(`|---|---|---|---|${names.map(() => '---|').join('')}`);
  for (const r of s.samples) lines.push(`| ${r.user} | ${r.item} | ${cell(r.reference)} | ${cell(r.generated)} | ${names.map((n) => cell(r.baselines[n] ?? '')).join(' | ')} |`);
  lines.push('');
  return lines;
}

/** RESULTS.md as text, from the metrics.json files under <rootDir>/results and the shipped packs' manifests under <rootDir>/public/models. */
export function render(rootDir: string = root): string {
  const files = walk(path.join(rootDir, 'results'));
  const runs = files.map((f) => ({ file: path.relative(rootDir, f), m: JSON.parse(fs.readFileSync(f, 'utf8')) as MetricsFile }));
  const lines: string[] = [];
  lines.push('# Results');
  lines.push('');
  lines.push('Generated by `npx tsx scripts/results.ts` from `results/**/metrics.json` (written by `npx peapod eval`) and the');
  lines.push('manifests of the shipped packs. Do not edit by hand. Reference rows: the P5 paper (Geng et al., RecSys 2022) and');
  lines.push("POD's released logs (lileipisces/POD), copied into scripts/results.ts (docs/method.md §5); PeaPOD's own table was not available.");
  lines.push('Metrics: HR@k / NDCG@k over the 10 generated items, averaged over all test users (a miss counts 0); top-n ranks');
  lines.push('1 positive + 99 fixed negatives (P5\'s procedure, numpy legacy MT19937 seeded 2022, on the original ids).');
  lines.push('"ids remapped" = items renumbered by a seeded random permutation (leak-free); "original" = P5\'s order-of-appearance');
  lines.push('ids, under which the next item is often the previous id + 1 (see the id-order baseline).');
  lines.push('');
  const packs = ['beauty', 'musical-instruments']
    .map((p) => path.join(rootDir, 'public', 'models', p, 'manifest.json'))
    .filter((p) => fs.existsSync(p))
    .map((p) => ({ dir: path.relative(rootDir, path.dirname(p)), m: JSON.parse(fs.readFileSync(p, 'utf8')) }));
  if (packs.length) {
    lines.push('## Shipped packs');
    lines.push('');
    lines.push('| pack | model | ids | trained | steps | stopped by | samples/s | pack size | command |');
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const { dir, m } of packs) {
      const t = m.config.t5;
      const res = m.training?.result ?? {};
      const size = Object.values(m.files as Record<string, { bytes: number }>).reduce((a, f) => a + f.bytes, 0);
      lines.push(
        `| ${dir} | d ${t.dModel}, ${t.numEncoderLayers}+${t.numDecoderLayers} layers, ${t.numHeads} heads, d_ff ${t.dFf}, vocab ${t.vocabSize}, ${m.weightDtype} | ${m.idScheme}, ${m.dataset.ids} | ${Math.round((res.trainSeconds ?? 0) / 60)} min | ${res.steps ?? 0} | ${res.stoppedBy ?? '–'} | ${res.samplesPerSecond ? res.samplesPerSecond.toFixed(1) : '–'} | ${(size / 1048576).toFixed(1)} MiB | \`${m.provenance.command}\` |`,
      );
    }
    lines.push('');
  }
  const baselineNotes = new Map<string, string>();
  for (const { m } of runs) if (m.baseline && m.notes && !baselineNotes.has(m.baseline)) baselineNotes.set(m.baseline, m.notes);
  if (baselineNotes.size) {
    lines.push('## Baselines');
    lines.push('');
    lines.push('Computed by `npx peapod eval --baseline NAME` on the same splits and the same fixed top-n negatives as the model;');
    lines.push('sequential lists rank all items, top-n reorders the same 100 candidates. What each rule does:');
    lines.push('');
    for (const [name, note] of [...baselineNotes].sort(([a], [b]) => a.localeCompare(b))) lines.push(`- **${name}**: ${note}.`);
    lines.push('');
  }
  for (const [key, title] of DATASETS) {
    const all = runs.filter((r) => r.file.startsWith(`results/${key}/`) && r.m.split === 'test');
    const mine = all.filter((r) => r.m.ablation === undefined);
    const ablations = all.filter((r) => r.m.ablation !== undefined);
    const ref = REFERENCE[key];
    if (!all.length && !ref) continue;
    lines.push(`## ${title}`);
    lines.push('');
    for (const task of ['sequential', 'topn'] as const) {
      const rows = mine.filter((r) => r.m.metrics[task]);
      if (!rows.length && !ref) continue;
      lines.push(task === 'sequential' ? '### Sequential recommendation (all items ranked)' : '### Top-n recommendation (1 positive + 99 negatives)');
      lines.push('');
      lines.push('| method | HR@1 | HR@5 | NDCG@5 | HR@10 | NDCG@10 | ids | id scheme | decoding | users | source |');
      lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
      for (const [name, r] of ref?.[task] ?? []) lines.push(rankingRow(name, r, ['original', 'P5 (SentencePiece)', 'reference', 'all', 'paper / POD log']));
      for (const { file, m } of rows) {
        const r = m.metrics[task]!;
        const dec = task === 'topn' ? (m.constrained === null ? 'n/a' : 'scoring') : decoding(m);
        lines.push(rankingRow(describe(m), r, [m.ids, m.idScheme, dec, `${r.users ?? m.users}${m.sampleSeed !== undefined ? ' (sample)' : ''}`, `[${path.dirname(file)}](${path.dirname(file)}/metrics.json)`]));
      }
      lines.push('');
    }
    const ex = mine.filter((r) => r.m.metrics.explanation);
    if (ex.length) {
      lines.push('### Explanation generation (x100)');
      lines.push('');
      lines.push('| method | BLEU-1 | BLEU-4 | ROUGE-1 | ROUGE-2 | ROUGE-L | pairs | decoding | source |');
      lines.push('|---|---|---|---|---|---|---|---|---|');
      for (const { file, m } of ex) {
        const e = m.metrics.explanation!;
        lines.push(`| ${describe(m)} | ${f2(e.bleu1)} | ${f2(e.bleu4)} | ${f2(e.rouge1)} | ${f2(e.rouge2)} | ${f2(e.rougeL)} | ${e.pairs} | ${explanationDecoding(m)} | [${path.dirname(file)}](${path.dirname(file)}/metrics.json) |`);
      }
      lines.push('');
    }
    for (const { file } of ex) {
      const samplesFile = path.join(rootDir, path.dirname(file), 'explanation-samples.json');
      if (fs.existsSync(samplesFile)) lines.push(...samplesSection(JSON.parse(fs.readFileSync(samplesFile, 'utf8')) as SamplesFile, path.dirname(file)));
    }
    if (mine.length) {
      lines.push('<details><summary>Commands</summary>');
      lines.push('');
      for (const { file, m } of mine) {
        lines.push(`- \`${path.dirname(file)}\`: \`${m.command}\`${m.trainCommand ? ` (pack trained with \`${m.trainCommand}\`)` : ''}`);
      }
      lines.push('');
      lines.push('</details>');
      lines.push('');
    }
    if (ablations.length) lines.push(...ablationTable(title.replace(/ \(.*\)$/, ''), ablations));
  }
  const notes = path.join(rootDir, 'results', 'NOTES.md');
  if (fs.existsSync(notes)) lines.push(fs.readFileSync(notes, 'utf8').trim(), '');
  return lines.join('\n');
}

/** Writes RESULTS.md (or, with check, returns 1 when it is out of date). */
export function writeResults(check = false): number {
  const target = path.join(root, 'RESULTS.md');
  const text = render();
  if (check) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (current !== text) {
      console.error('RESULTS.md is out of date: run `npx peapod results` (or `npx tsx scripts/results.ts`).');
      return 1;
    }
    return 0;
  }
  fs.writeFileSync(target, text);
  console.log(`wrote RESULTS.md from ${walk(path.join(root, 'results')).length} metrics files`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = writeResults(process.argv.includes('--check'));

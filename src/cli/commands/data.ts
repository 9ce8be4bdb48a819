// `peapod data download|info|check|fingerprint`: fetch, describe and validate the datasets. Thin
// wrapper over src/data (all parsing, checking and downloading lives there).
import path from 'node:path';
import { datasetStats, DATASET_NAMES, DATASET_SOURCES, datasetSource, DatasetError, leaveOneOut, type InteractionDataset } from '../../data/index.ts';
import { datasetFingerprint, downloadDatasets, loadDataset, loadExplanations, resolveDataDir, verifyLocalDataset } from '../../data/node.ts';
import { ProgressLine } from '../../progress-line.ts';
import { CliUsageError } from '../args.ts';
import { defineCommand, optionLines, parseCommand, wantsHelp, wrap, type OptionValues } from '../options.ts';
import type { CommandModule } from './types.ts';
import { existsSync } from 'node:fs';

const DATA_DIR = { kind: 'string', meta: 'DIR', defaultText: 'PEAPOD_DATA_DIR or ../shared/data', help: 'the data dir' } as const;

/** One table per subcommand; `peapod data --help` prints them all. */
export const DATA = {
  download: defineCommand({
    command: 'peapod data download',
    usage: ['[--dest DIR] [--dataset NAME] [--mirror URL]'],
    about: 'Fetch missing dataset files from their original sources (or a mirror laid out as <mirror>/<dataset>/<file>), verify size + SHA-256, write atomically.',
    options: {
      dest: { ...DATA_DIR, help: 'where the dataset folders go' },
      dataset: { kind: 'choice', choices: DATASET_NAMES, meta: 'NAME', defaultText: 'all', help: 'fetch this dataset only' },
      mirror: { kind: 'string', meta: 'URL', defaultText: 'PEAPOD_DATA_MIRROR, else the original sources', help: 'fetch from this copy' },
    },
  }),
  info: defineCommand({
    command: 'peapod data info',
    usage: ['[--data-dir DIR] [--dataset NAME]'],
    about: 'Users, items, interactions, sequence lengths, parse time; explanation count for review data.',
    options: { 'data-dir': DATA_DIR, dataset: { kind: 'string', meta: 'NAME', defaultText: 'every dataset present', help: 'this dataset only' } },
  }),
  check: defineCommand({
    command: 'peapod data check',
    usage: ['[--data-dir DIR] [--dataset NAME]'],
    about: 'Validate every dataset folder: checksums, parsing, counts, splits, negatives. Exit 1 on problems.',
    options: { 'data-dir': DATA_DIR, dataset: { kind: 'string', meta: 'NAME', defaultText: 'every known dataset', help: 'this dataset only' } },
  }),
  fingerprint: defineCommand({
    command: 'peapod data fingerprint',
    usage: ['[--data-dir DIR] [--dataset NAME]'],
    about: "SHA-256 fingerprint of each dataset's files (what model packs record).",
    options: { 'data-dir': DATA_DIR, dataset: { kind: 'string', meta: 'NAME', defaultText: 'every dataset present', help: 'this dataset only' } },
  }),
};

type Sub = keyof typeof DATA;
type Values<S extends Sub> = OptionValues<(typeof DATA)[S]['options']>;

/** `peapod data --help`: each subcommand with what it does and its options. */
export function dataHelp(): string {
  const out = ['usage:'];
  for (const spec of Object.values(DATA)) {
    out.push(`  ${spec.command} ${spec.usage[0]}`, ...wrap(spec.about ?? '', 94).map((l) => `      ${l}`), ...optionLines(spec.options, '      ').filter(Boolean), '');
  }
  out.push(`Datasets: ${DATASET_NAMES.join(', ')}.`);
  return out.join('\n');
}

function chosen(dataset: string | undefined, dataDir: string): string[] {
  if (dataset !== undefined) return [dataset];
  return DATASET_NAMES.filter((n) => existsSync(path.join(dataDir, n)));
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

async function download(o: Values<'download'>): Promise<number> {
  const dest = path.resolve(o.dest ?? resolveDataDir());
  const mirror = o.mirror ?? (process.env['PEAPOD_DATA_MIRROR'] || undefined);
  const names = o.dataset !== undefined ? [o.dataset] : DATASET_NAMES;
  const totalBytes = DATASET_SOURCES.filter((d) => names.includes(d.name)).reduce((s, d) => s + d.files.reduce((t, f) => t + f.bytes, 0), 0);
  let doneBytes = 0;
  const progress = new ProgressLine('download');
  const outcomes = await downloadDatasets({
    dest,
    datasets: names,
    ...(mirror ? { mirror } : {}),
    onProgress: (p) => progress.update((doneBytes + p.received) / totalBytes, `${p.dataset}/${p.file} ${mib(p.received)} of ${mib(p.total)}`),
    onFile: (r) => {
      doneBytes += r.bytes;
      progress.update(doneBytes / totalBytes, `${r.dataset}/${r.path} ${r.status}`, true);
    },
  });
  const count = (s: string): number => outcomes.filter((o) => o.status === s).length;
  progress.done(`${outcomes.length} files in ${dest}: ${count('downloaded')} downloaded, ${count('generated')} regenerated, ${count('present')} already present (all SHA-256 verified)`);
  return 0;
}

function timed<T>(f: () => T): [T, number] {
  const t = performance.now();
  const v = f();
  return [v, performance.now() - t];
}

function describe(ds: InteractionDataset, ms: number): string {
  const s = datasetStats(ds);
  const neg = ds.negatives ? `, fixed test negatives for ${ds.negatives.length} users` : '';
  return `${ds.name} (${ds.kind}): users ${s.users}, items ${s.items}, interactions ${s.interactions}, sequence length min ${s.minLength} / mean ${s.meanLength.toFixed(2)} / max ${s.maxLength}${neg}; parsed in ${ms.toFixed(0)} ms`;
}

async function info(o: Values<'info'>): Promise<number> {
  const dataDir = path.resolve(o.dataDir ?? resolveDataDir());
  const names = chosen(o.dataset, dataDir);
  if (names.length === 0) {
    console.log(`No datasets in ${dataDir}. Run \`npx peapod data download\`.`);
    return 1;
  }
  console.log(`data dir: ${dataDir}`);
  for (const name of names) {
    const [ds, ms] = timed(() => loadDataset(name, { dataDir }));
    console.log(describe(ds, ms));
    if (ds.kind === 'amazon-reviews') {
      const [ex, ems] = timed(() => loadExplanations(name, 1, { dataDir }));
      const { train, val, test, moved } = ex.split;
      console.log(
        `  explanations: ${ex.records.length} of ${ex.reviews} reviews yield a feature sentence (${ex.features.length} feature words); ` +
          `split seed 1: train ${train.length} / val ${val.length} / test ${test.length} (${moved} moved to train); ${ems.toFixed(0)} ms`,
      );
    }
  }
  return 0;
}

/** Every check for one dataset; returns problem sentences (empty = fine). */
function checkDataset(dataDir: string, name: string): string[] {
  const problems: string[] = verifyLocalDataset(dataDir, name).map((p) => `${p.path}: ${p.problem}`);
  let ds: InteractionDataset;
  try {
    ds = loadDataset(name, { dataDir });
  } catch (err) {
    if (err instanceof DatasetError) return [...problems, err.message];
    throw err;
  }
  const s = datasetStats(ds);
  const expected = datasetSource(name)?.expected;
  if (expected && (expected.users !== s.users || expected.items !== s.items || expected.interactions !== s.interactions)) {
    problems.push(`counts ${s.users}/${s.items}/${s.interactions} differ from the expected ${expected.users}/${expected.items}/${expected.interactions} (users/items/interactions)`);
  }
  const used = new Uint8Array(ds.numItems + 1);
  for (const seq of ds.sequences) for (const it of seq) used[it] = 1;
  let unused = 0;
  for (let i = 1; i <= ds.numItems; i++) if (!used[i]) unused++;
  if (unused > 0) problems.push(`${unused} item ids in 1..${ds.numItems} never occur in any sequence`);
  try {
    leaveOneOut(ds.sequences, ds.dir);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (ds.negatives) {
    let bad = 0;
    ds.negatives.forEach((neg, u) => {
      const own = new Set(ds.sequences[u]);
      if (neg.some((it) => own.has(it) || it < 1 || it > ds.numItems)) bad++;
    });
    if (bad > 0) problems.push(`${bad} users have a negative that is in their own history or out of range`);
  }
  return problems;
}

async function check(o: Values<'check'>): Promise<number> {
  const dataDir = path.resolve(o.dataDir ?? resolveDataDir());
  const names = o.dataset !== undefined ? [o.dataset] : DATASET_NAMES;
  let failed = 0;
  for (const name of names) {
    const [problems, ms] = timed(() => checkDataset(dataDir, name));
    if (problems.length === 0) console.log(`ok    ${name} (${ms.toFixed(0)} ms)`);
    else {
      failed++;
      console.log(`FAIL  ${name}`);
      for (const p of problems) console.log(`      - ${p}`);
    }
  }
  console.log(failed === 0 ? `all ${names.length} datasets valid in ${dataDir}` : `${failed} of ${names.length} datasets have problems (data dir ${dataDir})`);
  return failed === 0 ? 0 : 1;
}

async function fingerprint(o: Values<'fingerprint'>): Promise<number> {
  const dataDir = path.resolve(o.dataDir ?? resolveDataDir());
  for (const name of chosen(o.dataset, dataDir)) {
    const fp = datasetFingerprint(path.join(dataDir, name));
    console.log(`${fp.fingerprint}  ${name} (${fp.files.length} files)`);
  }
  return 0;
}

export const command: CommandModule = {
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || wantsHelp(argv)) {
      console.log(dataHelp());
      return sub ? 0 : 2;
    }
    switch (sub) {
      case 'download':
        return download(parseCommand(DATA.download, rest).values);
      case 'info':
        return info(parseCommand(DATA.info, rest).values);
      case 'check':
        return check(parseCommand(DATA.check, rest).values);
      case 'fingerprint':
        return fingerprint(parseCommand(DATA.fingerprint, rest).values);
      default:
        throw new CliUsageError(`unknown subcommand "${sub}"\n${dataHelp()}`);
    }
  },
};

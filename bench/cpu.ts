// CPU benchmarks of the Node-side fits and counts whose times the unit tests used to print (issue 16,
// section 4): the tests now check only correctness; this script times the same calls on the same data.
//   pmf          fitPmf, defaults (d 64, 10 sweeps), on Amazon Beauty's training prefixes (src/train/cf.slow.test.ts)
//   bivae        fitBiVae, defaults (d 64), same data (src/train/cf.slow.test.ts)
//   similarUsers similarUsers on 22,363 x 64 random rows, n = 40 (src/model/neighbours.slow.test.ts)
//   negatives    P5's test negatives for Amazon Toys, generated and formatted (src/data/negatives.slow.test.ts)
//   transitions  the transition table of the shipped Beauty pack: the fast count vs the Map-per-item
//                reference (src/model/transition-table.slow.test.ts)
// Each item runs `runs` times (default 3); for each it prints and saves min / median / max of CPU
// seconds (process.cpuUsage, user + system: the fits are single-threaded, and CPU time moves less than
// wall time on a shared machine) and of wall seconds, to bench/results/cpu/<timestamp>.json (a folder
// of its own: bench/run.ts reads every bench/results/*.json as one of its runs). A dataset or pack that
// is absent is skipped with a one-line message. Numbers, not timed tests.
// Usage: npx tsx bench/cpu.ts [runs=3] [--only pmf,bivae,similarUsers,negatives,transitions]
//        (env PEAPOD_DATA_DIR, as for the tests)
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatNegatives, p5TestNegatives } from '../src/data/negatives.ts';
import { readTextFile, resolveDataDir } from '../src/data/node-fs.ts';
import { parseSequentialData } from '../src/data/p5.ts';
import { similarUsers } from '../src/model/neighbours.ts';
import { loadPack } from '../src/model/pack/load.ts';
import { nodePackSource } from '../src/model/pack/node.ts';
import { trainingParts, transitionTableFromHistories } from '../src/model/transitions.ts';
import { referenceTransitionTable as referenceTable } from '../src/model/transitions-reference.ts';
import { PACK_DATA } from '../src/model/types.ts';
import { BIVAE_DEFAULTS, PMF_DEFAULTS, fitBiVae, fitPmf, interactionsFromLists, sampledHitRate, type Interactions } from '../src/train/cf.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',').filter(Boolean)) : null;
const positional = args.filter((a, i) => !a.startsWith('--') && (onlyAt < 0 || i !== onlyAt + 1));
const runs = Number(positional[0] ?? 3);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, got ${positional[0]}`);
const dataDir = resolveDataDir();

interface Spread {
  min: number;
  median: number;
  max: number;
}
interface ItemResult {
  name: string;
  what: string;
  runs: number;
  cpuS: Spread;
  wallS: Spread;
  samples: { cpuS: number; wallS: number }[];
  /** Extra sub-timings (the transition table's two counts) and checks (HR@10 of a fit, entries). */
  parts?: Record<string, { cpuS: Spread; wallS: Spread }>;
  info?: Record<string, number | string>;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: round(s[0]!), median: round(median), max: round(s[s.length - 1]!) };
}

/** CPU (user + system) and wall seconds of one call. */
function timed<T>(f: () => T): { value: T; cpuS: number; wallS: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, cpuS: (c.user + c.system) / 1e6, wallS };
}

const fmt = (s: Spread): string => `${s.min.toFixed(2)} / ${s.median.toFixed(2)} / ${s.max.toFixed(2)}`;
const results: ItemResult[] = [];
const skipped: { name: string; reason: string }[] = [];

/** Runs `once` `runs` times; `once` returns its own timings (so that setup stays out of them). */
function bench(name: string, what: string, once: (run: number) => { cpuS: number; wallS: number; parts?: Record<string, { cpuS: number; wallS: number }>; info?: Record<string, number | string> }): void {
  const samples: { cpuS: number; wallS: number }[] = [];
  const parts = new Map<string, { cpuS: number; wallS: number }[]>();
  let info: Record<string, number | string> | undefined;
  for (let r = 0; r < runs; r++) {
    const s = once(r);
    samples.push({ cpuS: round(s.cpuS), wallS: round(s.wallS) });
    for (const [k, v] of Object.entries(s.parts ?? {})) parts.set(k, [...(parts.get(k) ?? []), v]);
    info ??= s.info;
    process.stdout.write(`  ${name} run ${r + 1}/${runs}: ${s.cpuS.toFixed(2)} s CPU, ${s.wallS.toFixed(2)} s wall\n`);
  }
  const res: ItemResult = {
    name,
    what,
    runs,
    cpuS: spread(samples.map((s) => s.cpuS)),
    wallS: spread(samples.map((s) => s.wallS)),
    samples,
    ...(parts.size ? { parts: Object.fromEntries([...parts].map(([k, v]) => [k, { cpuS: spread(v.map((x) => x.cpuS)), wallS: spread(v.map((x) => x.wallS)) }])) } : {}),
    ...(info ? { info } : {}),
  };
  results.push(res);
  process.stdout.write(`${name}: CPU s min/median/max ${fmt(res.cpuS)}; wall s ${fmt(res.wallS)}${info ? `; ${JSON.stringify(info)}` : ''}\n`);
  for (const [k, v] of Object.entries(res.parts ?? {})) process.stdout.write(`  ${k}: CPU s ${fmt(v.cpuS)}; wall s ${fmt(v.wallS)}\n`);
}

function skip(name: string, reason: string): void {
  skipped.push({ name, reason });
  process.stdout.write(`${name}: skipped, ${reason}\n`);
}

const want = (name: string): boolean => !only || only.has(name);

// --- Beauty CF fits: P5 ids used directly (row 0 stays empty), training = each sequence without its last two items.
if (want('pmf') || want('bivae')) {
  const beautyFile = path.join(dataDir, 'amazon-beauty-p5', 'sequential_data.txt');
  if (!existsSync(beautyFile)) {
    for (const n of ['pmf', 'bivae']) if (want(n)) skip(n, `${beautyFile} is absent (set PEAPOD_DATA_DIR)`);
  } else {
    const seqs = readFileSync(beautyFile, 'utf8').trim().split('\n').map((l) => l.trim().split(' ').slice(1).map(Number));
    const numItems = seqs.reduce((m, s) => Math.max(m, ...s), 0) + 1;
    const train: Interactions = interactionsFromLists(seqs.map((s) => s.slice(0, -2)), numItems);
    const valid = Int32Array.from(seqs.map((s) => s[s.length - 2]!));
    const hr = (m: Parameters<typeof sampledHitRate>[0]): number => round(sampledHitRate(m, valid, train, { firstItem: 1 }), 4);
    if (want('pmf')) {
      bench('pmf', `fitPmf on Beauty's training prefixes (${train.numUsers} users), d ${PMF_DEFAULTS.d}, ${PMF_DEFAULTS.iterations} sweeps`, (r) => {
        const t = timed(() => fitPmf(train));
        return { cpuS: t.cpuS, wallS: t.wallS, ...(r === 0 ? { info: { validationHR10: hr(t.value) } } : {}) };
      });
    }
    if (want('bivae')) {
      bench('bivae', `fitBiVae on Beauty's training prefixes, d ${BIVAE_DEFAULTS.d}, ${BIVAE_DEFAULTS.epochs} epochs`, (r) => {
        const t = timed(() => fitBiVae(train));
        return { cpuS: t.cpuS, wallS: t.wallS, ...(r === 0 ? { info: { validationHR10: hr(t.value) } } : {}) };
      });
    }
  }
}

// --- similarUsers at Beauty's size on the test's random rows (lcg seed 3, values in [-0.5, 0.5)).
if (want('similarUsers')) {
  const N = 22363;
  const d = 64;
  let s = 3;
  const rnd = (): number => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const e = new Float32Array(N * d).map(() => rnd() - 0.5);
  bench('similarUsers', `similarUsers ${N} x ${d}, n = 40 (random rows)`, () => {
    const t = timed(() => similarUsers(e, d, 40));
    return { cpuS: t.cpuS, wallS: t.wallS };
  });
}

// --- Toys test negatives: P5's procedure over every user, formatted as negative_samples.txt.
if (want('negatives')) {
  const dir = path.join(dataDir, 'amazon-toys-p5');
  const file = path.join(dir, 'sequential_data.txt');
  if (!existsSync(file)) skip('negatives', `${file} is absent (set PEAPOD_DATA_DIR)`);
  else {
    const seq = parseSequentialData(readTextFile(file), 'seq');
    bench('negatives', `P5 test negatives for Amazon Toys (${seq.users.length} users), generated and formatted`, () => {
      const t = timed(() => formatNegatives(seq.users, p5TestNegatives(seq.sequences)));
      return { cpuS: t.cpuS, wallS: t.wallS, info: { bytes: t.value.length } };
    });
  }
}

// --- Transition table of the shipped Beauty pack: the fast count vs the reference (the item's time is their sum).
if (want('transitions')) {
  const packDir = path.join(root, 'public', 'models', 'beauty');
  if (!existsSync(path.join(packDir, 'manifest.json'))) skip('transitions', `no pack at ${packDir}`);
  else {
    const pack = await loadPack(nodePackSource(packDir));
    const offsets = pack.data.get(PACK_DATA.historyOffsets)!.values as Int32Array;
    const items = pack.data.get(PACK_DATA.historyItems)!.values as Int32Array;
    const numItems = pack.manifest.dataset.items;
    bench('transitions', 'transition table of the Beauty pack: fast count + Map-per-item reference', () => {
      const fast = timed(() => transitionTableFromHistories(offsets, items, numItems));
      const ref = timed(() => referenceTable(trainingParts(offsets, items), numItems));
      const same = Buffer.from(fast.value.weights.buffer).equals(Buffer.from(ref.value.weights.buffer)) && fast.value.targets.length === ref.value.targets.length;
      if (!same) throw new Error('the fast transition table differs from the reference');
      return {
        cpuS: fast.cpuS + ref.cpuS,
        wallS: fast.wallS + ref.wallS,
        parts: { fast: { cpuS: fast.cpuS, wallS: fast.wallS }, reference: { cpuS: ref.cpuS, wallS: ref.wallS } },
        info: { entries: fast.value.targets.length },
      };
    });
  }
}

const date = new Date().toISOString();
let commit = '';
try {
  commit = execSync('git rev-parse --short HEAD', { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  // not a git checkout
}
const load = os.loadavg().map((x) => round(x, 2));
const record = {
  kind: 'cpu',
  date,
  command: `npx tsx bench/cpu.ts ${args.join(' ')}`.trim(),
  commit,
  machine: `${os.cpus()[0]?.model ?? 'cpu'} x ${os.cpus().length}, ${os.platform()} ${os.release()}, node ${process.version}`,
  loadAverageAtEnd: load,
  dataDir,
  runs,
  results,
  skipped,
};
const dir = path.join(root, 'bench', 'results', 'cpu');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(record, null, 1) + '\n');
process.stdout.write(`\nmedians (CPU s / wall s), ${runs} run(s), load average ${load.join(' ')}:\n`);
for (const r of results) process.stdout.write(`  ${r.name.padEnd(13)} ${r.cpuS.median.toFixed(2)} / ${r.wallS.median.toFixed(2)}${r.parts ? '  (' + Object.entries(r.parts).map(([k, v]) => `${k} ${v.cpuS.median.toFixed(3)} / ${v.wallS.median.toFixed(3)}`).join(', ') + ')' : ''}\n`);
process.stdout.write(`wrote ${path.relative(root, file)}\n`);

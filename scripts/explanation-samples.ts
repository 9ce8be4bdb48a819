// Writes <run>/explanation-samples.json: `--n` (20) test pairs drawn by a seeded random draw (`--seed`,
// 15) from a `peapod eval` run's predictions.jsonl, each with its reference, the model's sentence and
// the copy baselines' sentences for the same pair (their runs' predictions.jsonl), plus the output
// quality counts (<unk>, a word three times in a row, the most common output's share). RESULTS.md
// quotes it (scripts/results.ts). Usage:
//   npx tsx scripts/explanation-samples.ts --run results/musical-instruments/X \
//     --baseline item-explanation=results/musical-instruments/baseline-item-explanation-remap \
//     --baseline user-explanation=results/musical-instruments/baseline-user-explanation-remap
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawExplanationSamples, explanationQuality } from '../src/eval/explanation-quality.ts';

interface Row {
  task: string;
  user: number;
  item: number;
  reference: string;
  generated: string;
}

function readRows(dir: string): Row[] {
  const file = path.join(dir, 'predictions.jsonl');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npx peapod eval\` with --out ${dir} first.`);
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row)
    .filter((r) => r.task === 'explanation');
}

export function writeSamples(argv: string[]): string {
  let run = '';
  let n = 20;
  let seed = 15;
  const baselines: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--run') run = argv[++i]!;
    else if (a === '--n') n = Number(argv[++i]);
    else if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--baseline') {
      const [name, dir] = argv[++i]!.split('=');
      baselines[name!] = dir!;
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!run) throw new Error('--run DIR is required');
  const rows = readRows(run);
  const samples = drawExplanationSamples(rows, Object.fromEntries(Object.entries(baselines).map(([k, d]) => [k, readRows(d)])), n, seed);
  const out = {
    run,
    seed,
    draw: 'evalUsers(pairs, n, seed): a seeded partial Fisher-Yates shuffle (mulberry32) over the test pairs, in pair order',
    quality: explanationQuality(rows.map((r) => r.generated)),
    baselines,
    samples,
  };
  const file = path.join(run, 'explanation-samples.json');
  fs.writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
  return file;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) console.log(`wrote ${writeSamples(process.argv.slice(2))}`);

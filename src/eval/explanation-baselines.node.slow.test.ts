// Explanation baselines on the real Musical Instruments data: the pairs are the ones the shipped
// pack is evaluated on, and every output is a training sentence of the pair's item / user.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../data/node-fs.ts';
import { reviewExplanationSplit } from '../data/node-review-pairs.ts';
import { evaluateExplanationBaseline } from './node-baselines.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dataDir = process.env.PEAPOD_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');
const name = 'amazon-musical-instruments-5core';
const packRefs = path.join(repoRoot, 'public/models/musical-instruments/explanations.json');
const present = existsSync(path.join(dataDir, name)) && existsSync(packRefs);
// Without them (set PEAPOD_DATA_DIR) the test is skipped, silently: the runner's summary counts it.

const tmp = mkdtempSync(path.join(os.tmpdir(), 'expl-baseline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!present)('explanation baselines on Musical Instruments', () => {
  it.each(['item-explanation', 'user-explanation'] as const)('%s: the pack’s test pairs, outputs copied from the key’s training sentences', (baseline) => {
    const out = path.join(tmp, baseline);
    const r = evaluateExplanationBaseline({ baseline, dataset: name, dataDir, idMode: 'remap', seed: 1, out, command: 'test' });
    const rows = readFileSync(path.join(out, 'predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { user: number; item: number; reference: string; generated: string });
    // Same pairs, same order as `peapod eval` on the shipped pack (its explanations.json: user index + reference).
    const refs = JSON.parse(readFileSync(packRefs, 'utf8')) as { user: number; reference: string }[];
    const ds = loadDataset(name, { dataDir });
    expect(rows.map((x) => [x.user, x.reference])).toEqual(refs.map((x) => [ds.users[x.user], x.reference]));
    expect(r.metrics.explanation!.pairs).toBe(refs.length);
    // Every pair's user and item have training explanations (the split moves held-out pairs otherwise).
    expect(r.fallbacks).toBe(0);
    const split = reviewExplanationSplit(ds, dataDir);
    const key = (u: number, i: number): number => (baseline === 'item-explanation' ? i : u);
    const own = new Map<number, Set<string>>();
    for (const p of split.train) {
      const k = key(ds.users[p.user]!, p.item);
      if (!own.has(k)) own.set(k, new Set());
      own.get(k)!.add(p.text);
    }
    for (const x of rows) expect(own.get(key(x.user, x.item))!.has(x.generated)).toBe(true);
    for (const v of Object.values(r.metrics.explanation!)) expect(Number.isFinite(v)).toBe(true);
  });
});

// The shipped Beauty pack (public/models/beauty, whatever weights it currently has) opened from disk
// exactly as the worker opens it over HTTP, then driven through the engine: the neighbours and
// histories it shows are the pack's own arrays, and cold-start fold-in of an existing user's
// training items lands next to that user.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePackSource } from '../model/pack/node.ts';
import { Engine } from './engine.ts';
import type { ByteProgress } from './fetch-progress.ts';
import { openPack, parseTrainingLog } from './pack-source.ts';

const PACK_DIR = path.resolve(import.meta.dirname, '../../public/models/beauty');
const HAVE_PACK = existsSync(path.join(PACK_DIR, 'manifest.json'));
// Without the pack (export one with peapod train --out public/models/beauty) the pack tests are skipped,
// silently: the runner's summary counts them.

describe('parseTrainingLog', () => {
  it('keeps rows with a numeric step and skips broken lines', () => {
    const rows = parseTrainingLog('{"step":1,"loss":2.5,"task":"sequential"}\nnot json\n\n{"loss":1}\n{"step":2,"valLoss":2.1}\n');
    expect(rows).toEqual([
      { step: 1, loss: 2.5, task: 'sequential' },
      { step: 2, valLoss: 2.1 },
    ]);
  });
});

describe.skipIf(!HAVE_PACK)('the Beauty pack through the engine', () => {
  let engine: Engine;
  const progress: ByteProgress[] = [];
  beforeAll(async () => {
    await tf.setBackend('cpu');
    engine = new Engine(await openPack(nodePackSource(PACK_DIR), (p) => progress.push(p)), 'beauty');
  }, 120_000);
  afterAll(() => engine?.dispose());

  it('reported byte progress for every file up to its full size', () => {
    const last = new Map(progress.map((p) => [p.file, p]));
    expect(last.has('manifest.json')).toBe(true);
    expect([...last.keys()].some((f) => f.startsWith('weights'))).toBe(true);
    for (const p of last.values()) if (p.file !== 'manifest.json') expect(p.loaded).toBe(p.total);
  });

  it('describes the pack as the manifest does: 22,363 users, 12,101 items, readable names', () => {
    expect(engine.summary.numUsers).toBe(22363);
    expect(engine.summary.numItems).toBe(12101);
    expect(engine.summary.itemNames).toHaveLength(12102);
    expect(engine.summary.itemNames.slice(1, 50).every((n) => n.length > 0)).toBe(true);
    expect(engine.summary.nDefault).toBeLessThanOrEqual(engine.summary.nMax);
  });

  it('shows user 0 with a history of at least 5 items and neighbours sorted by cosine', () => {
    const u = engine.userInfo(0);
    expect(u.history.length).toBeGreaterThanOrEqual(5); // Beauty is 5-core
    expect(u.neighbours).toHaveLength(engine.summary.nMax);
    for (let k = 1; k < u.neighbours.length; k++) expect(u.neighbours[k]!.similarity).toBeLessThanOrEqual(u.neighbours[k - 1]!.similarity + 1e-6);
    expect(engine.findUser(u.label)).toBe(0);
  });

  it('runs the real model: attention rows sum to 1 over n neighbours, 10 next items, 100 ranked candidates', async () => {
    const n = engine.summary.nDefault;
    const r = await engine.infer({ target: { kind: 'user', index: 0 }, whatIf: { masked: [], n, individualOnly: false }, constrained: true, evaluation: true });
    expect(r.attention!.weights).toHaveLength(engine.summary.heads);
    for (const row of r.attention!.weights) {
      expect(row).toHaveLength(n);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    expect(r.prompt.task).toHaveLength(engine.summary.promptLength);
    expect(r.sequential).toHaveLength(10);
    expect(r.topn!.ranked).toHaveLength(100);
    expect(r.topn!.positive).toBe(r.user.testItem!.id);
  }, 60_000);

  it("folding in a user's own training items recovers a vector whose nearest users match the stored ones", async () => {
    const u = engine.userInfo(0);
    const training = u.history.slice(0, -2).map((i) => i.id);
    const r = await engine.infer({ target: { kind: 'profile', name: 'twin of user 0', items: training }, whatIf: { masked: [], n: engine.summary.nDefault, individualOnly: false }, constrained: true, evaluation: false });
    expect(r.user.index).toBeNull();
    expect(r.user.history.map((i) => i.id)).toEqual(training);
    expect(r.topn).toBeNull();
    // The fold-in solves the same row problem training solved, so the twin's neighbours are user 0
    // itself (similarity ~1) followed by user 0's own stored neighbours.
    expect(r.user.neighbours[0]!.index).toBe(0);
    expect(r.user.neighbours[0]!.similarity).toBeGreaterThan(0.99);
    const stored = new Set(u.neighbours.slice(0, 10).map((x) => x.index));
    const overlap = r.user.neighbours.slice(1, 11).filter((x) => stored.has(x.index)).length;
    expect(overlap).toBeGreaterThanOrEqual(8);
  }, 60_000);
});

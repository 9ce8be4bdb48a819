// Smoke test of the whole Node pipeline on a tiny real slice (the first 30 Musical Instruments users,
// all three tasks, a tiny model): validation loss decreases, an interrupted run resumed from its
// checkpoint ends with exactly the weights of an uninterrupted run, the exported pack loads and
// evaluates, and predictions.jsonl has the documented shape.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { loadDataset, resolveDataDir } from '../data/node.ts';
import type { InteractionDataset } from '../data/types.ts';
import { evaluatePack } from '../eval/node-eval.ts';
import { runTrainPipeline, type PipelineOptions } from './pipeline.ts';
import { reviewExplanations, runTrainAndExport } from './run.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { TRAINING_LOG, type LogRow } from './trainer.ts';
import { trainingSequences, type ExplanationSplit } from '../data/prepare.ts';
import { fitUserEmbeddings } from './cf-fit.ts';
import { FoldIn } from '../model/foldin.ts';
import { alsIterationFrom, interactionsFromLists, PMF_DEFAULTS } from './cf.ts';
import { TINY } from './tiny-run.ts';

const DATASET = 'amazon-musical-instruments-5core';
const dataDir = resolveDataDir();
const present = fs.existsSync(path.join(dataDir, DATASET));
// Without it (set PEAPOD_DATA_DIR or run `npx peapod data download --dataset amazon-musical-instruments-5core`)
// the smoke test is skipped, silently: the runner's summary counts it.

describe.skipIf(!present)('training pipeline on a tiny slice', () => {
  let ds: InteractionDataset;
  let ex: ExplanationSplit | null;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'peapod-pipeline-'));
  const base = (runDir: string, maxSteps: number, resume: boolean): PipelineOptions => ({
    dataset: ds,
    out: path.join(tmp, 'pack'),
    runDir,
    ...TINY,
    tasks: ['explanation', 'sequential', 'topn'],
    users: 30,
    seed: 3,
    resume,
    dtype: 'float32',
    command: 'vitest pipeline smoke test',
    explanations: () => ex,
    quiet: true,
    train: {
      batchSize: 8,
      topnCandidates: 5,
      maxInputTokens: 64,
      maxSteps,
      maxMinutes: 10,
      validateEveryMinutes: 60, // validate at step 0 and at the end only
      patience: 1000,
      checkpointEveryMinutes: 0,
      validationUsers: 8,
      schedule: { peakLr: 2e-2, warmupSteps: 2, finalFraction: 1 },
      adamw: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, clipNorm: 1 },
      logEvery: 3,
    },
  });

  beforeAll(async () => {
    await tf.setBackend('cpu');
    ds = loadDataset(DATASET, { dataDir });
    ex = reviewExplanations(dataDir)(ds);
  });

  it('trains, resumes exactly, exports a pack that evaluates', async () => {
    const runA = path.join(tmp, 'runA');
    const first = await runTrainPipeline(base(runA, 9, false));
    expect(first.config.tasks).toEqual(['explanation', 'sequential', 'topn']);
    expect(first.train.state.step).toBe(9);
    const rowsA = fs.readFileSync(path.join(runA, TRAINING_LOG), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogRow);
    const vals = rowsA.filter((r) => r.valLoss !== undefined).map((r) => r.valLoss!);
    // Validation at step 0 vs after 9 steps at lr 2e-2 (measured: 7.09 -> 5.57): the model at least
    // learns </s> and the token marginals, well below its starting loss. Before the optimizer fix the
    // two were identical, so this catches a model that does not train.
    expect(vals.length).toBe(2);
    expect(vals[1]!).toBeLessThan(vals[0]! - 0.5);
    expect(rowsA.some((r) => r.task === 'explanation' && r.loss! > 0)).toBe(true);

    // Resume the interrupted run up to step 12 ...
    const resumed = await runTrainPipeline(base(runA, 12, true));
    expect(resumed.train.state.step).toBe(12);
    const rows = fs.readFileSync(path.join(runA, TRAINING_LOG), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogRow);
    const trainSteps = rows.filter((r) => r.task !== undefined).map((r) => `${r.step}/${r.task}`);
    expect(new Set(trainSteps).size).toBe(trainSteps.length); // nothing logged twice
    expect(rows.filter((r) => r.task !== undefined).map((r) => r.step)).toEqual([3, 3, 3, 6, 6, 6, 9, 9, 9, 12, 12, 12]);

    // ... and train the same 12 steps in one go, then export, evaluate and compare.
    const runB = path.join(tmp, 'runB');
    const out = path.join(tmp, 'pack');
    // runTrainAndExport ends with a one-line summary on stderr (quiet or not): keep it out of the test log.
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let packBytes: number;
    try {
      ({ packBytes } = await runTrainAndExport({ ...base(runB, 12, false), out, evalUsers: 6, backend: 'cpu (test)' }));
      expect(stderr.mock.calls.some(([s]) => String(s).startsWith(`pack: ${out} (`))).toBe(true);
    } finally {
      stderr.mockRestore();
    }
    const a = loadCheckpoint(path.join(runA, 'checkpoint')).values;
    const b = loadCheckpoint(path.join(runB, 'checkpoint')).values;
    expect([...a.keys()]).toEqual([...b.keys()]);
    let maxDiff = 0;
    for (const [k, v] of a) {
      const w = b.get(k)!.data;
      for (let i = 0; i < v.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(v.data[i]! - w[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-5);

    expect(packBytes).toBeGreaterThan(0);
    for (const f of ['manifest.json', 'items.json', 'example.json', 'training-log.jsonl', 'explanations.json']) expect(fs.existsSync(path.join(out, f))).toBe(true);
    const example = JSON.parse(fs.readFileSync(path.join(out, 'example.json'), 'utf8'));
    expect(example.result.attention.weights.length).toBe(2);
    for (const row of example.result.attention.weights as number[][]) expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 3);
    expect(example.result.sequential.length).toBe(10);

    const evalOut = path.join(tmp, 'eval');
    const report = await evaluatePack({ pack: out, split: 'test', out: evalOut, users: 6, constrained: true, command: 'test', backend: 'cpu', quiet: true });
    expect(report.users).toBe(6);
    expect(report.metrics.sequential!.users).toBe(6);
    const lines = fs.readFileSync(path.join(evalOut, 'predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const byTask = (t: string) => lines.filter((l) => l.task === t);
    expect(byTask('sequential').length).toBe(6);
    expect(byTask('topn').length).toBe(6);
    expect(byTask('explanation').length).toBeGreaterThan(0);
    for (const l of [...byTask('sequential'), ...byTask('topn')]) {
      expect(Object.keys(l).sort()).toEqual(['ranked', 'target', 'task', 'user']);
      expect(l.ranked.length).toBe(10);
      expect(Number.isInteger(l.target)).toBe(true);
      for (const i of l.ranked) expect(Number.isInteger(i)).toBe(true);
    }
    // Top-n lists rank the candidates: the positive and P5's negatives (which may repeat an item).
    for (const l of byTask('topn')) expect(l.ranked.every((i: number) => i >= 1)).toBe(true);
    for (const l of byTask('explanation')) {
      expect(Object.keys(l).sort()).toEqual(['generated', 'item', 'reference', 'task', 'user']);
      expect(typeof l.generated).toBe('string');
    }
    const metrics = JSON.parse(fs.readFileSync(path.join(evalOut, 'metrics.json'), 'utf8'));
    expect(metrics.metrics.topn.HR10).toBeGreaterThanOrEqual(0);
    expect(metrics.metrics.explanation.pairs).toBeGreaterThan(0);
  }, 300_000); // ~25 s of CPU on an idle machine; generous for a loaded one

  it('--holdout-last: CF for training fitted without the training targets; the pack gets one full-data iteration from it', async () => {
    const o = { ...base(path.join(tmp, 'runH'), 2, false), tasks: ['sequential', 'topn'] as ('sequential' | 'topn')[], holdoutLast: true, cfFoldIn: true };
    const r = await runTrainPipeline(o);
    const train = trainingSequences(r.prepared.ds);
    const numItems = r.prepared.ds.numItems;
    const held = fitUserEmbeddings('pmf', train.map((x) => x.subarray(0, x.length - 1)), numItems, 8, 3, true);
    // Training's user rows: each full training part folded in against the held-out item factors ...
    const fold = new FoldIn(held.itemFactors, held.d, { alpha: PMF_DEFAULTS.alpha, lambda: PMF_DEFAULTS.lambda });
    const folded = new Float32Array(train.length * held.d);
    train.forEach((x, u) => folded.set(fold.user(x), u * held.d));
    // ... and the pack's CF: one iALS iteration on the full training parts from them.
    const want = alsIterationFrom(interactionsFromLists(train, numItems + 1), folded, held.d, { alpha: PMF_DEFAULTS.alpha, lambda: PMF_DEFAULTS.lambda });
    const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
    expect(r.cf.itemFactors.length).toBe(want.items.length);
    expect(maxDiff(r.cf.itemFactors, want.items)).toBeLessThan(1e-6);
    expect(maxDiff(r.cf.userFactors, want.users)).toBeLessThan(1e-6);
    // The refit moved the factors: the last training items are now in them.
    expect(maxDiff(r.cf.itemFactors, held.itemFactors)).toBeGreaterThan(1e-4);
    expect(r.collab.cfUser).toBe(r.cf.userFactors);
    expect(r.train.state.step).toBe(2);
    await expect(runTrainPipeline({ ...o, runDir: path.join(tmp, 'runH2'), cf: 'bivae' })).rejects.toThrow(/--holdout-last needs --cf pmf/);
  }, 120_000);
});

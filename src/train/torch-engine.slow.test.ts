// The PyTorch side of training (tools/torch), run for real where Debian's python3-torch is installed
// (.ci/run installs it): the golden generator still reproduces the committed fixture, and
// `--engine torch` trains a tiny model on a real slice end to end (bundle -> train.py -> checkpoint
// import) and hands back exactly the weights train.py saved.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { loadDataset, resolveDataDir } from '../data/node.ts';
import { parseSafetensors } from '../model/pack/safetensors.ts';
import { fromCheckpoint } from '../model/pack/hf-names.ts';
import { runTrainPipeline, type PipelineOptions } from './pipeline.ts';
import { DEFAULT_ADAMW } from './optimizer.ts';
import { PRIOR_MIX_GRID } from './prior-mix.ts';
import { pythonCommand, torchTrainerPath } from './torch-engine.ts';
import { chooseSnapshot, listSnapshots } from './snapshot-choice.ts';
import { reviewExplanations } from './run.ts';
import { TINY } from './tiny-run.ts';

const torchReady = spawnSync(pythonCommand(), ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const DATASET = 'amazon-musical-instruments-5core';
const dataPresent = fs.existsSync(path.join(resolveDataDir(), DATASET));
const tools = path.dirname(torchTrainerPath());
const repo = path.resolve(tools, '../..');

const TINY_RUN = { users: 80, seed: 3, resume: false, dtype: 'float32' } as const;
const TINY_TRAIN = { batchSize: 16, topnCandidates: 5, maxInputTokens: 64, maxSteps: Infinity, maxMinutes: 0.15, validateEveryMinutes: 1, patience: 3, checkpointEveryMinutes: 1, validationUsers: 40, schedule: { peakLr: 1e-3, warmupSteps: 10, finalFraction: 0.1 }, adamw: DEFAULT_ADAMW };

/** A tiny `--engine torch` pipeline run on DATASET (cpu backend) in a fresh temporary folder; `o` overrides the defaults, `o.torch` adds trainer options. */
async function tinyTorchRun(name: string, o: Partial<PipelineOptions>): Promise<{ r: Awaited<ReturnType<typeof runTrainPipeline>>; tmp: string }> {
  await tf.setBackend('cpu');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `peapod-torch-${name}-`));
  const r = await runTrainPipeline({
    dataset: loadDataset(DATASET),
    out: path.join(tmp, 'pack'),
    runDir: path.join(tmp, 'run'),
    ...TINY,
    engine: 'torch',
    tasks: ['sequential', 'topn'],
    ...TINY_RUN,
    command: `vitest torch engine ${name} test`,
    quiet: true,
    train: TINY_TRAIN,
    ...o,
    torch: { validateEveryMin: 0.05, validUsers: 40, priorMixUsers: 40, topnEvery: 2, ...o.torch },
  });
  return { r, tmp };
}

describe.skipIf(!torchReady)('tools/torch', () => {
  it('make_golden.py reproduces the committed golden fixture', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'peapod-golden-'));
    const r = spawnSync(pythonCommand(), [path.join(tools, 'make_golden.py'), tmp], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const read = (d: string): Record<string, { tasks: Record<string, Record<string, unknown>> }> => JSON.parse(fs.readFileSync(path.join(d, 'expected.json'), 'utf8')).cases;
    const fresh = read(tmp);
    const committed = read(path.join(repo, 'src/model/pack/fixtures/golden'));
    expect(Object.keys(fresh)).toEqual(Object.keys(committed));
    for (const name of Object.keys(committed)) {
      for (const task of Object.keys(committed[name]!.tasks)) {
        const a = committed[name]!.tasks[task]!;
        const b = fresh[name]!.tasks[task]!;
        expect(b['topItems']).toEqual(a['topItems']);
        const fa = [a['firstLogits'], a['encoderHidden']].flat(2) as number[];
        const fb = [b['firstLogits'], b['encoderHidden']].flat(2) as number[];
        let m = 0;
        for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i]! - fb[i]!));
        expect(m).toBeLessThan(1e-5);
      }
    }
  });

  it('packs every next-item target of a row into one pass with the states of its bare prompt', () => {
    const r = spawnSync(pythonCommand(), [path.join(tools, 'check_packing.py')], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.skipIf(!dataPresent)('--engine torch trains a tiny model end to end and imports its best weights', async () => {
    const { r, tmp } = await tinyTorchRun('smoke', { cfPrior: true, seqPrior: true });
    expect(r.config.causalTasks).toEqual(['sequential']);
    expect(r.train.state.step).toBeGreaterThan(0);
    expect(PRIOR_MIX_GRID as readonly number[]).toContain(r.priorMix!.lambda);
    // The model holds exactly the T5 weights train.py saved as its best (the priors' scales were
    // rescaled by the mix afterwards, so they are left out here).
    const best = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(tmp, 'run', 'torch', 'best.safetensors'))));
    const values = fromCheckpoint(r.config, best.tensors);
    for (const name of ['shared/embedding', 'decoder/block_0/cross_attn/q', 'composer/query/kernel', 'task_prompt/sequential']) {
      const got = r.model.params.get(name)!.dataSync();
      expect(Array.from(got)).toEqual(Array.from(values.get(name)!.data));
    }
    const init = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(tmp, 'run', 'torch', 'init.safetensors'))));
    const before = init.tensors.get('shared.weight')!.data;
    const after = best.tensors.get('shared.weight')!.data;
    expect(Array.from(after)).not.toEqual(Array.from(before));
    const log = fs.readFileSync(path.join(tmp, 'run', 'training-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.some((row) => row.task === 'validation')).toBe(true);
    // Training rows pick similar users from their CF prefix; for the whole prefix that is the pack's own lists.
    const nb = spawnSync(pythonCommand(), [path.join(tools, 'check_neighbours.py'), '--bundle', path.join(tmp, 'run', 'torch')], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    expect(nb.status, nb.stdout + nb.stderr).toBe(0);
    expect(nb.stdout).toContain(' 0 of ');
  }, 120_000);

  it.skipIf(!dataPresent)('--max-steps runs exactly that many steps on a step clock, --keep-weights last exports the final weights, and the same command gives the same weights twice', async () => {
    const steps = 24;
    const runs = [];
    for (const name of ['steps-a', 'steps-b']) {
      const { r, tmp } = await tinyTorchRun(name, { train: { ...TINY_TRAIN, maxSteps: steps, maxMinutes: 10 }, torch: { keepWeights: 'last' } });
      expect(r.train.stoppedBy).toBe('max-steps');
      expect(r.train.state.step).toBe(steps);
      expect(r.train.state.bestStep).toBe(steps);
      const result = JSON.parse(fs.readFileSync(path.join(tmp, 'run', 'torch', 'result.json'), 'utf8'));
      expect(result).toMatchObject({ steps, stoppedBy: 'max-steps', keptWeights: 'last', bestStep: steps });
      runs.push(path.join(tmp, 'run', 'torch'));
    }
    const [a, b] = runs.map((d) => fs.readFileSync(path.join(d, 'best.safetensors')));
    expect(Buffer.compare(a!, b!)).toBe(0);
    // best.safetensors holds the model of the final checkpoint (last.pt), tensor for tensor.
    const check = `import sys, torch; sys.path.insert(0, sys.argv[1]); import st
saved, _ = st.load(sys.argv[2] + "/best.safetensors"); last = torch.load(sys.argv[2] + "/last.pt")["model"]
assert set(saved) == set(last), "names differ"
bad = [k for k in last if not torch.equal(saved[k], last[k])]
assert not bad, bad
print(len(last))`;
    const c = spawnSync(pythonCommand(), ['-c', check, tools, runs[0]!], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    expect(c.status, c.stderr).toBe(0);
    expect(Number(c.stdout.trim())).toBeGreaterThan(10);
  }, 240_000);

  it.skipIf(!dataPresent)('--seq-form history trains the history form (sampled softmax and length buckets too) and the evaluator decodes it', async () => {
    const { r, tmp } = await tinyTorchRun('history', { cfPrior: true, seqPrior: true, torch: { seqForm: 'history', sampledSoftmax: 64, lengthBuckets: 4 } });
    expect(r.config.sequentialForm).toBe('history');
    expect(r.model.config.sequentialForm).toBe('history');
    expect(PRIOR_MIX_GRID as readonly number[]).toContain(r.priorMix!.lambda);
    // The prior mix evaluated the T5 alone in the history form: a real ranking, not an error.
    expect(r.priorMix!.scores['0']).toBeGreaterThan(0);
    const log = fs.readFileSync(path.join(tmp, 'run', 'training-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const seqLoss = log.filter((row) => row.task === 'sequential').map((row) => row.loss as number);
    expect(seqLoss.length).toBeGreaterThan(0);
    expect(seqLoss.every((v) => Number.isFinite(v))).toBe(true);
  }, 120_000);

  it('repeat_unlikelihood (history form) equals a loop over rows, positions and the items read', () => {
    const r = spawnSync(pythonCommand(), [path.join(tools, 'check_unlikelihood.py')], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('context_loss (bag-of-words from the user and item states) equals a loop over rows and target words', () => {
    const r = spawnSync(pythonCommand(), [path.join(tools, 'check_context.py')], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.skipIf(!dataPresent)('--repeat-unlikelihood with an untied head trains the history form and imports the head', async () => {
    const { r, tmp } = await tinyTorchRun('history-ul', { size: { ...TINY.size, untiedHead: true }, torch: { seqForm: 'history', repeatUnlikelihood: 1 } });
    expect(r.config.t5.tieWordEmbeddings).toBe(false);
    const best = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(tmp, 'run', 'torch', 'best.safetensors'))));
    const values = fromCheckpoint(r.config, best.tensors);
    expect(Array.from(r.model.params.get('lm_head/kernel')!.dataSync())).toEqual(Array.from(values.get('lm_head/kernel')!.data));
    const init = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(tmp, 'run', 'torch', 'init.safetensors'))));
    expect(Array.from(best.tensors.get('lm_head.weight')!.data)).not.toEqual(Array.from(init.tensors.get('lm_head.weight')!.data));
    const log = fs.readFileSync(path.join(tmp, 'run', 'training-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const seqLoss = log.filter((row) => row.task === 'sequential').map((row) => row.loss as number);
    expect(seqLoss.length).toBeGreaterThan(0);
    expect(seqLoss.every((v) => Number.isFinite(v))).toBe(true);
  }, 120_000);

  it.skipIf(!dataPresent)('--item-lr-mult 0 keeps the token table exactly as initialised while the rest trains; 0.1 moves it less than 1', async () => {
    const table = async (name: string, itemLrMult: number): Promise<{ moved: number; other: number }> => {
      const { tmp } = await tinyTorchRun(name, { train: { ...TINY_TRAIN, maxSteps: 20, maxMinutes: 5 }, torch: { keepWeights: 'last', itemLrMult } });
      const read = (f: string) => parseSafetensors(new Uint8Array(fs.readFileSync(path.join(tmp, 'run', 'torch', f)))).tensors;
      const [init, last] = [read('init.safetensors'), read('best.safetensors')];
      const diff = (name: string): number => {
        const a = init.get(name)!.data;
        const b = last.get(name)!.data;
        let m = 0;
        for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
        return m;
      };
      return { moved: diff('shared.weight'), other: diff('decoder.block.0.layer.0.SelfAttention.q.weight') };
    };
    const frozen = await table('item-lr-0', 0);
    expect(frozen.moved).toBe(0);
    expect(frozen.other).toBeGreaterThan(0);
    const slow = await table('item-lr-01', 0.1);
    const full = await table('item-lr-1', 1);
    expect(slow.moved).toBeGreaterThan(0);
    // Adam moves a weight by at most about lr per step: 20 steps at a tenth of the rate stay well below the full rate's move.
    expect(slow.moved).toBeLessThan(0.5 * full.moved);
  }, 240_000);

  it.skipIf(!dataPresent)('--keep-weights average exports the element-wise mean of the snapshots, validated, and says so', async () => {
    const { r, tmp } = await tinyTorchRun('average', { train: { ...TINY_TRAIN, maxSteps: 24, maxMinutes: 5 }, torch: { keepWeights: 'average', snapshotEvery: 6, snapshotFrom: 0.4 } });
    const dir = path.join(tmp, 'run', 'torch');
    const steps = listSnapshots(dir).map((s) => s.step);
    expect(steps).toEqual([12, 18, 24]);
    const result = JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ keptWeights: 'average', averagedSteps: steps, steps: 24 });
    expect(result.history.at(-1)).toMatchObject({ averaged: 3 });
    expect(r.weightsFrom).toBe('the mean of 3 snapshots (steps 12 to 24 of 24)');
    const read = (f: string) => parseSafetensors(new Uint8Array(fs.readFileSync(f))).tensors;
    const snaps = listSnapshots(dir).map((s) => read(s.file));
    const best = read(path.join(dir, 'best.safetensors'));
    for (const name of ['shared.weight', 'decoder.block.0.layer.1.EncDecAttention.k.weight']) {
      const got = best.get(name)!.data;
      let m = 0;
      for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i]! - snaps.reduce((acc, t) => acc + t.get(name)!.data[i]!, 0) / snaps.length));
      expect(m).toBeLessThan(1e-6);
      // The mean is not one of the snapshots.
      expect(Array.from(got)).not.toEqual(Array.from(snaps.at(-1)!.get(name)!.data));
    }
    // The model the pipeline hands back holds the averaged weights.
    expect(Array.from(r.model.params.get('shared/embedding')!.dataSync())).toEqual(Array.from(fromCheckpoint(r.config, best).get('shared/embedding')!.data));
    await expect(tinyTorchRun('average-no-snapshots', { torch: { keepWeights: 'average' } })).rejects.toThrow(/--keep-weights average is the mean of the snapshots: give --snapshot-every/);
  }, 240_000);

  it.skipIf(!dataPresent)('refuses an --item-lr-mult above 1', async () => {
    await expect(tinyTorchRun('item-lr-2', { torch: { itemLrMult: 2 } })).rejects.toThrow(/--item-lr-mult must be between 0/);
  }, 120_000);

  it.skipIf(!dataPresent)('refuses --repeat-unlikelihood outside the history form', async () => {
    await expect(tinyTorchRun('ul-bare', { torch: { repeatUnlikelihood: 1 } })).rejects.toThrow(/--repeat-unlikelihood works on the history form only/);
  }, 120_000);

  it.skipIf(!dataPresent)('--keep-weights least-generic needs --snapshot-every', async () => {
    await expect(tinyTorchRun('least-generic-no-snapshots', { torch: { keepWeights: 'least-generic' }, tasks: ['explanation', 'sequential'], explanations: reviewExplanations(undefined, false) })).rejects.toThrow(/give --snapshot-every N/);
  }, 120_000);

  it.skipIf(!dataPresent)('--engine torch trains the explanation task with sub-words, language pretraining, the context loss, the transitions item init (tied head), a checkpoint score far below zero (--expl-val-weight 1), and keeps the least generic snapshot', async () => {
    const { r, tmp } = await tinyTorchRun('expl', {
      subwords: 300,
      torch: { lmFraction: 0.3, lmMix: 0.5, explanationShare: 0.5, labelSmoothing: 0.1, contextLoss: 1, itemInit: 'transitions', explValWeight: 1, keepWeights: 'least-generic', snapshotEvery: 10, snapshotFrom: 0.5, snapshotPairs: 4 },
      train: { ...TINY_TRAIN, maxSteps: 40, maxMinutes: 5 },
      tasks: ['explanation', 'sequential', 'topn'],
      explanations: reviewExplanations(undefined, true),
    });
    expect(r.tok.subwords).toBe(true);
    const ex = r.prepared.explanations!;
    expect(ex.lm!.length).toBeGreaterThan(ex.train.length);
    // Language-model text never holds a validation or test review (pairs are (user, item) reviews).
    const held = new Set([...ex.valid, ...ex.test].map((p) => `${p.user}:${p.item}`));
    for (const p of ex.lm!) expect(held.has(`${p.user}:${p.item}`)).toBe(false);
    // Every training target is written without <unk>, and decodes back to its words.
    for (const p of ex.train.slice(0, 200)) {
      const ids = r.tok.encodeText(p.text, { addEos: false }).ids;
      expect(Array.from(ids)).not.toContain(r.tok.unkId);
    }
    const log = fs.readFileSync(path.join(tmp, 'run', 'training-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const tasks = new Set(log.map((row) => row.task));
    for (const t of ['language', 'explanation', 'sequential', 'topn', 'validation']) expect(tasks.has(t), t).toBe(true);
    // Pretraining comes first: the first rows are language-model batches.
    expect(log[0].task).toBe('language');
    const v = log.find((row) => row.task === 'validation');
    expect(v.explLoss).toBeGreaterThan(0);
    // Every snapshot decoded the validation pairs; the model holds the chosen one's weights, exactly.
    const torchDir = path.join(tmp, 'run', 'torch');
    const snaps = listSnapshots(torchDir);
    expect(snaps.length).toBeGreaterThanOrEqual(2);
    const result = JSON.parse(fs.readFileSync(path.join(tmp, 'run', 'train-result.json'), 'utf8')).torch;
    expect(result.keptWeights).toBe('least-generic');
    expect(result.snapshots.map((s: { step: number }) => s.step)).toEqual(snaps.map((s) => s.step));
    const pick = chooseSnapshot(result.snapshots);
    expect(r.train.state.bestStep).toBe(pick.step);
    expect(r.weightsFrom).toContain(`of ${snaps.length} snapshots`);
    const chosen = fromCheckpoint(r.config, parseSafetensors(new Uint8Array(fs.readFileSync(snaps.find((s) => s.step === pick.step)!.file))).tensors);
    for (const name of ['shared/embedding', 'decoder/block_0/cross_attn/q']) expect(Array.from(r.model.params.get(name)!.dataSync())).toEqual(Array.from(chosen.get(name)!.data));
  }, 240_000);
});

// `peapod train` as one call: the training pipeline, then a quick test evaluation for the manifest,
// the example for the app, and the pack export. Node only; owns the order of these steps.
import { reviewExplanationSplit, reviewLanguageSentences } from '../data/node-review-pairs.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { datasetFingerprint } from '../data/fingerprint.ts';
import type { InteractionDataset } from '../data/types.ts';
import { evaluateModel, DEFAULT_EVAL, type EvalMetrics } from '../eval/evaluate.ts';
import { buildExample } from './example.ts';
import { exportPack } from './export.ts';
import { runTrainPipeline, type PipelineOptions } from './pipeline.ts';
import type { ExplanationSplit } from '../data/prepare.ts';
import { ProgressLine } from '../progress-line.ts';
import { TRAINING_LOG } from './trainer.ts';

export interface RunOptions extends PipelineOptions {
  /** Test users evaluated for the manifest (0 = all). */
  evalUsers: number;
  backend: string;
  /** Pack size limit in MiB (15 for packs the app ships; evaluation-only packs may allow more). */
  maxPackMiB?: number;
}

/** Explanation pairs for review datasets (Musical Instruments), in user-index / dataset-item space. */
export function reviewExplanations(dataDir?: string, lm = false): (ds: InteractionDataset) => ExplanationSplit | null {
  return (ds) => {
    if (ds.kind !== 'amazon-reviews') return null;
    const split = reviewExplanationSplit(ds, dataDir);
    return lm ? { ...split, lm: reviewLanguageSentences(ds, split, dataDir) } : split;
  };
}

export async function runTrainAndExport(o: RunOptions): Promise<{ metrics: EvalMetrics; packBytes: number }> {
  const t0 = performance.now();
  const r = await runTrainPipeline({ ...o, explanations: o.explanations ?? reviewExplanations(o.dataDir, Boolean(o.subwords) || (o.torch?.lmFraction ?? 0) > 0 || (o.torch?.lmMix ?? 0) > 0) });
  const ds = r.prepared.ds;
  const datasetItem = (i: number): number => (r.prepared.itemNewToOld ? r.prepared.itemNewToOld[i]! : i);
  // Quick test metrics for the manifest; `peapod eval` gives the full protocol numbers.
  const progress = new ProgressLine('eval');
  const ev = await evaluateModel(
    {
      model: r.model,
      tok: r.tok,
      sequences: ds.sequences,
      userIds: ds.users,
      numItems: ds.numItems,
      collab: r.collab,
      neighbours: r.config.composer.numNeighbours,
      negatives: r.prepared.testNegatives,
      explanations: r.prepared.explanations?.test ?? [],
      datasetItem,
    },
    {
      ...DEFAULT_EVAL,
      split: 'test',
      tasks: r.config.tasks,
      users: o.evalUsers,
      maxInputTokens: o.train.maxInputTokens,
      onProgress: o.quiet ? undefined : (task, done, total) => progress.update(done / total, `${task} ${done}/${total}`),
    },
  );
  if (!o.quiet) progress.done(JSON.stringify(ev.metrics));
  // Example: the first user whose test item the model gets into its top 10, else user 0.
  let exampleUser = 0;
  for (const p of ev.predictions) {
    if (p.task === 'sequential' && p.ranked.slice(0, 10).includes(p.target)) {
      exampleUser = Array.prototype.indexOf.call(ds.users, p.user);
      break;
    }
  }
  const exItem = r.prepared.explanations?.test.find((p) => p.user === exampleUser)?.item ?? r.prepared.explanations?.test[0]?.item;
  const example = await buildExample({
    packId: path.basename(path.resolve(o.out)),
    model: r.model,
    tok: r.tok,
    sequences: ds.sequences,
    userIds: ds.users,
    itemNames: ds.itemNames,
    collab: r.collab,
    neighbourSimilarity: r.neighbourSimilarity,
    neighbours: r.config.composer.numNeighbours,
    testNegatives: r.prepared.testNegatives,
    ...(exItem !== undefined ? { explanationItem: exItem } : {}),
    user: exampleUser,
    maxInputTokens: o.train.maxInputTokens,
  });
  const fp = ds.dir ? datasetFingerprint(ds.dir).fingerprint : 'in-memory';
  const itemDatasetIds = new Int32Array(ds.numItems + 1);
  for (let i = 1; i <= ds.numItems; i++) itemDatasetIds[i] = datasetItem(i);
  const evalUsersUsed = o.evalUsers > 0 ? Math.min(o.evalUsers, ds.sequences.length) : ds.sequences.length;
  const { bytes } = await exportPack({
    out: o.out,
    name: `${ds.name} (${o.idScheme} ids, ${r.prepared.idMode === 'remap' ? 'remapped' : 'original'})`,
    config: r.config,
    tok: r.tok,
    params: r.model.params,
    weightDtype: o.dtype,
    dataset: { name: ds.name, fingerprint: fp, users: ds.sequences.length, items: ds.numItems, ids: r.prepared.idMode === 'remap' ? 'remapped' : 'original' },
    userIds: ds.users,
    sequences: ds.sequences,
    cfUser: r.cf.userFactors,
    cfItem: r.cf.itemFactors,
    cfDim: r.cf.d,
    neighbourIndices: r.collab.neighbourIndices,
    neighbourSimilarity: r.neighbourSimilarity,
    nMax: r.collab.nMax,
    testNegatives: r.prepared.testNegatives,
    itemNames: ds.itemNames,
    itemDatasetIds,
    example,
    explanationsTest: r.prepared.explanations?.test ?? [],
    trainingLogFile: path.join(o.runDir, TRAINING_LOG),
    command: o.command,
    seconds: Math.round((performance.now() - t0) / 1000),
    samplesPerSecond: r.train.samplesPerS || null,
    backend: o.backend,
    metrics: { test: ev.metrics, testUsers: evalUsersUsed, constrained: true, note: evalUsersUsed < ds.sequences.length ? `first ${evalUsersUsed} test users only; run peapod eval for all` : 'all test users' },
    training: {
      ids: { mode: r.prepared.idMode, remapSeed: r.prepared.remapSeed, map: `data array items/dataset_ids: dataset item id of each pack item id` },
      testNegatives: r.prepared.negativesSource,
      cf: { kind: o.cf, dim: r.cf.d, fittedOn: o.holdoutLast ? "item factors: training interactions without each user's last training item; user rows: each training part folded in against them" : 'training interactions only (each sequence without its last two items)' },
      neighbours: { nMax: r.collab.nMax, attended: r.config.composer.numNeighbours },
      prompt: { form: 'user_{datasetUserId} item_{packItemId} ... (bare form at validation/test; 5 templates per task in training)' },
      options: { ...o.train, tasks: r.config.tasks, seed: o.seed, users: o.users },
      result: { steps: r.train.state.step, passesPerTask: r.train.state.stream.pass, stoppedBy: r.train.stoppedBy, bestStep: r.train.state.bestStep, ...(r.weightsFrom ? { weightsFrom: r.weightsFrom } : {}), bestValLoss: r.train.state.bestValLoss, trainSeconds: r.train.state.trainS, samplesPerSecond: r.train.samplesPerS },
      timings: r.timings,
      ...(r.priorMix ? { priorMix: r.priorMix } : {}),
      ...(r.prepared.explanations && r.config.tasks.includes('explanation')
        ? {
            text: {
              explanationPairs: r.prepared.explanations.train.length,
              languageSentences: o.engine === 'torch' && ((o.torch?.lmFraction ?? 0) > 0 || (o.torch?.lmMix ?? 0) > 0) ? (r.prepared.explanations.lm?.length ?? 0) : 0,
              tokenizer: r.tok.subwords ? `BPE sub-words, ${o.subwords} merges, ${r.tok.vocabSize} tokens` : `whole words, ${r.tok.vocabSize} tokens`,
            },
          }
        : {}),
      ...(o.engine === 'torch' ? { engine: 'torch (tools/torch/train.py): causal encoder for next-item, every item of a window a target; CF prompts folded in from a prefix' } : {}),
    },
  }, (o.maxPackMiB ?? 15) * 1024 * 1024);
  fs.writeFileSync(path.join(o.runDir, 'quick-eval.json'), JSON.stringify(ev.metrics, null, 2));
  process.stderr.write(`pack: ${o.out} (${(bytes / 1e6).toFixed(2)} MB), test metrics on ${evalUsersUsed} users: ${JSON.stringify(ev.metrics)}\n`);
  return { metrics: ev.metrics, packBytes: bytes };
}

// `peapod eval` on a weight pack: loads the pack from disk, rebuilds the model and every array the
// protocol needs from the pack alone (histories, CF embeddings, neighbours, fixed test negatives,
// reference explanations), runs evaluateModel and writes metrics.json + predictions.jsonl.
// Node only; must not train.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadPack, type LoadedPack } from '../model/pack/load.ts';
import { nodePackSource } from '../model/pack/node.ts';
import { packParams } from '../model/pack/params.ts';
import { PeapodModel } from '../model/peapod.ts';
import { PACK_DATA, PACK_FILES, type TaskName } from '../model/types.ts';
import { loadExplanations } from '../data/node-explanations.ts';
import type { ExplanationPair } from '../data/types.ts';
import { evaluateModel, DEFAULT_EVAL, type EvalMetrics, type EvalModel } from './evaluate.ts';
import { validationNegatives, validationNegativesSeed } from '../model/inputs/heldout.ts';
import { ProgressLine } from '../progress-line.ts';
import { PeapodError } from '../errors.ts';
import type { DecodingChange } from '../model/generate/recommend.ts';
import { PAPER_PROTOCOL } from '../paper-protocol.ts';

/** Data array with the dataset item id of each pack item id (written by src/train/export.ts). */
export const ITEM_DATASET_IDS = 'items/dataset_ids';

export class PackDataMissingError extends PeapodError {
  override name = 'PackDataMissingError';
  override readonly code = 'eval-pack-data-missing';
}

function array(p: LoadedPack, dir: string, name: string): Float32Array | Int32Array {
  const a = p.data.get(name);
  if (!a) throw new PackDataMissingError(`pack ${dir} has no data array "${name}"; it was not written by \`peapod train\`. Re-export the pack.`);
  return a.values;
}

export interface PackEvalSetup {
  pack: LoadedPack;
  evalModel: EvalModel;
  tasks: TaskName[];
  /** Training options recorded in the manifest (seed, max input...). */
  training: Record<string, unknown>;
}

export async function loadPackForEval(dir: string, split: 'test' | 'valid', dataDir?: string): Promise<PackEvalSetup> {
  const pack = await loadPack(nodePackSource(dir));
  const m = pack.manifest;
  const userIds = Int32Array.from(array(pack, dir, PACK_DATA.userIds));
  const offsets = array(pack, dir, PACK_DATA.historyOffsets);
  const items = array(pack, dir, PACK_DATA.historyItems);
  const U = userIds.length;
  const sequences: Int32Array[] = [];
  for (let u = 0; u < U; u++) sequences.push(Int32Array.from(items.subarray(offsets[u], offsets[u + 1])));
  const cfUser = Float32Array.from(array(pack, dir, PACK_DATA.cfUser));
  const nbShape = pack.data.get(PACK_DATA.neighbourIndices)?.shape ?? [U, 0];
  const nMax = nbShape[1]!;
  const neighbourIndices = Int32Array.from(array(pack, dir, PACK_DATA.neighbourIndices));
  const negFlat = array(pack, dir, PACK_DATA.topnNegatives);
  const datasetIds = array(pack, dir, ITEM_DATASET_IDS);
  const numItems = datasetIds.length - 1;
  const model = PeapodModel.fromPack({ config: m.config, params: packParams(pack.weights), tokenizer: pack.tokenizer, numItems, transitions: { historyOffsets: offsets, historyItems: items } });
  const training = (m as unknown as { training?: Record<string, unknown> }).training ?? {};
  const options = (training['options'] ?? {}) as { seed?: number; maxInputTokens?: number };
  let negatives: ArrayLike<number>[];
  if (split === 'test') {
    negatives = Array.from({ length: U }, (_, u) => negFlat.subarray(u * 99, (u + 1) * 99));
  } else {
    negatives = validationNegatives({ sequences, numItems }, validationNegativesSeed(options.seed ?? 1));
  }
  let explanations: ExplanationPair[] = [];
  if (m.config.tasks.includes('explanation')) {
    if (split === 'test') {
      explanations = (pack.json<{ user: number; item: number; reference: string }[]>(PACK_FILES.explanations) ?? []).map((r) => ({ user: r.user, item: r.item, text: r.reference }));
    } else {
      // Validation references are not shipped; rebuild them from the dataset with the same seeded split.
      const oldToNew = new Map<number, number>();
      for (let i = 1; i <= numItems; i++) oldToNew.set(datasetIds[i]!, i);
      const index = new Map<number, number>();
      userIds.forEach((id, u) => index.set(id, u));
      const loaded = loadExplanations(m.dataset.name, 1, dataDir ? { dataDir } : {});
      explanations = loaded.split.val
        .filter((r) => index.has(r.user) && oldToNew.has(r.item))
        .map((r) => ({ user: index.get(r.user)!, item: oldToNew.get(r.item)!, text: r.explanation }));
    }
  }
  const evalModel: EvalModel = {
    model,
    tok: pack.tokenizer,
    sequences,
    userIds,
    numItems,
    collab: { cfUser, cfDim: m.config.composer.cfDim, neighbourIndices, nMax },
    neighbours: m.config.composer.numNeighbours,
    negatives,
    explanations,
    datasetItem: (i) => datasetIds[i]!,
  };
  return { pack, evalModel, tasks: m.config.tasks, training };
}

export interface PackEvalOptions {
  pack: string;
  split: 'test' | 'valid';
  out: string;
  users: number;
  /** With users > 0: evaluate a seeded random sample of that many users (see evalUsers). */
  sampleSeed?: number;
  constrained: boolean;
  tasks?: TaskName[];
  dataDir?: string;
  command: string;
  backend: string;
  quiet?: boolean;
  /** Row label in RESULTS.md (e.g. "PeaPOD Web, individual-only ablation"). */
  label?: string;
  /** Explanations: block repeated n-grams of this size (0 or absent: off, as the reference). */
  noRepeatNgram?: number;
  /** Explanations: decoding settings other than PAPER_PROTOCOL.explanation's (absent fields: the protocol's). */
  decoding?: DecodingChange;
  /** Add the pack's output priors (default true); false: the T5 alone (`--priors off`). */
  priors?: boolean;
  /** Next-item lists skip the items already in the input history (`--exclude-history on`; default off, the paper's protocol). */
  excludeHistory?: boolean;
}

/** RESULTS.md row label of a `--priors off` run when no --label is given. */
export const T5_ONLY_LABEL = 'PeaPOD Web (ours), T5 only (priors off)';
/** Appended to the default label of an `--exclude-history on` run. */
export const SEEN_REMOVED_SUFFIX = ', seen items removed';

export interface PackEvalReport {
  label: string;
  /** Training steps of the evaluated weights (from the manifest). */
  trainSteps: number | null;
  /** The step whose weights the pack holds (early stopping's best), from the manifest. */
  bestStep: number | null;
  pack: string;
  packName: string;
  dataset: string;
  ids: string;
  idScheme: string;
  split: 'test' | 'valid';
  users: number;
  /** Present when the users were a seeded random sample rather than all or the first N. */
  sampleSeed?: number;
  constrained: boolean;
  /** Explanation decoding blocked repeated n-grams of this size (absent: off). */
  noRepeatNgram?: number;
  /** Explanation decoding settings that differ from PAPER_PROTOCOL.explanation (absent: none). */
  decoding?: DecodingChange;
  /** `--priors`: whether the pack's output priors were added ('off': the T5 alone). A pack without priors records 'off'. */
  priors: 'on' | 'off';
  /** Present (true) when next-item lists skipped the items already in the input history. */
  excludeHistory?: true;
  metrics: EvalMetrics;
  seconds: Partial<Record<TaskName, number>>;
  command: string;
  trainCommand: string;
  backend: string;
  date: string;
}

/** The fields of `d` that differ from PAPER_PROTOCOL.explanation, or null when none do. */
export function changedDecoding(d: DecodingChange | undefined): DecodingChange | null {
  if (!d) return null;
  const protocol: Record<string, unknown> = { ...PAPER_PROTOCOL.explanation };
  const out = Object.fromEntries(Object.entries(d).filter(([k, v]) => v !== undefined && v !== protocol[k]));
  return Object.keys(out).length ? out : null;
}

export async function evaluatePack(o: PackEvalOptions): Promise<PackEvalReport> {
  const setup = await loadPackForEval(o.pack, o.split, o.dataDir);
  const m = setup.pack.manifest;
  const progress = new ProgressLine(`eval ${o.split}`);
  const options = (setup.training['options'] ?? {}) as { maxInputTokens?: number };
  const tasks = o.tasks ? setup.tasks.filter((t) => o.tasks!.includes(t)) : setup.tasks;
  const res = await evaluateModel(setup.evalModel, {
    ...DEFAULT_EVAL,
    split: o.split,
    tasks,
    users: o.users,
    ...(o.sampleSeed !== undefined ? { sampleSeed: o.sampleSeed } : {}),
    constrained: o.constrained,
    noRepeatNgram: o.noRepeatNgram ?? 0,
    ...(o.decoding ? { decoding: o.decoding } : {}),
    priors: o.priors ?? true,
    ...(o.excludeHistory ? { excludeHistory: true } : {}),
    maxInputTokens: options.maxInputTokens ?? DEFAULT_EVAL.maxInputTokens,
    onProgress: o.quiet ? undefined : (task, done, total) => progress.update(done / total, `${task} ${done}/${total}`),
  });
  if (!o.quiet) progress.done(JSON.stringify(res.metrics));
  setup.evalModel.model.dispose();
  for (const v of setup.evalModel.model.params.values()) v.dispose();
  const U = setup.evalModel.sequences.length;
  const decoding = changedDecoding(o.decoding);
  const result = (setup.training['result'] ?? {}) as { steps?: number; bestStep?: number };
  const report: PackEvalReport = {
    label: o.label ?? `${o.priors === false ? T5_ONLY_LABEL : 'PeaPOD Web (ours)'}${o.excludeHistory ? SEEN_REMOVED_SUFFIX : ''}`,
    trainSteps: result.steps ?? null,
    bestStep: result.bestStep ?? null,
    pack: o.pack,
    packName: m.name,
    dataset: m.dataset.name,
    ids: m.dataset.ids,
    idScheme: m.idScheme,
    split: o.split,
    users: o.users > 0 ? Math.min(o.users, U) : U,
    ...(o.sampleSeed !== undefined && o.users > 0 && o.users < U ? { sampleSeed: o.sampleSeed } : {}),
    constrained: o.constrained,
    ...(o.noRepeatNgram ? { noRepeatNgram: o.noRepeatNgram } : {}),
    ...(decoding ? { decoding } : {}),
    priors: (o.priors ?? true) && Boolean(m.config.composer.cfPrior || m.config.composer.seqPrior) ? 'on' : 'off',
    ...(o.excludeHistory ? { excludeHistory: true as const } : {}),
    metrics: res.metrics,
    seconds: res.seconds,
    command: o.command,
    trainCommand: m.provenance.command,
    backend: o.backend,
    date: new Date().toISOString(),
  };
  fs.mkdirSync(o.out, { recursive: true });
  fs.writeFileSync(path.join(o.out, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
  fs.writeFileSync(path.join(o.out, 'predictions.jsonl'), res.predictions.map((p) => JSON.stringify(p)).join('\n') + '\n');
  return report;
}

/** Frees nothing but keeps tf imported for callers that set the backend first. */
export const tfReady = (): Promise<void> => tf.ready();

// `peapod train --engine torch`: the T5's training loop in native PyTorch (tools/torch/train.py),
// everything else in this pipeline. Writes a bundle folder (config, initial weights in checkpoint
// names, the data the loop samples from), runs the Python trainer with its progress on stderr, and
// imports its best weights back into the model's ParamMap through the checkpoint importer
// (model/pack/hf-names.ts): the same road any externally trained checkpoint takes.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FoldIn } from '../model/foldin.ts';
import { assignCheckpoint, paramsToSafetensors } from '../model/pack/hf-names.ts';
import { parseSafetensors, writeSafetensors, type SafetensorsInput } from '../model/pack/safetensors.ts';
import type { PeapodModel } from '../model/peapod.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import type { InteractionDataset } from '../data/types.ts';
import { trainingSequences } from '../data/prepare.ts';
import type { CfResult } from './cf-fit.ts';
import type { ExplanationPair } from '../data/types.ts';
import { EXPLANATION_MAX_TOKENS } from '../model/inputs/batch.ts';
import { userWord } from '../model/inputs/prompts.ts';
import { PMF_DEFAULTS } from './cf.ts';
import type { SnapshotScore } from './snapshot-choice.ts';

/** Options of tools/torch/train.py (its DEFAULTS block documents each; unknown keys are refused there). */
export interface TorchTrainOptions {
  minutes: number;
  /** Optimizer steps; absent = the time budget alone. Given, the schedule runs on the larger of step / maxSteps and elapsed / budget. */
  maxSteps?: number;
  /** Which weights come back: the best-scoring validation ('best', default), the weights the run ended with ('last'), or the mean of the snapshots ('average', needs snapshotEvery). */
  keepWeights?: 'best' | 'last' | 'average';
  /** > 0: every snapshotEvery steps once the schedule is snapshotFrom of the way through (and at the end), the weights also go to snapshots/step-N.safetensors. */
  snapshotEvery?: number;
  snapshotFrom?: number;
  batchSize?: number;
  lr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  topnCandidates?: number;
  topnEvery?: number;
  validateEveryMin?: number;
  validUsers?: number;
  threads?: number;
  seed?: number;
  /** Fraction of batches (after language pretraining) that are explanation batches. */
  explanationShare?: number;
  /** First fraction of the time budget: language pretraining on the training reviews' sentences. */
  lmFraction?: number;
  /** After pretraining: fraction of explanation batches drawn from the review sentences. */
  lmMix?: number;
  labelSmoothing?: number;
  /** Weight of the bag-of-words loss: the encoder's user and item states predict the target sentence's words (0 = off). */
  contextLoss?: number;
  /** Checkpoint score = seq NDCG@10 + top-n NDCG@10 - explValWeight * explanation validation loss. */
  explValWeight?: number;
  /** Fraction of next-item rows whose window starts at a random later item (short contexts too). */
  windowCrop?: number;
  /** Fraction of input history items of next-item training rows replaced by a random item (the targets stay real). */
  itemNoise?: number;
  /** Label smoothing of the item targets (next-item and top-n). */
  itemLabelSmoothing?: number;
  validation?: 'plain' | 'unseen-last';
  /** Item token rows: as the pipeline initialised them ('bundle') or from the training sequences' item-to-item co-occurrence ('transitions'). */
  itemInit?: 'bundle' | 'transitions';
  /** The sequential task's form (PeapodConfig.sequentialForm): the bare prompt or the history in the decoder. */
  seqForm?: 'bare' | 'history';
  /** Item targets' softmax: 0 = the whole vocabulary; k > 0 = the batch's targets plus k uniform draws, log-corrected. */
  sampledSoftmax?: number;
  /** > 1: batches cut from runs of lengthBuckets x batchSize users sorted by sequence length (less padding). */
  lengthBuckets?: number;
  /** History form: weight of the unlikelihood term on items the decoder has already read (0 = off). */
  repeatUnlikelihood?: number;
  /** Learning rate of the token table as a multiple of lr, in [0, 1] (0 = frozen item rows). */
  itemLrMult?: number;
  /** Similar users of a training row: chosen from its CF prefix (default) or the pack's lists. */
  neighbours?: 'prefix' | 'pack';
}

export interface TorchTrainResult {
  steps: number;
  targets: number;
  trainSeconds: number;
  targetsPerS: number;
  bestStep: number;
  /** 'best' or 'last' (older trainers wrote neither: 'best'); 'least-generic' once the pipeline chose a snapshot. */
  keptWeights?: 'best' | 'last' | 'average' | 'least-generic';
  /** keptWeights 'average': the steps of the snapshots averaged. */
  averagedSteps?: number[];
  /** The snapshots' validation explanations, when the pipeline chose among them. */
  snapshots?: SnapshotScore[];
  stoppedBy?: 'time-budget' | 'max-steps';
  history: Record<string, number>[];
  torch: string;
  threads: number;
}

/** The trainer script, found from this file in the source tree and in the packaged CLI alike. */
export function torchTrainerPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const p = path.resolve(here, up, 'tools/torch/train.py');
    if (fs.existsSync(p)) return p;
  }
  throw new Error('tools/torch/train.py was not found next to the CLI; run peapod from a checkout of the repository.');
}

/** Debian's python3-torch lives under /usr/bin/python3; PEAPOD_PYTHON names another interpreter. */
export function pythonCommand(): string {
  return process.env['PEAPOD_PYTHON'] ?? '/usr/bin/python3';
}

interface BundleInputs {
  model: PeapodModel;
  tok: Tokenizer;
  ds: InteractionDataset;
  cf: CfResult;
  neighbourIndices: Int32Array;
  nMax: number;
  /** Explanation pairs (training and validation) and language-model sentences of training reviews. */
  text?: { train: readonly ExplanationPair[]; valid: readonly ExplanationPair[]; lm?: readonly ExplanationPair[] };
}

type Tensor = SafetensorsInput;

/**
 * Text pairs as four arrays: `<part>_user` (user index), `<part>_item` (item id), `<part>_offsets`
 * and `<part>_ids` (each target's token ids, cut to EXPLANATION_MAX_TOKENS, ending in </s>: what
 * the evaluator's targets are).
 */
export function textTensors(part: string, pairs: readonly ExplanationPair[], tok: Tokenizer): Tensor[] {
  const targets = pairs.map((p) => tok.encodeText(p.text, { addEos: true, maxTokens: EXPLANATION_MAX_TOKENS }).ids);
  const off = new Int32Array(pairs.length + 1);
  targets.forEach((t, k) => (off[k + 1] = off[k]! + t.length));
  const ids = new Int32Array(off[pairs.length]!);
  targets.forEach((t, k) => ids.set(t, off[k]));
  return [
    { name: `${part}_user`, dtype: 'I32', shape: [pairs.length], data: Int32Array.from(pairs, (p) => p.user) },
    { name: `${part}_item`, dtype: 'I32', shape: [pairs.length], data: Int32Array.from(pairs, (p) => p.item) },
    { name: `${part}_offsets`, dtype: 'I32', shape: [off.length], data: off },
    { name: `${part}_ids`, dtype: 'I32', shape: [ids.length], data: ids },
  ];
}

/**
 * The token of each user's word in a bare prompt (the runtime writes `user_<index>`): its own token
 * with `--user-tokens`, otherwise the one token every unknown user word maps to.
 */
export function userTokens(tok: Tokenizer, users: number): Int32Array {
  const out = new Int32Array(users);
  for (let u = 0; u < users; u++) {
    const ids = tok.encodeText(userWord(u), { addEos: false }).ids;
    if (ids.length !== 1) throw new Error(`the torch engine needs the atomic id scheme (a user is one token); got ${ids.length} tokens for ${userWord(u)}`);
    out[u] = ids[0]!;
  }
  return out;
}

/**
 * Writes bundle.json, init.safetensors and data.safetensors. CF prefix fold-ins: for every user and
 * every prefix length s = 1 .. n-1 of its n training items, the iALS fold-in of those s items against
 * the fitted item factors (row prefix_offsets[u] + s - 1); s = n is the user's own CF row.
 */
export function writeTorchBundle(dir: string, x: BundleInputs, options: TorchTrainOptions, seed: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const { tok, ds, cf } = x;
  const train = trainingSequences(ds);
  const U = train.length;
  const itemToken = new Int32Array(ds.numItems + 1);
  for (let i = 1; i <= ds.numItems; i++) itemToken[i] = tok.itemTokens(i)[0]!;
  const offsets = (seqs: readonly ArrayLike<number>[]): Int32Array => {
    const o = new Int32Array(seqs.length + 1);
    seqs.forEach((s, u) => (o[u + 1] = o[u]! + s.length));
    return o;
  };
  const flat = (seqs: readonly ArrayLike<number>[], o: Int32Array): Int32Array => {
    const a = new Int32Array(o[seqs.length]!);
    seqs.forEach((s, u) => a.set(Array.from(s), o[u]));
    return a;
  };
  const seqOff = offsets(train);
  const allOff = offsets(ds.sequences);
  const fold = new FoldIn(cf.itemFactors, cf.d, { alpha: PMF_DEFAULTS.alpha, lambda: PMF_DEFAULTS.lambda });
  const preOff = new Int32Array(U + 1);
  train.forEach((s, u) => (preOff[u + 1] = preOff[u]! + Math.max(0, s.length - 1)));
  const preCf = new Float32Array(preOff[U]! * cf.d);
  train.forEach((s, u) => {
    for (let k = 1; k < s.length; k++) preCf.set(fold.user(s.subarray(0, k)), (preOff[u]! + k - 1) * cf.d);
  });
  const validTarget = Int32Array.from(ds.sequences, (s) => s[s.length - 2]!);
  const data = writeSafetensors([
    { name: 'item_token', dtype: 'I32', shape: [itemToken.length], data: itemToken },
    { name: 'seq_offsets', dtype: 'I32', shape: [seqOff.length], data: seqOff },
    { name: 'seq_items', dtype: 'I32', shape: [seqOff[U]!], data: flat(train, seqOff) },
    { name: 'all_offsets', dtype: 'I32', shape: [allOff.length], data: allOff },
    { name: 'all_items', dtype: 'I32', shape: [allOff[U]!], data: flat(ds.sequences, allOff) },
    { name: 'cf_user', dtype: 'F32', shape: [U, cf.d], data: cf.userFactors },
    { name: 'prefix_offsets', dtype: 'I32', shape: [preOff.length], data: preOff },
    { name: 'prefix_cf', dtype: 'F32', shape: [preOff[U]!, cf.d], data: preCf },
    { name: 'neighbours', dtype: 'I32', shape: [U, x.nMax], data: x.neighbourIndices },
    { name: 'valid_target', dtype: 'I32', shape: [U], data: validTarget },
    { name: 'user_token', dtype: 'I32', shape: [U], data: userTokens(tok, U) },
    ...(x.text && x.text.train.length > 0
      ? [...textTensors('expl_train', x.text.train, tok), ...textTensors('expl_valid', x.text.valid, tok), ...(x.text.lm?.length ? textTensors('lm', x.text.lm, tok) : [])]
      : []),
  ]);
  fs.writeFileSync(path.join(dir, 'data.safetensors'), data);
  fs.writeFileSync(path.join(dir, 'init.safetensors'), paramsToSafetensors(x.model.config, x.model.params));
  const userTok = tok.encodeText('user_0', { addEos: false }).ids;
  if (userTok.length !== 1) throw new Error(`the torch engine needs the atomic id scheme (a user is one token); got ${userTok.length} tokens for user_0`);
  const bundle = {
    config: x.model.config,
    tokens: { pad: tok.padId, eos: tok.eosId, user: userTok[0] },
    train: { ...options, seed: options.seed ?? seed },
  };
  fs.writeFileSync(path.join(dir, 'bundle.json'), JSON.stringify(bundle, null, 1));
}

/**
 * Runs the trainer; its progress lines go to stderr, or, when `quiet`, are kept and only shown (the
 * last lines) if it fails. Rejects with its exit status.
 */
export function runTorchTrainer(dir: string, resume: boolean, threads = 1, quiet = false): Promise<void> {
  const args = [torchTrainerPath(), '--bundle', dir, ...(resume ? ['--resume'] : [])];
  // BLAS threads as torch's: OpenBLAS otherwise starts one per core and oversubscribes them.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  return new Promise((resolve, reject) => {
    const child = spawn(pythonCommand(), args, { stdio: ['ignore', 'inherit', quiet ? 'pipe' : 'inherit'], env });
    let tail = '';
    child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
    child.on('error', (e) =>
      reject(new Error(`could not start ${pythonCommand()} (${e.message}). The torch engine needs Debian's python3-torch (apt-get install python3-torch) or PEAPOD_PYTHON pointing at a Python with torch.`)),
    );
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`tools/torch/train.py stopped with ${signal ?? `exit status ${code}`}; its log is in ${dir}. Re-run with --resume to continue from its last checkpoint.${tail ? `\n${tail}` : ''}`)),
    );
  });
}

/**
 * Copies the trainer's log (one row per step) keeping every validation row and about `maxRows`
 * training rows spread evenly, each the mean of the rows it stands for, so a long run's curve still
 * fits in a pack.
 */
export function thinTrainingLog(from: string, to: string, maxRows = 1500): void {
  const rows = fs.readFileSync(from, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const train = rows.filter((r) => r['task'] !== 'validation');
  const every = Math.max(1, Math.ceil(train.length / maxRows));
  const out: Record<string, unknown>[] = [];
  const pending = new Map<string, { n: number; loss: number }>();
  let seen = 0;
  for (const r of rows) {
    if (r['task'] === 'validation') {
      out.push(r);
      continue;
    }
    const task = String(r['task']);
    const p = pending.get(task) ?? { n: 0, loss: 0 };
    p.n++;
    p.loss += Number(r['loss']);
    pending.set(task, p);
    if (++seen % every === 0) {
      for (const [t, q] of pending) out.push({ ...r, task: t, loss: Number((q.loss / q.n).toFixed(5)) });
      pending.clear();
    }
  }
  fs.writeFileSync(to, out.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** Assigns the trainer's best weights into the model (every tensor checked against the config). */
export function importTorchBest(dir: string, model: PeapodModel): TorchTrainResult {
  const file = path.join(dir, 'best.safetensors');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: the torch trainer saved no weights (did it validate at least once?).`);
  const parsed = parseSafetensors(new Uint8Array(fs.readFileSync(file)));
  assignCheckpoint(model.config, model.params, parsed.tensors);
  return JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8')) as TorchTrainResult;
}

// `peapod train` end to end: prepare data -> CF user embeddings on training interactions only ->
// neighbour lists -> tokenizer -> PeaPOD model -> joint training -> best weights -> pack export.
// Owns the wiring and the run's provenance; each step's algorithm lives in its own module.
import { cfPriorItemTable } from '../model/composer.ts';
import { FoldIn } from '../model/foldin.ts';
import { alsIterationFrom, interactionsFromLists, PMF_DEFAULTS } from './cf.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { similarUsers } from '../model/neighbours.ts';
import { initPeapodParams, PARAM, type ParamMap } from '../model/params.ts';
import * as tf from '@tensorflow/tfjs-core';
import { TrainRng } from './random.ts';
import { PeapodModel } from '../model/peapod.ts';
import { buildTransitions } from '../model/transitions.ts';
import { fitPriorScales, type PriorScales } from './prior-fit.ts';
import { buildTokenizer, Tokenizer } from '../model/tokenizer.ts';
import type { IdScheme, PeapodConfig, TaskName } from '../model/types.ts';
import type { InteractionDataset } from '../data/types.ts';
import { fitUserEmbeddings, type CfKind, type CfResult } from './cf-fit.ts';
import { prepareData, trainingSequences, type ExplanationSplit, type IdMode, type PreparedData } from '../data/prepare.ts';
import { validationNegatives, validationNegativesSeed } from '../model/inputs/heldout.ts';
import { templateWords } from '../model/inputs/prompts.ts';
import { restoreBest, train, type TrainOptions, type TrainResult } from './trainer.ts';
import { DEFAULT_ADAMW } from './optimizer.ts';
import type { CollabTables } from '../model/inputs/collab.ts';
import { importTorchBest, runTorchTrainer, thinTrainingLog, writeTorchBundle, type TorchTrainOptions } from './torch-engine.ts';
import { fitPriorMix, type PriorMixResult } from './prior-mix.ts';
import type { EvalModel } from '../eval/evaluate.ts';
import { chooseSnapshot, importSnapshot, listSnapshots, scoreSnapshots, type SnapshotScore } from './snapshot-choice.ts';

export interface ModelSize {
  dModel: number;
  layers: number;
  heads: number;
  dFf: number;
  dropout: number;
  /** A separate output head (T5 v1.1 style, no output scaling) instead of the tied embedding. */
  untiedHead?: boolean;
}

export interface PipelineOptions {
  dataset: string | InteractionDataset;
  dataDir?: string;
  /** Pack folder to write (e.g. public/models/beauty). */
  out: string;
  runDir: string;
  idMode: IdMode;
  idScheme: IdScheme;
  cf: CfKind;
  cfDim: number;
  /** Neighbours stored in the pack (n max). */
  nMax: number;
  /** Neighbours the composer attends over in training. */
  neighbours: number;
  composerHeads: number;
  /** Composer's keyScale (model/types.ts); 1 or absent = the reference's composer. */
  composerKeyScale?: number;
  promptLength: number;
  taskPrompts: boolean;
  collaborative: boolean;
  /**
   * atomic ids only: give every user its own token. Off by default: 22k user rows would be most of a
   * Beauty pack's 15 MB and a third of the output softmax, and each is seen only a few times in
   * training; the user is identified by the collaborative prompt instead (`user_{n}` reads as <unk>).
   */
  userTokens: boolean;
  /**
   * atomic ids only: start each item token's embedding from its CF item factor (a fixed random
   * projection to d_model, rescaled to the embedding's init std) instead of pure noise, so items that
   * are bought together start close. Off by default (the paper initialises from T5).
   */
  itemInitFromCf?: boolean;
  /** Keep the token embedding (and so the tied output head) fixed at its initial values. */
  freezeEmbeddings?: boolean;
  /** Train only the composer, the task prompts and the priors' scales; the T5 keeps its initial weights. */
  freezeT5?: boolean;
  /** Training samples get CF user embeddings folded in without their target (PMF only; see TrainData.foldIn). */
  cfFoldIn?: boolean;
  /**
   * Held-out training (PMF only): CF is fitted without each user's last training item, and
   * recommendation training samples target exactly that item (TrainOptions.lastOnly), so on training
   * samples the priors, the CF prompt and the neighbour lists have never seen the target, as on
   * validation and test. The pack's user rows are the full training parts folded in against the same
   * item factors (one latent space for training, the pack and the app).
   */
  holdoutLast?: boolean;
  /** Collaborative output prior on the first decoded token (atomic ids; see ComposerConfig.cfPrior). */
  cfPrior?: boolean;
  /** Sequential transition prior on the first decoded token (atomic ids; see ComposerConfig.seqPrior). */
  seqPrior?: boolean;
  /**
   * Who runs the T5's training loop: `tfjs` (src/train/trainer.ts, one target per encoder pass) or
   * `torch` (tools/torch/train.py: causal encoder for the sequential task, every item of a window a
   * target of one pass; CF prompts folded in from a prefix so they never contain the target). With
   * torch the T5 learns on its own (the priors, when switched on, are added at inference only).
   */
  engine?: 'tfjs' | 'torch';
  /**
   * Sub-word vocabulary: learn this many BPE merges from the training text (templates, the
   * explanation training split and, when present, the training reviews' sentences); words become
   * pieces, so none is <unk>. 0 / absent: whole words seen at least twice.
   */
  subwords?: number;
  /** Options of the torch trainer (engine torch). */
  /** keepWeights 'least-generic': the trainer keeps its last weights and snapshots (snapshotEvery > 0), and the snapshot whose validation explanations are least generic is imported (snapshot-choice.ts). */
  torch?: Omit<TorchTrainOptions, 'minutes' | 'seed' | 'keepWeights'> & { priorMixUsers?: number; snapshotPairs?: number; keepWeights?: TorchTrainOptions['keepWeights'] | 'least-generic' };
  size: ModelSize;
  tasks: TaskName[];
  users: number;
  seed: number;
  resume: boolean;
  train: Omit<TrainOptions, 'tasks' | 'neighbours' | 'runDir' | 'resume' | 'seed'>;
  dtype: 'float16' | 'float32';
  /** The command line that reproduces this run (recorded in the manifest). */
  command: string;
  explanations?: (ds: InteractionDataset) => ExplanationSplit | null;
  quiet?: boolean;
}

export interface PipelineResult {
  prepared: PreparedData;
  tok: Tokenizer;
  config: PeapodConfig;
  model: PeapodModel;
  cf: CfResult;
  collab: CollabTables;
  neighbourSimilarity: Float32Array;
  train: TrainResult;
  timings: Record<string, number>;
  /** Engine torch with output priors: the factor on both priors chosen on validation items. */
  priorMix?: PriorMixResult;
  /** Engine torch: which weights the pack holds, in words (best score, last step, or the snapshot chosen). */
  weightsFrom?: string;
}

export function modelConfig(tok: Tokenizer, o: Pick<PipelineOptions, 'size' | 'cfDim' | 'neighbours' | 'composerHeads' | 'composerKeyScale' | 'promptLength' | 'taskPrompts' | 'collaborative' | 'tasks' | 'idScheme' | 'cfPrior' | 'seqPrior' | 'engine' | 'torch'>): PeapodConfig {
  const s = o.size;
  return {
    t5: {
      vocabSize: tok.vocabSize,
      dModel: s.dModel,
      dKv: s.dModel / s.heads,
      numHeads: s.heads,
      dFf: s.dFf,
      numEncoderLayers: s.layers,
      numDecoderLayers: s.layers,
      feedForward: 'relu',
      relativeAttentionNumBuckets: 32,
      relativeAttentionMaxDistance: 128,
      tieWordEmbeddings: !s.untiedHead,
      dropoutRate: s.dropout,
      layerNormEpsilon: 1e-6,
      padTokenId: tok.padId,
      eosTokenId: tok.eosId,
      wholeWordVocab: tok.wholeWordVocab,
    },
    composer: {
      cfDim: o.cfDim,
      numNeighbours: o.neighbours,
      numHeads: o.composerHeads,
      promptLength: o.promptLength,
      taskPrompts: o.taskPrompts,
      collaborative: o.collaborative,
      ...(o.composerKeyScale !== undefined && o.composerKeyScale !== 1 ? { keyScale: o.composerKeyScale } : {}),
      ...(o.cfPrior && o.idScheme === 'atomic' ? { cfPrior: true } : {}),
      ...(o.seqPrior && o.idScheme === 'atomic' && o.tasks.includes('sequential') ? { seqPrior: true } : {}),
    },
    tasks: o.tasks,
    idScheme: o.idScheme,
    ...(o.engine === 'torch' && o.tasks.includes('sequential') ? { causalTasks: ['sequential'] as TaskName[] } : {}),
    ...(o.engine === 'torch' && o.torch?.seqForm === 'history' && o.tasks.includes('sequential') ? { sequentialForm: 'history' as const } : {}),
  };
}

/** Item rows of the token embedding <- P * cfItem, P a seeded Gaussian [cfDim, d]; rows rescaled to std 1. */
export function initItemsFromCf(embedding: tf.Variable, tok: Tokenizer, cf: CfResult, seed: number): void {
  const [V, d] = embedding.shape as [number, number];
  const rng = new TrainRng(seed ^ 0x5eed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const P = Float32Array.from({ length: cf.d * d }, gauss);
  const values = embedding.dataSync().slice() as Float32Array;
  for (const item of tok.items()) {
    const row = tok.itemTokens(item)[0]!;
    if (row >= V) continue;
    const f = cf.itemFactors.subarray(item * cf.d, (item + 1) * cf.d);
    const out = new Float32Array(d);
    for (let k = 0; k < cf.d; k++) for (let j = 0; j < d; j++) out[j]! += f[k]! * P[k * d + j]!;
    let ss = 0;
    for (let j = 0; j < d; j++) ss += out[j]! * out[j]!;
    const scale = ss > 0 ? Math.sqrt(d / ss) : 0;
    if (scale > 0) for (let j = 0; j < d; j++) values[row * d + j] = out[j]! * scale;
  }
  const t = tf.tensor2d(values, [V, d]);
  embedding.assign(t);
  t.dispose();
}

/**
 * Fills the prior's item table with the CF item factors (one row per atomic item token, frozen: packs
 * ship them once as the data array cf/item) and sets the log-scales fitted by fitPriorScales.
 */
export function initCfPrior(params: ParamMap, tok: Tokenizer, cf: CfResult, scales: PriorScales): void {
  const table = params.get(PARAM.cfPriorItems)!;
  const [V, d] = table.shape as [number, number];
  const t = tf.tensor2d(cfPriorItemTable(tok, cf.itemFactors, d, V), [V, d]);
  params.set(PARAM.cfPriorItems, tf.variable(t, false));
  table.dispose();
  t.dispose();
  const sc = tf.tensor1d([Math.log(scales.user), Math.log(scales.neighbour)]);
  params.get(PARAM.cfPriorScales)!.assign(sc);
  sc.dispose();
}

/** iALS fold-in against the fitted item factors, with the PMF fit's alpha and lambda. */
function foldInOf(cf: CfResult): (items: ArrayLike<number>) => Float32Array {
  const f = new FoldIn(cf.itemFactors, cf.d, { alpha: PMF_DEFAULTS.alpha, lambda: PMF_DEFAULTS.lambda });
  return (items) => f.user(items);
}

const FROZEN = 'frozen';

function saveFrozen(runDir: string, cf: CfResult, nb: { indices: Int32Array; similarities: Float32Array }, tok: Tokenizer): void {
  const dir = path.join(runDir, FROZEN);
  fs.mkdirSync(dir, { recursive: true });
  const raw = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  fs.writeFileSync(path.join(dir, 'cf-user.f32'), raw(cf.userFactors));
  fs.writeFileSync(path.join(dir, 'cf-item.f32'), raw(cf.itemFactors));
  fs.writeFileSync(path.join(dir, 'neighbours.i32'), raw(nb.indices));
  fs.writeFileSync(path.join(dir, 'similarity.f32'), raw(nb.similarities));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tok.toJSON()));
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ d: cf.d }));
}

function loadFrozen(runDir: string): { cf: CfResult; nb: { indices: Int32Array; similarities: Float32Array }; tok: Tokenizer } | null {
  const dir = path.join(runDir, FROZEN);
  if (!fs.existsSync(path.join(dir, 'meta.json'))) return null;
  const f32 = (f: string): Float32Array => {
    const b = fs.readFileSync(path.join(dir, f));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const b = fs.readFileSync(path.join(dir, 'neighbours.i32'));
  const { d } = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { d: number };
  return {
    cf: { userFactors: f32('cf-user.f32'), itemFactors: f32('cf-item.f32'), d },
    nb: { indices: new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), similarities: f32('similarity.f32') },
    tok: Tokenizer.fromJSON(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'))),
  };
}

/** The options that go to tools/torch/train.py (the rest are the pipeline's own). */
function torchTrainerOptions(t: PipelineOptions['torch']): Omit<TorchTrainOptions, 'minutes'> {
  const { priorMixUsers: _ignored, snapshotPairs: _pairs, keepWeights, ...rest }: NonNullable<PipelineOptions['torch']> = t ?? {};
  return { ...rest, ...(keepWeights ? { keepWeights: keepWeights === 'least-generic' ? 'last' : keepWeights } : {}) };
}

function log(quiet: boolean | undefined, msg: string): void {
  if (!quiet) process.stderr.write(`${msg}\n`);
}

export async function runTrainPipeline(o: PipelineOptions): Promise<PipelineResult> {
  const timings: Record<string, number> = {};
  const timed = <T>(name: string, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    timings[name] = (performance.now() - t0) / 1000;
    return r;
  };
  const prepared = timed('prepareS', () =>
    prepareData({ dataset: o.dataset, idMode: o.idMode, seed: o.seed, users: o.users, ...(o.dataDir ? { dataDir: o.dataDir } : {}), ...(o.explanations ? { explanations: o.explanations } : {}) }),
  );
  const ds = prepared.ds;
  const tasks = o.tasks.filter((t) => t !== 'explanation' || (prepared.explanations && prepared.explanations.train.length > 0));
  if (tasks.length !== o.tasks.length) log(o.quiet, `note: ${ds.name} has no explanation data; training ${tasks.join(', ')} only.`);
  const itemLrMult = o.torch?.itemLrMult ?? 1;
  if (!(itemLrMult >= 0 && itemLrMult <= 1)) {
    throw new Error(`--item-lr-mult must be between 0 (frozen item rows) and 1 (the table learns at --lr), got ${itemLrMult}.`);
  }
  if (o.torch?.keepWeights === 'average') {
    if (o.engine !== 'torch') throw new Error('--keep-weights average works with --engine torch only.');
    if (!o.torch.snapshotEvery) throw new Error('--keep-weights average is the mean of the snapshots: give --snapshot-every N (steps) too.');
  }
  if (o.torch?.keepWeights === 'least-generic') {
    if (o.engine !== 'torch') throw new Error('--keep-weights least-generic works with --engine torch only.');
    if (!o.torch.snapshotEvery) throw new Error('--keep-weights least-generic chooses among snapshots: give --snapshot-every N (steps) too.');
    if (!tasks.includes('explanation') || !prepared.explanations?.valid.length) throw new Error(`--keep-weights least-generic chooses on validation explanations: ${ds.name} with --tasks ${o.tasks.join(',')} has none.`);
  }
  log(o.quiet, `data: ${ds.name}, ${ds.sequences.length} users, ${ds.numItems} items, ids ${prepared.idMode}, test negatives: ${prepared.negativesSource} (${timings['prepareS']!.toFixed(1)} s)`);

  // A resumed run must see exactly the CF embeddings, neighbours and vocabulary it started with, even
  // if the code that derives them changed in between: they are frozen into the run folder.
  const frozen = o.resume ? loadFrozen(o.runDir) : null;
  let cf: CfResult;
  let nb: { indices: Int32Array; similarities: Float32Array };
  const nMax = Math.min(o.nMax, ds.sequences.length - 1);
  if (frozen) {
    cf = frozen.cf;
    nb = frozen.nb;
    log(o.quiet, `cf + neighbours: reused from ${o.runDir} (resume)`);
  } else if (o.holdoutLast) {
    // Set below from the held-out fit (the full-data fit would only be thrown away).
    cf = { userFactors: new Float32Array(0), itemFactors: new Float32Array(0), d: o.cfDim };
    nb = { indices: new Int32Array(0), similarities: new Float32Array(0) };
  } else {
    cf = timed('cfS', () => fitUserEmbeddings(o.cf, trainingSequences(ds), ds.numItems, o.cfDim, o.seed, o.quiet));
    log(o.quiet, `cf: ${o.cf} d=${cf.d} fitted on training interactions in ${timings['cfS']!.toFixed(1)} s`);
    nb = timed('neighboursS', () => similarUsers(cf.userFactors, cf.d, nMax));
    log(o.quiet, `neighbours: top ${nMax} by cosine in ${timings['neighboursS']!.toFixed(1)} s`);
  }
  let collabTrain: CollabTables | undefined;
  if (o.holdoutLast) {
    if (o.cf !== 'pmf') throw new Error(`--holdout-last needs --cf pmf: the pack's user rows are folded in against the held-out fit's item factors, and only PMF has a fold-in (got --cf ${o.cf}).`);
    const fitSeqs = trainingSequences(ds).map((s) => s.subarray(0, Math.max(0, s.length - 1)));
    const h = timed('cfHoldoutS', () => fitUserEmbeddings(o.cf, fitSeqs, ds.numItems, o.cfDim, o.seed, o.quiet));
    const nbH = similarUsers(h.userFactors, h.d, nMax);
    collabTrain = { cfUser: h.userFactors, cfDim: h.d, neighbourIndices: nbH.indices, nMax };
    if (!frozen) {
      const fold = foldInOf(h);
      const users = new Float32Array(ds.sequences.length * h.d);
      trainingSequences(ds).forEach((s, u) => users.set(fold(s), u * h.d));
      cf = { userFactors: users, itemFactors: h.itemFactors, d: h.d };
      nb = similarUsers(cf.userFactors, cf.d, nMax);
    }
    log(o.quiet, `cf (held out): fitted without each user's last training item in ${timings['cfHoldoutS']!.toFixed(1)} s; pack rows = training parts folded in against its item factors`);
  }
  let collab: CollabTables = { cfUser: cf.userFactors, cfDim: cf.d, neighbourIndices: nb.indices, nMax };

  // Template words appear once each in this list; the vocabulary keeps words seen at least twice
  // (minCount 2, for review text), so the template text is listed twice to keep every template word.
  const templateText = templateWords().join(' ');
  const texts: string[] = [templateText, templateText];
  if (prepared.explanations) for (const p of prepared.explanations.train) texts.push(p.text);
  if (prepared.explanations?.lm && o.subwords) for (const p of prepared.explanations.lm) texts.push(p.text);
  const items: number[] = [];
  for (let i = 1; i <= ds.numItems; i++) items.push(i);
  const tok = frozen?.tok ?? buildTokenizer({ idScheme: o.idScheme, texts, users: o.userTokens || o.idScheme === 'p5' ? ds.users : [], items, minCount: 2, ...(o.subwords ? { bpeMerges: o.subwords } : {}) });
  if (o.subwords) log(o.quiet, `tokenizer: ${tok.vocabSize} tokens, BPE sub-words (${o.subwords} merges) learnt from ${texts.length - 2} training sentences`);
  if (!frozen) saveFrozen(o.runDir, cf, nb, tok);
  const neighbours = Math.min(o.neighbours, nMax);
  const config = modelConfig(tok, { ...o, neighbours, tasks });
  const params = initPeapodParams(config, o.seed);
  if (o.itemInitFromCf && o.idScheme === 'atomic' && !o.resume) initItemsFromCf(params.get(PARAM.sharedEmbedding)!, tok, cf, o.seed);
  if (o.freezeT5) {
    // Only what reads the CF embeddings learns: the composer's attention (which the neighbour term
    // of the prior reads), the task prompts and the prior scales.
    const learn = (name: string): boolean => name.startsWith('composer/') || name.startsWith('task_prompt/') || name.startsWith('cf_prior/scales') || name.startsWith('seq_prior/');
    for (const [name, v] of [...params]) {
      if (learn(name) || !v.trainable) continue;
      params.set(name, tf.variable(v, false));
      v.dispose();
    }
  } else if (o.freezeEmbeddings) {
    // Adam moves every item row by ~lr per step, even rows whose softmax gradient is tiny; frozen
    // (CF-initialised) rows leave the T5 to learn a representation in the items' space instead.
    const v = params.get(PARAM.sharedEmbedding)!;
    params.set(PARAM.sharedEmbedding, tf.variable(v, false));
    v.dispose();
  }
  const transitions = config.composer.seqPrior ? buildTransitions(trainingSequences(ds), ds.numItems) : null;
  const model = PeapodModel.fromPack({ config, params, tokenizer: tok, numItems: ds.numItems, transitions });
  const torchEngine = o.engine === 'torch';
  if (!torchEngine && config.sequentialForm === 'history') throw new Error("--seq-form history is trained by --engine torch only (the TF.js trainer teaches the bare prompt).");
  if ((o.torch?.repeatUnlikelihood ?? 0) > 0 && config.sequentialForm !== 'history') {
    throw new Error('--repeat-unlikelihood works on the history form only (the items the decoder has read): add --seq-form history and --engine torch, or drop it.');
  }
  if (torchEngine && (o.holdoutLast || o.freezeT5 || o.idScheme !== 'atomic')) {
    throw new Error('--engine torch trains the whole T5 on atomic ids with prefix fold-ins (leak-free by construction): drop --holdout-last / --freeze-t5, and use --id-scheme atomic.');
  }
  if ((config.composer.cfPrior || transitions) && !o.resume && !torchEngine) {
    // The T5 starts nearly silent (final decoder norm 0.1: logits with a spread of ~0.1 rather than
    // ~1) so that the fitted priors rank first and the T5 learns what they miss.
    const norm = params.get(PARAM.decoderFinalNorm)!;
    const t = tf.fill(norm.shape, 0.1);
    norm.assign(t);
    t.dispose();
  }
  let fitted: PriorScales | null = null;
  if (config.composer.cfPrior || transitions) {
    const fit = timed('priorFitS', () => fitPriorScales(cf, ds.sequences, { indices: nb.indices, nMax, n: neighbours }, transitions, o.seed));
    fitted = fit;
    if (config.composer.cfPrior) initCfPrior(params, tok, cf, fit);
    if (transitions && fit.seq !== null && fit.repeat !== null && !o.resume) {
      const t = tf.tensor1d([Math.log(fit.seq)]);
      params.get(PARAM.seqPriorScale)!.assign(t);
      const r = tf.tensor1d([fit.repeat]);
      params.get(PARAM.seqPriorRepeat)!.assign(r);
      t.dispose();
      r.dispose();
    }
    // The scales stay as fitted on validation items: on training samples the priors are partly
    // in-sample (PMF's item factors and the transition counts have seen the targets), so letting
    // training move them made them overconfident (validation loss rose from the first steps).
    for (const name of [PARAM.cfPriorScales, PARAM.seqPriorScale, PARAM.seqPriorRepeat]) {
      const v = params.get(name);
      if (!v || !v.trainable) continue;
      params.set(name, tf.variable(v, false));
      v.dispose();
    }
    if (config.composer.collaborative && !o.resume && !torchEngine) {
      // Uniform attention at the start (zero query), the neighbour mix the scales were fitted for.
      const q = params.get(PARAM.composerQuery)!;
      const z = tf.zerosLike(q);
      q.assign(z);
      z.dispose();
    }
    log(o.quiet, `priors fitted on ${fit.users} users' validation items: user ${fit.user.toPrecision(3)}, neighbours ${fit.neighbour.toPrecision(3)}${fit.seq !== null ? `, transitions ${fit.seq.toPrecision(3)} (${transitions!.targets.length} pairs), repeat ${fit.repeat!.toPrecision(3)}` : ''}`);
  }
  log(o.quiet, `model: vocab ${tok.vocabSize}, d ${o.size.dModel}, ${o.size.layers}+${o.size.layers} layers, ${o.size.heads} heads, d_ff ${o.size.dFf}, tasks ${tasks.join('/')}`);

  const validNegs = timed('validNegativesS', () => validationNegatives(ds, validationNegativesSeed(o.seed)));
  fs.mkdirSync(o.runDir, { recursive: true });
  if (torchEngine) {
    const dir = path.join(o.runDir, 'torch');
    if (!o.resume || !fs.existsSync(path.join(dir, 'bundle.json'))) {
      const ex = tasks.includes('explanation') ? prepared.explanations : null;
      const text = ex ? { train: ex.train, valid: ex.valid, ...(ex.lm ? { lm: ex.lm } : {}) } : undefined;
      if (ex) log(o.quiet, `explanation text: ${ex.train.length} training pairs, ${ex.valid.length} validation pairs, ${ex.lm?.length ?? 0} training-review sentences`);
      timed('bundleS', () => writeTorchBundle(dir, { model, tok, ds, cf, neighbourIndices: nb.indices, nMax, ...(text ? { text } : {}) }, { ...torchTrainerOptions(o.torch), minutes: o.train.maxMinutes, ...(Number.isFinite(o.train.maxSteps) ? { maxSteps: o.train.maxSteps } : {}), batchSize: o.train.batchSize, topnCandidates: o.train.topnCandidates }, o.seed));
      log(o.quiet, `torch bundle: ${dir} (${timings['bundleS']!.toFixed(1)} s)`);
    }
    await runTorchTrainer(dir, o.resume, o.torch?.threads ?? 1, o.quiet ?? false);
    let r = importTorchBest(dir, model);
    // The model on validation (training ids): the prior mix reads its items, the snapshot choice its explanation pairs.
    const validModel: EvalModel = { model, tok, sequences: ds.sequences, userIds: ds.users, numItems: ds.numItems, collab, neighbours, negatives: validNegs, explanations: [], datasetItem: (i) => i };
    let pick: SnapshotScore | null = null;
    if (o.torch?.keepWeights === 'least-generic') {
      const t1 = performance.now();
      const valid = { ...validModel, explanations: prepared.explanations?.valid ?? [] };
      const scores = await scoreSnapshots(dir, model, valid, (msg) => log(o.quiet, msg), o.torch.snapshotPairs ?? 0);
      const chosen = chooseSnapshot(scores);
      pick = chosen;
      importSnapshot(listSnapshots(dir).find((s) => s.step === chosen.step)!.file, model);
      r = { ...r, bestStep: pick.step, keptWeights: 'least-generic', snapshots: scores };
      timings['snapshotChoiceS'] = (performance.now() - t1) / 1000;
      log(o.quiet, `kept the weights of step ${pick.step}: the least generic of ${scores.length} snapshots on ${o.torch.snapshotPairs || valid.explanations.length} validation explanation pairs (most common sentence ${(100 * pick.topShare).toFixed(1)}% of outputs)`);
    }
    thinTrainingLog(path.join(dir, 'training-log.jsonl'), path.join(o.runDir, 'training-log.jsonl'));
    const t0 = performance.now();
    const priorMix = await fitPriorMix(validModel, o.torch?.priorMixUsers ?? 1500, (msg) => log(o.quiet, msg));
    timings['priorMixS'] = (performance.now() - t0) / 1000;
    log(o.quiet, `prior mix: lambda ${priorMix.lambda} chosen on ${priorMix.users} users' validation items (${timings['priorMixS'].toFixed(0)} s)`);
    const state = { step: r.steps, optimizerStep: r.steps, stream: { rng: 0, cursor: {}, pass: {}, turn: 0 }, elapsedS: r.trainSeconds, trainS: r.trainSeconds, samples: r.targets, bestValLoss: null, bestStep: r.bestStep, badValidations: 0, lastValidationS: r.trainSeconds };
    const trainResult: TrainResult = { state, stoppedBy: r.stoppedBy ?? 'time-budget', samplesPerS: r.targetsPerS, bestDir: dir, lastValLoss: null };
    fs.writeFileSync(path.join(o.runDir, 'train-result.json'), JSON.stringify({ engine: 'torch', torch: r, priorMix, timings }, null, 2));
    const weightsFrom = pick
      ? `step ${r.bestStep.toLocaleString('en')} of ${r.steps.toLocaleString('en')}: of ${r.snapshots!.length} snapshots, the one whose validation explanations repeat their most common sentence least (${(100 * pick.topShare).toFixed(1)}% of outputs)`
      : r.keptWeights === 'average' && r.averagedSteps?.length
        ? `the mean of ${r.averagedSteps.length} snapshots (steps ${r.averagedSteps[0]!.toLocaleString('en')} to ${r.averagedSteps[r.averagedSteps.length - 1]!.toLocaleString('en')} of ${r.steps.toLocaleString('en')})`
        : r.keptWeights === 'last'
          ? `the last step (${r.bestStep.toLocaleString('en')})`
          : `the best validation score (step ${r.bestStep.toLocaleString('en')})`;
    log(o.quiet, `torch: ${r.steps} steps, ${r.targets} targets (${r.targetsPerS.toFixed(0)}/s, torch ${r.torch}, ${r.threads} thread(s)); weights from ${weightsFrom}`);
    return { prepared, tok, config, model, cf, collab, neighbourSimilarity: nb.similarities, train: trainResult, timings, priorMix, weightsFrom };
  }
  const trainResult = await train(
    model,
    {
      tok,
      src: ds,
      userIds: ds.users,
      collab,
      explanationsTrain: prepared.explanations?.train ?? [],
      explanationsValid: prepared.explanations?.valid ?? [],
      validNegatives: validNegs,
      ...(o.cfFoldIn && o.cf === 'pmf' ? { foldIn: foldInOf(cf) } : {}),
      ...(collabTrain ? { collabTrain } : {}),
    },
    { ...o.train, ...(o.holdoutLast ? { lastOnly: true } : {}), tasks, neighbours, runDir: o.runDir, resume: o.resume, seed: o.seed, adamw: o.train.adamw ?? DEFAULT_ADAMW, quiet: o.quiet ?? false },
  );
  restoreBest(model, trainResult.bestDir);
  if (o.holdoutLast) {
    // Training needed CF that had not seen the last training items; the pack may use them: one iALS
    // iteration on the full training parts from the trained-with factors (same basis) gives the
    // item factors every training interaction, and user rows folded in against them.
    const step = timed('cfRefitS', () => alsIterationFrom(interactionsFromLists(trainingSequences(ds), ds.numItems + 1), cf.userFactors, cf.d, { alpha: PMF_DEFAULTS.alpha, lambda: PMF_DEFAULTS.lambda }));
    cf = { userFactors: step.users, itemFactors: step.items, d: cf.d };
    nb = similarUsers(cf.userFactors, cf.d, nMax);
    collab = { cfUser: cf.userFactors, cfDim: cf.d, neighbourIndices: nb.indices, nMax };
    if (config.composer.cfPrior && fitted) initCfPrior(model.params, tok, cf, fitted);
    log(o.quiet, `cf refit for the pack: one iALS iteration on the full training parts in ${timings['cfRefitS']!.toFixed(1)} s`);
  }
  fs.writeFileSync(path.join(o.runDir, 'train-result.json'), JSON.stringify({ stoppedBy: trainResult.stoppedBy, samplesPerS: trainResult.samplesPerS, state: trainResult.state, timings }, null, 2));
  return { prepared, tok, config, model, cf, collab, neighbourSimilarity: nb.similarities, train: trainResult, timings };
}

// `peapod train`: its options (one table: help, defaults, parsing, recipe keys), then the Node
// backend and the training pipeline, then the pack export. All domain logic lives in src/train; this
// module only maps options to the pipeline's.
import * as path from 'node:path';
import { defineCommand, helpText, parseCommand, wantsHelp, type OptionValues, type ParseOptions } from '../options.ts';
import type { CommandModule } from './types.ts';
import type { RunOptions } from '../../train/run.ts';
import { DEFAULT_ADAMW } from '../../train/optimizer.ts';

/** `--cf-dim` default: the width of the CF user embeddings (and of `peapod eval --baseline pmf`'s fit). */
export const DEFAULT_CF_DIM = 32;

export const ENGINES = ['tfjs', 'torch'] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * Defaults that differ by engine (each trainer keeps the one it was tuned with). The table leaves
 * these options without a default; trainRunOptions resolves them here, and the help prints them from here.
 */
export const ENGINE_DEFAULTS = {
  warmup: { torch: 300, tfjs: 100 },
  'validate-every': { torch: 4, tfjs: 5 },
  'valid-users': { torch: 2000, tfjs: 512 },
} as const satisfies Record<string, Record<Engine, number>>;

const perEngine = (flag: keyof typeof ENGINE_DEFAULTS): string => `${ENGINE_DEFAULTS[flag].torch} with --engine torch, ${ENGINE_DEFAULTS[flag].tfjs} with tfjs`;

export const TRAIN = defineCommand({
  command: 'peapod train',
  usage: ['--dataset NAME|DIR --out DIR [options]', '--recipe FILE [options]'],
  recipeFlag: 'recipe',
  options: {
    recipe: {
      kind: 'string',
      meta: 'FILE',
      help: 'a JSON recipe {"flag": value, ...} (keys are the flags below without --, true for a switch); flags on the command line override it. The shipped packs\' recipes are in recipes/',
    },

    dataset: { group: 'Data and output', kind: 'string', meta: 'NAME|DIR', required: true, help: 'dataset folder name under the data dir (PEAPOD_DATA_DIR) or a path' },
    out: { kind: 'string', meta: 'DIR', required: true, help: 'pack folder to write (e.g. public/models/beauty)' },
    'run-dir': { kind: 'string', meta: 'DIR', defaultText: 'runs/<basename of --out>', help: 'checkpoints + training log' },
    resume: { kind: 'switch', help: "continue from the run dir's last checkpoint" },
    users: { kind: 'integer', default: 0, help: 'keep only the first N users (quick experiments; 0 = all)' },
    ids: { kind: 'choice', choices: ['remap', 'original'], default: 'remap', help: "leak-free seeded item re-mapping, or P5's original ids" },
    'id-scheme': { kind: 'choice', choices: ['atomic', 'p5'], default: 'atomic', help: 'one token per id, or P5 digit pieces + whole-word ids' },
    tasks: { kind: 'list', choices: ['sequential', 'topn', 'explanation'], default: ['explanation', 'sequential', 'topn'], help: 'tasks to train (explanation only where the data has it)' },
    subwords: {
      kind: 'integer',
      default: 0,
      help: 'BPE sub-word vocabulary of N merges learnt from the training text (the explanation training split and every sentence of the training reviews): no ordinary word is <unk> (0: whole words seen twice)',
    },

    cf: { group: 'Collaborative filtering', kind: 'choice', choices: ['pmf', 'bivae'], default: 'pmf', help: 'CF user embeddings' },
    'cf-dim': { kind: 'integer', default: DEFAULT_CF_DIM, help: 'CF embedding width' },
    'n-max': { kind: 'integer', default: 20, help: 'neighbours stored in the pack (packs must stay <= 15 MB)' },
    neighbours: { kind: 'integer', default: 20, help: 'neighbours attended' },
    'cf-foldin': { kind: 'switch', help: "PMF: each training sample's user embedding is folded in from the items before its target (the fitted table row has seen the target and leaks it)" },
    'holdout-last': {
      kind: 'switch',
      help: "PMF: fit CF without each user's last training item and train recommendations on exactly that item, so training targets are out of sample for the CF prompt, the neighbour lists and the priors (as validation and test are)",
    },
    'cf-prior': { kind: 'switch', help: "atomic ids: add the collaborative output prior (user and attended-neighbour CF embeddings . item CF factors) to the first decoded token's logits (ours)" },
    'seq-prior': { kind: 'switch', help: "atomic ids: add the sequential transition prior (item-to-item transitions counted on training sequences, from the history's newest items) (ours)" },

    'd-model': { group: 'Model', kind: 'integer', default: 128, help: 'T5 width' },
    layers: { kind: 'integer', default: 2, help: 'layers per stack (encoder and decoder)' },
    heads: { kind: 'integer', default: 4, help: 'attention heads' },
    'untied-head': { kind: 'switch', help: 'a separate output head over the vocabulary (T5 v1.1 style, logits not scaled) instead of the tied token embedding: the map from the items read to the item predicted is no longer bound to one embedding' },
    'd-ff': { kind: 'integer', defaultText: '4 * --d-model', help: 'feed-forward width' },
    dropout: { kind: 'number', default: 0.1, help: 'dropout rate' },
    'prompt-length': { kind: 'integer', default: 3, help: 'soft prompt length' },
    'composer-heads': { kind: 'integer', default: 4, help: "heads of the composer's attention over the neighbours" },
    'composer-key-scale': { kind: 'number', default: 1, help: "factor on the CF embeddings read by the composer's query and key projections (1 = the reference; PMF rows are small, so at 1 the attention stays uniform)" },
    'no-task-prompts': { kind: 'switch', help: 'ablation: no task prompts' },
    'no-collaborative': { kind: 'switch', help: 'ablation: no collaborative prompt' },
    'user-tokens': { kind: 'switch', help: 'atomic ids: one token per user too (off: users are known by their CF prompt)' },
    'item-init-cf': { kind: 'switch', help: 'atomic ids: initialise item token embeddings from the CF item factors' },
    'freeze-embeddings': { kind: 'switch', help: 'keep the token embedding (and the tied output head) at its initial values (with --item-init-cf: items stay in the CF space)' },
    'freeze-t5': { kind: 'switch', help: 'train only the composer, task prompts and prior scales (T5 stays as initialised)' },

    engine: {
      group: 'Training',
      kind: 'choice',
      choices: ENGINES,
      default: 'tfjs',
      help: "who runs the T5's training loop. torch: native PyTorch (Debian's python3-torch, or PEAPOD_PYTHON) with dense next-item supervision (causal encoder for the sequential task, every item of a window a target of one pass, CF prompts folded in from a prefix); weights come back through the checkpoint importer",
    },
    'max-minutes': { kind: 'number', default: 60, help: 'training time budget; stops cleanly, keeps the best weights' },
    'max-steps': { kind: 'integer', defaultText: 'unlimited, use --max-minutes', help: 'optimizer steps; 0 = export untrained weights. torch: the learning-rate schedule then runs on steps alone and --max-minutes only caps the time, so the run is the same on any machine that finishes in time' },
    'batch-size': { kind: 'integer', default: 64, help: 'rows per batch' },
    lr: { kind: 'number', default: 1e-3, help: 'peak learning rate' },
    warmup: { kind: 'integer', defaultText: perEngine('warmup'), help: 'learning-rate warmup steps' },
    'weight-decay': { kind: 'number', default: DEFAULT_ADAMW.weightDecay, help: 'AdamW weight decay' },
    clip: { kind: 'number', default: DEFAULT_ADAMW.clipNorm, help: 'tfjs: global gradient-norm bound (0: no clipping)' },
    'composer-lr-mult': { kind: 'number', default: 1, help: "learning-rate multiplier of the composer's attention projections" },
    'topn-candidates': { kind: 'integer', default: 100, help: 'candidates per training top-n sample (fewer is faster)' },
    'max-input': { kind: 'integer', default: 128, help: 'input token cap' },
    'word-dropout': { kind: 'number', default: 0, help: 'drop each template word of a training prompt with probability X; the ids stay, so training also sees prompts close to the bare validation/test form' },
    'id-only-validation': { kind: 'switch', help: "validation loss of recommendations without the closing </s> (default: all target tokens, as the reference; see the trainer's note before turning it on)" },
    'templated-validation': { kind: 'switch', help: 'also log validation loss in training template 0 (diagnostic of the template -> bare-form gap; early stopping still uses the bare form)' },
    'validate-every': { kind: 'number', defaultText: perEngine('validate-every'), help: 'minutes between validations' },
    'valid-users': { kind: 'integer', defaultText: perEngine('valid-users'), help: 'validation users' },
    patience: { kind: 'integer', default: 3, help: 'validations without improvement before stopping' },
    'checkpoint-every': { kind: 'number', default: 3, help: 'minutes between checkpoints' },
    seed: { kind: 'integer', default: 1, help: 'seed of the id re-mapping, CF fit, initialisation and sampling' },
    backend: { kind: 'choice', choices: ['wasm', 'cpu'], default: 'wasm', help: 'TF.js backend in Node' },

    'topn-every': { group: 'Torch engine (--engine torch)', kind: 'integer', default: 3, help: 'torch: one top-n batch per N batches' },
    threads: { kind: 'integer', default: 1, help: 'torch: torch threads' },
    'explanation-share': { kind: 'number', default: 0.5, help: 'torch: fraction of batches that are explanation batches' },
    'lm-fraction': { kind: 'number', default: 0, help: 'torch: first fraction of the time budget spent on language pretraining on every sentence of the training reviews (explanation form)' },
    'lm-mix': { kind: 'number', default: 0, help: 'torch: afterwards, fraction of explanation batches drawn from those sentences' },
    'label-smoothing': { kind: 'number', default: 0, help: 'torch: label smoothing of explanation targets' },
    'context-loss': { kind: 'number', default: 0, min: 0, help: "torch: weight of a bag-of-words loss on explanation and review-sentence batches: the encoder's user and item states predict the sentence's words, so they carry what it says (0: off)" },
    'item-label-smoothing': { kind: 'number', default: 0, help: 'torch: label smoothing of item targets (next-item and top-n)' },
    'torch-validation': { kind: 'choice', choices: ['plain', 'unseen-last'], default: 'plain', help: "torch: plain = validation histories are sequences the T5 trained on; unseen-last = each validation user's last training item is held out of training, so validation ends, as test does, on an input the T5 never saw for that user" },
    'seq-form': {
      kind: 'choice',
      choices: ['bare', 'history'],
      default: 'bare',
      help: "torch: the next-item task's form. bare = the paper's bare prompt (history in the encoder, answer decoded from the start token); history = the encoder reads the user and the soft prompts, the history is the decoder's teacher-forced prefix and every position predicts the next item",
    },
    'sampled-softmax': { kind: 'integer', default: 0, help: 'torch: item targets of the next-item task scored against the batch\'s targets plus N uniformly drawn items (log-corrected) instead of the whole vocabulary; 0 = whole vocabulary' },
    'repeat-unlikelihood': {
      kind: 'number',
      default: 0,
      help: 'torch, --seq-form history: weight of an unlikelihood term -log(1 - p) on every item the decoder has already read at a position (the target excepted), so the T5 learns not to recommend what the user already has; 0 = off',
    },
    'item-lr-mult': {
      kind: 'number',
      default: 1,
      min: 0,
      help: 'torch: learning rate of the token table (the item rows, and the tied output head with them) as a multiple of --lr, at most 1: below 1 keeps the item rows near their initialisation so the table cannot learn the training sequences by heart; 0 = frozen',
    },
    'length-buckets': { kind: 'integer', default: 0, help: 'torch: batches cut from runs of N x batch-size users sorted by sequence length (the batches shuffled), so a batch pads little; 0 = random batches' },
    'window-crop': { kind: 'number', default: 0, help: 'torch: fraction of next-item rows whose window starts at a random later item, so the T5 also learns from 1..20 items of context' },
    'item-noise': {
      kind: 'number',
      default: 0,
      help: 'torch: fraction of input history items of next-item training rows replaced by a random item (the targets stay real), so the T5 cannot recall a training sequence by its exact items',
    },
    'item-init-transitions': {
      kind: 'switch',
      help: "torch: item token rows start as a rank-d factorisation of which items follow which within 3 positions in the training sequences (PPMI + SVD; replaces --item-init-cf's rows)",
    },
    'train-neighbours': {
      kind: 'choice',
      choices: ['prefix', 'pack'],
      default: 'prefix',
      help: "torch: similar users of a training row chosen from its CF prefix, as the pack would choose them, or the pack's lists (chosen from every training item: they tell the T5 which items come later)",
    },
    'keep-weights': {
      kind: 'choice',
      choices: ['best', 'last', 'average', 'least-generic'],
      default: 'best',
      help: "torch: the weights exported: best = the best-scoring validation (next-item + top-n NDCG@10 - expl-val-weight x explanation loss); last = the weights the run ended with; average = the element-wise mean of the --snapshot-every snapshots (the late part of the run, averaged); least-generic = of the --snapshot-every snapshots, the one whose validation explanations (decoded as the evaluator does) repeat their most common sentence least",
    },
    'snapshot-every': { kind: 'integer', default: 0, min: 0, help: 'torch: every N steps once the schedule is --snapshot-from of the way through (and at the end), also keep the weights as a candidate checkpoint (runs/…/torch/snapshots); 0 = none' },
    'snapshot-pairs': { kind: 'integer', default: 0, min: 0, help: 'torch, --keep-weights least-generic: validation explanation pairs each snapshot decodes (the first N; 0 = all)' },
    'snapshot-from': { kind: 'number', default: 0.7, min: 0, help: 'torch: fraction of the run after which --snapshot-every keeps candidates' },
    'expl-val-weight': { kind: 'number', default: 0.1, help: 'torch: checkpoint score = next-item + top-n NDCG@10 - X * explanation validation loss' },

    'max-pack-mib': { group: 'Export', kind: 'number', default: 15, help: 'refuse packs over X MiB (15: what the app ships; raise it for evaluation-only packs)' },
    dtype: { kind: 'choice', choices: ['float16', 'float32'], default: 'float16', help: 'weight storage in the pack' },
    'eval-users': { kind: 'integer', default: 2000, help: "test users evaluated for the manifest's metrics at export (0 = all)" },
  },
});

export type TrainValues = OptionValues<typeof TRAIN.options>;

/** `peapod train` argv (and its recipe, if any) as typed options. */
export function parseTrainArgs(argv: readonly string[], opts?: ParseOptions): { values: TrainValues; recipe: Record<string, unknown> | null } {
  const { values, recipe } = parseCommand(TRAIN, argv, opts);
  return { values, recipe };
}

/** The options whose default depends on the engine: given, else the engine's default. */
export function engineDefaults(o: Pick<TrainValues, 'engine' | 'warmup' | 'validateEvery' | 'validUsers'>): { warmup: number; validateEvery: number; validUsers: number } {
  return {
    warmup: o.warmup ?? ENGINE_DEFAULTS.warmup[o.engine],
    validateEvery: o.validateEvery ?? ENGINE_DEFAULTS['validate-every'][o.engine],
    validUsers: o.validUsers ?? ENGINE_DEFAULTS['valid-users'][o.engine],
  };
}

/** The pipeline's options from the parsed ones (no I/O: what `peapod train` passes to runTrainAndExport). */
export function trainRunOptions(o: TrainValues, command: string, backend: string): RunOptions {
  const e = engineDefaults(o);
  if (o.freezeEmbeddings && o.itemLrMult !== 1) {
    throw new Error('--freeze-embeddings and --item-lr-mult both set the token table\'s learning rate: give one (--freeze-embeddings is --item-lr-mult 0).');
  }
  return {
    dataset: o.dataset,
    out: o.out,
    runDir: o.runDir ?? path.join('runs', path.basename(path.resolve(o.out))),
    idMode: o.ids,
    idScheme: o.idScheme,
    cf: o.cf,
    cfDim: o.cfDim,
    nMax: o.nMax,
    neighbours: o.neighbours,
    composerHeads: o.composerHeads,
    composerKeyScale: o.composerKeyScale,
    promptLength: o.promptLength,
    taskPrompts: !o.noTaskPrompts,
    collaborative: !o.noCollaborative,
    userTokens: o.userTokens,
    itemInitFromCf: o.itemInitCf,
    cfPrior: o.cfPrior,
    maxPackMiB: o.maxPackMib,
    cfFoldIn: o.cfFoldin,
    holdoutLast: o.holdoutLast,
    freezeEmbeddings: o.freezeEmbeddings,
    freezeT5: o.freezeT5,
    seqPrior: o.seqPrior,
    engine: o.engine,
    torch: {
      topnEvery: o.topnEvery,
      threads: o.threads,
      lr: o.lr,
      warmupSteps: e.warmup,
      weightDecay: o.weightDecay,
      validateEveryMin: e.validateEvery,
      validUsers: e.validUsers,
      explanationShare: o.explanationShare,
      lmFraction: o.lmFraction,
      lmMix: o.lmMix,
      labelSmoothing: o.labelSmoothing,
      contextLoss: o.contextLoss,
      explValWeight: o.explValWeight,
      keepWeights: o.keepWeights,
      snapshotEvery: o.snapshotEvery,
      snapshotFrom: o.snapshotFrom,
      snapshotPairs: o.snapshotPairs,
      windowCrop: o.windowCrop,
      seqForm: o.seqForm,
      sampledSoftmax: o.sampledSoftmax,
      lengthBuckets: o.lengthBuckets,
      repeatUnlikelihood: o.repeatUnlikelihood,
      // --freeze-embeddings means the same for both engines: the token table does not move.
      itemLrMult: o.freezeEmbeddings ? 0 : o.itemLrMult,
      itemNoise: o.itemNoise,
      itemLabelSmoothing: o.itemLabelSmoothing,
      validation: o.torchValidation,
      itemInit: o.itemInitTransitions ? 'transitions' : 'bundle',
      neighbours: o.trainNeighbours,
    },
    subwords: o.subwords,
    size: { dModel: o.dModel, layers: o.layers, heads: o.heads, dFf: o.dFf ?? 4 * o.dModel, dropout: o.dropout, untiedHead: o.untiedHead },
    tasks: o.tasks,
    users: o.users,
    seed: o.seed,
    resume: o.resume,
    dtype: o.dtype,
    evalUsers: o.evalUsers,
    backend,
    command,
    train: {
      batchSize: o.batchSize,
      topnCandidates: o.topnCandidates,
      wordDropout: o.wordDropout,
      composerLrMult: o.composerLrMult,
      templatedValidation: o.templatedValidation,
      idOnlyValidation: o.idOnlyValidation,
      maxInputTokens: o.maxInput,
      maxSteps: o.maxSteps ?? Infinity,
      maxMinutes: o.maxMinutes,
      validateEveryMinutes: e.validateEvery,
      patience: o.patience,
      checkpointEveryMinutes: o.checkpointEvery,
      validationUsers: e.validUsers,
      schedule: { peakLr: o.lr, warmupSteps: e.warmup, finalFraction: 0.1 },
      adamw: { ...DEFAULT_ADAMW, weightDecay: o.weightDecay, clipNorm: o.clip },
    },
  };
}

export const command: CommandModule = {
  async run(argv) {
    if (wantsHelp(argv)) {
      console.log(helpText(TRAIN));
      return 0;
    }
    const { values: o, recipe } = parseTrainArgs(argv);
    const { initNodeBackend } = await import('../../train/backend-node.ts');
    const { runTrainAndExport } = await import('../../train/run.ts');
    const backend = await initNodeBackend(o.backend);
    process.stderr.write(`backend: ${backend.reason}\n`);
    await runTrainAndExport(trainRunOptions(o, `npx peapod train ${argv.join(' ')}${recipe ? ` (recipe: ${JSON.stringify(recipe)})` : ''}`, backend.reason));
    return 0;
  },
};

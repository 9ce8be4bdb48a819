// `peapod train`: parses the flags, starts the Node backend and runs the training pipeline, then
// exports the pack. All domain logic lives in src/train; this module only maps flags to options.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boolFlag, CliUsageError, numberFlag, parseArgs, stringFlag, type ParsedArgs } from '../args.ts';
import type { Command } from './types.ts';
import type { IdScheme, TaskName } from '../../model/types.ts';

const HELP = `usage: peapod train --dataset NAME|DIR --out DIR [options]
       peapod train --recipe FILE [options]

  --recipe FILE           a JSON recipe {"flag": value, ...} (keys are the flags below without --,
                          true for a switch); flags on the command line override it. The shipped packs'
                          recipes are in recipes/

  --dataset NAME|DIR      dataset folder name under the data dir (PEAPOD_DATA_DIR) or a path
  --out DIR               pack folder to write (e.g. public/models/beauty)
  --run-dir DIR           checkpoints + training log (default runs/<basename of --out>)
  --resume                continue from the run dir's last checkpoint
  --ids remap|original    leak-free seeded item re-mapping (default) or P5's original ids
  --id-scheme atomic|p5   one token per id (default) or P5 digit pieces + whole-word ids
  --cf pmf|bivae          CF user embeddings (default pmf), --cf-dim N (32)
  --n-max N               neighbours stored in the pack (20; packs must stay <= 15 MB); --neighbours N attended (20)
  --tasks LIST            comma list of sequential,topn,explanation (default: all the data has)
  --d-model N (128) --layers N (2, per stack) --heads N (4) --d-ff N (4*d) --dropout X (0.1)
  --prompt-length N (3) --composer-heads N (4) --no-task-prompts --no-collaborative (ablations)
  --user-tokens           atomic ids: one token per user too (off: users are known by their CF prompt)
  --item-init-cf          atomic ids: initialise item token embeddings from the CF item factors
  --freeze-embeddings     keep the token embedding (and the tied output head) at its initial values
                          (with --item-init-cf: items stay in the CF space)
  --freeze-t5             train only the composer, task prompts and prior scales (T5 stays as initialised)
  --cf-foldin             PMF: each training sample's user embedding is folded in from the items
                          before its target (the fitted table row has seen the target and leaks it)
  --holdout-last          PMF: fit CF without each user's last training item and train recommendations
                          on exactly that item, so training targets are out of sample for the CF
                          prompt, the neighbour lists and the priors (as validation and test are)
  --cf-prior              atomic ids: add the collaborative output prior (user and attended-neighbour
                          CF embeddings . item CF factors) to the first decoded token's logits (ours)
  --seq-prior             atomic ids: add the sequential transition prior (item-to-item transitions
                          counted on training sequences, from the history's newest items) (ours)
  --engine tfjs|torch     who runs the T5's training loop (default tfjs). torch: native PyTorch
                          (Debian's python3-torch, or PEAPOD_PYTHON) with dense next-item supervision
                          (causal encoder for the sequential task, every item of a window a target of
                          one pass, CF prompts folded in from a prefix); weights come back through the
                          checkpoint importer. --topn-every N (3): one top-n batch per N batches;
                          --threads N (1): torch threads
  --subwords N            BPE sub-word vocabulary of N merges learnt from the training text (the
                          explanation training split and every sentence of the training reviews):
                          no ordinary word is <unk> (default 0: whole words seen twice)
  --explanation-share X   torch: fraction of batches that are explanation batches (0.5)
  --lm-fraction X         torch: first fraction of the time budget spent on language pretraining on
                          every sentence of the training reviews (explanation form; 0)
  --lm-mix X              torch: afterwards, fraction of explanation batches drawn from those sentences (0)
  --label-smoothing X     torch: label smoothing of explanation targets (0)
  --window-crop X         torch: fraction of next-item rows whose window starts at a random later item,
                          so the T5 also learns from 1..20 items of context (0)
  --item-init-transitions torch: item token rows start as a rank-d factorisation of which items
                          follow which within 3 positions in the training sequences (PPMI + SVD;
                          replaces --item-init-cf's rows)
  --train-neighbours prefix|pack
                          torch: similar users of a training row chosen from its CF prefix, as the pack
                          would choose them (default), or the pack's lists (chosen from every training
                          item: they tell the T5 which items come later)
  --expl-val-weight X     torch: checkpoint score = next-item + top-n NDCG@10 - X * explanation
                          validation loss (0.1)
  --batch-size N (64) --lr X (1e-3) --warmup N (100) --weight-decay X (0.01) --clip X (1)
  --composer-lr-mult X    learning-rate multiplier of the composer's attention projections (1)
  --topn-candidates N     candidates per training top-n sample (100; fewer is faster)
  --max-input N           input token cap (128)
  --word-dropout X        drop each template word of a training prompt with probability X (0); the ids
                          stay, so training also sees prompts close to the bare validation/test form
  --id-only-validation    validation loss of recommendations without the closing </s> (default: all
                          target tokens, as the reference; see the trainer's note before turning it on)
  --templated-validation  also log validation loss in training template 0 (diagnostic of the
                          template -> bare-form gap; early stopping still uses the bare form)
  --max-steps N           0 = export untrained weights (default: unlimited, use --max-minutes)
  --max-minutes X         training time budget (default 60); stops cleanly, keeps the best weights
  --validate-every X      minutes between validations (5); --valid-users N (512); --patience N (3)
  --checkpoint-every X    minutes between checkpoints (3)
  --users N               keep only the first N users (quick experiments)
  --max-pack-mib X        refuse packs over X MiB (15: what the app ships; raise it for evaluation-only packs)
  --dtype float16|float32 weight storage in the pack (default float16)
  --eval-users N          test users evaluated for the manifest's metrics at export (0 = all, default 2000)
  --seed N (1) --backend wasm|cpu (wasm)`;

function listFlag<T extends string>(a: ParsedArgs, key: string, allowed: readonly T[], fallback: T[]): T[] {
  const v = a.flags[key];
  if (v === undefined) return fallback;
  if (v === true) throw new CliUsageError(`--${key} needs a comma-separated list of ${allowed.join(', ')}`);
  const out = v.split(',').map((s) => s.trim()) as T[];
  for (const x of out) if (!allowed.includes(x)) throw new CliUsageError(`--${key}: unknown value "${x}"; allowed: ${allowed.join(', ')}`);
  return out;
}

/** The flags `peapod train` knows, read off its help text so that the two cannot drift apart. */
const KNOWN_FLAGS = new Set([...HELP.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!));

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

function checkKnown(keys: Iterable<string>, where: string): void {
  for (const k of keys) {
    if (KNOWN_FLAGS.has(k)) continue;
    const near = [...KNOWN_FLAGS].map((f) => [f, editDistance(k, f)] as const).sort((x, y) => x[1] - y[1])[0];
    throw new CliUsageError(`${where}: unknown flag --${k}${near && near[1] <= 3 ? `; did you mean --${near[0]}?` : ''} (peapod train --help lists them)`);
  }
}

/** Command-line flags over a recipe file's: the recipe is read, checked and merged under them. */
export function withRecipe(a: ParsedArgs, read: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): { args: ParsedArgs; recipe: Record<string, unknown> | null } {
  checkKnown(Object.keys(a.flags), 'peapod train');
  const file = a.flags['recipe'];
  if (file === undefined) return { args: a, recipe: null };
  if (file === true) throw new CliUsageError('--recipe needs a file, e.g. --recipe recipes/beauty.json');
  let recipe: unknown;
  try {
    recipe = JSON.parse(read(file));
  } catch (e) {
    throw new CliUsageError(`--recipe ${file}: ${(e as Error).message}; a recipe is a JSON object of flags, e.g. {"dataset": "amazon-beauty-p5", "engine": "torch"}`);
  }
  if (!recipe || typeof recipe !== 'object' || Array.isArray(recipe)) throw new CliUsageError(`--recipe ${file}: a recipe is a JSON object of flags, got ${Array.isArray(recipe) ? 'an array' : typeof recipe}`);
  const entries = Object.entries(recipe as Record<string, unknown>).filter(([k]) => !k.startsWith('//'));
  checkKnown(entries.map(([k]) => k).filter((k) => k !== 'recipe'), `recipe ${file}`);
  const flags: Record<string, string | true> = {};
  for (const [k, v] of entries) {
    if (v === true) flags[k] = true;
    else if (typeof v === 'string' || typeof v === 'number') flags[k] = String(v);
    else if (v !== false) throw new CliUsageError(`recipe ${file}: "${k}" must be a string, a number or true/false, got ${JSON.stringify(v)}`);
  }
  return { args: { flags: { ...flags, ...a.flags }, positional: a.positional }, recipe: recipe as Record<string, unknown> };
}

function choice<T extends string>(a: ParsedArgs, key: string, allowed: readonly T[], fallback: T): T {
  const v = stringFlag(a, key, fallback);
  if (!allowed.includes(v as T)) throw new CliUsageError(`--${key} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

export const command: Command = {
  summary: 'train a PeaPOD model on a dataset and export a weight pack',
  async run(argv) {
    const raw = parseArgs(argv);
    if (raw.flags['help']) {
      console.log(HELP);
      return 0;
    }
    const { args: a, recipe } = withRecipe(raw);
    const dataset = stringFlag(a, 'dataset');
    const out = stringFlag(a, 'out');
    const runDir = stringFlag(a, 'run-dir', path.join('runs', path.basename(path.resolve(out))));
    const d = numberFlag(a, 'd-model', 128);
    const maxStepsRaw = a.flags['max-steps'];
    const maxSteps = maxStepsRaw === undefined ? Infinity : numberFlag(a, 'max-steps', 0);
    const { initNodeBackend } = await import('../../train/backend-node.ts');
    const { runTrainAndExport } = await import('../../train/run.ts');
    const backend = await initNodeBackend(choice(a, 'backend', ['wasm', 'cpu'] as const, 'wasm'));
    process.stderr.write(`backend: ${backend.reason}\n`);
    const tasks = listFlag<TaskName>(a, 'tasks', ['sequential', 'topn', 'explanation'], ['explanation', 'sequential', 'topn']);
    await runTrainAndExport({
      dataset,
      out,
      runDir,
      idMode: choice(a, 'ids', ['remap', 'original'] as const, 'remap'),
      idScheme: choice<IdScheme>(a, 'id-scheme', ['atomic', 'p5'], 'atomic'),
      cf: choice(a, 'cf', ['pmf', 'bivae'] as const, 'pmf'),
      cfDim: numberFlag(a, 'cf-dim', 32),
      nMax: numberFlag(a, 'n-max', 20),
      neighbours: numberFlag(a, 'neighbours', 20),
      composerHeads: numberFlag(a, 'composer-heads', 4),
      promptLength: numberFlag(a, 'prompt-length', 3),
      taskPrompts: !boolFlag(a, 'no-task-prompts'),
      collaborative: !boolFlag(a, 'no-collaborative'),
      userTokens: boolFlag(a, 'user-tokens'),
      itemInitFromCf: boolFlag(a, 'item-init-cf'),
      cfPrior: boolFlag(a, 'cf-prior'),
      maxPackMiB: numberFlag(a, 'max-pack-mib', 15),
      cfFoldIn: boolFlag(a, 'cf-foldin'),
      holdoutLast: boolFlag(a, 'holdout-last'),
      freezeEmbeddings: boolFlag(a, 'freeze-embeddings'),
      freezeT5: boolFlag(a, 'freeze-t5'),
      seqPrior: boolFlag(a, 'seq-prior'),
      engine: choice(a, 'engine', ['tfjs', 'torch'] as const, 'tfjs'),
      torch: { topnEvery: numberFlag(a, 'topn-every', 3), threads: numberFlag(a, 'threads', 1), lr: numberFlag(a, 'lr', 1e-3), warmupSteps: numberFlag(a, 'warmup', 300), weightDecay: numberFlag(a, 'weight-decay', 0.01), validateEveryMin: numberFlag(a, 'validate-every', 4), validUsers: numberFlag(a, 'valid-users', 2000), explanationShare: numberFlag(a, 'explanation-share', 0.5), lmFraction: numberFlag(a, 'lm-fraction', 0), lmMix: numberFlag(a, 'lm-mix', 0), labelSmoothing: numberFlag(a, 'label-smoothing', 0), explValWeight: numberFlag(a, 'expl-val-weight', 0.1), windowCrop: numberFlag(a, 'window-crop', 0), itemInit: boolFlag(a, 'item-init-transitions') ? 'transitions' : 'bundle', neighbours: choice(a, 'train-neighbours', ['prefix', 'pack'] as const, 'prefix') },
      subwords: numberFlag(a, 'subwords', 0),
      size: { dModel: d, layers: numberFlag(a, 'layers', 2), heads: numberFlag(a, 'heads', 4), dFf: numberFlag(a, 'd-ff', 4 * d), dropout: numberFlag(a, 'dropout', 0.1) },
      tasks,
      users: numberFlag(a, 'users', 0),
      seed: numberFlag(a, 'seed', 1),
      resume: boolFlag(a, 'resume'),
      dtype: choice(a, 'dtype', ['float16', 'float32'] as const, 'float16'),
      evalUsers: numberFlag(a, 'eval-users', 2000),
      backend: backend.reason,
      command: `npx peapod train ${argv.join(' ')}${recipe ? ` (recipe: ${JSON.stringify(recipe)})` : ''}`,
      train: {
        batchSize: numberFlag(a, 'batch-size', 64),
        topnCandidates: numberFlag(a, 'topn-candidates', 100),
        wordDropout: numberFlag(a, 'word-dropout', 0),
        composerLrMult: numberFlag(a, 'composer-lr-mult', 1),
        templatedValidation: boolFlag(a, 'templated-validation'),
        idOnlyValidation: boolFlag(a, 'id-only-validation'),
        maxInputTokens: numberFlag(a, 'max-input', 128),
        maxSteps,
        maxMinutes: numberFlag(a, 'max-minutes', 60),
        validateEveryMinutes: numberFlag(a, 'validate-every', 5),
        patience: numberFlag(a, 'patience', 3),
        checkpointEveryMinutes: numberFlag(a, 'checkpoint-every', 3),
        validationUsers: numberFlag(a, 'valid-users', 512),
        schedule: { peakLr: numberFlag(a, 'lr', 1e-3), warmupSteps: numberFlag(a, 'warmup', 100), finalFraction: 0.1 },
        adamw: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: numberFlag(a, 'weight-decay', 0.01), clipNorm: numberFlag(a, 'clip', 1) },
      },
    });
    return 0;
  },
};

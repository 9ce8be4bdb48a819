// The joint training loop: task-alternated batches, AdamW with warmup + decay and clipping, dropout,
// fixed validation sets with early stopping (the patience counter resets on improvement), periodic
// resumable checkpoints, a time budget, a progress line and the JSON-lines training log.
// Owns the loop and its bookkeeping; it must not build datasets, tokenizers or packs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { PeapodConfig, TaskName } from '../model/types.ts';
import type { Tokenizer } from '../model/tokenizer.ts';
import { AdamW, learningRate, type AdamWConfig, type ScheduleConfig } from './optimizer.ts';
import { collate, disposeBatch, toTensors, type HostBatch, type Sample } from '../model/inputs/batch.ts';
import { IGNORE_LABEL } from '../model/peapod.ts';
import { disposeCollab, gatherCollab, type CollabTables, type CollabTensors } from '../model/inputs/collab.ts';
import { checkpointExists, loadCheckpoint, restoreVariables, saveCheckpoint } from './checkpoint.ts';
import { ProgressLine } from '../progress-line.ts';
import type { ExplanationPair } from '../data/types.ts';
import { heldOutSequential, heldOutTopn } from '../model/inputs/heldout.ts';
import { SampleStream, validationUsers, type SplitSource, type StreamState } from './samples.ts';
import { TEMPLATES } from '../model/inputs/prompts.ts';

/** What the trainer needs of the model (PeapodModel satisfies it). */
export interface LossModel {
  readonly config: PeapodConfig;
  readonly params: Map<string, tf.Variable>;
  loss(
    task: TaskName,
    batch: { tokenIds: tf.Tensor2D; wholeWordIds: tf.Tensor2D; attentionMask: tf.Tensor2D },
    collab: { userEmb: tf.Tensor2D; neighbourEmb: tf.Tensor3D } | null,
    labels: tf.Tensor2D,
    training: boolean,
    histories?: ArrayLike<ArrayLike<number>>,
    exclude?: ArrayLike<ArrayLike<number>>,
  ): tf.Scalar;
}

/** Sequential samples' histories (the sequential prior reads them); undefined for other tasks. */
function historiesOf(task: TaskName, samples: Sample[]): Int32Array[] | undefined {
  return task === 'sequential' ? samples.map((s) => (s.task === 'sequential' ? s.items : new Int32Array(0))) : undefined;
}

export interface TrainOptions {
  tasks: TaskName[];
  batchSize: number;
  topnCandidates: number;
  /** Template word dropout for training prompts (0 = off). */
  wordDropout?: number;
  /**
   * Validation loss of recommendation tasks without the closing </s> (off: every target token, the
   * reference's criterion). On, early stopping can keep weights that never learned to end an id, so
   * unconstrained decoding then produces no valid item.
   */
  idOnlyValidation?: boolean;
  /** Also log the validation loss in training template 0 (diagnostic). */
  templatedValidation?: boolean;
  maxInputTokens: number;
  /** Neighbours attended over (<= the tables' nMax). */
  neighbours: number;
  maxSteps: number;
  maxMinutes: number;
  validateEveryMinutes: number;
  /** Validations without improvement before stopping. */
  patience: number;
  checkpointEveryMinutes: number;
  /** Users (and explanation pairs) in the fixed validation subset. */
  validationUsers: number;
  schedule: ScheduleConfig;
  adamw: AdamWConfig;
  seed: number;
  runDir: string;
  resume: boolean;
  /** Recommendation training samples target only each user's last training item (StreamOptions.lastOnly). */
  lastOnly?: boolean;
  /**
   * Learning-rate multiplier of the composer's attention (query, key, value projections): its few
   * weights get a weak, noisy gradient (through the prompt and the prior's neighbour mix), so at the
   * T5's rate they barely leave their uniform start (default 1).
   */
  composerLrMult?: number;
  /** Quiet mode for tests (no progress line). */
  quiet?: boolean;
  /** Training rows are averaged per task over this many steps before being logged (default 30). */
  logEvery?: number;
}

export interface TrainData {
  tok: Tokenizer;
  src: SplitSource;
  /** Number written in `user_{n}` for each user index. */
  userIds: ArrayLike<number>;
  collab: CollabTables;
  explanationsTrain: readonly ExplanationPair[];
  explanationsValid: readonly ExplanationPair[];
  /** Fixed validation negatives per user (99 each). */
  validNegatives: readonly Int32Array[];
  /**
   * CF embedding of a user who picked `items` (iALS fold-in against the fitted item factors). When
   * set, each training sample's user embedding is folded in from what the user had before the
   * target (sequential: the history; other tasks: the training items minus the target) instead of
   * read from the table, whose rows were fitted on the targets themselves and let the model read the
   * answer off the CF prompt (train loss fell while validation loss rose).
   */
  foldIn?: (items: ArrayLike<number>) => Float32Array;
  /**
   * CF tables for training samples when they differ from validation's (PipelineOptions.holdoutLast:
   * user rows and neighbour lists fitted without each user's last training item, the training target).
   */
  collabTrain?: CollabTables;
}

/** Collaborative inputs of a training batch, with target-free user embeddings when data.foldIn is set. */
export function trainingCollab(data: TrainData, samples: Sample[], n: number): CollabTensors {
  const users = samples.map((s) => s.user);
  const c = gatherCollab(data.collabTrain ?? data.collab, users, n);
  if (!data.foldIn) return c;
  const d = data.collab.cfDim;
  const ue = new Float32Array(samples.length * d);
  samples.forEach((s, b) => {
    let known: ArrayLike<number>;
    if (s.task === 'sequential') known = s.items;
    else {
      const seq = data.src.sequences[s.user]!;
      const target = s.task === 'explanation' ? s.item : s.target;
      known = seq.subarray(0, Math.max(0, seq.length - 2)).filter((i) => i !== target);
    }
    ue.set(data.foldIn!(known), b * d);
  });
  c.userEmb.dispose();
  return { userEmb: tf.tensor2d(ue, [samples.length, d]), neighbourEmb: c.neighbourEmb };
}

export interface LogRow {
  step: number;
  epoch: number;
  task?: TaskName;
  loss?: number;
  gradNorm?: number;
  valLoss?: number;
  valLossByTask?: Partial<Record<TaskName, number>>;
  /** Diagnostic only (never used for early stopping): the same validation samples in training template 0, which shows how much of the validation loss is the bare form's distance from the training prompts. */
  valLossTemplatedByTask?: Partial<Record<TaskName, number>>;
  lr: number;
  elapsedS: number;
}

export interface TrainerState {
  step: number;
  optimizerStep: number;
  stream: StreamState;
  elapsedS: number;
  trainS: number;
  samples: number;
  bestValLoss: number | null;
  bestStep: number;
  badValidations: number;
  lastValidationS: number;
}

export type StopReason = 'max-steps' | 'time-budget' | 'early-stopping' | 'no-steps';

export interface TrainResult {
  state: TrainerState;
  stoppedBy: StopReason;
  /** Training samples per second of pure training time (validation excluded). */
  samplesPerS: number;
  bestDir: string;
  lastValLoss: number | null;
}

export const TRAINING_LOG = 'training-log.jsonl';
const CKPT = 'checkpoint';
const BEST = 'best';

function validationSamples(data: TrainData, task: TaskName, opt: TrainOptions): Sample[] {
  if (task === 'explanation') {
    return data.explanationsValid.slice(0, opt.validationUsers).map((p) => ({ task, user: p.user, item: p.item, text: p.text, template: -1 }));
  }
  const users = validationUsers(data.src.sequences.length, opt.validationUsers, opt.seed + 17);
  return Array.from(users, (u) =>
    task === 'sequential' ? heldOutSequential(data.src, u, 'valid') : heldOutTopn(data.src, u, 'valid', data.validNegatives[u]!, opt.seed + 29),
  );
}

/**
 * Recommendation targets end in </s>, which the model learns within a few hundred steps and which
 * then hides how the id tokens' loss moves: validation leaves it out (IGNORE_LABEL), so early
 * stopping watches the ids alone.
 */
function dropClosingEos(host: HostBatch, padId: number): void {
  const T = host.targetLength;
  for (let b = 0; b < host.batchSize; b++) {
    let last = -1;
    for (let t = 0; t < T; t++) if (host.labels[b * T + t] !== padId) last = t;
    if (last > 0) {
      host.labels[b * T + last] = IGNORE_LABEL;
      host.targetTokens--;
    }
  }
}

/** Mean loss per target token over a fixed sample set (no dropout); recommendation tasks without the closing </s>. */
export function meanLoss(model: LossModel, data: TrainData, task: TaskName, samples: Sample[], batchSize: number, opt: Pick<TrainOptions, 'neighbours' | 'maxInputTokens' | 'idOnlyValidation'>): number {
  let sum = 0;
  let tokens = 0;
  for (let i = 0; i < samples.length; i += batchSize) {
    const chunk = samples.slice(i, i + batchSize);
    const host = collate(data.tok, chunk, data.userIds, opt.maxInputTokens);
    if (opt.idOnlyValidation && task !== 'explanation') dropClosingEos(host, data.tok.padId);
    const b = toTensors(host);
    const c = model.config.composer.collaborative ? gatherCollab(data.collab, chunk.map((s) => s.user), opt.neighbours) : null;
    const l = tf.tidy(() => model.loss(task, b, c, b.labels, false, historiesOf(task, chunk)));
    sum += l.dataSync()[0]! * host.targetTokens;
    tokens += host.targetTokens;
    l.dispose();
    disposeBatch(b);
    if (c) disposeCollab(c);
  }
  return tokens ? sum / tokens : NaN;
}

function readLog(file: string): LogRow[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LogRow);
}

export async function train(model: LossModel, data: TrainData, opt: TrainOptions): Promise<TrainResult> {
  fs.mkdirSync(opt.runDir, { recursive: true });
  const logFile = path.join(opt.runDir, TRAINING_LOG);
  const ckptDir = path.join(opt.runDir, CKPT);
  const bestDir = path.join(opt.runDir, BEST);
  const mult = opt.composerLrMult ?? 1;
  const optimizer = new AdamW(model.params, opt.adamw, mult === 1 ? {} : { 'composer/query': mult, 'composer/key': mult, 'composer/value': mult });
  const numTemplates = Math.min(...opt.tasks.map((t) => TEMPLATES[t].length));
  const streamOpts = { tasks: opt.tasks, batchSize: opt.batchSize, topnCandidates: opt.topnCandidates, numTemplates, seed: opt.seed, wordDropout: opt.wordDropout ?? 0, lastOnly: opt.lastOnly ?? false };

  let state: TrainerState = {
    step: 0,
    optimizerStep: 0,
    stream: { rng: opt.seed >>> 0, cursor: {}, pass: {}, turn: 0 },
    elapsedS: 0,
    trainS: 0,
    samples: 0,
    bestValLoss: null,
    bestStep: 0,
    badValidations: 0,
    lastValidationS: 0,
  };
  if (opt.resume && checkpointExists(ckptDir)) {
    const loaded = loadCheckpoint<TrainerState>(ckptDir);
    restoreVariables(ckptDir, loaded, model.params, 'param/');
    restoreVariables(ckptDir, loaded, optimizer.m, 'm/');
    restoreVariables(ckptDir, loaded, optimizer.v, 'v/');
    state = loaded.state;
    optimizer.step = state.optimizerStep;
    // Rows logged after the checkpoint will be logged again by the resumed run.
    const kept = readLog(logFile).filter((r) => r.step <= state.step);
    fs.writeFileSync(logFile, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  } else {
    fs.writeFileSync(logFile, '');
    fs.rmSync(ckptDir, { recursive: true, force: true });
    fs.rmSync(bestDir, { recursive: true, force: true });
  }
  const stream = new SampleStream(data.src, data.explanationsTrain, streamOpts, state.stream);
  const valSets = new Map<TaskName, Sample[]>(opt.tasks.map((t) => [t, validationSamples(data, t, opt)]));
  const templatedSets = new Map<TaskName, Sample[]>([...valSets].map(([t, ss]) => [t, ss.map((x) => ({ ...x, template: 0 }))]));
  const progress = new ProgressLine('train');
  const budgetS = opt.maxMinutes > 0 ? opt.maxMinutes * 60 : Infinity;
  const startS = state.elapsedS;
  const t0 = Date.now();
  const now = (): number => startS + (Date.now() - t0) / 1000;
  let lastCkpt = now();
  let lastValLoss: number | null = null;
  let lossEma: number | null = null;
  const log = (r: LogRow): void => fs.appendFileSync(logFile, JSON.stringify(r) + '\n');
  const progressFraction = (): number => Math.min(1, Math.max(opt.maxSteps > 0 && Number.isFinite(opt.maxSteps) ? state.step / opt.maxSteps : 0, now() / budgetS));

  const params = [...model.params.values()].filter((v) => v.trainable);
  // Per-task running means, so the log stays small (the pack ships it) yet shows every task's curve.
  const logEvery = Math.max(1, opt.logEvery ?? 30);
  const window = new Map<TaskName, { loss: number; gradNorm: number; n: number }>();
  const flushWindow = (lr: number): void => {
    for (const [task, w] of window) {
      if (w.n > 0) log({ step: state.step, epoch: stream.epoch, task, loss: w.loss / w.n, gradNorm: w.gradNorm / w.n, lr, elapsedS: now() });
    }
    window.clear();
  };
  const saveCkpt = (): void => {
    state.elapsedS = now();
    state.optimizerStep = optimizer.step;
    state.stream = stream.state;
    const all = new Map<string, tf.Tensor>();
    for (const [n, v] of model.params) all.set(`param/${n}`, v);
    for (const [n, v] of optimizer.m) all.set(`m/${n}`, v);
    for (const [n, v] of optimizer.v) all.set(`v/${n}`, v);
    saveCheckpoint(ckptDir, all, state);
    lastCkpt = now();
  };
  const validate = (): number => {
    const byTask: Partial<Record<TaskName, number>> = {};
    const templated: Partial<Record<TaskName, number>> = {};
    let sum = 0;
    for (const t of opt.tasks) {
      const v = meanLoss(model, data, t, valSets.get(t)!, opt.batchSize, opt);
      byTask[t] = v;
      sum += v;
      if (opt.templatedValidation) templated[t] = meanLoss(model, data, t, templatedSets.get(t)!, opt.batchSize, opt);
    }
    const mean = sum / opt.tasks.length;
    state.lastValidationS = now();
    log({ step: state.step, epoch: stream.epoch, valLoss: mean, valLossByTask: byTask, ...(opt.templatedValidation ? { valLossTemplatedByTask: templated } : {}), lr: learningRate(opt.schedule, state.step, progressFraction()), elapsedS: now() });
    if (state.bestValLoss === null || mean < state.bestValLoss) {
      state.bestValLoss = mean;
      state.bestStep = state.step;
      state.badValidations = 0;
      const best = new Map<string, tf.Tensor>();
      for (const [n, v] of model.params) best.set(n, v);
      saveCheckpoint(bestDir, best, { step: state.step, valLoss: mean });
    } else {
      state.badValidations++;
    }
    lastValLoss = mean;
    return mean;
  };

  let stoppedBy: StopReason = 'no-steps';
  if (opt.maxSteps <= 0) {
    // Untrained export: the "best" weights are the initial ones, still measured on validation.
    validate();
  } else {
    if (state.bestValLoss === null) validate();
    for (;;) {
      if (state.step >= opt.maxSteps) {
        stoppedBy = 'max-steps';
        break;
      }
      if (now() >= budgetS) {
        stoppedBy = 'time-budget';
        break;
      }
      const stepStart = Date.now();
      const { task, samples } = stream.nextBatch();
      const host = collate(data.tok, samples, data.userIds, opt.maxInputTokens);
      const b = toTensors(host);
      const c = model.config.composer.collaborative ? trainingCollab(data, samples, opt.neighbours) : null;
      const lr = learningRate(opt.schedule, state.step, progressFraction());
      // The sample's own training sequence leaves the transition counts (its target pair is in them).
      const own = task === 'sequential' ? samples.map((s) => data.src.sequences[s.user]!.subarray(0, Math.max(0, data.src.sequences[s.user]!.length - 2))) : undefined;
      const { value, grads } = tf.variableGrads(() => model.loss(task, b, c, b.labels, true, historiesOf(task, samples), own), params);
      const loss = value.dataSync()[0]!;
      value.dispose();
      const gradNorm = optimizer.apply(grads, lr);
      disposeBatch(b);
      if (c) disposeCollab(c);
      state.step++;
      state.samples += samples.length;
      state.trainS += (Date.now() - stepStart) / 1000;
      if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at step ${state.step} (task ${task}); lower --lr or check the data.`);
      lossEma = lossEma === null ? loss : 0.95 * lossEma + 0.05 * loss;
      const w = window.get(task) ?? { loss: 0, gradNorm: 0, n: 0 };
      w.loss += loss;
      w.gradNorm += gradNorm;
      w.n++;
      window.set(task, w);
      if (state.step % logEvery === 0) flushWindow(lr);
      if (!opt.quiet) {
        const sps = state.samples / Math.max(1e-9, state.trainS);
        const f = progressFraction();
        const runS = now() - startS;
        const doneHere = f - startS / budgetS;
        progress.update(
          f,
          `step ${state.step} ep ${stream.epoch.toFixed(2)} ${task} loss ${loss.toFixed(3)} (ema ${lossEma.toFixed(3)}) val ${state.bestValLoss?.toFixed(3) ?? '-'} lr ${lr.toExponential(2)} ${sps.toFixed(1)} samples/s`,
          false,
          // Remaining time from this process's own rate, so a resumed run's ETA is not inflated.
          doneHere > 0 ? (runS * (1 - f)) / doneHere : undefined,
        );
      }
      if (now() - state.lastValidationS >= opt.validateEveryMinutes * 60) {
        validate();
        if (state.badValidations >= opt.patience) {
          stoppedBy = 'early-stopping';
          break;
        }
      }
      if (now() - lastCkpt >= opt.checkpointEveryMinutes * 60) saveCkpt();
      // Let other work on the event loop (signals, stdout) run between steps.
      await new Promise((r) => setImmediate(r));
    }
    flushWindow(learningRate(opt.schedule, state.step, progressFraction()));
    if (stoppedBy !== 'early-stopping') validate();
    saveCkpt();
  }
  state.stream = stream.state;
  state.elapsedS = now();
  optimizer.dispose();
  const samplesPerS = state.trainS > 0 ? state.samples / state.trainS : 0;
  if (!opt.quiet) progress.done(`${state.step} steps, stopped by ${stoppedBy}, best val ${state.bestValLoss?.toFixed(4)} at step ${state.bestStep}, ${samplesPerS.toFixed(1)} samples/s`);
  return { state, stoppedBy, samplesPerS, bestDir, lastValLoss };
}

/** Loads the best weights saved during training into the model's variables. */
export function restoreBest(model: LossModel, bestDir: string): void {
  const loaded = loadCheckpoint(bestDir);
  restoreVariables(bestDir, loaded, model.params);
}

// Training, validation and test samples for the three tasks, as plain numbers (no text, no tensors).
// Owns the paper's splits as the trainer sees them: training windows never reach a user's last two
// items; validation targets the second-to-last item, test the last. Must not tokenise or touch tfjs.
import type { TaskName } from '../model/types.ts';
import { MAX_HISTORY, sampleTrainingExample } from '../data/splits.ts';
import { TrainRng } from './random.ts';
import { drawUnseenItems } from '../data/unseen.ts';
import type { ExplanationPair } from '../data/types.ts';
import type { RecSample, Sample } from '../model/inputs/batch.ts';
import { PeapodError } from '../errors.ts';



/** Interactions by user index, items 1..numItems, chronological; each sequence has >= 3 items. */
export interface SplitSource {
  sequences: readonly Int32Array[];
  numItems: number;
}

export class UserTooShortError extends PeapodError {
  override name = 'UserTooShortError';
  override readonly code = 'train-user-too-short';
}

function trainingPart(seq: Int32Array): Int32Array {
  return seq.subarray(0, seq.length - 2);
}

/**
 * A random contiguous training window (the data layer's sampler: target inside the training part,
 * history a random contiguous run of up to 20 items right before it). Never reaches the last two items.
 */
export function sampleSequential(src: SplitSource, user: number, rng: TrainRng, template: number): RecSample {
  const ex = sampleTrainingExample(src.sequences[user]!, rng, MAX_HISTORY);
  if (!ex) throw new UserTooShortError(`user index ${user} has ${src.sequences[user]!.length} items; a sequential training sample needs >= 4 (2 training items + validation + test)`);
  return { task: 'sequential', user, items: ex.history.slice(), target: ex.target, template };
}

/**
 * The held-out training sample (see StreamOptions.lastOnly): the training part's last item as the
 * target, everything before it (last MAX_HISTORY items) as the history: the validation sample's
 * shape, one item earlier.
 */
export function lastTrainingSequential(src: SplitSource, user: number, template: number): RecSample {
  const seq = src.sequences[user]!;
  const e = seq.length - 3;
  if (e < 1) throw new UserTooShortError(`user index ${user} has ${seq.length} items; a held-out training sample needs >= 4 (2 training items + validation + test)`);
  return { task: 'sequential', user, items: seq.slice(Math.max(0, e - MAX_HISTORY), e), target: seq[e]!, template };
}

/** Draw `count` distinct items the user never interacted with (uniform over the rest). */
export function sampleUnseen(src: SplitSource, user: number, count: number, rng: TrainRng): Int32Array {
  const seen = new Set<number>(src.sequences[user]);
  const free = src.numItems - seen.size;
  if (free < count) throw new UserTooShortError(`user index ${user} has only ${free} unseen items; ${count} negatives needed`);
  return drawUnseenItems(seen, src.numItems, count, rng);
}

function shuffledCandidates(positive: number, negatives: ArrayLike<number>, rng: TrainRng): Int32Array {
  const c = new Int32Array(negatives.length + 1);
  c[0] = positive;
  for (let k = 0; k < negatives.length; k++) c[k + 1] = negatives[k]!;
  rng.shuffle(c);
  return c;
}

/** Training top-n: a random training item as the positive + fresh unseen negatives, shuffled. */
export function sampleTopn(src: SplitSource, user: number, numCandidates: number, rng: TrainRng, template: number, lastOnly = false): RecSample {
  const tr = trainingPart(src.sequences[user]!);
  const positive = lastOnly ? tr[tr.length - 1]! : tr[rng.int(tr.length)]!;
  const negs = sampleUnseen(src, user, numCandidates - 1, rng);
  return { task: 'topn', user, items: shuffledCandidates(positive, negs, rng), target: positive, template };
}

/** A fixed, seeded subset of users (sorted) for validation, so each validation costs the same. */
export function validationUsers(numUsers: number, count: number, seed: number): Int32Array {
  const all = new Int32Array(numUsers);
  for (let u = 0; u < numUsers; u++) all[u] = u;
  if (count >= numUsers) return all;
  new TrainRng(seed).shuffle(all);
  return all.slice(0, count).sort();
}

/**
 * Endless task stream: one batch per task in turn (explanation -> sequential -> top-n, as the
 * reference alternates). Each task walks its own shuffled order (users, or explanation pairs) and
 * starts a new pass when it runs out; the epoch count follows the first task in `tasks`.
 */
export interface StreamState {
  rng: number;
  /** Per task: position in the current pass, and the pass number. */
  cursor: Record<string, number>;
  pass: Record<string, number>;
  turn: number;
}

export interface StreamOptions {
  tasks: TaskName[];
  batchSize: number;
  topnCandidates: number;
  numTemplates: number;
  seed: number;
  /** Probability of dropping each template word (not the ids) from a training prompt; 0 = off. */
  wordDropout?: number;
  /**
   * Recommendation samples target only the training part's last item (sequential: with its full
   * history; top-n: as the positive). With CF fitted without those items (PipelineOptions.holdoutLast)
   * every training target is out of sample for the priors, as validation's and test's are.
   */
  lastOnly?: boolean;
}

/** One bit per template word (first 30 words), 1 = kept with probability 1 - p. */
export function keepMask(rng: TrainRng, p: number): number {
  let keep = 0;
  for (let k = 0; k < 30; k++) if (rng.next() >= p) keep |= 1 << k;
  return keep;
}

export class SampleStream {
  private rng: TrainRng;
  private orders = new Map<TaskName, Int32Array>();
  state: StreamState;

  constructor(
    private src: SplitSource,
    private explanations: readonly ExplanationPair[],
    private opt: StreamOptions,
    resume?: StreamState,
  ) {
    this.rng = new TrainRng(opt.seed);
    this.state = resume ? structuredClone(resume) : { rng: opt.seed >>> 0, cursor: {}, pass: {}, turn: 0 };
    this.rng.state = this.state.rng;
    for (const t of opt.tasks) this.orders.set(t, this.passOrder(t, this.state.pass[t] ?? 0));
  }

  private size(task: TaskName): number {
    return task === 'explanation' ? this.explanations.length : this.src.sequences.length;
  }

  // The order depends only on (seed, task, pass), so resuming mid-pass rebuilds it exactly.
  private passOrder(task: TaskName, pass: number): Int32Array {
    const n = this.size(task);
    const order = new Int32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    const salt = task === 'sequential' ? 1 : task === 'topn' ? 2 : 3;
    new TrainRng((Math.imul(this.opt.seed, 31) + Math.imul(pass, 7919) + salt) >>> 0).shuffle(order);
    return order;
  }

  /** Epochs done (fractional), counted on the first task. */
  get epoch(): number {
    const t = this.opt.tasks[0]!;
    return (this.state.pass[t] ?? 0) + (this.state.cursor[t] ?? 0) / Math.max(1, this.size(t));
  }

  nextBatch(): { task: TaskName; samples: Sample[] } {
    const tasks = this.opt.tasks;
    const task = tasks[this.state.turn % tasks.length]!;
    this.state.turn++;
    const samples: Sample[] = [];
    while (samples.length < this.opt.batchSize) {
      let order = this.orders.get(task)!;
      let cur = this.state.cursor[task] ?? 0;
      if (cur >= order.length) {
        const pass = (this.state.pass[task] ?? 0) + 1;
        this.state.pass[task] = pass;
        order = this.passOrder(task, pass);
        this.orders.set(task, order);
        cur = 0;
        // A pass boundary ends the batch so that batches never mix two passes.
        if (samples.length > 0) {
          this.state.cursor[task] = 0;
          break;
        }
      }
      const idx = order[cur]!;
      this.state.cursor[task] = cur + 1;
      const template = this.rng.int(this.opt.numTemplates);
      if (task === 'explanation') {
        const p = this.explanations[idx]!;
        samples.push({ task, user: p.user, item: p.item, text: p.text, template });
      } else if (task === 'sequential') {
        samples.push(this.opt.lastOnly ? lastTrainingSequential(this.src, idx, template) : sampleSequential(this.src, idx, this.rng, template));
      } else {
        samples.push(sampleTopn(this.src, idx, this.opt.topnCandidates, this.rng, template, this.opt.lastOnly ?? false));
      }
      const p = this.opt.wordDropout ?? 0;
      if (p > 0) samples[samples.length - 1]!.keep = keepMask(this.rng, p);
    }
    this.state.rng = this.rng.state;
    return { task, samples };
  }
}

// Leave-one-out splits and sequential training samples exactly as P5/POD/PeaPOD use them: the last
// item of each sequence is the test target, the second-to-last the validation target, and training
// only ever sees the sequence without those two. No sampler here may reach the last two items.
import { PAPER_PROTOCOL } from '../paper-protocol.ts';
import { SplitError } from './errors.ts';
import type { Rng } from './rng.ts';

/** History length the paper's sequential prompts use (PAPER_PROTOCOL.sequential.maxHistory). */
export const MAX_HISTORY = PAPER_PROTOCOL.sequential.maxHistory;

export interface LeaveOneOutSplit {
  /** Per user: the sequence without its last two items (views, no copy). */
  train: Int32Array[];
  /** Per user: the second-to-last item. */
  validTarget: Int32Array;
  /** Per user: the last item. */
  testTarget: Int32Array;
}

export function leaveOneOut(sequences: readonly Int32Array[], file = '(dataset)'): LeaveOneOutSplit {
  const n = sequences.length;
  const train: Int32Array[] = new Array(n);
  const validTarget = new Int32Array(n);
  const testTarget = new Int32Array(n);
  for (let u = 0; u < n; u++) {
    const s = sequences[u]!;
    if (s.length < 3) {
      throw new SplitError(`user index ${u} has ${s.length} items; leave-one-out needs at least 3 (train, validation, test)`, {
        file,
        hint: 'Filter the dataset to users with at least 3 interactions (the P5 datasets have at least 5)',
      });
    }
    train[u] = s.subarray(0, s.length - 2);
    validTarget[u] = s[s.length - 2]!;
    testTarget[u] = s[s.length - 1]!;
  }
  return { train, validTarget, testTarget };
}

export interface SequentialExample {
  /** Items before the target, oldest first, at most maxHistory (a view into the sequence). */
  history: Int32Array;
  target: number;
}

/** Validation example: everything before the second-to-last item (last maxHistory of it) -> that item. */
export function validationExample(sequence: Int32Array, maxHistory = MAX_HISTORY): SequentialExample {
  const end = sequence.length - 2;
  return { history: sequence.subarray(Math.max(0, end - maxHistory), end), target: sequence[end]! };
}

/** Test example: everything before the last item (so it includes the validation item) -> the last item. */
export function testExample(sequence: Int32Array, maxHistory = MAX_HISTORY): SequentialExample {
  const end = sequence.length - 1;
  return { history: sequence.subarray(Math.max(0, end - maxHistory), end), target: sequence[end]! };
}

/**
 * A random training example from one full sequence: target position e uniform over the training
 * part (1 .. L-3, so never the validation or test item), then a contiguous history window ending
 * right before e whose start is uniform in [max(0, e - maxHistory), e - 1]. Returns null when the
 * training part has fewer than 2 items (no (history, target) pair exists).
 */
export function sampleTrainingExample(sequence: Int32Array, rng: Rng, maxHistory = MAX_HISTORY): SequentialExample | null {
  const trainLen = sequence.length - 2;
  if (trainLen < 2) return null;
  const e = 1 + rng.int(trainLen - 1);
  const lo = Math.max(0, e - maxHistory);
  const s = lo + rng.int(e - lo);
  return { history: sequence.subarray(s, e), target: sequence[e]! };
}

export interface TrainingPairs {
  /** User index of each pair. */
  users: Int32Array;
  /** Target position in the user's sequence; the history is the up-to-maxHistory items before it. */
  ends: Int32Array;
  targets: Int32Array;
  count: number;
}

/**
 * Every training pair of every user: for each target position e in 1 .. L-3, history = the last
 * maxHistory items before e (P5's enumeration of the training sequence). Use `pairHistory` to view one.
 */
export function enumerateTrainingPairs(sequences: readonly Int32Array[]): TrainingPairs {
  let count = 0;
  for (const s of sequences) count += Math.max(0, s.length - 3);
  const users = new Int32Array(count);
  const ends = new Int32Array(count);
  const targets = new Int32Array(count);
  let k = 0;
  for (let u = 0; u < sequences.length; u++) {
    const s = sequences[u]!;
    for (let e = 1; e <= s.length - 3; e++) {
      users[k] = u;
      ends[k] = e;
      targets[k] = s[e]!;
      k++;
    }
  }
  return { users, ends, targets, count };
}

export function pairHistory(sequences: readonly Int32Array[], pairs: TrainingPairs, i: number, maxHistory = MAX_HISTORY): Int32Array {
  const e = pairs.ends[i]!;
  return sequences[pairs.users[i]!]!.subarray(Math.max(0, e - maxHistory), e);
}

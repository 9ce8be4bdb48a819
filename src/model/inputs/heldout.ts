// Held-out (validation / test) samples in the bare prompt form: the paper's leave-one-out targets,
// and top-n candidate lists built from FIXED negatives with a per-user seeded order. Shared by
// validation during training and by evaluation; must not draw fresh randomness per call.
import { MAX_HISTORY } from '../../data/splits.ts';
import { mulberry32, shuffleInPlace } from '../../data/rng.ts';
import { drawUnseenItems } from '../../data/unseen.ts';
import { PAPER_PROTOCOL } from '../../paper-protocol.ts';
import type { RecSample } from './batch.ts';

export interface HeldOutSource {
  sequences: readonly Int32Array[];
}

/** The validation (second-to-last item) or test (last item) sequential sample in the bare form. */
export function heldOutSequential(src: HeldOutSource, user: number, split: 'valid' | 'test'): RecSample {
  const seq = src.sequences[user]!;
  const end = split === 'valid' ? seq.length - 2 : seq.length - 1;
  return { task: 'sequential', user, items: seq.slice(Math.max(0, end - MAX_HISTORY), end), target: seq[end]!, template: -1 };
}

/**
 * Held-out top-n sample with FIXED negatives (validation: drawn once from a seed; test: P5's file or
 * procedure). The candidate order is shuffled by a per-user seeded generator so it is also fixed.
 */
export function heldOutTopn(src: HeldOutSource, user: number, split: 'valid' | 'test', negatives: ArrayLike<number>, orderSeed: number): RecSample {
  const seq = src.sequences[user]!;
  const positive = split === 'valid' ? seq[seq.length - 2]! : seq[seq.length - 1]!;
  const c = new Int32Array(negatives.length + 1);
  c[0] = positive;
  for (let k = 0; k < negatives.length; k++) c[k + 1] = negatives[k]!;
  shuffleInPlace(c, mulberry32((orderSeed ^ Math.imul(user + 1, 0x9e3779b1)) >>> 0));
  return { task: 'topn', user, items: c, target: positive, template: -1 };
}

/**
 * Fixed validation negatives: `count` distinct items per user that the user never interacted with,
 * drawn once from `seed` (the reference resampled them on every call, which made early stopping noisy).
 */
export function validationNegatives(src: HeldOutSource & { numItems: number }, seed: number, count = PAPER_PROTOCOL.topn.negatives): Int32Array[] {
  const rng = mulberry32(seed);
  return src.sequences.map((seq, u) => {
    const seen = new Set<number>(seq);
    if (src.numItems - seen.size < count) throw new RangeError(`user index ${u} has only ${src.numItems - seen.size} unseen items; ${count} validation negatives are needed.`);
    return drawUnseenItems(seen, src.numItems, count, rng);
  });
}

/** The validation-negatives seed a training run with `seed` uses (recorded in the pack manifest). */
export function validationNegativesSeed(seed: number): number {
  return seed + 101;
}

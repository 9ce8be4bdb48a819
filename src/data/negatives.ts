// P5's fixed top-n test negatives, reproduced exactly (see shared/data/README.md): numpy legacy
// MT19937 seeded 2022, per user `np.random.choice(all_item, 99, replace=False)` (= the first 99 of a
// full legacy permutation) repeated until 99 kept. Also the reader/writer of negative_samples.txt.
// Must not fix P5's quirks: the output is checked byte for byte against P5's Toys file.
import { PAPER_PROTOCOL } from '../paper-protocol.ts';
import { DatasetFormatError, DuplicateUserError, InvalidIdError, SplitError } from './errors.ts';
import { LegacyMT19937 } from './mt19937.ts';
import { parseIntLine, splitLines } from './text.ts';

export interface P5NegativesOptions {
  /** numpy seed (P5: 2022). */
  seed?: number;
  /** Negatives per user (P5: 99). */
  count?: number;
  /** Called every 256 users and at the end with (users done, total users). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Distinct items in order of first appearance, scanning users in order and each sequence in order
 * (P5's `list(item_count.keys())` over a dict filled that way).
 */
export function itemsInFirstAppearanceOrder(sequences: readonly Int32Array[]): Int32Array {
  let maxItem = 0;
  for (const s of sequences) for (let i = 0; i < s.length; i++) if (s[i]! > maxItem) maxItem = s[i]!;
  const seen = new Uint8Array(maxItem + 1);
  const order: number[] = [];
  for (const s of sequences) {
    for (let i = 0; i < s.length; i++) {
      const it = s[i]!;
      if (!seen[it]) {
        seen[it] = 1;
        order.push(it);
      }
    }
  }
  return Int32Array.from(order);
}

/**
 * P5's negative sampling, one Int32Array of `count` item ids per user (same order as `sequences`).
 *
 * P5 keeps a drawn item when `item not in user_seq and item not in test_samples`, but `test_samples`
 * holds strings and `item` is a numpy int, so the second test is always true: within one draw the 99
 * items are distinct (a permutation prefix), yet a second draw (needed when some of the first 99 were
 * in the user's history) can repeat an item kept from the first. We keep exactly that behaviour.
 */
export function p5TestNegatives(sequences: readonly Int32Array[], options: P5NegativesOptions = {}): Int32Array[] {
  const seed = options.seed ?? PAPER_PROTOCOL.topn.negativesSeed;
  const count = options.count ?? PAPER_PROTOCOL.topn.negatives;
  const allItem = itemsInFirstAppearanceOrder(sequences);
  const n = allItem.length;
  if (n < count) {
    throw new SplitError(`only ${n} distinct items, fewer than the ${count} negatives to draw without replacement`, {
      file: '(negative sampling)',
      hint: 'Use a smaller --count or a larger dataset',
    });
  }
  let maxItem = 0;
  for (let i = 0; i < n; i++) if (allItem[i]! > maxItem) maxItem = allItem[i]!;
  const rng = new LegacyMT19937(seed);
  const perm = new Int32Array(n);
  // stamp[item] === u + 1 marks "item is in user u's sequence" without clearing a set per user.
  const stamp = new Int32Array(maxItem + 1);
  const out: Int32Array[] = new Array(sequences.length);
  for (let u = 0; u < sequences.length; u++) {
    const seq = sequences[u]!;
    let distinctOwn = 0;
    for (let i = 0; i < seq.length; i++) {
      if (stamp[seq[i]!] !== u + 1) distinctOwn++;
      stamp[seq[i]!] = u + 1;
    }
    if (distinctOwn >= n) {
      throw new SplitError(`user #${u + 1} has interacted with every item, so no negative exists`, {
        file: '(negative sampling)',
        hint: 'Drop this user before sampling negatives',
      });
    }
    const kept = new Int32Array(count);
    let k = 0;
    while (k < count) {
      rng.permutationInto(n, perm);
      for (let i = 0; i < count && k < count; i++) {
        const item = allItem[perm[i]!]!;
        if (stamp[item] !== u + 1) kept[k++] = item;
      }
    }
    out[u] = kept;
    if (options.onProgress && ((u + 1) % 256 === 0 || u + 1 === sequences.length)) options.onProgress(u + 1, sequences.length);
  }
  return out;
}

/** negative_samples.txt text: `user neg ... neg\n` per user, in the given order. */
export function formatNegatives(users: ArrayLike<number>, negatives: readonly Int32Array[]): string {
  const parts: string[] = new Array(users.length);
  for (let u = 0; u < users.length; u++) parts[u] = `${users[u]} ${negatives[u]!.join(' ')}\n`;
  return parts.join('');
}

export interface ParsedNegatives {
  /** User id of each line, in file order. */
  users: Int32Array;
  negatives: Int32Array[];
}

/**
 * Reads negative_samples.txt. `knownUsers` (user id -> index) and `numItems` enable range checks;
 * the result is then re-ordered to the dataset's user order.
 */
export function parseNegatives(text: string, file: string, expect?: { count?: number; numItems?: number }): ParsedNegatives {
  const lines = splitLines(text, file);
  const users = new Int32Array(lines.length);
  const negatives: Int32Array[] = new Array(lines.length);
  const seen = new Set<number>();
  const buf: number[] = [];
  const count = expect?.count;
  for (let i = 0; i < lines.length; i++) {
    parseIntLine(lines[i]!, file, i + 1, buf);
    if (buf.length < 2) {
      throw new DatasetFormatError(`expected "user neg neg ...", found ${buf.length === 0 ? 'an empty line' : 'a user with no negatives'}`, {
        file,
        line: i + 1,
        hint: 'Regenerate the file with `peapod negatives`',
      });
    }
    if (count !== undefined && buf.length - 1 !== count) {
      throw new DatasetFormatError(`expected ${count} negatives, found ${buf.length - 1}`, {
        file,
        line: i + 1,
        hint: 'The file is cut short or from another dataset; regenerate it with `peapod negatives`',
      });
    }
    const user = buf[0]!;
    if (seen.has(user)) {
      throw new DuplicateUserError(`user ${user} appears twice`, { file, line: i + 1, hint: 'Each user must have one line; regenerate the file with `peapod negatives`' });
    }
    seen.add(user);
    const neg = new Int32Array(buf.length - 1);
    for (let j = 1; j < buf.length; j++) {
      const it = buf[j]!;
      if (it < 1 || (expect?.numItems !== undefined && it > expect.numItems)) {
        throw new InvalidIdError(`negative item ${it} is outside 1..${expect?.numItems ?? 'N'}`, {
          file,
          line: i + 1,
          hint: 'The negatives belong to another dataset or id mapping; regenerate them with `peapod negatives`',
        });
      }
      neg[j - 1] = it;
    }
    users[i] = user;
    negatives[i] = neg;
  }
  return { users, negatives };
}

/**
 * The dataset with its top-n test negatives: the shipped ones when present (Toys), otherwise P5's
 * procedure run on the dataset's own user order. Call it on the original ids, *before* remapItems
 * (which then carries the negatives along): the procedure's output depends on the id order.
 */
export function withTestNegatives<T extends { sequences: Int32Array[]; negatives?: Int32Array[] }>(ds: T, options: P5NegativesOptions = {}): T & { negatives: Int32Array[] } {
  if (ds.negatives) return ds as T & { negatives: Int32Array[] };
  return { ...ds, negatives: p5TestNegatives(ds.sequences, options) };
}

// Rejection sampling of items a user never interacted with: the one loop behind the fixed validation
// negatives (src/model/inputs/heldout.ts) and the fresh training negatives (src/train/samples.ts).
// Its draw order is part of their seeded outputs, so changing it changes every recorded negative set.
// Imports only the shared error base; the caller brings the generator and reports its own shortfall errors.
import { PeapodError } from '../errors.ts';

export class UnseenItemsExhaustedError extends PeapodError {
  override name = 'UnseenItemsExhaustedError';
  override readonly code = 'data-unseen-items-exhausted';
}

/**
 * `count` distinct item ids in 1..numItems outside `seen`, in draw order: each draw is
 * 1 + rng.int(numItems), redrawn when seen or already taken.
 */
export function drawUnseenItems(seen: ReadonlySet<number>, numItems: number, count: number, rng: { int(n: number): number }): Int32Array {
  let free = numItems;
  for (const i of seen) if (i >= 1 && i <= numItems) free--;
  // Without this the loop below would never end.
  if (free < count) throw new UnseenItemsExhaustedError(`drawUnseenItems: only ${free} of ${numItems} items are unseen; ${count} are needed. Ask for fewer or check the item count.`);
  const out = new Int32Array(count);
  const taken = new Set<number>();
  let k = 0;
  while (k < count) {
    const i = 1 + rng.int(numItems);
    if (seen.has(i) || taken.has(i)) continue;
    taken.add(i);
    out[k++] = i;
  }
  return out;
}

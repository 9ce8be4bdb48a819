// The transition table's definition, written the plain way: a Map per item, float64 sums in
// occurrence order, rows sorted by target. transitions.ts counts the same thing with typed-array
// counting sorts; its test checks the two agree bit for bit and bench/cpu.ts times both.
import type { TransitionTable } from './transitions.ts';

/** The definition: a Map per item, float64 sums in occurrence order, rows sorted by target. */
export function referenceTransitionTable(sequences: ArrayLike<ArrayLike<number>>, numItems: number, window = 3): TransitionTable {
  const rows: Map<number, number>[] = Array.from({ length: numItems + 1 }, () => new Map());
  for (let s = 0; s < sequences.length; s++) {
    const q = sequences[s]!;
    for (let i = 0; i < q.length; i++) {
      const a = q[i]!;
      if (a < 1 || a > numItems) continue;
      for (let g = 1; g <= window && i + g < q.length; g++) {
        const b = q[i + g]!;
        if (b < 1 || b > numItems || b === a) continue;
        rows[a]!.set(b, (rows[a]!.get(b) ?? 0) + 1 / g);
      }
    }
  }
  const offsets = new Int32Array(numItems + 2);
  for (let a = 0; a <= numItems; a++) offsets[a + 1] = offsets[a]! + rows[a]!.size;
  const targets = new Int32Array(offsets[numItems + 1]!);
  const weights = new Float32Array(targets.length);
  for (let a = 0; a <= numItems; a++) {
    let k = offsets[a]!;
    for (const [b, w] of [...rows[a]!].sort((x, y) => x[0] - y[0])) {
      targets[k] = b;
      weights[k++] = w;
    }
  }
  return { numItems, offsets, targets, weights };
}

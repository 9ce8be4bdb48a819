// The sequential prior's transition table (model/transitions.ts TransitionTable) built from a pack's
// CSR histories in a few passes over typed arrays, for the worker's start-up path: the same table as
// model/transitions.ts transitionsFromHistories (same entries, same float64 sums in the same order,
// so the same float32 weights) without a Map per item and a sort per row. Pure data, no tensors.
import { TRANSITION_WINDOW, type TransitionTable } from '../model/transitions.ts';

/**
 * Counts, over each user's training part (all but the last two items, the validation and test
 * targets), every pair (a, b) with b at most `window` positions after a, weighted 1 / gap.
 */
export function transitionTableFromHistories(offsets: ArrayLike<number>, items: ArrayLike<number>, numItems: number, window = TRANSITION_WINDOW): TransitionTable {
  const users = offsets.length - 1;
  let cap = 0;
  for (let u = 0; u < users; u++) cap += Math.max(0, offsets[u + 1]! - 2 - offsets[u]!) * window;
  const A = new Int32Array(cap);
  const B = new Int32Array(cap);
  const G = new Uint8Array(cap);
  let n = 0;
  const valid = (x: number) => x >= 1 && x <= numItems;
  for (let u = 0; u < users; u++) {
    const s = offsets[u]!;
    const e = Math.max(s, offsets[u + 1]! - 2);
    for (let i = s; i < e; i++) {
      const a = items[i]!;
      if (!valid(a)) continue;
      for (let g = 1; g <= window && i + g < e; g++) {
        const b = items[i + g]!;
        if (!valid(b) || b === a) continue;
        A[n] = a;
        B[n] = b;
        G[n++] = g;
      }
    }
  }
  // Two stable counting sorts (by b, then by a) order the pairs by (a, b) and keep, within one
  // (a, b), the order they occurred in: summing in that order reproduces the reference's sums.
  const byB = new Int32Array(n);
  const byAB = new Int32Array(n);
  const start = new Int32Array(numItems + 2);
  for (let k = 0; k < n; k++) start[B[k]! + 1]!++;
  for (let v = 1; v < start.length; v++) start[v]! += start[v - 1]!;
  for (let k = 0; k < n; k++) byB[start[B[k]!]!++] = k;
  start.fill(0);
  for (let k = 0; k < n; k++) start[A[k]! + 1]!++;
  for (let v = 1; v < start.length; v++) start[v]! += start[v - 1]!;
  for (let j = 0; j < n; j++) {
    const k = byB[j]!;
    byAB[start[A[k]!]!++] = k;
  }
  let unique = 0;
  for (let j = 0; j < n; j++) if (j === 0 || A[byAB[j]!] !== A[byAB[j - 1]!] || B[byAB[j]!] !== B[byAB[j - 1]!]) unique++;
  const rowStart = new Int32Array(numItems + 2);
  const targets = new Int32Array(unique);
  const weights = new Float32Array(unique);
  let out = -1;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const k = byAB[j]!;
    const a = A[k]!;
    if (j === 0 || a !== A[byAB[j - 1]!] || B[k] !== B[byAB[j - 1]!]) {
      if (out >= 0) weights[out] = sum;
      out++;
      targets[out] = B[k]!;
      rowStart[a + 1]!++;
      sum = 0;
    }
    sum += 1 / G[k]!;
  }
  if (out >= 0) weights[out] = sum;
  for (let a = 1; a < rowStart.length; a++) rowStart[a]! += rowStart[a - 1]!;
  return { numItems, offsets: rowStart, targets, weights };
}

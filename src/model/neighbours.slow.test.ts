import { describe, expect, it } from 'vitest';
import { NeighbourInputError, neighboursOf, similarUsers } from './neighbours.ts';

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

/** Brute force: full similarity row, sorted by (similarity desc, index asc). Zero rows have cosine 0. */
function bruteForce(e: Float32Array, d: number, n: number): { idx: number[][]; sim: number[][] } {
  const N = e.length / d;
  const norm = (i: number) => Math.sqrt(Array.from(e.subarray(i * d, i * d + d)).reduce((a, v) => a + v * v, 0));
  const idx: number[][] = [];
  const sim: number[][] = [];
  for (let i = 0; i < N; i++) {
    const row: { j: number; s: number }[] = [];
    for (let j = 0; j < N; j++) {
      if (j === i) continue;
      let dotp = 0;
      for (let k = 0; k < d; k++) dotp += e[i * d + k]! * e[j * d + k]!;
      const den = norm(i) * norm(j);
      row.push({ j, s: den > 0 ? dotp / den : 0 });
    }
    row.sort((a, b) => b.s - a.s || a.j - b.j);
    idx.push(row.slice(0, n).map((r) => r.j));
    sim.push(row.slice(0, n).map((r) => r.s));
  }
  return { idx, sim };
}

describe('similarUsers', () => {
  it('matches brute force on a random matrix with exact ties and zero vectors, for several block sizes', () => {
    const N = 83; // not a multiple of the block or of the 4x2 kernel
    const d = 7;
    const rnd = lcg(42);
    const e = new Float32Array(N * d).map(() => rnd() * 2 - 1);
    e.copyWithin(10 * d, 3 * d, 4 * d); // user 10 == user 3: an exact tie for everyone else
    e.copyWithin(50 * d, 3 * d, 4 * d); // and user 50 too
    for (let k = 0; k < d; k++) e[20 * d + k] = 2 * e[3 * d + k]!; // same direction, other length
    e.fill(0, 30 * d, 31 * d); // zero vectors: cosine 0 with everyone
    e.fill(0, 31 * d, 32 * d);
    const n = 9;
    const bf = bruteForce(e, d, n);
    for (const blockSize of [1, 5, 64, 200]) {
      const t = similarUsers(e, d, n, { blockSize });
      expect(t.numUsers).toBe(N);
      for (let i = 0; i < N; i++) {
        const got = Array.from(t.indices.subarray(i * n, i * n + n));
        expect(got, `user ${i}, block ${blockSize}`).toEqual(bf.idx[i]);
        for (let r = 0; r < n; r++) expect(t.similarities[i * n + r]).toBeCloseTo(bf.sim[i]![r]!, 5);
      }
    }
    const t = similarUsers(e, d, n);
    // Users 3, 10, 20, 50 point the same way: each one's first three neighbours are the other three
    // with similarity 1, lowest index first.
    expect(Array.from(t.indices.subarray(3 * n, 3 * n + 3))).toEqual([10, 20, 50]);
    expect(Array.from(t.indices.subarray(20 * n, 20 * n + 3))).toEqual([3, 10, 50]);
    expect(t.similarities[3 * n]).toBeCloseTo(1, 6);
    // A zero user has similarity 0 with all, so its neighbours are users 0..n (itself skipped).
    expect(Array.from(t.indices.subarray(30 * n, 31 * n))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(t.similarities.subarray(30 * n, 31 * n))).toEqual(new Array(n).fill(0));
    // Rows are sorted and never contain the user itself.
    for (let i = 0; i < N; i++) {
      for (let r = 0; r < n; r++) {
        expect(t.indices[i * n + r]).not.toBe(i);
        if (r > 0) expect(t.similarities[i * n + r]!).toBeLessThanOrEqual(t.similarities[i * n + r - 1]!);
      }
    }
  });

  it('neighboursOf gives the same row as the table for an existing user, and works for a new vector', () => {
    const N = 40;
    const d = 5;
    const rnd = lcg(7);
    const e = new Float32Array(N * d).map(() => rnd() - 0.5);
    const t = similarUsers(e, d, 6);
    for (const u of [0, 17, 39]) {
      const one = neighboursOf(e.subarray(u * d, u * d + d), e, 6, u);
      expect(Array.from(one.indices)).toEqual(Array.from(t.indices.subarray(u * 6, u * 6 + 6)));
      expect(Array.from(one.similarities)).toEqual(Array.from(t.similarities.subarray(u * 6, u * 6 + 6)));
    }
    // Without exclude a user's own row comes first with similarity 1.
    const self = neighboursOf(e.subarray(5 * d, 6 * d), e, 3);
    expect(self.indices[0]).toBe(5);
    expect(self.similarities[0]).toBeCloseTo(1, 6);
    // A brand-new vector equal to -(user 8) ranks user 8 last, at similarity -1.
    const neg = new Float32Array(d).map((_, k) => -e[8 * d + k]!);
    const all = neighboursOf(neg, e, N);
    expect(all.indices[N - 1]).toBe(8);
    expect(all.similarities[N - 1]).toBeCloseTo(-1, 6);
  });

  it('rejects bad shapes and impossible n with typed errors', () => {
    const e = new Float32Array(12);
    expect(() => similarUsers(e, 5, 1)).toThrow(NeighbourInputError);
    expect(() => similarUsers(e, 4, 3)).toThrow(/only 3 users/);
    expect(() => similarUsers(e, 4, 0)).toThrow(/positive integer/);
    expect(() => neighboursOf(new Float32Array(4), e, 3, 0)).toThrow(/only 2 candidate/);
  });

  it('handles Beauty size (22,363 x 64, n = 40): progress per 64-row block, rows equal neighboursOf', () => {
    const N = 22363;
    const d = 64;
    const rnd = lcg(3);
    const e = new Float32Array(N * d).map(() => rnd() - 0.5);
    // Its time is measured by bench/cpu.ts, not asserted here.
    let calls = 0;
    const t = similarUsers(e, d, 40, { onProgress: () => calls++ });
    expect(calls).toBe(Math.ceil(N / 64));
    // Spot-check one user against neighboursOf (the independent single-row path).
    const u = 12345;
    const one = neighboursOf(e.subarray(u * d, u * d + d), e, 40, u);
    expect(Array.from(t.indices.subarray(u * 40, u * 40 + 40))).toEqual(Array.from(one.indices));
  }, 180_000);
});

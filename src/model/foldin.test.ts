import { describe, expect, it } from 'vitest';
import { FoldIn, FoldInInputError, ImplicitRowSolver, gramian } from './foldin.ts';

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

/** Independent reference: build (Y'Y + alpha sum_S y y' + lambda I) x = (1+alpha) sum_S y and solve by Gauss-Jordan. */
function referenceSolve(Y: Float32Array, d: number, picked: number[], alpha: number, lambda: number): number[] {
  const I = Y.length / d;
  const A: number[][] = Array.from({ length: d }, () => new Array<number>(d + 1).fill(0));
  for (let i = 0; i < I; i++) {
    const c = picked.includes(i) ? 1 + alpha : 1;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) A[a]![b]! += c * Y[i * d + a]! * Y[i * d + b]!;
      if (picked.includes(i)) A[a]![d]! += c * Y[i * d + a]!;
    }
  }
  for (let a = 0; a < d; a++) A[a]![a]! += lambda;
  for (let col = 0; col < d; col++) {
    let piv = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(A[r]![col]!) > Math.abs(A[piv]![col]!)) piv = r;
    [A[col], A[piv]] = [A[piv]!, A[col]!];
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = A[r]![col]! / A[col]![col]!;
      for (let c = col; c <= d; c++) A[r]![c]! -= f * A[col]![c]!;
    }
  }
  return A.map((row, a) => row[d]! / A[a]![a]!);
}

describe('gramian', () => {
  it("computes Y'Y", () => {
    const Y = new Float32Array([1, 2, 3, 4, 5, 6]); // 3 x 2
    expect(Array.from(gramian(Y, 3, 2))).toEqual([1 + 9 + 25, 2 + 12 + 30, 2 + 12 + 30, 4 + 16 + 36]);
  });
});

describe('ImplicitRowSolver / FoldIn', () => {
  const d = 8;
  const numItems = 30;
  const rnd = lcg(11);
  const Y = new Float32Array(numItems * d).map(() => rnd() - 0.5);
  const params = { alpha: 15, lambda: 0.7 };

  it('matches an independent dense solve on both the Woodbury (n <= d) and the direct path', () => {
    const f = new FoldIn(Y, d, params);
    for (const picked of [[3], [0, 7, 29], [1, 2, 3, 4], [5, 6, 7, 8, 9, 10, 11, 12, 13, 20]]) {
      const got = f.user(picked);
      const want = referenceSolve(Y, d, picked, params.alpha, params.lambda);
      for (let a = 0; a < d; a++) expect(got[a]).toBeCloseTo(want[a]!, 5);
    }
    // No items: x = 0 (nothing pulls the user anywhere).
    expect(Array.from(f.user([]))).toEqual(new Array(d).fill(0));
  });

  it('counts duplicates once and ignores the order of the picked items', () => {
    const f = new FoldIn(Y, d, params);
    expect(Array.from(f.user([4, 2, 4, 9]))).toEqual(Array.from(f.user([2, 4, 9])));
  });

  it('gives the minimiser of the weighted objective (gradient ~ 0)', () => {
    const s = new ImplicitRowSolver(Y, d, params);
    const x = new Float64Array(d);
    const picked = [2, 11, 17];
    s.solve(picked, x, 0);
    const grad = new Float64Array(d);
    for (let i = 0; i < numItems; i++) {
      const on = picked.includes(i);
      let pred = 0;
      for (let a = 0; a < d; a++) pred += x[a]! * Y[i * d + a]!;
      const g = (on ? 1 + params.alpha : 1) * (pred - (on ? 1 : 0));
      for (let a = 0; a < d; a++) grad[a]! += g * Y[i * d + a]!;
    }
    for (let a = 0; a < d; a++) expect(Math.abs(grad[a]! + params.lambda * x[a]!)).toBeLessThan(1e-9);
  });

  it('rejects bad item indices, shapes and parameters with typed errors', () => {
    const f = new FoldIn(Y, d, params);
    expect(() => f.user([30])).toThrow(FoldInInputError);
    expect(() => f.user([1.5])).toThrow(/outside 0\.\.29/);
    expect(() => new FoldIn(new Float32Array(10), 3, params)).toThrow(/not \[items x 3\]/);
    expect(() => new FoldIn(Y, d, { alpha: 1, lambda: 0 })).toThrow(/lambda > 0/);
  });
});

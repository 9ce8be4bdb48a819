// Cold-start fold-in and the one linear solve it shares with training: the implicit-feedback
// least-squares row update of iALS (Hu, Koren & Volinsky 2008). Given fixed item factors Y and the
// items S a user picked, the user's vector minimises
//   sum_i c_i (p_i - x.y_i)^2 + lambda |x|^2,   p_i = 1, c_i = 1 + alpha for i in S; p_i = 0, c_i = 1 else,
// i.e. x = (Y'Y + alpha sum_S y y' + lambda I)^-1 (1 + alpha) sum_S y. Training (src/train/cf.ts)
// uses the same `ImplicitRowSolver` for every user and item, so folding in an existing user's items
// reproduces its fitted vector. Plain typed arrays (runs in the browser); no tensors, no I/O.
import { PeapodModelError } from './errors.ts';

export class FoldInInputError extends PeapodModelError {
  override name = 'FoldInInputError';
  override readonly code = 'model-fold-in-input';
}

export interface ImplicitAlsParams {
  /** Extra confidence on observed entries (c = 1 + alpha). */
  alpha: number;
  /** L2 regularisation of each row. */
  lambda: number;
}

/** Y'Y of a row-major [rows x d] factor matrix, as a dense d x d Float64Array (both triangles). */
export function gramian(factors: ArrayLike<number>, rows: number, d: number): Float64Array {
  const g = new Float64Array(d * d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    for (let a = 0; a < d; a++) {
      const va = factors[o + a]!;
      if (va === 0) continue;
      const ga = a * d;
      for (let b = 0; b <= a; b++) g[ga + b]! += va * factors[o + b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) g[b * d + a] = g[a * d + b]!;
  return g;
}

/** In-place Cholesky A = L L' of an SPD n x n row-major matrix (reads and writes the lower triangle). */
function choleskyFactor(A: Float64Array, n: number, what: string): void {
  for (let j = 0; j < n; j++) {
    const oj = j * n;
    let s = A[oj + j]!;
    for (let k = 0; k < j; k++) s -= A[oj + k]! * A[oj + k]!;
    if (!(s > 0)) throw new FoldInInputError(`${what}: system not positive definite at pivot ${j} (value ${s}). Use lambda > 0 and finite factors.`);
    const ljj = Math.sqrt(s);
    A[oj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const oi = i * n;
      let v = A[oi + j]!;
      for (let k = 0; k < j; k++) v -= A[oi + k]! * A[oj + k]!;
      A[oi + j] = v / ljj;
    }
  }
}

/** Solves L L' x = b in place in b, with L from `choleskyFactor`. */
function choleskySubstitute(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const oi = i * n;
    let v = b[i]!;
    for (let k = 0; k < i; k++) v -= L[oi + k]! * b[k]!;
    b[i] = v / L[oi + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let v = b[i]!;
    for (let k = i + 1; k < n; k++) v -= L[k * n + i]! * b[k]!;
    b[i] = v / L[i * n + i]!;
  }
}

/**
 * Exact iALS row solves against fixed factors `others` [numOthers x d]. With B = Y'Y + lambda I
 * shared by every row, a row with n observed entries only adds the rank-n term alpha Y_S' Y_S, so for
 * small n (most users have 3-10 training items) the Woodbury identity is far cheaper than a d x d
 * Cholesky per row: with Z = Y B^-1 precomputed (one d x d inverse + numOthers*d^2 once),
 *   x = m - Z_S' (I/alpha + Y_S Z_S')^-1 Y_S m,   m = (1 + alpha) sum_S z_i,
 * costs ~n^2 d/2 + n^3/6 against d^3/6 + n d^2/2 for the direct Cholesky, which breaks even near n = d;
 * rows with n > d take the direct path. Both are exact.
 */
export class ImplicitRowSolver {
  readonly gram: Float64Array;
  private readonly z: Float64Array;
  private readonly a: Float64Array;
  private readonly rhs: Float64Array;
  private readonly m: Float64Array;
  private c: Float64Array;
  private w: Float64Array;
  readonly numOthers: number;

  constructor(
    private readonly others: ArrayLike<number>,
    readonly d: number,
    readonly params: ImplicitAlsParams,
  ) {
    this.numOthers = others.length / d;
    this.gram = gramian(others, this.numOthers, d);
    const B = new Float64Array(this.gram);
    for (let i = 0; i < d; i++) B[i * d + i]! += params.lambda;
    choleskyFactor(B, d, 'iALS shared system');
    const inv = new Float64Array(d * d);
    const col = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      col.fill(0);
      col[j] = 1;
      choleskySubstitute(B, d, col);
      for (let i = 0; i < d; i++) inv[i * d + j] = col[i]!;
    }
    this.z = new Float64Array(this.numOthers * d);
    for (let r = 0; r < this.numOthers; r++) {
      const o = r * d;
      for (let b = 0; b < d; b++) {
        const v = others[o + b]!;
        if (v === 0) continue;
        const ob = b * d;
        for (let a = 0; a < d; a++) this.z[o + a]! += v * inv[ob + a]!;
      }
    }
    this.a = new Float64Array(d * d);
    this.rhs = new Float64Array(d);
    this.m = new Float64Array(d);
    this.c = new Float64Array(0);
    this.w = new Float64Array(0);
  }

  /** Writes the row's solution into out[outOffset .. outOffset + d). `picked` must be distinct indices. */
  solve(picked: ArrayLike<number>, out: Float32Array | Float64Array, outOffset: number): void {
    const n = picked.length;
    const d = this.d;
    if (n > d || this.params.alpha === 0) this.solveDirect(picked, out, outOffset);
    else this.solveWoodbury(picked, out, outOffset);
  }

  private solveWoodbury(picked: ArrayLike<number>, out: Float32Array | Float64Array, outOffset: number): void {
    const n = picked.length;
    const d = this.d;
    const { alpha } = this.params;
    const Y = this.others;
    const Z = this.z;
    const m = this.m;
    m.fill(0);
    for (let t = 0; t < n; t++) {
      const o = picked[t]! * d;
      for (let a = 0; a < d; a++) m[a]! += Z[o + a]!;
    }
    for (let a = 0; a < d; a++) m[a]! *= 1 + alpha;
    if (this.c.length < n * n) {
      this.c = new Float64Array(n * n);
      this.w = new Float64Array(n);
    }
    const C = this.c;
    const w = this.w;
    for (let i = 0; i < n; i++) {
      const oy = picked[i]! * d;
      let ym = 0;
      for (let a = 0; a < d; a++) ym += Y[oy + a]! * m[a]!;
      w[i] = ym;
      for (let j = 0; j <= i; j++) {
        const oz = picked[j]! * d;
        let s = 0;
        for (let a = 0; a < d; a++) s += Y[oy + a]! * Z[oz + a]!;
        C[i * n + j] = s + (i === j ? 1 / alpha : 0);
      }
    }
    choleskyFactor(C, n, 'iALS Woodbury system');
    choleskySubstitute(C, n, w);
    for (let t = 0; t < n; t++) {
      const o = picked[t]! * d;
      const wt = w[t]!;
      for (let a = 0; a < d; a++) m[a]! -= wt * Z[o + a]!;
    }
    for (let a = 0; a < d; a++) out[outOffset + a] = m[a]!;
  }

  private solveDirect(picked: ArrayLike<number>, out: Float32Array | Float64Array, outOffset: number): void {
    const d = this.d;
    const { alpha, lambda } = this.params;
    const A = this.a;
    const rhs = this.rhs;
    const gram = this.gram;
    const others = this.others;
    for (let r = 0; r < d; r++) {
      const o = r * d;
      for (let c = 0; c <= r; c++) A[o + c] = gram[o + c]!;
      A[o + r]! += lambda;
    }
    rhs.fill(0);
    const wgt = 1 + alpha;
    for (let t = 0; t < picked.length; t++) {
      const oy = picked[t]! * d;
      for (let r = 0; r < d; r++) {
        const yr = others[oy + r]!;
        rhs[r]! += wgt * yr;
        const ar = alpha * yr;
        const o = r * d;
        for (let c = 0; c <= r; c++) A[o + c]! += ar * others[oy + c]!;
      }
    }
    choleskyFactor(A, d, 'iALS row solve');
    choleskySubstitute(A, d, rhs);
    for (let i = 0; i < d; i++) out[outOffset + i] = rhs[i]!;
  }
}

/**
 * Folds new users into a fitted iALS model. The item Gramian is computed once per instance (d^2 * I
 * work), after which each user costs one d x d solve. Use the alpha/lambda the model was trained with.
 */
export class FoldIn {
  private readonly solver: ImplicitRowSolver;
  readonly numItems: number;

  constructor(
    itemFactors: ArrayLike<number>,
    readonly d: number,
    readonly params: ImplicitAlsParams,
  ) {
    if (!Number.isInteger(d) || d < 1 || itemFactors.length % d !== 0)
      throw new FoldInInputError(`FoldIn: item factor array of length ${itemFactors.length} is not [items x ${d}]. Pass the cf/item matrix and its width.`);
    if (!(params.lambda > 0) || !(params.alpha >= 0))
      throw new FoldInInputError(`FoldIn: need lambda > 0 and alpha >= 0 (got lambda ${params.lambda}, alpha ${params.alpha}); use the values the model was trained with.`);
    this.numItems = itemFactors.length / d;
    this.solver = new ImplicitRowSolver(itemFactors, d, params);
  }

  /** The embedding of a user who picked `items` (item row indices; duplicates count once). */
  user(items: ArrayLike<number>): Float32Array {
    const distinct = new Set<number>();
    for (let t = 0; t < items.length; t++) {
      const i = items[t]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.numItems)
        throw new FoldInInputError(`FoldIn: item index ${i} (position ${t}) is outside 0..${this.numItems - 1}. Pick items from the model's catalogue.`);
      distinct.add(i);
    }
    const out = new Float32Array(this.d);
    this.solver.solve(Int32Array.from(distinct).sort(), out, 0);
    return out;
  }
}

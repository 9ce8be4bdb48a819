// PMF user embeddings for PeaPOD's collaborative prompt (docs/method.md §1.1): Gaussian matrix
// factorisation of the *whole* implicit matrix with confidence weights (iALS, Hu et al. 2008): every
// unobserved cell is a zero with weight 1, observed cells are ones with weight 1 + alpha. The Gramian
// trick makes the zeros free, so no negatives are sampled and each alternating sweep is an exact
// least-squares solve (deterministic given the seed, no learning rate). Chosen over BPR/SGD because it
// converges in ~10 sweeps and because fold-in (src/model/foldin.ts) is then the same closed-form solve
// as training.
import { mulberry32 } from '../data/rng.ts';
import { ImplicitRowSolver, gramian, type ImplicitAlsParams } from '../model/foldin.ts';
import { CfInputError, checkInteractions, gaussian, transposeInteractions, type CfEmbeddings, type CfProgress, type Interactions } from './cf-common.ts';

export interface PmfOptions {
  d?: number;
  iterations?: number;
  /** Confidence boost of observed cells (c = 1 + alpha). */
  alpha?: number;
  lambda?: number;
  seed?: number;
  /** Std of the initial factors. */
  initStd?: number;
  /** Compute the full objective after each sweep (costs about one extra sweep of cheap work). */
  trackLoss?: boolean;
  onProgress?: (p: CfProgress) => void;
}

export const PMF_DEFAULTS = { d: 64, iterations: 10, alpha: 50, lambda: 10, seed: 1, initStd: 0.01 } as const;

export interface PmfModel extends CfEmbeddings {
  params: ImplicitAlsParams;
  /** Objective after each sweep (empty unless trackLoss). */
  losses: number[];
}

function sweep(rows: Interactions, others: Float32Array, d: number, params: ImplicitAlsParams, out: Float32Array): void {
  const solver = new ImplicitRowSolver(others, d, params);
  for (let r = 0; r < rows.numUsers; r++) solver.solve(rows.items.subarray(rows.offsets[r], rows.offsets[r + 1]), out, r * d);
}

/**
 * Full iALS objective: sum over all cells of c (p - x.y)^2 + lambda (|X|^2 + |Y|^2), evaluated as
 * sum_u x' (Y'Y) x over the zeros plus the corrections on observed cells — O((U + nnz) d + I d^2).
 */
export function implicitLoss(x: Interactions, users: Float32Array, items: Float32Array, d: number, params: ImplicitAlsParams): number {
  const gram = gramian(items, x.numItems, d);
  let loss = 0;
  for (let u = 0; u < x.numUsers; u++) {
    const ou = u * d;
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += gram[a * d + b]! * users[ou + b]!;
      loss += users[ou + a]! * s;
    }
    for (let t = x.offsets[u]!; t < x.offsets[u + 1]!; t++) {
      const oi = x.items[t]! * d;
      let pred = 0;
      for (let a = 0; a < d; a++) pred += users[ou + a]! * items[oi + a]!;
      loss += (1 + params.alpha) * (1 - pred) ** 2 - pred * pred;
    }
  }
  let reg = 0;
  for (const v of users) reg += v * v;
  for (const v of items) reg += v * v;
  return loss + params.lambda * reg;
}

/** Fits iALS user/item factors. Deterministic for a given seed. */
export function fitPmf(x: Interactions, options: PmfOptions = {}): PmfModel {
  checkInteractions(x);
  const d = options.d ?? PMF_DEFAULTS.d;
  const iterations = options.iterations ?? PMF_DEFAULTS.iterations;
  const params: ImplicitAlsParams = { alpha: options.alpha ?? PMF_DEFAULTS.alpha, lambda: options.lambda ?? PMF_DEFAULTS.lambda };
  if (!(params.lambda > 0)) throw new CfInputError(`fitPmf: lambda must be > 0 (got ${params.lambda}); it keeps every row solve well posed.`);
  const rnd = mulberry32(options.seed ?? PMF_DEFAULTS.seed).next;
  const std = options.initStd ?? PMF_DEFAULTS.initStd;
  // Users start random and items are solved first, so each iteration ends with an exact user sweep.
  const users = new Float32Array(x.numUsers * d).map(() => gaussian(rnd) * std);
  const items = new Float32Array(x.numItems * d);
  const byItem = transposeInteractions(x);
  const losses: number[] = [];
  for (let it = 0; it < iterations; it++) {
    // Items last: the returned user factors are then the exact solve given the returned item factors,
    // which is what fold-in computes for a new user.
    sweep(byItem, users, d, params, items);
    options.onProgress?.({ phase: 'pmf items', fraction: (it + 0.5) / iterations, iteration: it + 1, iterations });
    sweep(x, items, d, params, users);
    const loss = options.trackLoss ? implicitLoss(x, users, items, d, params) : undefined;
    if (loss !== undefined) losses.push(loss);
    options.onProgress?.({ phase: 'pmf users', fraction: (it + 1) / iterations, iteration: it + 1, iterations, loss });
  }
  return { userFactors: users, itemFactors: items, d, numUsers: x.numUsers, numItems: x.numItems, params, losses };
}

/**
 * One iALS iteration on `x` started from the given user factors: items solved given the users, then
 * users given those items. From factors fitted on nearly the same data it moves little, so the
 * result stays in the same latent basis (what the held-out training's export relies on).
 */
export function alsIterationFrom(x: Interactions, users: Float32Array, d: number, params: ImplicitAlsParams): { users: Float32Array; items: Float32Array } {
  checkInteractions(x);
  if (users.length !== x.numUsers * d) throw new CfInputError(`alsIterationFrom: ${users.length} user values for ${x.numUsers} users x d ${d}; pass one row per user.`);
  const items = new Float32Array(x.numItems * d);
  sweep(transposeInteractions(x), users, d, params, items);
  const out = new Float32Array(x.numUsers * d);
  sweep(x, items, d, params, out);
  return { users: out, items };
}

// Collaborative-filtering user embeddings for PeaPOD's collaborative prompt (docs/peapod-method.md §1.1),
// fitted on training interactions only. Two models:
//  - `fitPmf`: Gaussian matrix factorisation of the *whole* implicit matrix with confidence weights
//    (iALS, Hu et al. 2008): every unobserved cell is a zero with weight 1, observed cells are ones with
//    weight 1 + alpha. The Gramian trick makes the zeros free, so no negatives are sampled and each
//    alternating sweep is an exact least-squares solve (deterministic given the seed, no learning rate).
//    Chosen over BPR/SGD because it converges in ~10 sweeps and because fold-in (src/model/foldin.ts) is
//    then the same closed-form solve as training.
//  - `fitBiVae`: a small bilateral VAE (Truong et al. 2021) in plain JS (see bivae section below).
// This module owns no I/O and no dataset parsing: inputs are CSR arrays of 0-based indices.
import { ImplicitRowSolver, gramian, type ImplicitAlsParams } from '../model/foldin.ts';
import { PeapodError } from '../errors.ts';
import { PAPER_PROTOCOL } from '../paper-protocol.ts';

export class CfInputError extends PeapodError {
  override name = 'CfInputError';
  override readonly code = 'train-cf-input';
}

/** Binary interactions in CSR form: row u's items are items[offsets[u] .. offsets[u+1]), distinct, sorted. */
export interface Interactions {
  numUsers: number;
  numItems: number;
  offsets: Int32Array;
  items: Int32Array;
}

export interface CfEmbeddings {
  /** float32 [numUsers * d] */
  userFactors: Float32Array;
  /** float32 [numItems * d] */
  itemFactors: Float32Array;
  d: number;
  numUsers: number;
  numItems: number;
}

export interface CfProgress {
  phase: string;
  /** Overall fraction done, 0..1. */
  fraction: number;
  iteration: number;
  iterations: number;
  /** Training objective after the iteration, when computed. */
  loss?: number;
}

/**
 * Builds deduplicated CSR interactions from per-user item lists (e.g. each user's training prefix).
 * `numItems` bounds the indices; pass maxId + 1 to use 1-based dataset ids directly (row 0 then has no
 * interactions and its factor solves to exactly zero, matching the pack's unused item row 0).
 */
export function interactionsFromLists(lists: readonly ArrayLike<number>[], numItems: number): Interactions {
  const offsets = new Int32Array(lists.length + 1);
  const rows: Int32Array[] = [];
  for (let u = 0; u < lists.length; u++) {
    const l = lists[u]!;
    for (let t = 0; t < l.length; t++) {
      const i = l[t]!;
      if (!Number.isInteger(i) || i < 0 || i >= numItems)
        throw new CfInputError(`interactions: user row ${u} position ${t} has item ${i}, outside 0..${numItems - 1}. Check the id mapping or raise numItems.`);
    }
    const row = Int32Array.from(new Set(Array.from(l))).sort();
    rows.push(row);
    offsets[u + 1] = offsets[u]! + row.length;
  }
  const items = new Int32Array(offsets[lists.length]!);
  rows.forEach((r, u) => items.set(r, offsets[u]!));
  return { numUsers: lists.length, numItems, offsets, items };
}

/** The same interactions seen from the item side (rows = items, entries = users). */
export function transposeInteractions(x: Interactions): Interactions {
  const offsets = new Int32Array(x.numItems + 1);
  for (let t = 0; t < x.items.length; t++) offsets[x.items[t]! + 1]!++;
  for (let i = 0; i < x.numItems; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, x.numItems);
  const users = new Int32Array(x.items.length);
  for (let u = 0; u < x.numUsers; u++) for (let t = x.offsets[u]!; t < x.offsets[u + 1]!; t++) users[fill[x.items[t]!]!++] = u;
  return { numUsers: x.numItems, numItems: x.numUsers, offsets, items: users };
}

function checkInteractions(x: Interactions): void {
  if (x.offsets.length !== x.numUsers + 1 || x.offsets[0] !== 0 || x.offsets[x.numUsers] !== x.items.length)
    throw new CfInputError(`interactions: offsets (length ${x.offsets.length}) do not describe ${x.numUsers} rows over ${x.items.length} entries. Build them with interactionsFromLists.`);
}

/** Seeded generator (mulberry32) so fits are reproducible without touching Math.random. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rnd: () => number): number {
  const u = rnd() || 1e-12;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}

// ---- PMF (iALS) ---------------------------------------------------------------------------------

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
  for (let r = 0; r < rows.numUsers; r++) solver.solve(rows.items.subarray(rows.offsets[r]!, rows.offsets[r + 1]!), out, r * d);
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
  const rnd = seededRandom(options.seed ?? PMF_DEFAULTS.seed);
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

// ---- quality check ------------------------------------------------------------------------------

/**
 * Sampled HR@k: for each user with a held-out item, rank it among `negatives` random items the user
 * never interacted with (`seen` rows, held-out included) by the inner product of the factors. Ties
 * count against the held-out item. Chance level is k / (negatives + 1). Default negatives: the top-n
 * protocol's (PAPER_PROTOCOL.topn.negatives, 99).
 */
export function sampledHitRate(
  emb: CfEmbeddings,
  heldOut: ArrayLike<number>,
  seen: Interactions,
  options: { negatives?: number; k?: number; seed?: number; firstItem?: number } = {},
): number {
  const negatives = options.negatives ?? PAPER_PROTOCOL.topn.negatives;
  const k = options.k ?? 10;
  const first = options.firstItem ?? 0;
  const rnd = seededRandom(options.seed ?? 2022);
  const d = emb.d;
  const score = (u: number, i: number): number => {
    let s = 0;
    for (let a = 0; a < d; a++) s += emb.userFactors[u * d + a]! * emb.itemFactors[i * d + a]!;
    return s;
  };
  let hits = 0;
  let users = 0;
  for (let u = 0; u < heldOut.length; u++) {
    const target = heldOut[u]!;
    if (target < 0) continue;
    users++;
    const row = new Set(seen.items.subarray(seen.offsets[u]!, seen.offsets[u + 1]!));
    row.add(target);
    const ts = score(u, target);
    let better = 0;
    const drawn = new Set<number>();
    while (drawn.size < negatives) {
      const i = first + Math.floor(rnd() * (emb.numItems - first));
      if (row.has(i) || drawn.has(i)) continue;
      drawn.add(i);
      if (score(u, i) >= ts) better++;
    }
    if (better < k) hits++;
  }
  return users ? hits / users : 0;
}

// ---- BiVAE ---------------------------------------------------------------------------------------
// Bilateral VAE (Truong, Salah & Lauw, WSDM 2021): a user encoder reads the user's item row, an item
// encoder reads the item's user column, each gives a Gaussian code (mean, std); the interaction is
// Bernoulli with p = sigmoid(theta_u . beta_i). Like the reference implementation (Cornac) the two
// sides are trained alternately, each against the other side's current means held fixed.
// Simplifications, all for speed in plain JS on one core:
//  - Bernoulli likelihood on the observed cells plus `negatives` uniformly sampled cells per observed
//    one (weight 1) instead of the full row; sampled cells that are observed are redrawn.
//  - One tanh hidden layer per encoder; its first layer is an embedding bag over the row's entries.
//  - No constrained adaptive priors (standard normal prior), KL weight `klWeight`.
//  - Hand-written gradients and Adam, with lazy (touched-rows-only) updates of the input layer.
// The embeddings returned are the encoders' means.

export interface BiVaeOptions {
  d?: number;
  hidden?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  negatives?: number;
  klWeight?: number;
  seed?: number;
  onProgress?: (p: CfProgress) => void;
}

export const BIVAE_DEFAULTS = { d: 64, hidden: 64, epochs: 8, batchSize: 128, learningRate: 0.02, negatives: 4, klWeight: 1, seed: 1 } as const;

export interface BiVaeModel extends CfEmbeddings {
  /** Mean training loss (negative ELBO per row, sampled likelihood) of the user side per epoch. */
  losses: number[];
}

const ADAM_B1 = 0.9;
const ADAM_B2 = 0.999;
const ADAM_EPS = 1e-8;
const LOG_STD_MIN = -8;
const LOG_STD_MAX = 3;

class AdamTensor {
  readonly w: Float32Array;
  readonly g: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  constructor(size: number, init: (i: number) => number) {
    this.w = new Float32Array(size).map((_, i) => init(i));
    this.g = new Float32Array(size);
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }
  /** Applies the update to elements [from, to) with gradient scaled by `scale`, then zeroes it. */
  step(from: number, to: number, scale: number, lr: number, t: number): void {
    const c1 = 1 - ADAM_B1 ** t;
    const c2 = 1 - ADAM_B2 ** t;
    for (let i = from; i < to; i++) {
      const g = this.g[i]! * scale;
      const m = (this.m[i] = ADAM_B1 * this.m[i]! + (1 - ADAM_B1) * g);
      const v = (this.v[i] = ADAM_B2 * this.v[i]! + (1 - ADAM_B2) * g * g);
      this.w[i] -= (lr * (m / c1)) / (Math.sqrt(v / c2) + ADAM_EPS);
      this.g[i] = 0;
    }
  }
}

/** One side's encoder: rows x inputs (embedding bag) -> tanh hidden -> mean and log-std heads. */
class Encoder {
  readonly w1: AdamTensor;
  readonly b1: AdamTensor;
  readonly wm: AdamTensor;
  readonly bm: AdamTensor;
  readonly ws: AdamTensor;
  readonly bs: AdamTensor;
  private t = 0;
  constructor(
    readonly inputs: number,
    readonly hidden: number,
    readonly k: number,
    rnd: () => number,
  ) {
    const s1 = Math.sqrt(1 / 8); // rows have ~8 entries: keeps the summed pre-activation O(1)
    const s2 = Math.sqrt(1 / hidden);
    this.w1 = new AdamTensor(inputs * hidden, () => gaussian(rnd) * s1);
    this.b1 = new AdamTensor(hidden, () => 0);
    this.wm = new AdamTensor(hidden * k, () => gaussian(rnd) * s2);
    this.bm = new AdamTensor(k, () => 0);
    this.ws = new AdamTensor(hidden * k, () => gaussian(rnd) * s2 * 0.1);
    this.bs = new AdamTensor(k, () => -2);
  }

  /** Forward for one row; fills h (tanh output), mu and logStd (clamped). */
  encode(row: ArrayLike<number>, h: Float64Array, mu: Float64Array, logStd: Float64Array): void {
    const H = this.hidden;
    const k = this.k;
    const w1 = this.w1.w;
    for (let j = 0; j < H; j++) h[j] = this.b1.w[j]!;
    for (let t = 0; t < row.length; t++) {
      const o = row[t]! * H;
      for (let j = 0; j < H; j++) h[j] += w1[o + j]!;
    }
    for (let j = 0; j < H; j++) h[j] = Math.tanh(h[j]!);
    const wm = this.wm.w;
    const ws = this.ws.w;
    for (let c = 0; c < k; c++) {
      mu[c] = this.bm.w[c]!;
      logStd[c] = this.bs.w[c]!;
    }
    for (let j = 0; j < H; j++) {
      const hj = h[j]!;
      const o = j * k;
      for (let c = 0; c < k; c++) {
        mu[c] += hj * wm[o + c]!;
        logStd[c] += hj * ws[o + c]!;
      }
    }
    for (let c = 0; c < k; c++) logStd[c] = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, logStd[c]!));
  }

  /** Accumulates gradients for one row given dL/dmu and dL/dlogStd (already including the KL). */
  backward(row: ArrayLike<number>, h: Float64Array, dMu: Float64Array, dLogStd: Float64Array, dh: Float64Array): void {
    const H = this.hidden;
    const k = this.k;
    const wm = this.wm.w;
    const ws = this.ws.w;
    const gwm = this.wm.g;
    const gws = this.ws.g;
    for (let c = 0; c < k; c++) {
      this.bm.g[c] += dMu[c]!;
      this.bs.g[c] += dLogStd[c]!;
    }
    for (let j = 0; j < H; j++) {
      const hj = h[j]!;
      const o = j * k;
      let s = 0;
      for (let c = 0; c < k; c++) {
        gwm[o + c] += hj * dMu[c]!;
        gws[o + c] += hj * dLogStd[c]!;
        s += wm[o + c]! * dMu[c]! + ws[o + c]! * dLogStd[c]!;
      }
      dh[j] = s * (1 - hj * hj);
    }
    const gw1 = this.w1.g;
    for (let j = 0; j < H; j++) this.b1.g[j] += dh[j]!;
    for (let t = 0; t < row.length; t++) {
      const o = row[t]! * H;
      for (let j = 0; j < H; j++) gw1[o + j] += dh[j]!;
    }
  }

  /** Adam step on the dense heads and on the input-layer rows `touched` (lazy Adam). */
  update(touched: ArrayLike<number>, batch: number, lr: number): void {
    this.t++;
    const s = 1 / batch;
    for (const p of [this.b1, this.wm, this.bm, this.ws, this.bs]) p.step(0, p.w.length, s, lr, this.t);
    const H = this.hidden;
    for (let t = 0; t < touched.length; t++) this.w1.step(touched[t]! * H, touched[t]! * H + H, s, lr, this.t);
  }

  means(rows: Interactions): Float32Array {
    const out = new Float32Array(rows.numUsers * this.k);
    const h = new Float64Array(this.hidden);
    const mu = new Float64Array(this.k);
    const ls = new Float64Array(this.k);
    for (let r = 0; r < rows.numUsers; r++) {
      this.encode(rows.items.subarray(rows.offsets[r]!, rows.offsets[r + 1]!), h, mu, ls);
      out.set(mu, r * this.k);
    }
    return out;
  }
}

function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

/** One epoch of one side against the other side's fixed means `other` [rows.numItems x k]. Returns mean loss. */
function trainEncoderEpoch(enc: Encoder, rows: Interactions, other: Float32Array, o: Required<Omit<BiVaeOptions, 'onProgress' | 'seed' | 'd' | 'hidden' | 'epochs'>>, rnd: () => number): number {
  const k = enc.k;
  const H = enc.hidden;
  const cols = rows.numItems;
  const order = Int32Array.from({ length: rows.numUsers }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const h = new Float64Array(H);
  const mu = new Float64Array(k);
  const ls = new Float64Array(k);
  const eps = new Float64Array(k);
  const z = new Float64Array(k);
  const dz = new Float64Array(k);
  const dMu = new Float64Array(k);
  const dLs = new Float64Array(k);
  const dh = new Float64Array(H);
  const rowMark = new Int32Array(cols).fill(-1);
  const touchedMark = new Int32Array(enc.inputs).fill(-1);
  let touched: number[] = [];
  let total = 0;
  let inBatch = 0;
  let batchId = 0;
  for (let n = 0; n < order.length; n++) {
    const r = order[n]!;
    const row = rows.items.subarray(rows.offsets[r]!, rows.offsets[r + 1]!);
    if (row.length === 0) continue;
    enc.encode(row, h, mu, ls);
    for (let c = 0; c < k; c++) {
      eps[c] = gaussian(rnd);
      z[c] = mu[c]! + Math.exp(ls[c]!) * eps[c]!;
    }
    dz.fill(0);
    let loss = 0;
    const visit = (col: number, y: number): void => {
      const ob = col * k;
      let s = 0;
      for (let c = 0; c < k; c++) s += z[c]! * other[ob + c]!;
      loss -= y ? logSigmoid(s) : logSigmoid(-s);
      const g = 1 / (1 + Math.exp(-s)) - y;
      for (let c = 0; c < k; c++) dz[c] += g * other[ob + c]!;
    };
    for (let t = 0; t < row.length; t++) {
      rowMark[row[t]!] = r;
      visit(row[t]!, 1);
    }
    if (row.length < cols) {
      for (let t = 0; t < row.length * o.negatives; t++) {
        let col: number;
        do col = Math.floor(rnd() * cols);
        while (rowMark[col] === r);
        visit(col, 0);
      }
    }
    for (let c = 0; c < k; c++) {
      const sd = Math.exp(ls[c]!);
      loss += o.klWeight * 0.5 * (mu[c]! * mu[c]! + sd * sd - 1 - 2 * ls[c]!);
      dMu[c] = dz[c]! + o.klWeight * mu[c]!;
      const clamped = ls[c] === LOG_STD_MIN || ls[c] === LOG_STD_MAX;
      dLs[c] = clamped ? 0 : dz[c]! * eps[c]! * sd + o.klWeight * (sd * sd - 1);
    }
    total += loss;
    enc.backward(row, h, dMu, dLs, dh);
    for (let t = 0; t < row.length; t++) {
      if (touchedMark[row[t]!] !== batchId) {
        touchedMark[row[t]!] = batchId;
        touched.push(row[t]!);
      }
    }
    if (++inBatch === o.batchSize || n === order.length - 1) {
      enc.update(touched, inBatch, o.learningRate);
      touched = [];
      inBatch = 0;
      batchId++;
    }
  }
  if (inBatch > 0) enc.update(touched, inBatch, o.learningRate);
  return total / Math.max(1, rows.numUsers);
}

/** Fits a BiVAE and returns the user and item encoder means as embeddings. */
export function fitBiVae(x: Interactions, options: BiVaeOptions = {}): BiVaeModel {
  checkInteractions(x);
  const k = options.d ?? BIVAE_DEFAULTS.d;
  const hidden = options.hidden ?? BIVAE_DEFAULTS.hidden;
  const epochs = options.epochs ?? BIVAE_DEFAULTS.epochs;
  const o = {
    batchSize: options.batchSize ?? BIVAE_DEFAULTS.batchSize,
    learningRate: options.learningRate ?? BIVAE_DEFAULTS.learningRate,
    negatives: options.negatives ?? BIVAE_DEFAULTS.negatives,
    klWeight: options.klWeight ?? BIVAE_DEFAULTS.klWeight,
  };
  const rnd = seededRandom(options.seed ?? BIVAE_DEFAULTS.seed);
  const byItem = transposeInteractions(x);
  const userEnc = new Encoder(x.numItems, hidden, k, rnd);
  const itemEnc = new Encoder(x.numUsers, hidden, k, rnd);
  let theta: Float32Array = new Float32Array(x.numUsers * k).map(() => gaussian(rnd) * 0.1);
  let beta: Float32Array = new Float32Array(x.numItems * k);
  const losses: number[] = [];
  for (let e = 0; e < epochs; e++) {
    trainEncoderEpoch(itemEnc, byItem, theta, o, rnd);
    beta = itemEnc.means(byItem);
    options.onProgress?.({ phase: 'bivae items', fraction: (e + 0.5) / epochs, iteration: e + 1, iterations: epochs });
    const loss = trainEncoderEpoch(userEnc, x, beta, o, rnd);
    theta = userEnc.means(x);
    losses.push(loss);
    options.onProgress?.({ phase: 'bivae users', fraction: (e + 1) / epochs, iteration: e + 1, iterations: epochs, loss });
  }
  return { userFactors: theta, itemFactors: beta, d: k, numUsers: x.numUsers, numItems: x.numItems, losses };
}

// BiVAE user embeddings for PeaPOD's collaborative prompt, in plain JS.
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
import { mulberry32 } from '../data/rng.ts';
import { checkInteractions, gaussian, transposeInteractions, type CfEmbeddings, type CfProgress, type Interactions } from './cf-common.ts';

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
      this.w[i]! -= (lr * (m / c1)) / (Math.sqrt(v / c2) + ADAM_EPS);
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
      for (let j = 0; j < H; j++) h[j]! += w1[o + j]!;
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
        mu[c]! += hj * wm[o + c]!;
        logStd[c]! += hj * ws[o + c]!;
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
      this.bm.g[c]! += dMu[c]!;
      this.bs.g[c]! += dLogStd[c]!;
    }
    for (let j = 0; j < H; j++) {
      const hj = h[j]!;
      const o = j * k;
      let s = 0;
      for (let c = 0; c < k; c++) {
        gwm[o + c]! += hj * dMu[c]!;
        gws[o + c]! += hj * dLogStd[c]!;
        s += wm[o + c]! * dMu[c]! + ws[o + c]! * dLogStd[c]!;
      }
      dh[j] = s * (1 - hj * hj);
    }
    const gw1 = this.w1.g;
    for (let j = 0; j < H; j++) this.b1.g[j]! += dh[j]!;
    for (let t = 0; t < row.length; t++) {
      const o = row[t]! * H;
      for (let j = 0; j < H; j++) gw1[o + j]! += dh[j]!;
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
      this.encode(rows.items.subarray(rows.offsets[r], rows.offsets[r + 1]), h, mu, ls);
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
    const row = rows.items.subarray(rows.offsets[r], rows.offsets[r + 1]);
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
      for (let c = 0; c < k; c++) dz[c]! += g * other[ob + c]!;
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
  const rnd = mulberry32(options.seed ?? BIVAE_DEFAULTS.seed).next;
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

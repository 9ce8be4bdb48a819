// AdamW (decoupled weight decay, Loshchilov & Hutter) with global-norm gradient clipping and a
// warmup + linear-decay learning-rate schedule, written directly on tfjs-core ops so that its state
// (step, first and second moments) can be saved into checkpoints and restored bit for bit.
// Owns parameter updates only; it must not compute losses or know about tasks.
import * as tf from '@tensorflow/tfjs-core';
import { PeapodError } from '../errors.ts';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** Global gradient-norm bound; 0 disables clipping. */
  clipNorm: number;
}

export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, clipNorm: 1.0 };

/**
 * Norm scales (rank-1 tensors) are not decayed: decaying them pulls every layer's output towards 0,
 * which is not the regularisation intended (as in BERT/T5 fine-tuning recipes).
 */
export function decays(shape: readonly number[]): boolean {
  return shape.length >= 2;
}

export class UnknownGradientError extends PeapodError {
  override name = 'UnknownGradientError';
  override readonly code = 'train-unknown-gradient';
}

export class AdamW {
  step = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  /** tf.variableGrads keys gradients by tfjs's global variable name, not by our parameter name. */
  private readonly byTfName = new Map<string, string>();

  constructor(
    readonly params: Map<string, tf.Variable>,
    readonly cfg: AdamWConfig = DEFAULT_ADAMW,
    /** Learning-rate multiplier per parameter-name prefix (first match wins; default 1). */
    readonly lrMultipliers: Readonly<Record<string, number>> = {},
  ) {
    for (const [name, p] of params) {
      this.byTfName.set(p.name, name);
      this.m.set(name, tf.variable(tf.zerosLike(p), false, `adamw/m/${name}`));
      this.v.set(name, tf.variable(tf.zerosLike(p), false, `adamw/v/${name}`));
    }
  }

  /**
   * Applies one update with learning rate `lr`. `grads` may be keyed by our parameter names or by the
   * tfjs variable names that tf.variableGrads uses. Gradients are consumed (disposed). Returns the
   * global gradient norm before clipping (one scalar sync; the trainer logs it).
   */
  apply(grads: Record<string, tf.Tensor>, lr: number): number {
    const names = Object.keys(grads);
    const normT = tf.tidy(() => {
      const sq = names.map((n) => tf.sum(tf.square(grads[n]!)));
      return tf.sqrt(tf.addN(sq));
    });
    const norm = normT.dataSync()[0]!;
    normT.dispose();
    const clip = this.cfg.clipNorm > 0 && norm > this.cfg.clipNorm ? this.cfg.clipNorm / norm : 1;
    this.step++;
    const { beta1, beta2, epsilon, weightDecay } = this.cfg;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    for (const key of names) {
      const name = this.params.has(key) ? key : this.byTfName.get(key);
      const g0 = grads[key]!;
      const p = name === undefined ? undefined : this.params.get(name);
      const m = name === undefined ? undefined : this.m.get(name);
      const v = name === undefined ? undefined : this.v.get(name);
      if (!p || !m || !v) {
        for (const k of names) grads[k]!.dispose();
        // A silently skipped gradient is a model that never trains: fail loudly instead.
        throw new UnknownGradientError(`gradient "${key}" matches no parameter of this optimizer (${this.params.size} parameters); pass grads keyed by parameter or tfjs variable name.`);
      }
      const prefix = Object.keys(this.lrMultipliers).find((k) => name!.startsWith(k));
      const lrP = prefix === undefined ? lr : lr * this.lrMultipliers[prefix]!;
      tf.tidy(() => {
        const g = clip === 1 ? g0 : tf.mul(g0, clip);
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const upd = tf.div(tf.div(m1, bc1), tf.add(tf.sqrt(tf.div(v1, bc2)), epsilon));
        // Decoupled decay: shrink the weight directly, not through the gradient moments.
        const decayed = weightDecay > 0 && decays(p.shape) ? tf.mul(p, 1 - lrP * weightDecay) : p;
        p.assign(tf.sub(decayed, tf.mul(upd, lrP)));
        m.assign(m1);
        v.assign(v1);
      });
      g0.dispose();
    }
    return norm;
  }

  dispose(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
  }
}

export interface ScheduleConfig {
  peakLr: number;
  warmupSteps: number;
  /** Learning rate at the end of training, as a fraction of the peak. */
  finalFraction: number;
}

/**
 * Linear warmup over `warmupSteps`, then linear decay to `finalFraction * peak` as `progress` goes
 * from 0 to 1. `progress` is supplied by the trainer: the larger of step/maxSteps and
 * elapsed/maxMinutes, so a time-budgeted run still ends at the low learning rate.
 */
export function learningRate(s: ScheduleConfig, step: number, progress: number): number {
  if (step < s.warmupSteps) return (s.peakLr * (step + 1)) / s.warmupSteps;
  const p = Math.min(1, Math.max(0, progress));
  return s.peakLr * (1 - (1 - s.finalFraction) * p);
}

// How far an attention row is from uniform, in words a reader can check: the heatmap's colours are
// scaled to the largest weight, so a nearly uniform row looks as bright as a peaked one. Pure maths.

export interface AttentionSpread {
  /** Neighbours that carry weight (masked ones carry none). */
  active: number;
  /** Largest weight over 1 / active. */
  maxOverUniform: number;
  /** Smallest non-zero weight over 1 / active. */
  minOverUniform: number;
  /** Entropy over log(active): 1 = uniform, 0 = all weight on one neighbour. */
  normalisedEntropy: number;
  /** Every weight within 10% of 1 / active. */
  nearlyUniform: boolean;
}

export function attentionSpread(weights: readonly number[]): AttentionSpread | null {
  const w = weights.filter((x) => x > 0);
  if (w.length === 0) return null;
  const total = w.reduce((s, x) => s + x, 0);
  const p = w.map((x) => x / total);
  const u = 1 / p.length;
  const h = -p.reduce((s, x) => s + x * Math.log(x), 0);
  const maxOverUniform = Math.max(...p) / u;
  const minOverUniform = Math.min(...p) / u;
  return {
    active: p.length,
    maxOverUniform,
    minOverUniform,
    normalisedEntropy: p.length > 1 ? h / Math.log(p.length) : 1,
    nearlyUniform: maxOverUniform <= 1.1 && minOverUniform >= 0.9,
  };
}

// Perceptually uniform, colour-blind-safe colour scales computed in code (no CSS gradients or
// images), so every heatmap cell and legend uses exactly the same mapping. Must stay DOM-free.

/**
 * Viridis control points (matplotlib's `_viridis_data` sampled at t = 0, 1/8, ..., 1). Linear
 * interpolation between 9 points stays within about 1/255 of the full 256-entry table.
 */
const VIRIDIS: readonly [number, number, number][] = [
  [0.267004, 0.004874, 0.329415],
  [0.277018, 0.185228, 0.489898],
  [0.229739, 0.322361, 0.545706],
  [0.172719, 0.448791, 0.557885],
  [0.127568, 0.566949, 0.550556],
  [0.157851, 0.683765, 0.501686],
  [0.369214, 0.788888, 0.382914],
  [0.678489, 0.863742, 0.189503],
  [0.993248, 0.906157, 0.143936],
];

/** Cividis (Nuñez et al. 2018) sampled the same way; used for signed prompt values. */
const CIVIDIS: readonly [number, number, number][] = [
  [0.0, 0.135112, 0.304751],
  [0.130669, 0.231458, 0.43284],
  [0.27993, 0.31715, 0.450685],
  [0.392184, 0.39209, 0.471432],
  [0.489624, 0.468846, 0.471021],
  [0.598754, 0.553026, 0.452595],
  [0.716387, 0.638629, 0.411537],
  [0.84079, 0.731776, 0.346015],
  [0.995737, 0.909344, 0.217772],
];

export type ScaleName = 'viridis' | 'cividis';

function clamp01(t: number): number {
  return Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
}

/** RGB in 0..255 for t in [0, 1] (clamped; NaN maps to 0). */
export function scaleRgb(t: number, scale: ScaleName = 'viridis'): [number, number, number] {
  const table = scale === 'viridis' ? VIRIDIS : CIVIDIS;
  const x = clamp01(t) * (table.length - 1);
  const i = Math.min(table.length - 2, Math.floor(x));
  const f = x - i;
  const a = table[i]!;
  const b = table[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(255 * (a[k]! + (b[k]! - a[k]!) * f))) as [number, number, number];
}

export function scaleCss(t: number, scale: ScaleName = 'viridis'): string {
  const [r, g, b] = scaleRgb(t, scale);
  return `rgb(${r}, ${g}, ${b})`;
}

/** Text colour that stays readable on a cell of value t (dark cells get white text). */
export function inkOn(t: number, scale: ScaleName = 'viridis'): string {
  const [r, g, b] = scaleRgb(t, scale);
  // WCAG relative luminance.
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return lum > 0.25 ? '#000' : '#fff';
}

/** Maps values to [0, 1] by a symmetric range around 0 (for signed vectors such as prompts). */
export function symmetricNormaliser(values: readonly number[]): (v: number) => number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m === 0 ? () => 0.5 : (v) => 0.5 + v / (2 * m);
}

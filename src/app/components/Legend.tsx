// Colour legend for a heatmap: the computed scale as a gradient strip with its end values.
import { scaleCss, type ScaleName } from '../lib/palette.ts';

export function Legend({ min, max, scale = 'viridis', label, digits = 2 }: { min: number; max: number; scale?: ScaleName; label: string; digits?: number }) {
  const stops = Array.from({ length: 11 }, (_, i) => `${scaleCss(i / 10, scale)} ${i * 10}%`).join(', ');
  return (
    <div className="legend" role="img" aria-label={`${label}: colour scale from ${min.toFixed(digits)} (dark) to ${max.toFixed(digits)} (light)`}>
      <span className="small">{min.toFixed(digits)}</span>
      <span className="legend-strip" style={{ background: `linear-gradient(to right, ${stops})` }} />
      <span className="small">{max.toFixed(digits)}</span>
      <span className="small muted">{label}</span>
    </div>
  );
}

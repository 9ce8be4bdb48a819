// What a reader notices first in generated explanations, counted: <unk> tokens, a word said three
// times in a row, how often the single most common sentence comes back; and a seeded random draw of
// test pairs to quote beside their reference and the copy baselines' sentences. Pure.
import { evalUsers, metricText } from './evaluate.ts';

export interface ExplanationQuality {
  outputs: number;
  /** Outputs containing "<unk>". */
  withUnk: number;
  /** Outputs with the same word three times in a row (after the metrics' word split). */
  tripleRepeats: number;
  distinct: number;
  /** The most common output (after the metrics' normalisation) and its share of all outputs. */
  topOutput: string;
  topShare: number;
}

/** Whether some word appears three times in a row. */
export function hasTripleRepeat(text: string): boolean {
  const w = metricText(text).split(' ');
  for (let i = 0; i + 2 < w.length; i++) if (w[i] && w[i] === w[i + 1] && w[i] === w[i + 2]) return true;
  return false;
}

export function explanationQuality(generated: readonly string[]): ExplanationQuality {
  const counts = new Map<string, number>();
  let withUnk = 0;
  let tripleRepeats = 0;
  for (const g of generated) {
    if (g.includes('<unk>')) withUnk++;
    if (hasTripleRepeat(g)) tripleRepeats++;
    const k = metricText(g);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let topOutput = '';
  let top = 0;
  for (const [k, c] of counts) if (c > top) [topOutput, top] = [k, c];
  return { outputs: generated.length, withUnk, tripleRepeats, distinct: counts.size, topOutput, topShare: generated.length ? top / generated.length : 0 };
}

export interface SampleRow {
  user: number;
  item: number;
  reference: string;
  generated: string;
  /** Baseline name -> its sentence for the same pair. */
  baselines: Record<string, string>;
}

/**
 * `n` rows drawn uniformly without replacement by a seeded shuffle (evalUsers' draw), in pair order.
 * Each baseline's rows are matched to the model's by (user, item); a missing pair is an error.
 */
export function drawExplanationSamples(
  rows: readonly { user: number; item: number; reference: string; generated: string }[],
  baselines: Record<string, readonly { user: number; item: number; generated: string }[]>,
  n: number,
  seed: number,
): SampleRow[] {
  const byPair = Object.fromEntries(Object.entries(baselines).map(([name, rs]) => [name, new Map(rs.map((r) => [`${r.user}:${r.item}`, r.generated]))]));
  return Array.from(evalUsers(rows.length, Math.min(n, rows.length), seed), (k) => {
    const r = rows[k]!;
    const b: Record<string, string> = {};
    for (const [name, map] of Object.entries(byPair)) {
      const g = map.get(`${r.user}:${r.item}`);
      if (g === undefined) throw new Error(`baseline ${name} has no output for user ${r.user}, item ${r.item}: were both evaluated on the same split?`);
      b[name] = g;
    }
    return { user: r.user, item: r.item, reference: r.reference, generated: r.generated, baselines: b };
  });
}

// Explanation baselines: for each (user, item) pair, a sentence copied from the TRAINING
// explanations (the item's most frequent one, or the user's), scored with the model's own
// explanation metrics. Pure; must never read the pairs' reference texts to choose an output.
import type { ExplanationPair } from '../data/types.ts';
import { metricText, type EvalMetrics } from './evaluate.ts';
import { explanationMetrics } from './metrics.ts';
import { PeapodError } from '../errors.ts';

export type ExplanationBaselineName = 'item-explanation' | 'user-explanation';
export const EXPLANATION_BASELINES: readonly ExplanationBaselineName[] = ['item-explanation', 'user-explanation'];

export class ExplanationBaselineInputError extends PeapodError {
  override name = 'ExplanationBaselineInputError';
  override readonly code = 'eval-explanation-baseline-input';
}

/** One sentence group: texts equal after the metrics' normalisation (lower-case, tokenizer words). */
interface Group {
  count: number;
  /** Training index of the group's first occurrence (tie-break: earlier wins). */
  first: number;
  /** Raw text of that first occurrence (what the baseline outputs). */
  text: string;
}

/** The most frequent group; ties go to the group seen first in training order. */
function mostFrequent(groups: Map<string, Group>): Group | null {
  let best: Group | null = null;
  for (const g of groups.values()) if (!best || g.count > best.count || (g.count === best.count && g.first < best.first)) best = g;
  return best;
}

function addTo(groups: Map<string, Group>, key: string, index: number, text: string): void {
  const g = groups.get(key);
  if (g) g.count++;
  else groups.set(key, { count: 1, first: index, text });
}

export interface ExplanationBaselineResult {
  /** One text per query pair, in order. */
  generated: string[];
  /** Pairs whose user/item had no training explanation (answered with the global sentence). */
  fallbacks: number;
}

/**
 * Per query pair, the most frequent training sentence of its item (`item-explanation`) or of its
 * user (`user-explanation`). Sentences are counted after metricText normalisation, so "Great tone"
 * and "great tone" are one sentence (the metrics cannot tell them apart); the output is the raw
 * text of that sentence's first occurrence for the item/user. Ties: earliest in training order. A
 * key without training sentences gets the globally most frequent training sentence (same rules).
 * `queries` carry only user and item: a reference text cannot influence the choice.
 */
export function explanationBaseline(
  name: ExplanationBaselineName,
  train: readonly ExplanationPair[],
  queries: readonly { user: number; item: number }[],
): ExplanationBaselineResult {
  if (!EXPLANATION_BASELINES.includes(name)) throw new ExplanationBaselineInputError(`unknown explanation baseline "${name}"; expected one of ${EXPLANATION_BASELINES.join(', ')}.`);
  if (train.length === 0 && queries.length > 0) throw new ExplanationBaselineInputError(`explanation baseline "${name}": no training explanations to copy from; check the dataset's explanation split.`);
  const byKey = new Map<number, Map<string, Group>>();
  const global = new Map<string, Group>();
  train.forEach((p, i) => {
    const norm = metricText(p.text);
    addTo(global, norm, i, p.text);
    const key = name === 'item-explanation' ? p.item : p.user;
    let groups = byKey.get(key);
    if (!groups) byKey.set(key, (groups = new Map()));
    addTo(groups, norm, i, p.text);
  });
  const chosen = new Map<number, string>();
  for (const [key, groups] of byKey) chosen.set(key, mostFrequent(groups)!.text);
  const fallback = mostFrequent(global)?.text ?? '';
  let fallbacks = 0;
  const generated = queries.map((q) => {
    const t = chosen.get(name === 'item-explanation' ? q.item : q.user);
    if (t !== undefined) return t;
    fallbacks++;
    return fallback;
  });
  return { generated, fallbacks };
}

/** The model's explanation metrics (evaluateModel: metricText on both sides, references untruncated). */
export function scoreExplanations(references: readonly string[], generated: readonly string[]): NonNullable<EvalMetrics['explanation']> {
  return { ...explanationMetrics(references.map(metricText), generated.map(metricText)), pairs: references.length };
}

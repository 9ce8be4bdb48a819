// Where a recommendation's score comes from: the first-token logit split into the T5's own logit,
// the collaborative prior and the sequence prior (runtime's ScoreParts), laid out as one diverging
// stacked bar per row, put into words for hover / screen readers, and summarised (which part decided
// the top item, which part a what-if moved). Pure and DOM-free.
import type { ScoredItem, ScoreParts } from '../../runtime/protocol.ts';

export type PartName = 't5' | 'cf' | 'seq';

export const PART_NAMES: readonly PartName[] = ['t5', 'cf', 'seq'];

/** Okabe & Ito's colour-blind-safe palette: blue, orange, reddish purple (also apart in lightness). */
export const PART_COLOURS: Record<PartName, string> = { t5: '#0072B2', cf: '#E69F00', seq: '#CC79A7' };

export const PART_LABELS: Record<PartName, string> = { t5: 'T5', cf: 'collaborative prior', seq: 'sequence prior' };

/** A part's value in the total (a part that was not added counts 0). */
export function partValue(p: ScoreParts, name: PartName): number {
  return name === 't5' ? p.t5 : (p[name] ?? 0);
}

export function partsTotal(p: ScoreParts): number {
  return p.t5 + (p.cf ?? 0) + (p.seq ?? 0);
}

const fmt = (x: number, digits = 3): string => (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(digits);

/** One sentence with the exact numbers, e.g. "logit 4.210 = T5 +1.200, collaborative prior +2.500, sequence prior +0.510". */
export function describeParts(p: ScoreParts): string {
  const shown = PART_NAMES.filter((n) => n === 't5' || p[n] !== null);
  const body = shown.map((n) => `${PART_LABELS[n]} ${fmt(partValue(p, n))}`).join(', ');
  let text = `first-token logit ${partsTotal(p).toFixed(3)} = ${body}`;
  if (p.delta) text += `; change against the unmodified user: ${PART_NAMES.map((n) => `${PART_LABELS[n]} ${fmt(p.delta![n])}`).join(', ')}`;
  return text;
}

export interface BarSegment {
  part: PartName;
  value: number;
  /** Left edge and width as fractions of the bar's width. */
  left: number;
  width: number;
}

/** Shared scale of a list of rows: the zero line sits at `zero` (fraction of the width). */
export interface BarScale {
  negative: number;
  positive: number;
  zero: number;
}

/** Largest negative and positive stack over the rows, so every row of a list shares one axis. */
export function barScale(rows: readonly (ScoreParts | null | undefined)[]): BarScale {
  let negative = 0;
  let positive = 0;
  for (const p of rows) {
    if (!p) continue;
    let neg = 0;
    let pos = 0;
    for (const n of PART_NAMES) {
      const v = partValue(p, n);
      if (v < 0) neg -= v;
      else pos += v;
    }
    negative = Math.max(negative, neg);
    positive = Math.max(positive, pos);
  }
  const span = negative + positive;
  return { negative, positive, zero: span > 0 ? negative / span : 0.5 };
}

/**
 * Segments of one row: positive parts stack rightwards from the zero line, negative parts
 * leftwards, each in the order T5, collaborative, sequence; zero parts are left out.
 */
export function barSegments(p: ScoreParts, scale: BarScale): BarSegment[] {
  const span = scale.negative + scale.positive;
  if (!(span > 0)) return [];
  const out: BarSegment[] = [];
  let right = scale.zero;
  let left = scale.zero;
  for (const part of PART_NAMES) {
    const value = partValue(p, part);
    if (value === 0) continue;
    const width = Math.abs(value) / span;
    if (value > 0) {
      out.push({ part, value, left: right, width });
      right += width;
    } else {
      left -= width;
      out.push({ part, value, left, width });
    }
  }
  return out;
}

/**
 * The part that decided the top item: the one contributing most to the #1 item's logit lead over
 * #2 (the lead is the sum of the parts' differences). With one row, its largest part.
 */
export function decidingPart(rows: readonly ScoredItem[]): { part: PartName; lead: number; by: number } | null {
  const a = rows[0]?.parts;
  if (!a) return null;
  const b = rows.slice(1).find((r) => r.parts)?.parts ?? null;
  let best: PartName = 't5';
  let bestBy = -Infinity;
  for (const n of PART_NAMES) {
    if (n !== 't5' && a[n] === null && (!b || b[n] === null)) continue;
    const by = partValue(a, n) - (b ? partValue(b, n) : 0);
    if (by > bestBy) {
      best = n;
      bestBy = by;
    }
  }
  return { part: best, lead: b ? partsTotal(a) - partsTotal(b) : partsTotal(a), by: bestBy };
}

/** Under a what-if: the mean absolute change per row of each part, and the part that moved most. */
export function movedSummary(rows: readonly ScoredItem[]): { mean: Record<PartName, number>; most: PartName } | null {
  const deltas = rows.map((r) => r.parts?.delta).filter((d): d is NonNullable<ScoreParts['delta']> => Boolean(d));
  if (deltas.length === 0) return null;
  const mean = { t5: 0, cf: 0, seq: 0 } as Record<PartName, number>;
  for (const d of deltas) for (const n of PART_NAMES) mean[n] += Math.abs(d[n]) / deltas.length;
  const most = PART_NAMES.reduce((m, n) => (mean[n] > mean[m] ? n : m), 't5' as PartName);
  return { mean, most };
}

/** The pack's output priors in one plain sentence (tour and pack card); '' for a pack without them. */
export function priorsSentence(priors: { cf: boolean; seq: boolean } | null | undefined): string {
  if (!priors || (!priors.cf && !priors.seq)) return '';
  const parts = [
    priors.cf && 'a collaborative prior (the user’s and the attended neighbours’ CF vectors dotted with the item’s)',
    priors.seq && 'a sequence prior (how often the item followed the history’s latest items in training sequences)',
  ].filter(Boolean);
  return `Besides the T5, this pack adds ${parts.length === 2 ? 'two output priors' : 'an output prior'} to the score of the first token it writes (the item): ${parts.join(' and ')}.`;
}

/**
 * Which part decided the top item, in words (the tour's outputs step): the part that contributes
 * most to #1's first-token logit lead over #2 (decidingPart).
 */
export function decidingSentence(rows: readonly ScoredItem[]): string {
  const d = decidingPart(rows);
  if (!d) return '';
  const top = rows[0]!.item;
  const name = top.name ? `“${top.name.length > 48 ? `${top.name.slice(0, 47)}…` : top.name}”` : `item ${top.id}`;
  if (rows.filter((r) => r.parts).length < 2) return `The top item, ${name}, gets most of its logit from the ${PART_LABELS[d.part]}.`;
  return `Which part decided the top item (the part that adds most to #1’s logit lead over #2): ${name} leads by ${d.lead.toFixed(2)}, and the ${PART_LABELS[d.part]} gives ${d.by >= 0 ? '+' : '−'}${Math.abs(d.by).toFixed(2)} of that lead.`;
}

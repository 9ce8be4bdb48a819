import { describe, expect, it } from 'vitest';
import type { ScoredItem, ScoreParts } from '../../runtime/protocol.ts';
import { barScale, barSegments, decidingPart, decidingSentence, describeParts, movedSummary, partsTotal, priorsSentence } from './score-parts.ts';

const row = (id: number, parts: ScoreParts | null, name = `thing ${id}`): ScoredItem => ({ item: { id, name }, score: 0, parts });

describe('score parts', () => {
  it('totals and describes the parts with exact numbers, leaving out parts that were not added', () => {
    const p: ScoreParts = { t5: -1.25, cf: 2.5, seq: 0.5 };
    expect(partsTotal(p)).toBe(1.75);
    expect(describeParts(p)).toBe('first-token logit 1.750 = T5 −1.250, collaborative prior +2.500, sequence prior +0.500');
    expect(describeParts({ t5: 3, cf: null, seq: null })).toBe('first-token logit 3.000 = T5 +3.000');
    expect(describeParts({ t5: 1, cf: 1, seq: null, delta: { t5: 0.1, cf: -0.2, seq: 0 } })).toMatch(/change against the unmodified user: T5 \+0\.100, collaborative prior −0\.200, sequence prior \+0\.000$/);
  });

  it('lays the rows out on one diverging axis: positives right of zero, negatives left, widths to scale', () => {
    const rows: ScoreParts[] = [
      { t5: -2, cf: 3, seq: 1 },
      { t5: 1, cf: -1, seq: null },
    ];
    const scale = barScale(rows);
    expect(scale).toEqual({ negative: 2, positive: 4, zero: 2 / 6 });
    const a = barSegments(rows[0]!, scale);
    expect(a.map((g) => g.part)).toEqual(['t5', 'cf', 'seq']);
    expect(a[0]!.left).toBeCloseTo(0, 9);
    expect(a[0]!.width).toBeCloseTo(2 / 6, 9);
    expect(a[1]!.left).toBeCloseTo(2 / 6, 9);
    expect(a[1]!.width).toBeCloseTo(3 / 6, 9);
    expect(a[2]!.left + a[2]!.width).toBeCloseTo(1, 9);
    const b = barSegments(rows[1]!, scale);
    expect(b).toHaveLength(2);
    expect(b[1]!.left + b[1]!.width).toBeCloseTo(scale.zero, 9);
    expect(barSegments({ t5: 0, cf: null, seq: null }, barScale([{ t5: 0, cf: null, seq: null }]))).toEqual([]);
  });

  it('names the part that contributes most to #1’s lead over #2', () => {
    // Lead 1.5 = T5 -1 + cf +2 + seq +0.5: the collaborative prior decided it.
    const rows = [row(7, { t5: 1, cf: 3, seq: 1 }, 'Lip balm'), row(8, { t5: 2, cf: 1, seq: 0.5 })];
    expect(decidingPart(rows)).toEqual({ part: 'cf', lead: 1.5, by: 2 });
    expect(decidingSentence(rows)).toBe('Which part decided the top item (the part that adds most to #1’s logit lead over #2): “Lip balm” leads by 1.50, and the collaborative prior gives +2.00 of that lead.');
    // T5 only: the T5 decides, whatever else the rows would have had.
    expect(decidingPart([row(1, { t5: 2, cf: null, seq: null }), row(2, { t5: 1, cf: null, seq: null })])!.part).toBe('t5');
    expect(decidingSentence([row(1, { t5: 2, cf: 1, seq: null })])).toBe('The top item, “thing 1”, gets most of its logit from the T5.');
    expect(decidingPart([row(0, null)])).toBeNull();
  });

  it('summarises which part a what-if moved', () => {
    const rows = [row(1, { t5: 1, cf: 1, seq: 1, delta: { t5: 0.1, cf: -0.6, seq: 0 } }), row(2, { t5: 1, cf: 1, seq: 1, delta: { t5: -0.3, cf: 0.2, seq: 0 } })];
    const m = movedSummary(rows)!;
    expect(m.mean.t5).toBeCloseTo(0.2, 9);
    expect(m.mean.cf).toBeCloseTo(0.4, 9);
    expect(m.mean.seq).toBe(0);
    expect(m.most).toBe('cf');
    expect(movedSummary([row(1, { t5: 1, cf: 1, seq: 1 })])).toBeNull();
  });

  it('names the pack’s priors in one sentence, or nothing without them', () => {
    expect(priorsSentence({ cf: true, seq: true })).toMatch(/^Besides the T5, this pack adds two output priors .*: a collaborative prior .* and a sequence prior .*\.$/);
    expect(priorsSentence({ cf: true, seq: false })).toMatch(/adds an output prior .*: a collaborative prior/);
    expect(priorsSentence({ cf: false, seq: false })).toBe('');
    expect(priorsSentence(null)).toBe('');
  });
});

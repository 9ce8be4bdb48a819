// Compares a what-if top-k list with the unmodified user's list so the view can say "moved up 2",
// "new" or "dropped". Pure and id-based; knows nothing about how the lists were produced.

export type RankChange =
  | { kind: 'same' }
  | { kind: 'up'; by: number }
  | { kind: 'down'; by: number }
  | { kind: 'new' };

export interface RankDiff {
  /** One change per entry of `current`, same order. */
  changes: RankChange[];
  /** Ids that were in the baseline but are no longer in `current`. */
  dropped: number[];
}

export function diffRanking(baseline: readonly number[], current: readonly number[]): RankDiff {
  const before = new Map<number, number>();
  baseline.forEach((id, i) => {
    if (!before.has(id)) before.set(id, i);
  });
  const now = new Set(current);
  const changes: RankChange[] = current.map((id, i) => {
    const j = before.get(id);
    if (j === undefined) return { kind: 'new' };
    if (j === i) return { kind: 'same' };
    return j > i ? { kind: 'up', by: j - i } : { kind: 'down', by: i - j };
  });
  const dropped = baseline.filter((id) => !now.has(id));
  return { changes, dropped };
}

export function describeChange(c: RankChange): string {
  switch (c.kind) {
    case 'same':
      return 'unchanged';
    case 'new':
      return 'new in the top list';
    case 'up':
      return `moved up ${c.by}`;
    case 'down':
      return `moved down ${c.by}`;
  }
}

/**
 * One what-if change's effect on the top list, in words: "2 of 10 moved, #1 unchanged",
 * "3 of 10 moved (1 new), #1 now <name> (was <name>)", or "nothing moved in the top-10".
 * Moved: items of the new list at another rank than before, new ones included.
 */
export function summariseChange(before: readonly number[], after: readonly number[], name: (id: number) => string): string {
  const d = diffRanking(before, after);
  const moved = d.changes.filter((c) => c.kind !== 'same').length;
  const fresh = d.changes.filter((c) => c.kind === 'new').length;
  if (moved === 0 && after.length === before.length) return `nothing moved in the top-${after.length}`;
  const top = after[0] === before[0] ? '#1 unchanged' : after[0] === undefined ? 'no #1' : `#1 now ${name(after[0])}${before[0] === undefined ? '' : ` (was ${name(before[0])})`}`;
  return `${moved} of ${after.length} moved${fresh ? ` (${fresh} new)` : ''}, ${top}`;
}

/**
 * What switching constrained decoding did to the next-item list, in words. `before` and `after`
 * are the lists (ids, 0 for an output that is not an item id, and log-probabilities) without and
 * with the switch; `on` is the new setting.
 */
export function describeConstrainedChange(before: readonly { id: number; score: number }[], after: readonly { id: number; score: number }[], on: boolean): string {
  const what = on ? 'Ticking constrained decoding' : 'Unticking constrained decoding';
  const invalid = after.filter((r) => r.id === 0).length;
  const sameIds = before.length === after.length && before.every((r, k) => r.id === after[k]!.id);
  if (sameIds) {
    const sameScores = before.every((r, k) => Math.abs(r.score - after[k]!.score) < 5e-4);
    return sameScores
      ? `${what} changed nothing here: beam search wrote valid item ids only either way, the same ${after.length} items with the same log-probabilities.`
      : `${what} kept the same ${after.length} items in the same order; their log-probabilities changed.`;
  }
  const d = diffRanking(
    before.map((r) => r.id),
    after.map((r) => r.id),
  );
  const moved = d.changes.filter((c) => c.kind !== 'same').length;
  const tail = on ? ' Now only valid item ids can be written.' : invalid ? ` ${invalid} of them ${invalid === 1 ? 'is' : 'are'} not a valid item id.` : ' All are still valid item ids.';
  return `${what} changed ${moved} of ${after.length} ranks.${tail}`;
}

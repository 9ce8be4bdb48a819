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

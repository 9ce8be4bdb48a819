// The transition table (typed-array counting sorts) checked by hand on a tiny history set and, bit
// for bit, against a plain Map-per-item count (the definition, kept here as the reference) on the
// shipped Beauty pack's histories.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPack } from './pack/load.ts';
import { nodePackSource } from './pack/node.ts';
import { buildTransitions, trainingParts, transitionTableFromHistories } from './transitions.ts';
import { PACK_DATA } from './types.ts';
import { referenceTransitionTable as referenceTable } from './transitions-reference.ts';

const PACK_DIR = path.resolve(import.meta.dirname, '../../public/models/beauty');
const HAVE_PACK = existsSync(path.join(PACK_DIR, 'manifest.json'));
// Without the pack the Beauty check is skipped, silently (the runner's summary counts it). The two
// counts' times are measured by bench/cpu.ts, not here.

describe('transitionTableFromHistories (the fast count)', () => {
  it('counts gaps 1..3 on the training part only, skips self-pairs and ids outside 1..numItems', () => {
    // User 0: [1, 2, 1, 3 | 9, 9] (last two held out). User 1: [2, 2, 7, 1 | 4, 4] (7 > numItems).
    // User 2: too short to have a training pair.
    const offsets = [0, 6, 12, 14];
    const items = [1, 2, 1, 3, 9, 9, 2, 2, 7, 1, 4, 4, 1, 2];
    const t = transitionTableFromHistories(offsets, items, 4);
    // Pairs: u0: 1->2 (1), 1->1 skip, 1->3 (1/3), 2->1 (1), 2->3 (1/2), 1->3 (1); u1: 2->2 skip,
    // 2->7 skip, 2->1 (1/3), 2->1 (1/2) [from the second 2], 7 skip as a, ...
    // Row 1: 2 -> 1, 3 -> 1/3 + 1 = 4/3. Row 2: 1 -> 1 + 1/3 + 1/2, 3 -> 1/2. Row 3: none.
    expect([...t.offsets]).toEqual([0, 0, 2, 4, 4, 4]);
    expect([...t.targets]).toEqual([2, 3, 1, 3]);
    expect([...t.weights]).toEqual([1, Math.fround(1 / 3 + 1), Math.fround(1 + 1 / 3 + 1 / 2), 0.5]);
    expect(t).toEqual(referenceTable(trainingParts(offsets, items), 4));
    expect(buildTransitions(trainingParts(offsets, items), 4)).toEqual(t);
  });

  it('an empty history set gives an empty table of the right shape', () => {
    const t = transitionTableFromHistories([0], [], 3);
    expect([...t.offsets]).toEqual([0, 0, 0, 0, 0]);
    expect(t.targets.length).toBe(0);
  });

  it.skipIf(!HAVE_PACK)('equals model/transitions.ts on the Beauty pack, bit for bit', async () => {
    const pack = await loadPack(nodePackSource(PACK_DIR));
    const offsets = pack.data.get(PACK_DATA.historyOffsets)!.values as Int32Array;
    const items = pack.data.get(PACK_DATA.historyItems)!.values as Int32Array;
    const numItems = pack.manifest.dataset.items;
    const fast = transitionTableFromHistories(offsets, items, numItems);
    const ref = referenceTable(trainingParts(offsets, items), numItems);
    expect(fast.targets.length).toBeGreaterThan(10_000);
    expect(fast.offsets).toEqual(ref.offsets);
    expect(fast.targets).toEqual(ref.targets);
    expect(Buffer.from(fast.weights.buffer).equals(Buffer.from(ref.weights.buffer))).toBe(true);
    // Training's entry point (whole sequences) gives the same table from the training parts.
    const viaSequences = buildTransitions(trainingParts(offsets, items), numItems);
    expect(Buffer.from(viaSequences.weights.buffer).equals(Buffer.from(ref.weights.buffer))).toBe(true);
    expect(viaSequences.targets).toEqual(ref.targets);
  }, 60_000);
});

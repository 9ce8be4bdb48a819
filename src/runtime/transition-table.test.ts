// The fast transition table must be the model's table, entry for entry and bit for bit: checked by
// hand on a tiny history set and against model/transitions.ts on the shipped Beauty pack's histories.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPack } from '../model/pack/load.ts';
import { nodePackSource } from '../model/pack/node.ts';
import { buildTransitions, trainingParts } from '../model/transitions.ts';
import { PACK_DATA } from '../model/types.ts';
import { transitionTableFromHistories } from './transition-table.ts';

const PACK_DIR = path.resolve(import.meta.dirname, '../../public/models/beauty');
const HAVE_PACK = existsSync(path.join(PACK_DIR, 'manifest.json'));
if (!HAVE_PACK) console.warn(`skipping the Beauty transition-table check: no pack at ${PACK_DIR}`);

describe('transitionTableFromHistories', () => {
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
    const ref = buildTransitions(trainingParts(offsets, items), 4);
    expect(t).toEqual(ref);
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
    const t0 = performance.now();
    const fast = transitionTableFromHistories(offsets, items, numItems);
    const t1 = performance.now();
    const ref = buildTransitions(trainingParts(offsets, items), numItems);
    const t2 = performance.now();
    console.log(`transition table: ${(t1 - t0).toFixed(0)} ms fast vs ${(t2 - t1).toFixed(0)} ms reference (${fast.targets.length} entries)`);
    expect(fast.targets.length).toBeGreaterThan(10_000);
    expect(fast.offsets).toEqual(ref.offsets);
    expect(fast.targets).toEqual(ref.targets);
    expect(Buffer.from(fast.weights.buffer).equals(Buffer.from(ref.weights.buffer))).toBe(true);
  }, 60_000);
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseSnapshot, listSnapshots, type SnapshotScore } from './snapshot-choice.ts';

const score = (step: number, topShare: number, bleu4: number): SnapshotScore => ({ step, topShare, distinct: 10, bleu1: 15, bleu4, rouge1: 17, rouge2: 2, rougeL: 12 });

describe('snapshot choice (--keep-weights least-generic)', () => {
  it('keeps the smallest most-common share, then the higher BLEU-4, then the later step', () => {
    expect(chooseSnapshot([score(400, 0.18, 1.9), score(800, 0.095, 1.2), score(1200, 0.13, 1.7)]).step).toBe(800);
    expect(chooseSnapshot([score(400, 0.1, 1.2), score(800, 0.1, 1.5), score(1200, 0.1, 1.4)]).step).toBe(800);
    expect(chooseSnapshot([score(400, 0.1, 1.5), score(800, 0.1, 1.5)]).step).toBe(800);
    expect(chooseSnapshot([score(800, 0.1, 1.5), score(400, 0.1, 1.5)]).step).toBe(800);
    expect(() => chooseSnapshot([])).toThrow(/no snapshot/);
  });

  it('lists the trainer snapshots by step, ignoring other files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peapod-snap-'));
    expect(listSnapshots(dir)).toEqual([]);
    fs.mkdirSync(path.join(dir, 'snapshots'));
    for (const name of ['step-1200.safetensors', 'step-400.safetensors', 'step-8000.safetensors', 'notes.txt', 'step-x.safetensors', 'step-12.safetensors.tmp']) fs.writeFileSync(path.join(dir, 'snapshots', name), '');
    expect(listSnapshots(dir).map((s) => s.step)).toEqual([400, 1200, 8000]);
    expect(listSnapshots(dir)[0]!.file).toBe(path.join(dir, 'snapshots', 'step-400.safetensors'));
  });
});

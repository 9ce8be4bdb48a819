import { describe, expect, it } from 'vitest';
import { TrainRng } from './random.ts';
import { heldOutSequential, heldOutTopn, validationNegatives } from '../model/inputs/heldout.ts';
import { lastTrainingSequential, sampleSequential, sampleTopn, SampleStream, validationUsers, type SplitSource } from './samples.ts';

// 3 users; items 1..30. User 0's validation item is 9, test item 10.
const src: SplitSource = {
  sequences: [Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), Int32Array.from([11, 12, 13, 14]), Int32Array.from([20, 21, 22, 23, 24, 25])],
  numItems: 30,
};

describe('training samples never reach the last two items', () => {
  it('sequential windows are contiguous, end right before the target, target in the training part', () => {
    const rng = new TrainRng(7);
    const targets = new Set<number>();
    for (let k = 0; k < 500; k++) {
      const s = sampleSequential(src, 0, rng, 0);
      targets.add(s.target);
      expect(s.target).toBeGreaterThanOrEqual(2);
      expect(s.target).toBeLessThanOrEqual(8);
      expect(s.items.length).toBeGreaterThan(0);
      // items are consecutive ids here, ending at target - 1
      expect(s.items[s.items.length - 1]).toBe(s.target - 1);
      for (let i = 1; i < s.items.length; i++) expect(s.items[i]).toBe(s.items[i - 1]! + 1);
    }
    expect([...targets].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it('top-n: the positive is a training item, negatives are unseen and distinct', () => {
    const rng = new TrainRng(3);
    for (let k = 0; k < 100; k++) {
      const s = sampleTopn(src, 1, 10, rng, 2);
      expect(s.items.length).toBe(10);
      expect([11, 12]).toContain(s.target);
      expect(new Set(s.items).size).toBe(10);
      const others = Array.from(s.items).filter((i) => i !== s.target);
      expect(others.length).toBe(9);
      for (const i of others) expect(src.sequences[1]!.includes(i)).toBe(false);
    }
  });
});

describe('held-out samples', () => {
  it('validation predicts the second-to-last item, test the last, in the bare form', () => {
    const v = heldOutSequential(src, 0, 'valid');
    expect(v.target).toBe(9);
    expect(Array.from(v.items)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(v.template).toBe(-1);
    const t = heldOutSequential(src, 0, 'test');
    expect(t.target).toBe(10);
    expect(t.items[t.items.length - 1]).toBe(9);
  });

  it('validation negatives and top-n candidate order are fixed by their seeds', () => {
    const a = validationNegatives(src, 5, 12);
    const b = validationNegatives(src, 5, 12);
    expect(a.map((x) => Array.from(x))).toEqual(b.map((x) => Array.from(x)));
    a.forEach((negs, u) => {
      expect(new Set(negs).size).toBe(12);
      for (const i of negs) expect(src.sequences[u]!.includes(i)).toBe(false);
    });
    const s1 = heldOutTopn(src, 2, 'test', a[2]!, 9);
    const s2 = heldOutTopn(src, 2, 'test', a[2]!, 9);
    expect(Array.from(s1.items)).toEqual(Array.from(s2.items));
    expect(s1.target).toBe(25);
    expect(Array.from(s1.items).sort((x, y) => x - y)).toEqual([...Array.from(a[2]!), 25].sort((x, y) => x - y));
    expect(Array.from(validationUsers(10, 4, 1))).toEqual(Array.from(validationUsers(10, 4, 1)));
  });
});

describe('SampleStream', () => {
  const opts = { tasks: ['sequential', 'topn'] as ('sequential' | 'topn')[], batchSize: 2, topnCandidates: 5, numTemplates: 5, seed: 11 };
  it('alternates tasks, covers every user once per pass and resumes exactly from a saved state', () => {
    const s = new SampleStream(src, [], opts);
    const b1 = s.nextBatch();
    const b2 = s.nextBatch();
    expect(b1.task).toBe('sequential');
    expect(b2.task).toBe('topn');
    const b3 = s.nextBatch(); // sequential: the third user (pass ends inside the batch)
    expect(new Set([...b1.samples, ...b3.samples].map((x) => x.user))).toEqual(new Set([0, 1, 2]));
    const saved = structuredClone(s.state);
    const next = [s.nextBatch(), s.nextBatch(), s.nextBatch()];
    const resumed = new SampleStream(src, [], opts, saved);
    const again = [resumed.nextBatch(), resumed.nextBatch(), resumed.nextBatch()];
    const view = (bs: typeof next) => bs.map((b) => b.samples.map((x) => (x.task === 'explanation' ? x.text : [x.user, x.template, x.target, ...Array.from(x.items)])));
    expect(view(again)).toEqual(view(next));
    expect(s.epoch).toBeGreaterThanOrEqual(1);
  });
});

describe('keepMask (template word dropout)', () => {
  it('keeps each of the 30 word bits with probability 1 - p, reproducibly from the seed', async () => {
    const { keepMask } = await import('./samples.ts');
    const { TrainRng } = await import('./random.ts');
    const a = new TrainRng(5);
    const b = new TrainRng(5);
    let kept = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const m = keepMask(a, 0.3);
      expect(m).toBe(keepMask(b, 0.3));
      for (let k = 0; k < 30; k++) kept += (m >>> k) & 1;
    }
    // Binomial(60000, 0.7): sd ~ 112 -> +-600 is > 5 sd.
    expect(Math.abs(kept - 0.7 * 30 * n)).toBeLessThan(600);
    expect(keepMask(new TrainRng(1), 0)).toBe(0x3fffffff);
  });
});

describe('held-out training samples (lastOnly)', () => {
  it("target the training part's last item with everything before it as history", () => {
    expect(lastTrainingSequential(src, 0, 1)).toEqual({ task: 'sequential', user: 0, items: Int32Array.from([1, 2, 3, 4, 5, 6, 7]), target: 8, template: 1 });
    expect(lastTrainingSequential(src, 1, 0).target).toBe(12);
    expect(Array.from(lastTrainingSequential(src, 1, 0).items)).toEqual([11]);
    const long: SplitSource = { sequences: [Int32Array.from({ length: 30 }, (_, i) => i + 1)], numItems: 40 };
    const s = lastTrainingSequential(long, 0, 0);
    expect(s.target).toBe(28);
    expect(Array.from(s.items)).toEqual(Array.from({ length: 20 }, (_, i) => i + 8));
  });

  it('a stream with lastOnly yields only those targets, for both recommendation tasks', () => {
    const stream = new SampleStream(src, [], { tasks: ['sequential', 'topn'], batchSize: 3, topnCandidates: 5, numTemplates: 2, seed: 4, lastOnly: true });
    for (let k = 0; k < 6; k++) {
      const { task, samples } = stream.nextBatch();
      for (const x of samples) {
        if (x.task === 'explanation') throw new Error('no explanation task here');
        expect(x.task).toBe(task);
        expect(x.target).toBe({ 0: 8, 1: 12, 2: 23 }[x.user]);
        if (task === 'topn') expect(x.items).toContain(x.target);
      }
    }
  });
});

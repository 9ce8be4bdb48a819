import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { trainingCollab, type TrainData } from './trainer.ts';
import { FoldIn } from '../model/foldin.ts';

await tf.setBackend('cpu');

describe('trainingCollab (target-free CF embeddings)', () => {
  // 4 items, d 2; two users; fitted table rows are deliberately wrong (all 9) so a test can tell
  // table rows from fold-ins.
  const itemFactors = Float32Array.of(0, 0, 1, 0, 0, 1, 1, 1, -1, 0.5);
  const f = new FoldIn(itemFactors, 2, { alpha: 5, lambda: 1 });
  const data = {
    src: { sequences: [Int32Array.of(1, 2, 3, 4, 1), Int32Array.of(2, 3, 4, 1)], numItems: 4 },
    collab: { cfUser: new Float32Array(4).fill(9), cfDim: 2, neighbourIndices: Int32Array.of(1, 0), nMax: 1 },
    foldIn: (items: ArrayLike<number>) => f.user(items),
  } as unknown as TrainData;

  it('folds in the history (sequential) or the training items minus the target (top-n)', () => {
    const samples = [
      { task: 'sequential' as const, user: 0, items: Int32Array.of(1, 2), target: 3, template: 0 },
      { task: 'topn' as const, user: 0, items: Int32Array.of(2, 4), target: 2, template: 0 },
    ];
    const c = trainingCollab(data, samples, 1);
    const ue = c.userEmb.arraySync();
    const want0 = f.user([1, 2]);
    const want1 = f.user([1, 3]); // training part [1, 2, 3] minus the target 2
    expect(ue[0]![0]).toBeCloseTo(want0[0]!, 6);
    expect(ue[0]![1]).toBeCloseTo(want0[1]!, 6);
    expect(ue[1]![0]).toBeCloseTo(want1[0]!, 6);
    expect(ue[1]![1]).toBeCloseTo(want1[1]!, 6);
    // Neighbours still come from the table.
    expect(c.neighbourEmb.arraySync()[0]![0]).toEqual([9, 9]);
    c.userEmb.dispose();
    c.neighbourEmb.dispose();
  });

  it('without foldIn the table rows are used', () => {
    const c = trainingCollab({ ...data, foldIn: undefined }, [{ task: 'topn', user: 1, items: Int32Array.of(1), target: 1, template: 0 }], 1);
    expect(c.userEmb.arraySync()).toEqual([[9, 9]]);
    c.userEmb.dispose();
    c.neighbourEmb.dispose();
  });
});

import { describe, expect, it } from 'vitest';
import { itemName, itemPopularity, mostPopularItems, searchItems } from './catalogue.ts';
import { leaveOneOut } from './splits.ts';

describe('catalogue', () => {
  const seqs = [Int32Array.from([1, 2, 3, 3, 9]), Int32Array.from([2, 3, 4, 5])];
  it('counts popularity on the training part only', () => {
    const train = leaveOneOut(seqs).train; // [1,2,3] and [2,3]
    expect(Array.from(itemPopularity(train, 5))).toEqual([0, 1, 2, 2, 0, 0]);
    expect(Array.from(mostPopularItems(itemPopularity(train, 5), 3))).toEqual([2, 3, 1]);
  });
  it('names items and searches names', () => {
    const ds = { itemNames: ['', 'red guitar strap', '', 'Guitar strings'] };
    expect(itemName(ds, 1)).toBe('red guitar strap');
    expect(itemName(ds, 2)).toBe('item_2');
    expect(searchItems(ds, 'GUITAR str')).toEqual([1, 3]);
    expect(searchItems(ds, 'guitar', 1)).toEqual([1]);
  });
});

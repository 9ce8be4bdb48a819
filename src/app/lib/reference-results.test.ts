import { describe, expect, it } from 'vitest';
import { REFERENCE_RESULTS, referenceFor } from './reference-results.ts';

describe('reference results table', () => {
  it('places the numbers in the right dataset columns (spot checks against the markdown)', () => {
    const pod = referenceFor('beauty', 'sequential').find((r) => r.method === 'POD')!;
    expect(pod.values).toEqual({ 'HR@5': 0.0537, 'NDCG@5': 0.0395, 'HR@10': 0.0688, 'NDCG@10': 0.0443, 'HR@1': 0.0235 });
    const simplex = referenceFor('toys', 'topn').find((r) => r.method === 'SimpleX')!;
    expect(simplex.values['NDCG@10']).toBe(0.1469);
    expect(referenceFor('sports', 'explanation').find((r) => r.method === 'PETER')!.values['BLEU-4']).toBe(0.7112);
  });
  it('has 5 + 4 + 3 methods per dataset and every value filled', () => {
    expect(referenceFor('beauty', 'sequential')).toHaveLength(5);
    expect(referenceFor('beauty', 'topn')).toHaveLength(4);
    expect(referenceFor('beauty', 'explanation')).toHaveLength(3);
    for (const r of REFERENCE_RESULTS) for (const v of Object.values(r.values)) expect(Number.isFinite(v)).toBe(true);
  });
});

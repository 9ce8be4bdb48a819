import { describe, expect, it } from 'vitest';
import { recordedMetrics } from './recorded-metrics.ts';

describe('recordedMetrics', () => {
  it("maps the exporter's keys to the paper's labels, per task, with the user count", () => {
    const rows = recordedMetrics({
      metrics: {
        test: {
          sequential: { HR1: 0.01, HR5: 0.05, NDCG5: 0.03, HR10: 0.07, NDCG10: 0.04, users: 256, invalidRate: 0.1, coverage10: 0.2 },
          explanation: { bleu1: 10, bleu4: 1.2, rouge1: 15, rouge2: 2, rougeL: 11, pairs: 300 },
        },
        testUsers: 256,
      },
    });
    expect(rows).toEqual([
      { task: 'sequential', values: { 'HR@1': 0.01, 'HR@5': 0.05, 'NDCG@5': 0.03, 'HR@10': 0.07, 'NDCG@10': 0.04 }, users: 256 },
      { task: 'explanation', values: { 'BLEU-1': 10, 'BLEU-4': 1.2, 'ROUGE-1': 15, 'ROUGE-2': 2, 'ROUGE-L': 11 }, users: 300 },
    ]);
  });
  it('accepts metrics without a split level and ignores junk', () => {
    expect(recordedMetrics({ metrics: { topn: { HR5: 0.2 } } })).toEqual([{ task: 'topn', values: { 'HR@5': 0.2 }, users: null }]);
    expect(recordedMetrics({ metrics: 'none' })).toEqual([]);
    expect(recordedMetrics(null)).toEqual([]);
  });
});

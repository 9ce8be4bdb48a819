import { describe, expect, it } from 'vitest';
import { formatDuration, metricsTable, modelRows, parameterCount, trainingRows, weightBytes } from './pack-facts.ts';

const manifest = {
  weightDtype: 'float16',
  weightsManifest: [{ paths: ['w1.bin'], weights: [{ name: 'a', shape: [10, 4] }, { name: 'b', shape: [3] }] }],
  files: { 'w1.bin': { bytes: 86 } },
  config: { t5: { dModel: 128, numEncoderLayers: 2, numDecoderLayers: 2, numHeads: 4, dFf: 512, feedForward: 'relu', vocabSize: 12168 } },
  provenance: { seconds: 45, samplesPerSecond: 57.98905661026771, date: '2026-11-26T05:00:27.933Z', gitCommit: '2903172b61fab642ccbec8bb822c8f613aad2d70' },
  training: { result: { steps: 3111, trainSeconds: 3428.37, samplesPerSecond: 57.98905661026771, stoppedBy: 'time-budget', bestValLoss: 4.570580080151558, bestStep: 3111 } },
  metrics: { test: { sequential: { HR1: 0.016666666666666666, NDCG5: 0.0235979629081695, users: 300 }, explanation: { bleu4: 0, rougeL: 6.677847171128624, pairs: 994 } }, note: 'first 300 test users only' },
};

describe('pack facts', () => {
  it('counts parameters from the weight manifest and sets them beside T5-small', () => {
    expect(parameterCount(manifest)).toBe(43);
    const rows = modelRows(manifest);
    expect(rows[0]![0]).toBe('parameters');
    expect(rows[0]![2]).toMatch(/^60\.51 M/);
    expect(rows.find((r) => r[0] === 'd_model')).toEqual(['d_model', '128', '512']);
  });
  it('weight bytes from the file list, or from the stored dtypes where the worker summarised the list', () => {
    expect(weightBytes(manifest)).toBe(86);
    const summarised = {
      ...manifest,
      files: '3 files, 1234 bytes',
      weightsManifest: [{ paths: ['w1.bin'], weights: [{ name: 'a', shape: [10, 4], dtype: 'float32', quantization: { dtype: 'float16' } }, { name: 'b', shape: [3], dtype: 'int32' }] }],
    };
    expect(weightBytes(summarised)).toBe(40 * 2 + 3 * 4);
    // A T5-small-sized pack: its size beside T5-small's to 2 digits, not "1×".
    const big = { ...summarised, weightsManifest: [{ paths: ['w1.bin'], weights: [{ name: 'a', shape: [62_339_976], dtype: 'float32', quantization: { dtype: 'float16' } }] }] };
    expect(modelRows(big)[0]).toEqual(['parameters', '62.34 M (118.9 MiB of float16)', '60.51 M (0.97× this pack)']);
  });
  it('training time from the whole run, the resumed session apart, samples/s to 1 digit', () => {
    const rows = Object.fromEntries(trainingRows(manifest));
    expect(rows['training time']).toBe('57 min 08 s');
    expect(rows['last session (after a resume)']).toBe('45 s');
    expect(rows['samples / s']).toBe('58.0');
    expect(rows['best validation loss']).toBe('4.5706 (step 3,111)');
    expect(rows['code version (git)']).toBe('2903172b61fa');
    expect(rows['weights from']).toBeUndefined();
    const chosen = { ...manifest, training: { result: { ...manifest.training.result, bestValLoss: null, weightsFrom: 'step 7,600 of 8,135: of 7 snapshots, the least generic' } } };
    expect(Object.fromEntries(trainingRows(chosen))['weights from']).toBe('step 7,600 of 8,135: of 7 snapshots, the least generic');
  });
  it('metrics at 4 digits, users or pairs', () => {
    const t = metricsTable(manifest);
    expect(t.columns).toEqual(['HR@1', 'NDCG@5', 'BLEU-4', 'ROUGE-L']);
    expect(t.rows[0]).toEqual({ task: 'sequential', users: '300', values: { 'HR@1': '0.0167', 'NDCG@5': '0.0236' } });
    expect(t.rows[1]!.users).toBe('994 pairs');
    expect(t.note).toBe('first 300 test users only');
  });
  it('formats durations', () => {
    expect(formatDuration(3428.37)).toBe('57 min 08 s');
    expect(formatDuration(7300)).toBe('2 h 01 min');
  });
});

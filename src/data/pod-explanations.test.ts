import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, InvalidIdError, TruncatedFileError } from './errors.ts';
import { loadPodExplanations } from './node-explanations.ts';
import { readTextFile } from './node-fs.ts';
import { parsePodExplanations } from './pod-explanations.ts';
import { DATA_DIR, hasDataset } from './testing.ts';

describe('parsePodExplanations', () => {
  it('reads records and checks ids against the dataset', () => {
    const r = parsePodExplanations('[{"user": 2, "item": 5, "explanation": "great puzzle", "feature": "puzzle"}]', 'val.json', { numUsers: 3, numItems: 5 });
    expect(r).toEqual([{ user: 2, item: 5, explanation: 'great puzzle', feature: 'puzzle', rating: NaN }]);
    expect(() => parsePodExplanations('[{"user": 4, "item": 5, "explanation": "x", "feature": "x"}]', 'val.json', { numUsers: 3 })).toThrow(InvalidIdError);
    expect(() => parsePodExplanations('[{"user": 1, "item": 5, "explanation": 3, "feature": "x"}]', 'val.json')).toThrow(DatasetFormatError);
    expect(() => parsePodExplanations('{"user": 1}', 'val.json')).toThrow(/top level is not a JSON array/);
    expect(() => parsePodExplanations('[{"user": 1, "item"', 'val.json')).toThrow(TruncatedFileError);
  });
});

describe.skipIf(!hasDataset('amazon-toys-p5'))('real Toys POD explanations', () => {
  it('val 10,230 and test 10,328 records, ids in range, feature inside every explanation', () => {
    const dir = path.join(DATA_DIR, 'amazon-toys-p5', 'explanation-pod');
    const bounds = { numUsers: 19412, numItems: 11924 };
    const val = parsePodExplanations(readTextFile(path.join(dir, 'val.json')), 'val.json', bounds);
    const test = parsePodExplanations(readTextFile(path.join(dir, 'test.json')), 'test.json', bounds);
    expect([val.length, test.length]).toEqual([10230, 10328]);
    expect(test[0]).toMatchObject({ user: 12227, item: 11167, feature: 'overall' });
    expect([...val, ...test].every((r) => r.explanation.includes(r.feature))).toBe(true);
    expect(loadPodExplanations('amazon-toys-p5', 'val', DATA_DIR)).toHaveLength(10230);
    expect(() => loadPodExplanations('amazon-toys-p5', 'train', DATA_DIR)).toThrow(/explanation-pod\/train\.json: file not found/);
  });
});

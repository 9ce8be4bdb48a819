import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleFromJson } from './example.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../public/models/beauty/example.json');

describe('exampleFromJson', () => {
  it('rejects anything that is not an example', () => {
    expect(exampleFromJson(null, 'beauty')).toBeNull();
    expect(exampleFromJson({ result: { user: {} } }, 'beauty')).toBeNull();
    expect(exampleFromJson([1, 2], 'beauty')).toBeNull();
  });
  it.skipIf(!existsSync(EXAMPLE))("reads the Beauty pack's example.json into the view the app draws", () => {
    const ex = exampleFromJson(JSON.parse(readFileSync(EXAMPLE, 'utf8')), 'beauty')!;
    expect(ex).not.toBeNull();
    expect(ex.pack).toBe('beauty');
    expect(ex.result.user.history.length).toBeGreaterThanOrEqual(5);
    expect(ex.result.user.explainable).toEqual([]);
    expect(ex.result.sequential.length).toBeGreaterThan(0);
    const att = ex.result.attention!;
    for (const row of att.weights) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(att.weights[0]!.length).toBe(att.neighbours.length);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError, parseArgs } from '../args.ts';
import { withRecipe } from './train.ts';

const recipe = (obj: unknown) => () => JSON.stringify(obj);

describe('peapod train --recipe', () => {
  it('merges the recipe under the command line', () => {
    const { args, recipe: r } = withRecipe(parseArgs(['--recipe', 'r.json', '--max-minutes', '3']), recipe({ dataset: 'amazon-beauty-p5', 'max-minutes': 75, 'cf-prior': true, 'seq-prior': false, '// what': 'note' }));
    expect(args.flags).toEqual({ recipe: 'r.json', dataset: 'amazon-beauty-p5', 'max-minutes': '3', 'cf-prior': true });
    expect(r).not.toBeNull();
  });

  it('rejects unknown flags with a suggestion, on the command line and in recipes', () => {
    expect(() => withRecipe(parseArgs(['--max-minute', '3']))).toThrow(/unknown flag --max-minute; did you mean --max-minutes\?/);
    expect(() => withRecipe(parseArgs(['--recipe', 'r.json']), recipe({ engin: 'torch' }))).toThrow(/recipe r.json: unknown flag --engin; did you mean --engine\?/);
    expect(() => withRecipe(parseArgs(['--recipe', 'r.json']), () => '{oops')).toThrow(CliUsageError);
    expect(() => withRecipe(parseArgs(['--recipe', 'r.json']), recipe([1]))).toThrow(/JSON object/);
    expect(() => withRecipe(parseArgs(['--recipe', 'r.json']), recipe({ dataset: { a: 1 } }))).toThrow(/must be a string/);
  });

  it('accepts every committed recipe', () => {
    const dir = path.resolve(import.meta.dirname, '../../../recipes');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const { args } = withRecipe(parseArgs(['--recipe', path.join(dir, f)]));
      expect(typeof args.flags['dataset']).toBe('string');
      expect(typeof args.flags['out']).toBe('string');
    }
  });
});

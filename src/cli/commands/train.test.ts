import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../args.ts';
import { helpText } from '../options.ts';
import { DEFAULT_ADAMW } from '../../train/optimizer.ts';
import { ENGINE_DEFAULTS, parseTrainArgs, TRAIN, trainRunOptions } from './train.ts';

const recipe = (obj: unknown) => () => JSON.stringify(obj);
const run = (argv: string[]) => trainRunOptions(parseTrainArgs(argv).values, 'cmd', 'cpu');

describe('peapod train --recipe', () => {
  it('merges the recipe under the command line', () => {
    const { values, recipe: r } = parseTrainArgs(['--recipe', 'r.json', '--max-minutes', '3'], { read: recipe({ dataset: 'amazon-beauty-p5', out: 'o', 'max-minutes': 75, 'cf-prior': true, 'seq-prior': false, '// what': 'note' }) });
    expect(values).toMatchObject({ recipe: 'r.json', dataset: 'amazon-beauty-p5', out: 'o', maxMinutes: 3, cfPrior: true, seqPrior: false });
    expect(r).not.toBeNull();
  });

  it('rejects unknown flags with a suggestion, on the command line and in recipes', () => {
    expect(() => parseTrainArgs(['--max-minute', '3'])).toThrow(/unknown flag --max-minute; did you mean --max-minutes\?/);
    expect(() => parseTrainArgs(['--recipe', 'r.json'], { read: recipe({ engin: 'torch' }) })).toThrow(/recipe r.json: unknown flag --engin; did you mean --engine\?/);
    expect(() => parseTrainArgs(['--recipe', 'r.json'], { read: () => '{oops' })).toThrow(CliUsageError);
    expect(() => parseTrainArgs(['--recipe', 'r.json'], { read: recipe([1]) })).toThrow(/JSON object/);
    expect(() => parseTrainArgs(['--recipe', 'r.json'], { read: recipe({ dataset: { a: 1 } }) })).toThrow(/must be a string/);
  });

  it('accepts every committed recipe (recipes/*.json) against the table', () => {
    const dir = path.resolve(import.meta.dirname, '../../../recipes');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const file = path.join(dir, f);
      const { values, recipe: r } = parseTrainArgs(['--recipe', file]);
      expect(typeof values.dataset).toBe('string');
      expect(typeof values.out).toBe('string');
      for (const key of Object.keys(r!).filter((k) => !k.startsWith('//'))) expect(TRAIN.options, `${f}: ${key}`).toHaveProperty([key]);
      expect(() => trainRunOptions(values, 'cmd', 'cpu')).not.toThrow();
    }
  });
});

describe('peapod train options', () => {
  const base = ['--dataset', 'd', '--out', 'x/pack'];

  it('keeps each engine its own defaults, resolved once', () => {
    const tfjs = run(base);
    expect(tfjs.train).toMatchObject({ validateEveryMinutes: 5, validationUsers: 512, schedule: { peakLr: 1e-3, warmupSteps: 100, finalFraction: 0.1 } });
    expect(tfjs.torch).toMatchObject({ warmupSteps: 100, validateEveryMin: 5, validUsers: 512 });
    const torch = run([...base, '--engine', 'torch']);
    expect(torch.torch).toMatchObject({ warmupSteps: 300, validateEveryMin: 4, validUsers: 2000, weightDecay: DEFAULT_ADAMW.weightDecay });
    expect(torch.train).toMatchObject({ validateEveryMinutes: 4, validationUsers: 2000, schedule: { warmupSteps: 300 } });
    expect(run([...base, '--engine', 'torch', '--warmup', '50', '--valid-users', '9']).torch).toMatchObject({ warmupSteps: 50, validUsers: 9, validateEveryMin: 4 });
    const help = helpText(TRAIN);
    for (const [flag, d] of Object.entries(ENGINE_DEFAULTS)) {
      const line = help.split('\n').findIndex((l) => l.startsWith(`  --${flag} `));
      expect(help.split('\n').slice(line, line + 3).join(' ').replace(/\s+/g, ' ')).toContain(`(default: ${d.torch} with --engine torch, ${d.tfjs} with tfjs)`);
    }
  });

  it('--item-lr-mult reaches the torch trainer; --freeze-embeddings is its 0; both at once are refused', () => {
    expect(run([...base, '--engine', 'torch']).torch).toMatchObject({ itemLrMult: 1 });
    expect(run([...base, '--engine', 'torch', '--item-lr-mult', '0.1']).torch).toMatchObject({ itemLrMult: 0.1 });
    expect(run([...base, '--engine', 'torch', '--freeze-embeddings']).torch).toMatchObject({ itemLrMult: 0 });
    expect(() => run([...base, '--engine', 'torch', '--freeze-embeddings', '--item-lr-mult', '0.5'])).toThrow(/give one/);
    expect(() => run([...base, '--item-lr-mult', '-1'])).toThrow(/--item-lr-mult/);
  });

  it('maps the rest as before: derived defaults, AdamW constants, the new torch options', () => {
    const o = run(base);
    expect(o.runDir).toBe(path.join('runs', 'pack'));
    expect(o.size).toEqual({ dModel: 128, layers: 2, heads: 4, dFf: 512, dropout: 0.1, untiedHead: false });
    expect(o.cfDim).toBe(32);
    expect(o.tasks).toEqual(['explanation', 'sequential', 'topn']);
    expect(o.train.maxSteps).toBe(Infinity);
    expect(o.train.adamw).toEqual(DEFAULT_ADAMW);
    expect(o.torch).toMatchObject({ itemNoise: 0, itemLabelSmoothing: 0, windowCrop: 0, itemInit: 'bundle', neighbours: 'prefix', repeatUnlikelihood: 0, keepWeights: 'best' });
    const t = run([...base, '--engine', 'torch', '--item-noise', '0.1', '--item-label-smoothing', '0.05', '--item-init-transitions', '--d-model', '64', '--max-steps', '0', '--clip', '0', '--untied-head', '--repeat-unlikelihood', '2', '--keep-weights', 'last']);
    expect(t.torch).toMatchObject({ itemNoise: 0.1, itemLabelSmoothing: 0.05, itemInit: 'transitions', repeatUnlikelihood: 2, keepWeights: 'last' });
    expect(() => run([...base, '--engine', 'torch', '--keep-weights', 'final'])).toThrow(/--keep-weights.*best.*last/);
    expect(run([...base, '--engine', 'torch', '--keep-weights', 'least-generic', '--snapshot-every', '400']).torch).toMatchObject({ keepWeights: 'least-generic', snapshotEvery: 400, snapshotFrom: 0.7 });
    expect(t.size.untiedHead).toBe(true);
    expect(t.size.dFf).toBe(256);
    expect(t.train.maxSteps).toBe(0);
    expect(t.train.adamw.clipNorm).toBe(0);
  });

  it('passes tools/torch/train.py only options it knows (it refuses unknown keys)', () => {
    const py = fs.readFileSync(path.resolve(import.meta.dirname, '../../../tools/torch/train.py'), 'utf8');
    const block = py.slice(py.indexOf('DEFAULTS = {'), py.indexOf('\n}\n', py.indexOf('DEFAULTS = {')));
    const known = new Set([...block.matchAll(/^ {4}"(\w+)":/gm)].map((m) => m[1]!));
    expect(known.has('itemNoise') && known.has('itemLabelSmoothing')).toBe(true);
    const sent = Object.keys(run(['--dataset', 'd', '--out', 'o', '--engine', 'torch']).torch!);
    // snapshotPairs is the pipeline's own (how many validation pairs each snapshot decodes), not sent on.
    expect(sent.filter((k) => !known.has(k))).toEqual(['snapshotPairs']);
  });
});

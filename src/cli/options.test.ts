import { describe, expect, expectTypeOf, it } from 'vitest';
import { CliUsageError, defineCommand, editDistance, helpText, nearestFlag, need, parseCommand, wantsHelp } from './options.ts';

const SPEC = defineCommand({
  command: 'peapod demo',
  usage: ['--out DIR [options]'],
  about: '  A command for tests.',
  recipeFlag: 'recipe',
  options: {
    recipe: { kind: 'string', meta: 'FILE', help: 'a JSON recipe of flags' },
    out: { group: 'Output', kind: 'string', meta: 'DIR', required: true, help: 'where it goes' },
    'max-minutes': { kind: 'number', default: 60, help: 'time budget' },
    'batch-size': { kind: 'integer', default: 64, min: 1, help: 'rows per batch' },
    'd-ff': { kind: 'integer', defaultText: '4 * --d-model', help: 'feed-forward width' },
    engine: { group: 'Training', kind: 'choice', choices: ['tfjs', 'torch'], default: 'tfjs', help: 'who trains' },
    split: { kind: 'choice', choices: ['test', 'valid', 'train'], help: 'which split' },
    tasks: { kind: 'list', choices: ['sequential', 'topn', 'explanation'], default: ['sequential', 'topn'], help: 'tasks' },
    'cf-prior': { kind: 'switch', help: 'add the prior' },
    label: { kind: 'string', help: 'a label' },
  },
});

const parse = (argv: string[], read?: (f: string) => string) => parseCommand(SPEC, argv, read ? { read } : {});

describe('help derived from the table', () => {
  const help = helpText(SPEC);
  it('lists usage, about, groups and every flag with its default', () => {
    expect(help.split('\n')[0]).toBe('usage: peapod demo --out DIR [options]');
    expect(help).toContain('  A command for tests.');
    expect(help).toMatch(/^Output:$/m);
    expect(help).toMatch(/^Training:$/m);
    expect(help).toMatch(/^ {2}--max-minutes X +time budget \(default: 60\)$/m);
    expect(help).toMatch(/--batch-size N +rows per batch \(default: 64\)/);
    expect(help).toMatch(/--d-ff N +feed-forward width \(default: 4 \* --d-model\)/);
    expect(help).toMatch(/--engine tfjs\|torch +who trains \(default: tfjs\)/);
    expect(help).toMatch(/--tasks LIST +tasks \(comma list of sequential, topn, explanation; default:\s+sequential,topn\)/);
    expect(help).toMatch(/--out DIR +where it goes \(required\)/);
    expect(help).toMatch(/--cf-prior +add the prior$/m);
    expect(help).toMatch(/--split test\|valid\|train\n +which split$/m);
  });
  it('wraps long help under the help column', () => {
    const long = defineCommand({ command: 'x', usage: [''], options: { 'a-very-long-flag-name': { kind: 'string', meta: 'SOMETHING', help: 'word '.repeat(40).trim() } } });
    const lines = helpText(long).split('\n');
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    const at = lines.findIndex((l) => l.includes('--a-very-long-flag-name SOMETHING'));
    expect(lines[at + 1]).toMatch(/^ {26}word word/);
  });
  it('recognises --help and -h', () => {
    expect(wantsHelp(['--out', 'x', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--out', 'x'])).toBe(false);
  });
});

describe('typed parsing', () => {
  it('fills defaults and converts values (--k v, --k=v, switches)', () => {
    const { values, given, recipe } = parse(['--out', 'o', '--max-minutes=2.5', '--batch-size', '8', '--engine', 'torch', '--tasks', 'topn, explanation', '--cf-prior']);
    expect(values).toEqual({ recipe: undefined, out: 'o', maxMinutes: 2.5, batchSize: 8, dFf: undefined, engine: 'torch', split: undefined, tasks: ['topn', 'explanation'], cfPrior: true, label: undefined });
    expect([...given].sort()).toEqual(['batch-size', 'cf-prior', 'engine', 'max-minutes', 'out', 'tasks']);
    expect(recipe).toBeNull();
    expectTypeOf(values.maxMinutes).toEqualTypeOf<number>();
    expectTypeOf(values.dFf).toEqualTypeOf<number | undefined>();
    expectTypeOf(values.out).toEqualTypeOf<string>();
    expectTypeOf(values.engine).toEqualTypeOf<'tfjs' | 'torch'>();
    expectTypeOf(values.split).toEqualTypeOf<'test' | 'valid' | 'train' | undefined>();
    expectTypeOf(values.tasks).toEqualTypeOf<('sequential' | 'topn' | 'explanation')[]>();
    expectTypeOf(values.cfPrior).toEqualTypeOf<boolean>();
  });
  it('defaults are fresh copies, and a switch takes an explicit true/false but no other value', () => {
    const a = parse(['--out', 'o']).values;
    a.tasks.push('explanation');
    expect(parse(['--out', 'o']).values.tasks).toEqual(['sequential', 'topn']);
    expect(parse(['--out', 'o', '--cf-prior', 'false']).values.cfPrior).toBe(false);
    expect(parse(['--out', 'o', '--cf-prior=1']).values.cfPrior).toBe(true);
    expect(() => parse(['--cf-prior', 'yes', '--out', 'o'])).toThrow(/unexpected argument "yes"/);
    expect(() => parse(['--out', 'o', '--cf-prior=yes'])).toThrow(/--cf-prior is a switch \(true\/false\), got "yes"/);
  });
  it('reports each kind of usage error', () => {
    const err = (argv: string[]) => {
      try {
        parse(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(CliUsageError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err(['--out', 'o', '--max-minutes', 'soon'])).toBe('--max-minutes needs a number, got "soon"');
    expect(err(['--out', 'o', '--max-minutes'])).toBe('--max-minutes needs a number, got nothing');
    expect(err(['--out', 'o', '--batch-size', '2.5'])).toBe('--batch-size needs a whole number, got "2.5"');
    expect(err(['--out', 'o', '--batch-size', '0'])).toBe('--batch-size must be at least 1, got "0"');
    expect(err(['--out', 'o', '--engine', 'jax'])).toBe('--engine must be tfjs or torch, got "jax"');
    expect(err(['--out', 'o', '--split', 'dev'])).toBe('--split must be one of test, valid, train, got "dev"');
    expect(err(['--out', 'o', '--engine'])).toBe('--engine must be tfjs or torch, got nothing');
    expect(err(['--out', 'o', '--tasks', 'topn,rating'])).toBe('--tasks: unknown value "rating"; allowed: sequential, topn, explanation');
    expect(err(['--out', 'o', '--label'])).toBe('--label needs a value (TEXT)');
    expect(err(['--max-minutes', '3'])).toBe('missing --out <DIR>');
    expect(err(['--out', 'o', 'extra'])).toMatch(/^unexpected argument "extra"/);
  });
  it('rejects unknown flags with the nearest known one', () => {
    expect(() => parse(['--out', 'o', '--max-minute', '3'])).toThrow('unknown flag --max-minute; did you mean --max-minutes? (peapod demo --help lists them)');
    expect(() => parse(['--out', 'o', '--frobnicate'])).toThrow(/^unknown flag --frobnicate \(peapod demo --help lists them\)$/);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearestFlag('engin', ['engine', 'out'])).toBe('engine');
    expect(nearestFlag('zzzzzzzz', ['engine', 'out'])).toBeUndefined();
  });
  it('need() names a flag a mode of a command requires', () => {
    expect(need('x', 'pack')).toBe('x');
    expect(() => need(undefined, 'pack', 'DIR')).toThrow('missing --pack <DIR>');
  });
});

describe('recipes', () => {
  const recipe = (obj: unknown) => () => JSON.stringify(obj);
  it('merges the recipe under the command line and checks its values by the table', () => {
    const r = parse(['--recipe', 'r.json', '--max-minutes', '3', '--cf-prior', 'false'], recipe({ out: 'from-recipe', 'max-minutes': 75, 'batch-size': 16, 'cf-prior': true, tasks: 'topn', '// what': 'note', engine: false }));
    expect(r.values).toMatchObject({ recipe: 'r.json', out: 'from-recipe', maxMinutes: 3, batchSize: 16, cfPrior: false, tasks: ['topn'], engine: 'tfjs' });
    expect(r.given.has('batch-size')).toBe(true);
    expect(r.recipe).toMatchObject({ out: 'from-recipe', 'max-minutes': 75 });
  });
  it('a recipe can supply required flags', () => {
    expect(parse(['--recipe', 'r.json'], recipe({ out: 'o' })).values.out).toBe('o');
  });
  it('rejects unknown keys, bad values and malformed files, naming the recipe', () => {
    expect(() => parse(['--recipe', 'r.json'], recipe({ out: 'o', engin: 'torch' }))).toThrow('recipe r.json: unknown flag --engin; did you mean --engine? (peapod demo --help lists them)');
    expect(() => parse(['--recipe', 'r.json'], recipe({ out: 'o', engine: 'jax' }))).toThrow('recipe r.json: --engine must be tfjs or torch, got "jax"');
    expect(() => parse(['--recipe', 'r.json'], recipe({ out: 'o', 'batch-size': 'big' }))).toThrow('recipe r.json: --batch-size needs a number, got "big"');
    expect(() => parse(['--recipe', 'r.json'], recipe({ out: { a: 1 } }))).toThrow(/recipe r.json: "out" must be a string, a number or true\/false/);
    expect(() => parse(['--recipe', 'r.json'], recipe([1]))).toThrow(/a recipe is a JSON object of flags, got an array/);
    expect(() => parse(['--recipe', 'r.json'], () => '{oops')).toThrow(CliUsageError);
    expect(() => parse(['--recipe'])).toThrow(/--recipe needs a file/);
  });
});

describe('defineCommand', () => {
  it('refuses a default outside the choices and a reserved flag name', () => {
    expect(() => defineCommand({ command: 'x', usage: [], options: { e: { kind: 'choice', choices: ['a', 'b'], default: 'c', help: '' } } })).toThrow(/default "c" is not among a, b/);
    expect(() => defineCommand({ command: 'x', usage: [], options: { help: { kind: 'switch', help: '' } } })).toThrow(/bad flag name/);
  });
});
